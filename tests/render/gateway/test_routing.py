"""Routing on the model name: a rule for every model and adapter, self-hosted first, fallbacks by
priority; token costs, timeouts, retries and token limits."""

from __future__ import annotations

import copy

import pytest

from infra.config import PlatformConfig
from infra.config.gateway import served_names
from infra.render.gateway.names import ROUTE_RULES_MAX
from infra.render.gateway.routing import render_backend_traffic_policy

from ..conftest import build_platform
from .conftest import (
    BEDROCK_PROFILE,
    GATEWAY_NS,
    REFERENCE_STACKS,
    fallback_platform,
    lora_platform,
    objects,
    one,
    reference_platform,
    tenants_and_fallbacks,
)


def rules(platform: PlatformConfig) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for route in objects(platform, "AIGatewayRoute"):
        for rule in route["spec"]["rules"]:
            assert rule["name"] not in found, rule["name"]
            found[rule["name"]] = rule
    return found


def matched_model(rule: dict) -> str:
    (match,) = rule["matches"]
    (header,) = match["headers"]
    assert header["type"] == "Exact" and header["name"] == "x-ai-eg-model"
    return header["value"]


def refs(rule: dict) -> list[tuple[str, int, str | None]]:
    return [(r["name"], r["priority"], r.get("modelNameOverride")) for r in rule["backendRefs"]]


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_model_of_every_reference_stack_has_one_rule_to_its_own_vllm(stack: str):
    platform = reference_platform(stack)
    assert platform.models, "a reference stack serves models"
    found = rules(platform)
    router = platform.gateway.semantic_router
    virtual = {router.virtual_model} if router.enabled else set()
    assert set(found) == set(served_names(platform)) | virtual
    for model in platform.models:
        rule = found[model.name]
        assert matched_model(rule) == model.name
        assert rule["backendRefs"][0] == {"name": f"model-{model.name}", "priority": 0}
        backend = one(platform, "Backend", f"model-{model.name}")
        assert backend["spec"]["endpoints"] == [
            {"fqdn": {"hostname": f"{model.name}.{platform.serving.namespace}.svc.cluster.local", "port": 8000}}]
        service_backend = one(platform, "AIServiceBackend", f"model-{model.name}")
        assert service_backend["spec"] == {
            "schema": {"name": "OpenAI"},
            "backendRef": {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": f"model-{model.name}"},
        }


def test_a_stack_without_fallbacks_routes_only_to_the_self_hosted_model():
    for name, rule in rules(reference_platform("dev")).items():
        assert refs(rule) == [(f"model-{name}", 0, None)]


def test_prod_falls_back_to_bedrock_for_the_70b_then_to_openai_for_every_model():
    found = rules(reference_platform("prod"))
    (self_hosted, bedrock, openai) = refs(found["llama-70b"])
    assert self_hosted == ("model-llama-70b", 0, None)
    assert bedrock[0].startswith("fallback-bedrock-") and bedrock[1:] == (1, "us.anthropic.claude-sonnet-4-20250514-v1:0")
    assert openai == ("fallback-openai-gpt-4o-mini", 2, "gpt-4o-mini")
    for name in ("qwen-coder", "qwen3-8b", "qwen3-coder-30b"):
        assert refs(found[name]) == [(f"model-{name}", 0, None), ("fallback-openai-gpt-4o-mini", 1, "gpt-4o-mini")]


def test_each_lora_adapter_has_its_own_rule_to_the_base_models_vllm():
    found = rules(lora_platform())
    assert list(found) == ["qwen-coder", "sql", "docs"]
    for adapter in ("sql", "docs"):
        assert matched_model(found[adapter]) == adapter
        # no override: vLLM serves the adapter under its own name
        assert refs(found[adapter]) == [("model-qwen-coder", 0, None)]


def test_fallbacks_follow_the_self_hosted_model_in_priority_order():
    found = rules(fallback_platform())
    bedrock = [r for r in objects(fallback_platform(), "AIServiceBackend")
               if r["spec"]["schema"]["name"] == "AWSBedrock"][0]["metadata"]["name"]
    # configured: openai 20 (all), bedrock 5 (qwen-coder), anthropic 7 (sql): listed out of order
    assert refs(found["qwen-coder"]) == [
        ("model-qwen-coder", 0, None),
        (bedrock, 1, BEDROCK_PROFILE),
        ("fallback-openai-gpt-4o-mini", 2, "gpt-4o-mini"),
    ]
    assert refs(found["sql"]) == [
        ("model-qwen-coder", 0, None),
        ("fallback-anthropic-claude-sonnet-4-5", 1, "claude-sonnet-4-5"),
        ("fallback-openai-gpt-4o-mini", 2, "gpt-4o-mini"),
    ]
    assert refs(found["docs"]) == [("model-qwen-coder", 0, None), ("fallback-openai-gpt-4o-mini", 1, "gpt-4o-mini")]


def test_swapping_two_priorities_swaps_the_fallback_order():
    def swapped(cfg):
        tenants_and_fallbacks(cfg)
        cfg["gateway"]["fallbacks"][0]["priority"] = 1  # openai now before bedrock (5)
        cfg["gateway"]["fallbacks"].pop()  # the anthropic fallback serves the 'sql' adapter, removed below

    rule = rules(build_platform(lambda c: c["models"][0].update(loraAdapters=[]), swapped))["qwen-coder"]
    assert [r[2] for r in refs(rule)] == [None, "gpt-4o-mini", BEDROCK_PROFILE]
    assert [r[1] for r in refs(rule)] == [0, 1, 2]


def test_every_rule_starts_self_hosted_and_priorities_are_distinct_and_contiguous(any_platform: PlatformConfig):
    for rule in rules(any_platform).values():
        priorities = [r["priority"] for r in rule["backendRefs"]]
        assert priorities == list(range(len(priorities)))
        assert rule["backendRefs"][0]["name"].startswith("model-")
        assert all(r["name"].startswith("fallback-") for r in rule["backendRefs"][1:])
        # CEL: AIServiceBackend refs carry neither group nor kind (InferencePool refs would need both)
        assert all("group" not in r and "kind" not in r for r in rule["backendRefs"])
        names = [r["name"] for r in rule["backendRefs"]]
        assert len(names) == len(set(names))


def test_every_backend_ref_exists_and_points_at_a_backend(any_platform: PlatformConfig):
    service_backends = {o["metadata"]["name"]: o for o in objects(any_platform, "AIServiceBackend")}
    backends = {o["metadata"]["name"] for o in objects(any_platform, "Backend")}
    for rule in rules(any_platform).values():
        for ref in rule["backendRefs"]:
            target = service_backends[ref["name"]]["spec"]["backendRef"]
            # CEL: an AIServiceBackend must reference an Envoy Gateway Backend
            assert (target["group"], target["kind"]) == ("gateway.envoyproxy.io", "Backend")
            assert target["name"] in backends


def test_routes_attach_to_the_gateway_in_its_namespace_and_record_token_costs(any_platform: PlatformConfig):
    gateway = one(any_platform, "Gateway")
    for route in objects(any_platform, "AIGatewayRoute"):
        assert route["metadata"]["namespace"] == GATEWAY_NS == gateway["metadata"]["namespace"]
        ref = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway["metadata"]["name"]}
        if any_platform.gateway.tls is not None:
            ref["sectionName"] = "https"  # not the HTTP listener, which only redirects
        assert route["spec"]["parentRefs"] == [ref]
        assert route["spec"]["llmRequestCosts"] == [
            {"metadataKey": "llm_input_token", "type": "InputToken"},
            {"metadataKey": "llm_cached_input_token", "type": "CachedInputToken"},
            {"metadataKey": "llm_output_token", "type": "OutputToken"},
            {"metadataKey": "llm_total_token", "type": "TotalToken"},
        ]
        assert 1 <= len(route["spec"]["rules"]) <= ROUTE_RULES_MAX


