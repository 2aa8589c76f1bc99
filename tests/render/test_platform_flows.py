"""The platform's flow map: the parts that follow the stack (the reachability of the reference stacks is
tests/engine/test_network_flows.py, evaluated over the real renders)."""

from infra.render import platform_flows
from infra.render import platform_pods as pods
from infra.render.network_policy import PRIVATE_RANGES
from tests.conftest import reference_config


def _policy(policies: list[dict], name: str) -> dict:
    return next(p for p in policies if p["metadata"]["name"] == name)


def test_keda_queries_an_external_metrics_endpoint_on_its_port_and_vmsingle_no_longer_admits_it():
    platform = reference_config(observability={"metricsUrl": "https://prometheus.example.com:9443"})
    operator = _policy(platform_flows.keda_policies(platform), "keda-operator")
    assert {"ports": [{"protocol": "TCP", "port": 9443}]} in operator["spec"]["egress"]
    vmsingle = _policy(platform_flows.monitoring_policies(platform), "vmsingle")
    (rule,) = vmsingle["spec"]["ingress"]
    assert not any(peer.get("namespaceSelector") for peer in rule["from"])  # KEDA's was the only other namespace


def test_keda_queries_the_platforms_vmsingle_by_default():
    platform = reference_config()
    operator = _policy(platform_flows.keda_policies(platform), "keda-operator")
    peers = [peer for rule in operator["spec"]["egress"] for peer in rule.get("to", [])]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": pods.VMSINGLE}} in peers


def test_every_namespace_gets_its_default_deny_first():
    platform = reference_config("prod")
    for render in (platform_flows.keda_policies, platform_flows.external_secrets_policies,
                   platform_flows.monitoring_policies, platform_flows.logging_policies,
                   platform_flows.envoy_gateway_policies, platform_flows.ai_gateway_policies,
                   platform_flows.semantic_router_policies):
        first, *rest = render(platform)
        assert first["metadata"]["name"] == "default-deny" and first["spec"] == {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        namespace = first["metadata"]["namespace"]
        assert all(p["metadata"]["namespace"] == namespace for p in rest)
        assert len({p["metadata"]["name"] for p in rest}) == len(rest)


def test_webhooks_are_open_to_private_addresses_on_their_port_only():
    platform = reference_config()
    webhook = _policy(platform_flows.external_secrets_policies(platform), "external-secrets-webhook")
    (rule,) = webhook["spec"]["ingress"]
    assert rule == {"from": [{"ipBlock": {"cidr": c}} for c in PRIVATE_RANGES],
                    "ports": [{"protocol": "TCP", "port": pods.ESO_WEBHOOK_PORT}]}
