"""GatewayClass, EnvoyProxy, Gateway and ClientTrafficPolicy: one internal endpoint for LLM traffic."""

from __future__ import annotations

from infra.config import PlatformConfig
from infra.render.gateway.proxy import endpoint
from infra.render.model_network import render_network_policy

from ..conftest import build_platform
from .conftest import objects, one, reference_platform


def test_gateway_class_is_envoy_gateways_and_points_at_the_envoy_proxy(any_platform: PlatformConfig):
    cls = one(any_platform, "GatewayClass")
    proxy = one(any_platform, "EnvoyProxy")
    gateway = one(any_platform, "Gateway")
    assert "namespace" not in cls["metadata"]  # cluster-scoped
    assert cls["spec"]["controllerName"] == "gateway.envoyproxy.io/gatewayclass-controller"
    assert cls["spec"]["parametersRef"] == {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy",
                                            "name": proxy["metadata"]["name"],
                                            "namespace": proxy["metadata"]["namespace"]}
    assert gateway["spec"]["gatewayClassName"] == cls["metadata"]["name"]
    listeners = [(listener["protocol"], listener["port"]) for listener in gateway["spec"]["listeners"]]
    assert listeners == ([("HTTP", 80), ("HTTPS", 443)] if any_platform.gateway.tls else [("HTTP", 80)])


def test_the_models_network_policy_admits_this_gateways_proxies():
    """The model NetworkPolicy admits pods labelled owning-gateway-name=<gateway> in the gateway's
    namespace: the Gateway rendered here must be that one, also when the stack renames it (it cannot
    move it: config.gateway refuses any namespace but Envoy Gateway's)."""
    for platform in (reference_platform("dev"), build_platform(
            lambda c: c.update(gateway={"name": "edge"}))):
        gateway = one(platform, "Gateway")
        (rule,) = render_network_policy(platform, platform.resolved_models[0])["spec"]["ingress"]
        peer = rule["from"][0]
        assert peer["namespaceSelector"]["matchLabels"] == {
            "kubernetes.io/metadata.name": gateway["metadata"]["namespace"]}
        assert peer["podSelector"]["matchLabels"] == {
            "gateway.envoyproxy.io/owning-gateway-name": gateway["metadata"]["name"]}
        assert {o["metadata"].get("namespace") for o in objects(platform)} == {None, gateway["metadata"]["namespace"]}


def test_internal_by_default_an_internal_nlb():
    proxy = one(reference_platform("dev"), "EnvoyProxy")["spec"]["provider"]["kubernetes"]
    service = proxy["envoyService"]
    assert service["type"] == "LoadBalancer"
    assert service["name"] == "llm-gateway"  # pinned: the endpoint below is predictable
    assert service["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    }
    assert "loadBalancerSourceRanges" not in service
    assert proxy["envoyDeployment"]["replicas"] == 2 and proxy["envoyPDB"] == {"minAvailable": 1}
    assert proxy["envoyServiceAccount"] == {"name": "llm-gateway"}


def test_internet_facing_only_with_an_allow_list():
    platform = build_platform(lambda c: c["gateway"].update(internal=False, allowedSourceCidrs=["203.0.113.0/24"]))
    service = one(platform, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
    assert service["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internet-facing"
    assert "service.beta.kubernetes.io/aws-load-balancer-internal" not in service["annotations"]
    assert service["loadBalancerSourceRanges"] == ["203.0.113.0/24"]


def test_proxy_size_follows_the_stack():
    platform = build_platform(lambda c: c.update(gateway={"replicas": 1, "resources": {"cpu": "2", "memory": "2Gi"}}))
    kubernetes = one(platform, "EnvoyProxy")["spec"]["provider"]["kubernetes"]
    assert kubernetes["envoyDeployment"]["replicas"] == 1
    assert "envoyPDB" not in kubernetes  # a PDB of one replica would block node drains
    assert kubernetes["envoyDeployment"]["container"]["resources"] == {
        "requests": {"cpu": "2", "memory": "2Gi"}, "limits": {"memory": "2Gi"}}


def test_clients_may_send_large_bodies_and_wait_for_long_completions():
    spec = one(reference_platform("dev"), "ClientTrafficPolicy")["spec"]
    assert spec["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "llm-gateway"}]
    assert spec["connection"]["bufferLimit"] == "50Mi"
    # a non-streamed completion sends nothing until it is done: idle must not fire before the request timeout
    assert spec["timeout"]["http"]["streamIdleTimeout"] == "600s"
    proxy = one(reference_platform("dev"), "EnvoyProxy")["spec"]
    assert proxy["shutdown"]["drainTimeout"] == "600s"


def test_endpoint_is_the_tls_hostname_or_else_the_pinned_service_in_cluster():
    assert endpoint(reference_platform("dev")) == "https://llm.dev.internal.example.com/v1"
    plain = build_platform(lambda c: c["gateway"].pop("tls"))
    assert endpoint(plain) == "http://llm-gateway.envoy-gateway-system.svc.cluster.local/v1"


def test_two_or_more_proxies_spread_across_zones_and_nodes():
    platform = reference_platform("dev")
    assert platform.gateway.replicas >= 2
    pod = one(platform, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyDeployment"]["pod"]
    zone, node = pod["topologySpreadConstraints"]
    selector = {"matchLabels": {"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy",
                                "app.kubernetes.io/managed-by": "envoy-gateway",
                                "gateway.envoyproxy.io/owning-gateway-name": platform.gateway.name}}
    assert zone == {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": selector}
    assert node["topologyKey"] == "kubernetes.io/hostname" and node["whenUnsatisfiable"] == "ScheduleAnyway"
    single = build_platform(lambda c: c["gateway"].update(replicas=1))
    assert "topologySpreadConstraints" not in one(single, "EnvoyProxy")["spec"]["provider"]["kubernetes"][
        "envoyDeployment"]["pod"]
