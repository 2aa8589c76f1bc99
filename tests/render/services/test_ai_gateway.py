"""Envoy AI Gateway's namespace and chart values."""

from __future__ import annotations

import pytest

from infra.catalog.platform_versions import AI_GATEWAY_CHART, AI_GATEWAY_CRDS_CHART
from infra.render.services import ai_gateway, envoy_gateway
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform
from .charts import K8S, SCHEMAS, chart_file, helm_merged, pod_with, restricted_problems, unknown_keys

SEED = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"


def values(*mutations) -> dict:
    return ai_gateway.chart_values(build_platform(*mutations), SEED)


def single(cfg) -> None:
    cfg["services"] = {"aiGateway": {"controller": {"replicas": 1, "resources": {"cpu": "1", "memory": "1Gi"}}}}


def test_every_value_key_exists_upstream():
    assert unknown_keys(values(), "ai-gateway-helm") == []
    assert unknown_keys(values(single), "ai-gateway-helm") == []


def test_it_looks_for_envoy_gateway_where_it_is_installed():
    assert values()["envoyGateway"] == {"namespace": envoy_gateway.NAMESPACE}


def test_the_mcp_seed_is_the_generated_one_never_the_published_default():
    default = chart_file("ai-gateway-helm")["controller"]["mcp"]["sessionEncryption"]["seed"]
    assert default == "default-insecure-seed"
    assert values()["controller"]["mcp"]["sessionEncryption"] == {"seed": SEED}


def test_controller_is_restricted_and_on_system_nodes():
    controller = values()["controller"]
    pod, container = controller["podSecurityContext"], controller["securityContext"]
    assert restricted_problems(pod, container) == []
    assert validate_object(pod_with(pod, container, ai_gateway.NAMESPACE), K8S) == []
    assert controller["nodeSelector"] == SYSTEM_NODE_SELECTOR
    # nothing the chart sets is dropped or loosened
    upstream = chart_file("ai-gateway-helm")["controller"]
    assert container == upstream["securityContext"] and pod == upstream["podSecurityContext"]


@pytest.mark.parametrize("mutation,replicas,budget", [((), 2, True), ((single,), 1, False)])
def test_replicas_and_budget(mutation, replicas, budget):
    controller = values(*mutation)["controller"]
    assert controller["replicaCount"] == replicas
    assert controller["podDisruptionBudget"] == {"enabled": budget, "minAvailable": 1}


def test_controller_keeps_its_service_name():
    merged = helm_merged("ai-gateway-helm", values())
    assert merged["controller"]["fullnameOverride"] == ai_gateway.CONTROLLER_NAME == "ai-gateway-controller"


def test_namespace_is_restricted_and_valid():
    ns = ai_gateway.render_namespace()
    assert ns["metadata"]["name"] == "envoy-ai-gateway-system"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert validate_object(ns, K8S) == []


def test_charts_are_pinned():
    assert AI_GATEWAY_CRDS_CHART.chart == "oci://docker.io/envoyproxy/ai-gateway-crds-helm"
    assert AI_GATEWAY_CHART.chart == "oci://docker.io/envoyproxy/ai-gateway-helm"
    assert AI_GATEWAY_CRDS_CHART.version == AI_GATEWAY_CHART.version == "v1.1.0"
    sources = (SCHEMAS / "SOURCES.md").read_text()
    assert "| `charts/ai-gateway-helm` | ai-gateway-helm v1.1.0 |" in sources
    # the CRDs validated against are the CRDs chart's templates at the same tag
    assert "`manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_aigatewayroutes.yaml` | v1.1.0" \
        in sources


def test_request_header_attributes_reach_the_controller_setting():
    from infra.render.gateway import REQUEST_HEADER_ATTRIBUTES

    assert chart_file("ai-gateway-helm")["controller"]["requestHeaderAttributes"] == ""  # the key, upstream
    v = ai_gateway.chart_values(build_platform(), SEED, REQUEST_HEADER_ATTRIBUTES)
    assert unknown_keys(v, "ai-gateway-helm") == []
    assert v["controller"]["requestHeaderAttributes"] == REQUEST_HEADER_ATTRIBUTES == "x-tenant-id:tenant.id"
    # everything else as without it; None leaves the chart's default
    v["controller"].pop("requestHeaderAttributes")
    assert v == values()
    assert "requestHeaderAttributes" not in values()["controller"]
