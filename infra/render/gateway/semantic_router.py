"""The gateway side of the semantic router: its ext_proc filter in the Gateway's listener, and the rule
that serves the virtual model while the router is down.

Why an EnvoyPatchPolicy: the router must run before the AI Gateway's own external processor, which
reads the request body's `model` (the one the router rewrote) to route. The AI Gateway controller
inserts its filter, as an Envoy Gateway post-translation hook, *before the first* filter named
`envoy.filters.http.ext_proc*` (and a few others: `afterExtProcFilterPrefixes`,
internal/extensionserver/post_translate_modify.go at envoyproxy/ai-gateway v1.1.0), so a filter from an
EnvoyExtensionPolicy would come after it. Envoy Gateway applies EnvoyPatchPolicies to the translated
xDS *before* that hook (`processJSONPatches` then `processExtensionPostTranslationHook`,
internal/xds/translator/translator.go at envoyproxy/gateway v1.9.0).

Where in the filter chain: right after the API key check (`envoy.filters.http.api_key_auth`), so
unauthenticated requests are rejected before any classification and the router never sees a key
(the check removes the Authorization header). Envoy Gateway orders its filters itself
(`newOrderedHTTPFilter`, internal/xds/translator/httpfilters.go), so the patch finds the API key
filter by name instead of trusting an index:

1. `add` the router's filter at index 0 of the listener's HTTP filters;
2. `move` it from index 0 to the position the JSONPath of the API key filter gives (evaluated before
   the move): a move removes first and then adds (RFC 6902 4.4), so the filter lands right after
   the API key filter.

The filter's name must not start with any of the AI Gateway's prefixes (it would then put its own
filter in front of it). A third patch adds the Envoy cluster the filter calls (STRICT_DNS, HTTP/2,
the router's Service).

Processing: request headers and the whole request body go to the router (it classifies the prompt
and may rewrite `model`); responses do not (`SKIP`/`NONE`): the router only routes, and the upstream
manifest's buffered response body would make it the bottleneck of every streamed answer. Every
request through the gateway is classified, whatever model it names (the router runs its signals and
the prompt guard on all of them), so the router's latency is added to every request.

`failure_mode_allow: true`: when the router cannot be reached, requests go on unchanged. A request
naming a model directly is served as usual; one naming the virtual model reaches the gateway's rule
for it, which serves it with `defaultModel` (and its fallbacks).
"""

from __future__ import annotations

from ...config import PlatformConfig
from ..services import semantic_router as router
from .names import ENVOY_GATEWAY, gateway_ref, metadata, serving_listener

FILTER_NAME = "llm-platform.semantic-router"  # not an Envoy Gateway / AI Gateway filter prefix
CLUSTER_NAME = "llm-platform-semantic-router"
API_KEY_FILTER = "envoy.filters.http.api_key_auth"  # egv1a1.EnvoyFilterAPIKeyAuth at v1.9.0
# Where the HTTP connection manager sits in the listener Envoy Gateway v1.9.0 builds
# (internal/xds/translator/listener.go, addHCMToXDSListener): a plain HTTP listener's is its default
# filter chain; an HTTPS listener's is a filter chain of its own, matched on the hostname (SNI), the
# only one on our port 443.
# Keyed by "has tls": (JSON pointer, JSONPath) of that connection manager.
HCM_PATHS = {False: ("/default_filter_chain/filters/0", "$.default_filter_chain.filters[0]"),
             True: ("/filter_chains/0/filters/0", "$.filter_chains[0].filters[0]")}
LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener"
CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
EXT_PROC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor"
MESSAGE_TIMEOUT = "10s"  # one classification (the router's own budget is far lower)


def listener_name(platform: PlatformConfig) -> str:
    """Envoy Gateway's xDS name of the Gateway's listener (name scheme v1, the default at v1.9.0)."""
    return f"{platform.gateway.namespace}/{platform.gateway.name}/{serving_listener(platform)}"


def http_filters_path(platform: PlatformConfig) -> tuple[str, str]:
    """(JSON pointer, JSONPath) of the serving listener's HTTP filters."""
    pointer, path = HCM_PATHS[platform.gateway.tls is not None]
    return f"{pointer}/typed_config/http_filters", f"{path}.typed_config.http_filters"


def patch_policy_name(platform: PlatformConfig) -> str:
    return f"{platform.gateway.name}-semantic-router"


def ext_proc_filter() -> dict:
    """The HTTP filter (proto field names, as Envoy Gateway marshals the listener it patches)."""
    return {
        "name": FILTER_NAME,
        "typed_config": {
            "@type": EXT_PROC_TYPE,
            "grpc_service": {
                "envoy_grpc": {"cluster_name": CLUSTER_NAME, "authority": router.grpc_authority()},
                "timeout": MESSAGE_TIMEOUT,
            },
            "failure_mode_allow": True,
            "message_timeout": MESSAGE_TIMEOUT,
            # Our modes hold: the router may not switch response processing on (it would then hold
            # every streamed response chunk by chunk).
            "allow_mode_override": False,
            "processing_mode": {
                "request_header_mode": "SEND",
                "request_body_mode": "BUFFERED",
                "request_trailer_mode": "SKIP",
                "response_header_mode": "SKIP",
                "response_body_mode": "NONE",
                "response_trailer_mode": "SKIP",
            },
        },
    }


def cluster() -> dict:
    host, port = router.grpc_address()
    return {
        "name": CLUSTER_NAME,
        "type": "STRICT_DNS",
        "connect_timeout": "5s",
        "lb_policy": "ROUND_ROBIN",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}},
            },
        },
        "load_assignment": {
            "cluster_name": CLUSTER_NAME,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                "address": host, "port_value": port}}}}]}],
        },
    }


def render_patch_policy(platform: PlatformConfig) -> dict:
    listener = listener_name(platform)
    filters, filters_path = http_filters_path(platform)
    api_key = f"{filters_path}[?(@.name == '{API_KEY_FILTER}')]"
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "EnvoyPatchPolicy",
        "metadata": metadata(platform, patch_policy_name(platform)),
        "spec": {
            "targetRef": gateway_ref(platform),
            "type": "JSONPatch",
            "jsonPatches": [
                {"type": CLUSTER_TYPE, "name": CLUSTER_NAME,
                 "operation": {"op": "add", "path": "", "value": cluster()}},
                {"type": LISTENER_TYPE, "name": listener,
                 "operation": {"op": "add", "path": f"{filters}/0", "value": ext_proc_filter()}},
                {"type": LISTENER_TYPE, "name": listener,
                 "operation": {"op": "move", "from": f"{filters}/0", "jsonPath": api_key}},
            ],
        },
    }
