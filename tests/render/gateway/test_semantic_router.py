"""The semantic router's place in the gateway: the EnvoyPatchPolicy (applied here the way Envoy Gateway
applies it, then the AI Gateway's own insertion), and the rule serving the virtual model."""

from __future__ import annotations

import copy

import jsonpatch
import pytest
from jsonpath_ng.ext import parse as jsonpath

from infra.render.gateway import semantic_router as patch
from infra.render.gateway.routing import render_routes
from infra.render.observability.gateway_metrics import gateway_attempts_query
from infra.render.services import envoy_gateway
from infra.render.services import semantic_router as service

from ..conftest import build_platform, lora, qwen3
from .conftest import GATEWAY_NS, objects, one, reference_platform, router_platform, semantic_router

# The AI Gateway puts its filter before the first filter with one of these prefixes
# (afterExtProcFilterPrefixes, internal/extensionserver/post_translate_modify.go at envoyproxy/ai-gateway
# v1.1.0), and after the last buffer filter when that comes later.
AI_GATEWAY_AFTER_PREFIXES = (
    "envoy.filters.http.ext_proc", "envoy.filters.http.wasm", "envoy.filters.http.lua", "envoy.filters.http.rbac",
    "envoy.filters.http.local_ratelimit", "envoy.filters.http.ratelimit", "envoy.filters.http.custom_response",
    "envoy.filters.http.credential_injector", "envoy.filters.http.compressor", "envoy.filters.http.router",
)
AI_GATEWAY_FILTER = "envoy.filters.http.ext_proc/aigateway"
API_KEY = "envoy.filters.http.api_key_auth"
ROUTER = "envoy.filters.http.router"

# HTTP filter chains Envoy Gateway v1.9.0 builds for a Gateway like ours, in its own order
# (newOrderedHTTPFilter, internal/xds/translator/httpfilters.go): the API key check, the global rate
# limit filters of shared token limits (one per domain), the router; with and without filters that
# order before the API key check.
CHAINS = {
    "api-key-only": [API_KEY, ROUTER],
    "rate-limited": [API_KEY, "envoy.filters.http.ratelimit", "envoy.filters.http.ratelimit/gw/team-a",
                     "envoy.filters.http.ratelimit/gw/team-b", ROUTER],
    "with-earlier-filters": ["envoy.filters.http.cors", "envoy.filters.http.header_mutation", API_KEY,
                             "envoy.filters.http.ratelimit", ROUTER],
}


def listener(names: list[str], tls: bool) -> dict:
    """A listener as Envoy Gateway marshals it for patching (protojson with proto field names): plain HTTP
    has its connection manager in the default filter chain; HTTPS in a filter chain matched on the
    hostname (internal/xds/translator/listener.go at v1.9.0), with the TLS inspector in front."""
    chain = {"filters": [{
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
                                  ".HttpConnectionManager",
                         "http_filters": [{"name": n} for n in names]}}]}
    if not tls:
        return {"name": "envoy-gateway-system/llm-gateway/http", "default_filter_chain": chain}
    chain["filter_chain_match"] = {"server_names": ["llm.example.com"]}
    return {"name": "envoy-gateway-system/llm-gateway/https", "filter_chains": [chain],
            "listener_filters": [{"name": "envoy.filters.listener.tls_inspector"}]}


def _hcm_filters(document: dict) -> list[dict]:
    chain = document["default_filter_chain"] if "default_filter_chain" in document else document["filter_chains"][0]
    return chain["filters"][0]["typed_config"]["http_filters"]


def plain_router_platform():
    return build_platform(qwen3, lora, semantic_router, lambda c: c["gateway"].pop("tls"))


ROUTER_PLATFORMS = {"https": router_platform, "http": plain_router_platform}


def pointer(full_path) -> str:
    """JSONPath match -> JSON pointer (fields and indexes only, which is all the policy uses)."""
    parts = [p.strip("[]") for p in str(full_path).split(".")]
    return "/" + "/".join(parts)


