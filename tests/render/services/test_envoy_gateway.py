"""Envoy Gateway's namespace and chart values, and how they point at the AI Gateway."""

from __future__ import annotations

from infra.catalog.platform_versions import ENVOY_GATEWAY_CHART
from infra.config.gateway import GatewayConfig
from infra.render.services import ai_gateway, envoy_gateway
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform
from .charts import K8S, SCHEMAS, chart_file, deep_merge, unknown_keys

# config.envoyGateway is the EnvoyGateway API object (api/v1alpha1/envoygateway_types.go), not chart keys.
FREE_FORM = ["config.envoyGateway"]


def values(*mutations) -> dict:
    return envoy_gateway.chart_values(build_platform(*mutations))


def ha(cfg) -> None:
    cfg["services"] = {"envoyGateway": {"controller": {"replicas": 1}}}


def test_every_value_key_exists_upstream():
    assert unknown_keys(values(), "gateway-helm", free_form=FREE_FORM) == []
    assert "envoyGateway" in chart_file("gateway-helm")["config"]


def test_backend_api_on_and_nothing_else_extra():
    extension_apis = values()["config"]["envoyGateway"]["extensionApis"]
    assert extension_apis == {"enableBackend": True}  # no EnvoyPatchPolicy: AI Gateway 1.1 does not need it


def test_extension_manager_is_what_ai_gateway_1_1_requires():
    # manifests/envoy-gateway-values.yaml at envoyproxy/ai-gateway v1.1.0, field names as in
    # api/v1alpha1/envoygateway_types.go at envoyproxy/gateway v1.9.0
    assert values()["config"]["envoyGateway"]["extensionManager"] == {
        "hooks": {"xdsTranslator": {
            "translation": {"listener": {"includeAll": True}, "route": {"includeAll": True},
                            "cluster": {"includeAll": True}, "secret": {"includeAll": True}},
            "post": ["Translation", "Cluster", "Route"],
        }},
        "service": {"fqdn": {"hostname": "ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local",
                             "port": 1063}},
    }


def test_extension_server_is_the_ai_gateway_controller_service():
    fqdn = values()["config"]["envoyGateway"]["extensionManager"]["service"]["fqdn"]
    service, namespace, *_ = fqdn["hostname"].split(".")
    ai_values = deep_merge(chart_file("ai-gateway-helm"), ai_gateway.chart_values(build_platform(), "s"))
    assert service == ai_values["controller"]["fullnameOverride"]  # the chart's Service name
    assert namespace == ai_gateway.NAMESPACE
    grpc = next(p for p in ai_values["controller"]["service"]["ports"] if p["name"] == "grpc")
    assert fqdn["port"] == grpc["port"] == ai_gateway.EXTENSION_SERVER_PORT
    assert fqdn["hostname"].endswith(".svc." + deep_merge(chart_file("gateway-helm"), values())["kubernetesClusterDomain"])


def test_chart_defaults_for_the_gateway_controller_survive_the_merge():
    merged = deep_merge(chart_file("gateway-helm"), values())["config"]["envoyGateway"]
    assert merged["gateway"] == {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"}
    assert merged["provider"] == {"type": "Kubernetes"}


def test_runs_on_system_nodes_with_the_chart_restricted_contexts():
    v = values()
    assert v["deployment"]["pod"]["nodeSelector"] == SYSTEM_NODE_SELECTOR
    assert v["certgen"]["job"]["nodeSelector"] == SYSTEM_NODE_SELECTOR
    merged = deep_merge(chart_file("gateway-helm"), v)["deployment"]
    container = merged["envoyGateway"]["securityContext"]
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"] == {"drop": ["ALL"]}
    assert merged["pod"]["securityContext"]["runAsNonRoot"] is True
    assert merged["pod"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_replicas_and_budget():
    v = values()
    assert v["deployment"]["replicas"] == 2 and v["podDisruptionBudget"] == {"minAvailable": 1}
    v = values(ha)
    assert v["deployment"]["replicas"] == 1 and v["podDisruptionBudget"] == {"minAvailable": 0}
    assert v["deployment"]["envoyGateway"]["resources"] == {"requests": {"cpu": "100m", "memory": "512Mi"},
                                                           "limits": {"memory": "512Mi"}}


def test_namespace_is_where_the_gateway_objects_go_by_default():
    ns = envoy_gateway.render_namespace()
    assert ns["metadata"]["name"] == envoy_gateway.NAMESPACE == GatewayConfig().namespace
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert validate_object(ns, K8S) == []


def test_chart_is_pinned():
    assert ENVOY_GATEWAY_CHART.chart == "oci://docker.io/envoyproxy/gateway-helm"
    assert ENVOY_GATEWAY_CHART.version == "1.9.0" and ENVOY_GATEWAY_CHART.repo is None
    assert "| `charts/gateway-helm` | gateway-helm v1.9.0 / 1.9.0 |" in (SCHEMAS / "SOURCES.md").read_text()
    images = chart_file("gateway-helm")["global"]["images"]["envoyGateway"]
    assert images["image"] == "docker.io/envoyproxy/gateway:v1.9.0"