def test_more_served_names_than_a_route_holds_spill_into_more_routes():
    def many(cfg):
        cfg["gpuPools"]["l4"]["gpuLimit"] = 64
        base = cfg["models"][0]
        cfg["models"] = [{**copy.deepcopy(base), "name": f"coder-{i}", "replicas": {"min": 1, "max": 1}}
                         for i in range(9)]
        cfg["models"][0]["loraAdapters"] = [
            {"name": f"adapter-{j}", "repository": f"acme/adapter-{j}", "revision": "0" * 40} for j in range(8)]

    platform = build_platform(many)
    routes = objects(platform, "AIGatewayRoute")
    assert [r["metadata"]["name"] for r in routes] == ["llm-gateway-models", "llm-gateway-models-2"]
    assert [len(r["spec"]["rules"]) for r in routes] == [15, 2]
    assert set(rules(platform)) == set(served_names(platform))
    policy = render_backend_traffic_policy(platform)
    assert [t["name"] for t in policy["spec"]["targetRefs"]] == ["llm-gateway-models", "llm-gateway-models-2"]


def test_no_models_no_routes():
    platform = build_platform(lambda c: c.update(models=[]))
    assert objects(platform, "AIGatewayRoute") == []
    assert objects(platform, "BackendTrafficPolicy") == []
    assert one(platform, "SecurityPolicy")  # the gateway itself stays closed