def apply_like_envoy_gateway(document: dict, operation: dict) -> dict:
    """internal/utils/jsonpatch/patch.go at v1.9.0: a jsonPath is evaluated against the document as it
    is before this operation and each match becomes the operation's path (plus `path`, if set)."""
    if "jsonPath" not in operation:
        paths = [operation["path"]]
    else:
        matches = jsonpath(operation["jsonPath"]).find(document)
        assert matches, f"no match for {operation['jsonPath']}: Envoy Gateway rejects the patch"
        paths = [pointer(m.full_path) + operation.get("path", "") for m in matches]
    for path in paths:
        op = {k: v for k, v in operation.items() if k not in ("jsonPath", "path")} | {"path": path}
        document = jsonpatch.apply_patch(document, [op])
    return document


def then_ai_gateway(document: dict) -> dict:
    """insertAIGatewayExtProcFilter at v1.1.0, which runs after the patches (post-translation hook)."""
    doc = copy.deepcopy(document)
    filters = _hcm_filters(doc)
    index = next(i for i, f in enumerate(filters) if f["name"].startswith(AI_GATEWAY_AFTER_PREFIXES))
    filters.insert(index, {"name": AI_GATEWAY_FILTER})
    return doc


def filter_names(document: dict) -> list[str]:
    return [f["name"] for f in _hcm_filters(document)]


def listener_patches(policy: dict) -> list[dict]:
    return [p["operation"] for p in policy["spec"]["jsonPatches"] if p["type"] == patch.LISTENER_TYPE]


@pytest.mark.parametrize("listener_kind", list(ROUTER_PLATFORMS))
@pytest.mark.parametrize("chain", list(CHAINS))
def test_the_router_runs_after_the_api_key_check_and_before_the_ai_gateway(chain, listener_kind):
    policy = patch.render_patch_policy(ROUTER_PLATFORMS[listener_kind]())
    document = listener(CHAINS[chain], tls=listener_kind == "https")
    assert {p["name"] for p in policy["spec"]["jsonPatches"] if p["type"] == patch.LISTENER_TYPE} == {
        document["name"]}
    for operation in listener_patches(policy):
        document = apply_like_envoy_gateway(document, operation)
    names = filter_names(then_ai_gateway(document))
    at = names.index(patch.FILTER_NAME)
    assert names[at - 1] == API_KEY and names[at + 1] == AI_GATEWAY_FILTER
    assert names.count(patch.FILTER_NAME) == 1
    assert [n for n in names if n != patch.FILTER_NAME and n != AI_GATEWAY_FILTER] == CHAINS[chain]


def test_an_index_alone_would_put_the_router_before_the_api_key_check():
    # What the upstream example does (add at index 0): the router would see unauthenticated requests.
    document = jsonpatch.apply_patch(listener(CHAINS["api-key-only"], tls=True), [listener_patches(
        patch.render_patch_policy(router_platform()))[0]])
    assert filter_names(document)[:2] == [patch.FILTER_NAME, API_KEY]


def test_the_filter_name_does_not_look_like_a_filter_the_ai_gateway_goes_before():
    assert not patch.FILTER_NAME.startswith(AI_GATEWAY_AFTER_PREFIXES)
    assert not patch.FILTER_NAME.startswith("envoy.filters.http.buffer")


