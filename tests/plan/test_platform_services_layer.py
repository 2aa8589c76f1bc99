"""The gateway, autoscaling and observability layers in the reference stacks' plans."""

from __future__ import annotations

import json

import pytest

from tests.conftest import reference_plan


@pytest.fixture(scope="module")
def prod():
    return reference_plan("prod")


def kinds(plan, kind):
    return [r for r in plan.resources if r.inputs.get("kind") == kind]


def test_every_platform_service_is_a_component_with_a_pinned_chart(prod):
    components = {r.type for r in prod.resources if r.type.startswith("llm-platform:services:")}
    assert components == {f"llm-platform:services:{n}" for n in
                          ("Keda", "EnvoyGateway", "AiGateway", "VictoriaMetricsStack", "VictoriaLogs", "ExternalSecrets",
                           "SemanticRouter", "CertManager")}
    releases = [r for r in prod.resources if r.type == "kubernetes:helm.sh/v3:Release"]
    assert releases and all(r.inputs.get("version") and r.inputs["version"] != "latest" for r in releases)
    charts = {r.inputs["chart"].rsplit("/", 1)[-1]: r.inputs["version"] for r in releases}
    assert charts["keda"] == "2.20.2" and charts["gateway-helm"] in ("1.9.0", "v1.9.0")
    assert charts["ai-gateway-helm"] == "v1.1.0" and charts["victoria-metrics-k8s-stack"] == "0.91.2"
    assert charts["semantic-router"] == "0.2.0" and charts["cert-manager"] == "v1.21.1"


def test_every_model_is_routed_and_every_route_is_behind_the_tenant_keys(prod):
    (route,) = kinds(prod, "AIGatewayRoute")
    matched = {h["value"] for rule in route.inputs["spec"]["rules"] for m in rule["matches"] for h in m["headers"]}
    assert matched == {m.name for m in prod.platform.models} | {"auto"}  # auto: the semantic router's
    (policy,) = kinds(prod, "SecurityPolicy")
    (gateway,) = kinds(prod, "Gateway")
    assert policy.inputs["spec"]["targetRefs"][0]["name"] == gateway.inputs["metadata"]["name"]
    assert all(p["name"] == gateway.inputs["metadata"]["name"] for p in route.inputs["spec"]["parentRefs"])
    api_keys = policy.inputs["spec"]["apiKeyAuth"]
    assert api_keys["sanitize"] is True  # the key never reaches vLLM
    (keys,) = [e for e in kinds(prod, "ExternalSecret") if e.inputs["metadata"]["name"] in
               {c["name"] for c in api_keys["credentialRefs"]}]
    assert {d["secretKey"] for d in keys.inputs["spec"]["data"]} == {"web-app", "data-team", "ci-bots"}


def test_token_limits_run_on_the_rate_limit_service_and_fallbacks_follow_priority(prod):
    limits = [p for p in kinds(prod, "BackendTrafficPolicy") if "rateLimit" in p.inputs["spec"]]
    assert limits and any(r["limit"]["unit"] == "Minute" for p in limits
                          for r in p.inputs["spec"]["rateLimit"]["global"]["rules"])
    redis = [d for d in kinds(prod, "Deployment") if "redis" in d.inputs["metadata"]["name"]]
    assert redis, "token limits need Envoy Gateway's global rate-limit service and its Redis"
    envoy_gateway = next(r for r in prod.resources if r.type == "kubernetes:helm.sh/v3:Release"
                         and r.inputs["chart"].endswith("gateway-helm"))
    assert envoy_gateway.inputs["values"]["config"]["envoyGateway"]["rateLimit"]["backend"]["type"] == "Redis"
    (route,) = kinds(prod, "AIGatewayRoute")
    llama = next(r for r in route.inputs["spec"]["rules"]
                 if r["matches"][0]["headers"][0]["value"] == "llama-70b")
    assert [b["priority"] for b in llama["backendRefs"]] == [0, 1, 2]
    assert [b.get("modelNameOverride") for b in llama["backendRefs"]][1:] == [
        "us.anthropic.claude-sonnet-4-20250514-v1:0", "gpt-4o-mini"]


def test_dashboard_and_scrapes_cover_models_gateway_and_gpus(prod):
    (dashboard,) = [c for c in kinds(prod, "ConfigMap") if c.inputs["metadata"].get("labels", {}).get("grafana_dashboard")]
    board = json.loads(next(iter(dashboard.inputs["data"].values())))
    rows = {p["title"] for p in board["panels"] if p["type"] == "row"}
    assert {f"Model {m.name}" for m in prod.platform.models} | {"GPUs", "Tenants"} <= rows
    scraped = {r.inputs["metadata"]["name"] for r in prod.resources
               if r.inputs.get("kind") in ("VMServiceScrape", "VMPodScrape")}
    assert {"dcgm-exporter", "llm-gateway"} <= scraped
    assert {m.name for m in prod.platform.models} <= scraped


def test_scaled_objects_wait_for_keda_and_read_the_platforms_victoriametrics(prod):
    keda = next(r for r in prod.resources if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "keda")
    scaled_objects = kinds(prod, "ScaledObject")
    assert len(scaled_objects) == len(prod.platform.models)
    for scaled in scaled_objects:
        assert keda.urn in scaled.dependencies
        assert all(t["metadata"]["serverAddress"] == prod.platform.observability.metrics_url
                   for t in scaled.inputs["spec"]["triggers"])
