"""Envoy Gateway's namespace and chart values, and how they point at the AI Gateway."""

from __future__ import annotations

import re

from infra.catalog.platform_versions import ENVOY_GATEWAY_CHART, RATE_LIMIT_REDIS_IMAGE
from infra.config.serving import check_pinned_image
from infra.config.gateway import GatewayConfig
from infra.render.priority import SERVICES_PRIORITY_CLASS
from infra.render.services import ai_gateway, envoy_gateway
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform
from .charts import K8S, SCHEMAS, chart_file, helm_merged, restricted_problems, unknown_keys

# config.envoyGateway is the EnvoyGateway API object (api/v1alpha1/envoygateway_types.go), not chart keys.
FREE_FORM = ["config.envoyGateway"]
TEMPLATE_ONLY = ["deployment.priorityClassName"]  # values.yaml: `priorityClassName: null`


def values(*mutations) -> dict:
    return envoy_gateway.chart_values(build_platform(*mutations))


def ha(cfg) -> None:
    cfg["services"] = {"envoyGateway": {"controller": {"replicas": 1}}}


def test_every_value_key_exists_upstream():
    assert unknown_keys(values(), "gateway-helm", free_form=FREE_FORM, template_only=TEMPLATE_ONLY) == []
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
    ai_values = helm_merged("ai-gateway-helm", ai_gateway.chart_values(build_platform(), "s"))
    assert service == ai_values["controller"]["fullnameOverride"]  # the chart's Service name
    assert namespace == ai_gateway.NAMESPACE
    grpc = next(p for p in ai_values["controller"]["service"]["ports"] if p["name"] == "grpc")
    assert fqdn["port"] == grpc["port"] == ai_gateway.EXTENSION_SERVER_PORT
    assert fqdn["hostname"].endswith(".svc." + helm_merged("gateway-helm", values())["kubernetesClusterDomain"])