def test_the_policy_patches_the_gateways_own_listener_and_adds_the_routers_cluster():
    platform = router_platform()
    policy = one(platform, "EnvoyPatchPolicy")
    assert policy["metadata"]["namespace"] == GATEWAY_NS  # Envoy Gateway ignores a policy in another namespace
    gateway = one(platform, "Gateway")
    assert policy["spec"]["targetRef"] == {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                           "name": gateway["metadata"]["name"]}
    serving = gateway["spec"]["listeners"][-1]  # HTTPS with tls (the HTTP one only redirects), else HTTP
    assert serving["protocol"] == ("HTTPS" if platform.gateway.tls else "HTTP")
    listener_names = {p["name"] for p in policy["spec"]["jsonPatches"] if p["type"] == patch.LISTENER_TYPE}
    assert listener_names == {f"{GATEWAY_NS}/{gateway['metadata']['name']}/{serving['name']}"}
    (cluster_patch,) = [p for p in policy["spec"]["jsonPatches"] if p["type"] == patch.CLUSTER_TYPE]
    assert cluster_patch["operation"]["op"] == "add" and cluster_patch["operation"]["path"] == ""
    cluster = cluster_patch["operation"]["value"]
    assert cluster_patch["name"] == cluster["name"] == cluster["load_assignment"]["cluster_name"]
    (endpoint,) = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
    address = endpoint["endpoint"]["address"]["socket_address"]
    assert (address["address"], address["port_value"]) == (
        f"{service.RELEASE_NAME}.{service.NAMESPACE}.svc.cluster.local", service.GRPC_PORT)
    assert "http2_protocol_options" in str(cluster)  # gRPC


def test_the_filter_calls_that_cluster_and_fails_open_without_touching_responses():
    config = patch.ext_proc_filter()["typed_config"]
    assert config["grpc_service"]["envoy_grpc"]["cluster_name"] == patch.cluster()["name"]
    assert config["failure_mode_allow"] is True
    assert config["allow_mode_override"] is False
    mode = config["processing_mode"]
    assert (mode["request_header_mode"], mode["request_body_mode"]) == ("SEND", "BUFFERED")
    assert (mode["response_header_mode"], mode["response_body_mode"]) == ("SKIP", "NONE")


def test_the_virtual_model_is_served_like_the_default_model_while_the_router_is_down():
    platform = router_platform()
    rules = {r["name"]: r for route in render_routes(platform) for r in route["spec"]["rules"]}
    virtual = rules["auto"]
    assert virtual["matches"] == [{"headers": [{"type": "Exact", "name": "x-ai-eg-model", "value": "auto"}]}]
    assert virtual["backendRefs"] == [{"name": "model-qwen3-8b", "priority": 0, "modelNameOverride": "qwen3-8b"}]


def test_the_virtual_model_keeps_the_default_models_fallbacks():
    found = {r["name"]: r for route in render_routes(reference_platform("prod")) for r in route["spec"]["rules"]}
    default = found["qwen3-8b"]["backendRefs"]
    virtual = found["auto"]["backendRefs"]
    assert virtual[0] == {**default[0], "modelNameOverride": "qwen3-8b"}
    assert virtual[1:] == default[1:] and len(virtual) == 2


def test_a_default_adapter_is_named_to_its_base_models_vllm():
    def adapter_default(cfg):
        cfg["gateway"]["semanticRouter"]["defaultModel"] = "docs"

    platform = build_platform(qwen3, lora, semantic_router, adapter_default)
    rules = {r["name"]: r for route in render_routes(platform) for r in route["spec"]["rules"]}
    assert rules["auto"]["backendRefs"] == [{"name": "model-qwen3-8b", "priority": 0, "modelNameOverride": "docs"}]


def test_waking_the_default_model_from_zero_counts_the_virtual_models_rule():
    platform = router_platform()
    (model,) = platform.resolved_models
    assert "rule/(qwen3-8b|sql|docs|auto)" in gateway_attempts_query(platform, model)
    assert "|auto" not in gateway_attempts_query(reference_platform("dev"), reference_platform("dev").resolved_models[0])


def test_patch_policies_are_enabled_in_envoy_gateway_only_with_the_router():
    with_router = envoy_gateway.chart_values(router_platform())["config"]["envoyGateway"]["extensionApis"]
    without = envoy_gateway.chart_values(reference_platform("dev"))["config"]["envoyGateway"]["extensionApis"]
    assert with_router == {"enableBackend": True, "enableEnvoyPatchPolicy": True}
    assert without == {"enableBackend": True}


def test_without_the_router_there_is_no_patch_and_no_virtual_rule():
    platform = reference_platform("dev")
    assert objects(platform, "EnvoyPatchPolicy") == []
    assert "auto" not in {r["name"] for route in render_routes(platform) for r in route["spec"]["rules"]}

