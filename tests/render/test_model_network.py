"""Service and NetworkPolicy of one model: only the gateway and the scraper get in; egress is what the
weight loader needs and nothing else."""

from __future__ import annotations

import pytest

from infra.render.model_network import render_network_policy, render_service
from infra.render.model_workload import render_deployment
from infra.validation.k8s_schema import validate_object

from .conftest import NAMESPACE, TOOLS_DIGEST, Variant, bucket_of, build_platform, variant

DNS = {
    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


def policy(v: Variant) -> dict:
    return render_network_policy(v.platform, v.model)


def pod_labels(v: Variant) -> dict:
    return render_deployment(v.platform, bucket_of(v.platform), v.model, TOOLS_DIGEST)["spec"]["template"]["metadata"]["labels"]


def test_policy_selects_the_model_pods_and_both_directions(any_variant: Variant):
    spec = policy(any_variant)["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["podSelector"]["matchLabels"].items() <= pod_labels(any_variant).items()
    assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == any_variant.model.name
    assert policy(any_variant)["metadata"]["namespace"] == NAMESPACE


def test_ingress_only_from_gateway_and_vmagent_on_8000(any_variant: Variant):
    (rule,) = policy(any_variant)["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}},
         "podSelector": {"matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": "llm-gateway"}}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
         "podSelector": {"matchLabels": {"app.kubernetes.io/name": "vmagent"}}},
    ]
    for peer in rule["from"]:
        assert "ipBlock" not in peer
        # both selectors in one peer: namespace AND pod, not namespace OR pod
        assert set(peer) == {"namespaceSelector", "podSelector"}


def test_ingress_follows_gateway_and_observability_settings():
    def moved(cfg):
        cfg["gateway"] = {"name": "edge"}
        cfg["observability"] = {"namespace": "metrics"}

    platform = build_platform(moved)
    (rule,) = render_network_policy(platform, platform.resolved_models[0])["spec"]["ingress"]
    gateway, scraper = rule["from"]
    assert gateway["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "envoy-gateway-system"}
    assert gateway["podSelector"]["matchLabels"] == {"gateway.envoyproxy.io/owning-gateway-name": "edge"}
    assert scraper["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "metrics"}


@pytest.mark.parametrize("name", ["s3files", "lora", "tp4", "qwen3"])
def test_s3files_egress_is_dns_only(name: str):
    # the S3 Files mount is made by the node's CSI driver, not the pod
    assert policy(variant(name))["spec"]["egress"] == [DNS]


@pytest.mark.parametrize("name", ["streamer", "lora-streamer", "tp4-streamer"])
def test_streamer_egress_is_dns_https_and_pod_identity(name: str):
    egress = policy(variant(name))["spec"]["egress"]
    assert len(egress) == 3
    assert egress[0] == DNS
    https, identity = egress[1], egress[2]
    assert https["ports"] == [{"protocol": "TCP", "port": 443}]
    (block,) = https["to"]
    assert block["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert sorted(block["ipBlock"]["except"]) == ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    assert identity == {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}


def test_service_routes_to_the_http_port(any_variant: Variant):
    svc = render_service(any_variant.platform, any_variant.model)
    assert svc["metadata"]["name"] == any_variant.model.name
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"}]
    assert svc["spec"]["selector"].items() <= pod_labels(any_variant).items()
    deployment = render_deployment(any_variant.platform, bucket_of(any_variant.platform), any_variant.model, TOOLS_DIGEST)
    container_ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert any(p["name"] == "http" for p in container_ports)


def test_network_objects_are_schema_valid(any_variant: Variant):
    for obj in (render_service(any_variant.platform, any_variant.model), policy(any_variant)):
        assert validate_object(obj, "1.34") == []