def test_request_timeout_covers_streaming_and_idle_timeout_is_opt_in():
    (rule, *_) = rules(reference_platform("dev")).values()
    assert rule["timeouts"] == {"request": "600s"}
    assert "streamIdleTimeout" not in rule

    platform = build_platform(lambda c: c.update(gateway={"requestTimeoutSeconds": 900,
                                                          "streamIdleTimeoutSeconds": 45}))
    (rule, *_) = rules(platform).values()
    assert rule["timeouts"] == {"request": "900s"}
    assert rule["streamIdleTimeout"] == "45s"


def test_retries_move_to_the_next_priority_within_the_request_timeout():
    spec = render_backend_traffic_policy(reference_platform("dev"))["spec"]
    assert spec["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute",
                                   "name": "llm-gateway-models"}]
    retry = spec["retry"]
    assert retry["numRetries"] == 2 and retry["numAttemptsPerPriority"] == 1
    assert retry["perRetry"]["timeout"] == "600s"
    assert {"connect-failure", "reset", "5xx", "retriable-status-codes"} <= set(retry["retryOn"]["triggers"])
    assert retry["retryOn"]["httpStatusCodes"] == [429]
    assert spec["healthCheck"]["passive"]["maxEjectionPercent"] == 100
    assert "rateLimit" not in spec  # no tenant sets a token limit

    platform = build_platform(lambda c: c.update(gateway={"retries": {"attempts": 4, "perTryTimeoutSeconds": 120}}))
    retry = render_backend_traffic_policy(platform)["spec"]["retry"]
    assert (retry["numRetries"], retry["perRetry"]["timeout"]) == (4, "120s")


def test_token_limits_are_one_shared_bucket_per_tenant_and_window_paid_in_total_tokens():
    spec = render_backend_traffic_policy(fallback_platform())["spec"]
    assert spec["rateLimit"]["type"] == "Global"
    limits = spec["rateLimit"]["global"]["rules"]
    assert [(r["clientSelectors"], r["limit"]) for r in limits] == [
        ([{"headers": [{"name": "x-tenant-id", "type": "Exact", "value": "team-b"}]}],
         {"requests": 100_000, "unit": "Minute"}),
        ([{"headers": [{"name": "x-tenant-id", "type": "Exact", "value": "team-b"}]}],
         {"requests": 5_000_000, "unit": "Day"}),
    ]
    for rule in limits:
        assert rule["shared"] is True
        assert rule["cost"] == {
            "request": {"from": "Number", "number": 0},
            "response": {"from": "Metadata", "metadata": {"namespace": "io.envoy.ai_gateway",
                                                          "key": "llm_total_token"}},
        }


def test_the_rate_limit_service_is_needed_only_with_token_limits():
    from infra.render.gateway import uses_global_rate_limit

    assert uses_global_rate_limit(fallback_platform())
    assert not uses_global_rate_limit(reference_platform("dev"))
    assert uses_global_rate_limit(reference_platform("prod"))  # web-app and data-team have token limits
