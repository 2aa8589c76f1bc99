"""The gateway layer, rendered from the stack: plain Kubernetes objects (dicts), no Pulumi.

`render_gateway_objects` lists every object in apply order; the LlmGateway component registers them.
The modules: `proxy` (GatewayClass, EnvoyProxy, Gateway, ClientTrafficPolicy), `tls` (listeners,
certificate, HTTPS redirect), `auth` (tenant keys and the SecurityPolicy), `routing` (model backends,
AIGatewayRoutes, BackendTrafficPolicy), `providers` (hosted fallbacks), `secrets` (what the gateway
needs from AWS), `semantic_router` (the optional virtual model's filter), `names` (shared names,
headers and metadata keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...config import PlatformConfig
from . import auth, providers, proxy, routing, semantic_router, tls
from .names import REQUEST_HEADER_ATTRIBUTES
from .proxy import endpoint
from .routing import uses_global_rate_limit
from .secrets import bedrock_invoke_policy, gateway_secret_names, secret_resource_arns


@dataclass(frozen=True)
class Rendered:
    """A rendered object with the short name the component registers it under and what it waits for."""

    key: str
    obj: dict
    after: tuple[str, ...] = ()


def render_gateway_objects(platform: PlatformConfig, region: str) -> list[Rendered]:
    """Every gateway object, each after the objects it references (keys are unique)."""
    out = [
        Rendered("envoy-proxy", proxy.render_envoy_proxy(platform)),
        Rendered("gateway-class", proxy.render_gateway_class(platform), ("envoy-proxy",)),
    ]
    if platform.gateway.tls is not None:  # the Secret the HTTPS listener names, before the Gateway
        out.append(Rendered("certificate", tls.render_certificate(platform)))
    out += [
        Rendered("gateway", proxy.render_gateway(platform),
                 ("gateway-class", "certificate") if platform.gateway.tls is not None else ("gateway-class",)),
        Rendered("client-traffic-policy", proxy.render_client_traffic_policy(platform), ("gateway",)),
    ]
    if platform.gateway.tls is not None:
        out.append(Rendered("https-redirect", tls.render_redirect_route(platform), ("gateway",)))
    keys = auth.render_api_keys_external_secret(platform)
    if keys is not None:
        out.append(Rendered("api-keys", keys))
    out.append(Rendered("security-policy", auth.render_security_policy(platform),
                        ("gateway", "api-keys") if keys is not None else ("gateway",)))
    backends: list[str] = []
    for model in platform.models:
        backend = routing.render_model_backend(platform, model.name)
        base = backend["metadata"]["name"]  # model-<name>: never clashes with fallback-<provider>-<model>
        out.append(Rendered(f"{base}-backend", backend))
        out.append(Rendered(f"{base}-service-backend", routing.render_model_service_backend(platform, model.name),
                            (f"{base}-backend",)))
        backends.append(f"{base}-service-backend")
    for fallback in platform.gateway.fallbacks:
        objs = providers.render_fallback(platform, fallback, region)
        base = objs[-1]["metadata"]["name"]
        previous: tuple[str, ...] = ()
        for obj in objs:
            key = f"{base}-{_kind_key(obj['kind'])}"
            out.append(Rendered(key, obj, previous))
            previous = (key,)
        backends.append(f"{base}-service-backend")
    route_keys = []
    for route in routing.render_routes(platform):
        key = route["metadata"]["name"]
        out.append(Rendered(key, route, ("gateway", *backends)))
        route_keys.append(key)
    traffic = routing.render_backend_traffic_policy(platform)
    if traffic is not None:
        out.append(Rendered("backend-traffic-policy", traffic, tuple(route_keys)))
    if platform.gateway.semantic_router.enabled:
        # After the SecurityPolicy: the patch moves the router's filter behind the API key filter.
        out.append(Rendered("semantic-router-patch", semantic_router.render_patch_policy(platform),
                            ("gateway", "security-policy")))
    return out


def _kind_key(kind: str) -> str:
    return {"ExternalSecret": "credentials", "Backend": "backend", "AIServiceBackend": "service-backend",
            "BackendSecurityPolicy": "security-policy"}[kind]


def render_gateway(platform: PlatformConfig, region: str) -> list[dict]:
    return [r.obj for r in render_gateway_objects(platform, region)]


__all__ = [
    "REQUEST_HEADER_ATTRIBUTES",
    "Rendered",
    "bedrock_invoke_policy",
    "endpoint",
    "gateway_secret_names",
    "render_gateway",
    "render_gateway_objects",
    "secret_resource_arns",
    "uses_global_rate_limit",
]