def test_chart_defaults_for_the_gateway_controller_survive_the_merge():
    merged = helm_merged("gateway-helm", values())["config"]["envoyGateway"]
    assert merged["gateway"] == {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"}
    assert merged["provider"] == {"type": "Kubernetes"}


def test_runs_on_system_nodes_with_the_chart_restricted_contexts():
    v = values()
    assert v["deployment"]["pod"]["nodeSelector"] == SYSTEM_NODE_SELECTOR
    assert v["certgen"]["job"]["nodeSelector"] == SYSTEM_NODE_SELECTOR
    merged = helm_merged("gateway-helm", v)["deployment"]
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


# ---- global rate limiting: the controller's rateLimit backend and the Redis it points at -------------

def test_no_rate_limit_service_unless_asked():
    assert "rateLimit" not in values()["config"]["envoyGateway"]
    assert "provider" not in values()["config"]["envoyGateway"]


def test_global_rate_limit_points_the_controller_at_the_platform_redis():
    v = envoy_gateway.chart_values(build_platform(), global_rate_limit=True)
    assert unknown_keys(v, "gateway-helm", free_form=FREE_FORM, template_only=TEMPLATE_ONLY) == []
    # api/v1alpha1/envoygateway_types.go at v1.9.0: RateLimit.backend (type Redis, redis.url), the same keys
    # the docs' Global Rate Limit task sets with --set config.envoyGateway.rateLimit.backend...
    assert v["config"]["envoyGateway"]["rateLimit"] == {"backend": {"type": "Redis", "redis": {
        "url": "ratelimit-redis.envoy-gateway-system.svc.cluster.local:6379"}}, "failClosed": True}
    # everything else is what it is without rate limiting
    without = values()
    assert {k: x for k, x in v["config"]["envoyGateway"].items() if k not in ("rateLimit", "provider")} \
        == without["config"]["envoyGateway"]
    assert {k: x for k, x in v.items() if k != "config"} == {k: x for k, x in without.items() if k != "config"}


def test_the_redis_url_names_the_rendered_service():
    _, service, _ = envoy_gateway.render_rate_limit_redis()
    host, port = envoy_gateway.redis_url().rsplit(":", 1)
    name, namespace, *_ = host.split(".")
    assert (name, namespace) == (service["metadata"]["name"], service["metadata"]["namespace"])
    assert namespace == envoy_gateway.NAMESPACE
    assert int(port) == service["spec"]["ports"][0]["port"] == 6379
    assert host.endswith(".svc." + helm_merged("gateway-helm", values())["kubernetesClusterDomain"])


def test_the_rate_limit_deployment_runs_on_system_nodes_and_keeps_the_chart_provider():
    v = envoy_gateway.chart_values(build_platform(), global_rate_limit=True)
    merged = helm_merged("gateway-helm", v)["config"]["envoyGateway"]
    assert merged["provider"]["type"] == "Kubernetes"
    assert merged["provider"]["kubernetes"]["rateLimitDeployment"] == {
        "pod": {"nodeSelector": SYSTEM_NODE_SELECTOR, "priorityClassName": SERVICES_PRIORITY_CLASS},
        "container": {"env": [{"name": "REDIS_AUTH", "valueFrom": {"secretKeyRef": {
            "name": envoy_gateway.REDIS_AUTH_SECRET, "key": envoy_gateway.REDIS_AUTH_KEY}}}]}}
    assert merged["gateway"] == {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"}


def test_redis_objects_are_schema_valid():
    objs = envoy_gateway.render_rate_limit_redis()
    assert [o["kind"] for o in objs] == ["Deployment", "Service", "NetworkPolicy"]
    for obj in objs:
        assert obj["metadata"]["namespace"] == envoy_gateway.NAMESPACE
        assert validate_object(obj, K8S) == []
        assert validate_object(obj, "1.34") == []


def test_redis_image_is_pinned_to_a_patched_exact_tag():
    deployment = envoy_gateway.render_rate_limit_redis()[0]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == RATE_LIMIT_REDIS_IMAGE == "docker.io/library/redis:7.4.11-alpine"
    assert re.fullmatch(r"docker\.io/library/redis:\d+\.\d+\.\d+-alpine", container["image"])
    major, minor, patch = map(int, container["image"].split(":")[1].split("-")[0].split("."))
    assert (major, minor) != (7, 4) or patch >= 6  # CVE-2025-49844 is fixed in 7.4.6
    check_pinned_image(container["image"])  # the policy pack's check


def test_redis_is_restricted_on_system_nodes_with_bounded_resources():
    deployment = envoy_gateway.render_rate_limit_redis()[0]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert restricted_problems(pod["securityContext"], container["securityContext"]) == []
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["runAsUser"] == 999  # the image's `redis` user: no gosu, no chown
    assert pod["automountServiceAccountToken"] is False
    assert pod["nodeSelector"] == SYSTEM_NODE_SELECTOR
    assert deployment["spec"]["replicas"] == 1
    memory = container["resources"]["limits"]["memory"]
    assert container["resources"]["requests"]["memory"] == memory and "cpu" not in container["resources"]["limits"]
    args = container["args"]
    assert args[args.index("--maxmemory") + 1] == "96mb"  # below the 128Mi limit: evict, never OOM
    # no persistence: nothing written outside the emptyDir working directory
    assert args[args.index("--save") + 1] == "" and args[args.index("--appendonly") + 1] == "no"
    assert container["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]
    assert "emptyDir" in pod["volumes"][0] and "persistentVolumeClaim" not in pod["volumes"][0]


def test_only_the_rate_limit_pods_reach_redis():
    deployment, service, policy = envoy_gateway.render_rate_limit_redis()
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"] == selector == policy["spec"]["podSelector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    (rule,) = policy["spec"]["ingress"]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"] and policy["spec"]["egress"] == []  # answers only
    # the labels Envoy Gateway v1.9.0 puts on its envoy-ratelimit pods
    assert rule["from"] == [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "envoy-ratelimit", "app.kubernetes.io/component": "ratelimit",
        "app.kubernetes.io/managed-by": "envoy-gateway"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]


def test_rate_limiting_fails_closed_unless_the_stack_opens_it():
    assert envoy_gateway.rate_limit(build_platform())["failClosed"] is True
    opened = build_platform(lambda c: c["gateway"].update(rateLimitFailure="open"))
    assert envoy_gateway.rate_limit(opened)["failClosed"] is False


def test_redis_requires_the_generated_password_and_the_rate_limit_pods_send_it():
    deployment = envoy_gateway.render_rate_limit_redis()[0]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[args.index("--requirepass") + 1] == "$(REDIS_PASSWORD)" and "--protected-mode" not in args
    from_secret = {"secretKeyRef": {"name": envoy_gateway.REDIS_AUTH_SECRET, "key": envoy_gateway.REDIS_AUTH_KEY}}
    # the password Kubernetes expands into the args, and the one redis-cli (the readiness probe) signs in with
    assert container["env"] == [{"name": "REDIS_PASSWORD", "valueFrom": from_secret},
                                {"name": "REDISCLI_AUTH", "valueFrom": from_secret}]
    assert container["readinessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    assert envoy_gateway.redis_auth_secret_metadata()["namespace"] == envoy_gateway.NAMESPACE
    # what Envoy Gateway adds to its rate limit container: a valid EnvVar list, REDIS_AUTH from the same key
    env = envoy_gateway.chart_values(build_platform(), global_rate_limit=True)["config"]["envoyGateway"][
        "provider"]["kubernetes"]["rateLimitDeployment"]["container"]["env"]
    assert env == [{"name": "REDIS_AUTH", "valueFrom": from_secret}]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ratelimit", "namespace": envoy_gateway.NAMESPACE},
           "spec": {"containers": [{"name": "envoy-ratelimit", "image": "envoyproxy/ratelimit", "env": env}]}}
    assert validate_object(pod, K8S) == []
