"""Routing on the model name: a Backend and AIServiceBackend per self-hosted model, AIGatewayRoutes
with one rule per served name (model or LoRA adapter), plus one for the semantic router's virtual
model when the stack has it (served like `defaultModel` while the router is down), and the
BackendTrafficPolicy that makes a failed try move to the next priority and meters tenants' tokens.

Fallback order: in each rule the self-hosted backend has `priority: 0` and the fallbacks that serve
that name follow with priorities 1, 2, ... in the order of their configured `priority`. The retry
policy sends each new attempt to the next priority (`numAttemptsPerPriority: 1`); passive health
checks eject a failing backend, so later requests go straight to the next priority until it recovers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...catalog.vllm import VLLM_PORT
from ...config import PlatformConfig
from ...config.gateway import FallbackConfig, served_names
from .names import (
    AI_GATEWAY,
    COST_NAMESPACE,
    ENVOY_GATEWAY,
    ENVOY_GATEWAY_GROUP,
    GATEWAY_GROUP,
    MODEL_HEADER,
    RATE_LIMIT_COST_KEY,
    ROUTE_RULES_MAX,
    TENANT_HEADER,
    TOKEN_COSTS,
    fallback_backend_name,
    gateway_name,
    listener_ref,
    metadata,
    model_backend_name,
    route_name,
    seconds,
)

RETRY_TRIGGERS = ["connect-failure", "refused-stream", "reset", "5xx", "retriable-status-codes"]
RETRY_STATUS_CODES = [429]  # on top of every 5xx: a rate-limited provider hands over to the next one


@dataclass(frozen=True)
class Target:
    """One backendRef of a rule: an AIServiceBackend, its priority and the model name it is sent."""

    backend: str
    priority: int
    model_override: str | None = None


def owner_of(platform: PlatformConfig) -> dict[str, str]:
    """Served name -> the model whose vLLM serves it (adapters are served by their base model)."""
    return {n: m.name for m in platform.models for n in m.served_names}


def fallbacks_for(platform: PlatformConfig, served: str) -> list[FallbackConfig]:
    """The fallbacks serving this name, in the order they are tried."""
    return sorted((f for f in platform.gateway.fallbacks if f.serves(served)), key=lambda f: f.priority)


def targets(platform: PlatformConfig, served: str) -> list[Target]:
    first = Target(model_backend_name(owner_of(platform)[served]), 0)
    rest = [Target(fallback_backend_name(f), i, f.model)
            for i, f in enumerate(fallbacks_for(platform, served), start=1)]
    return [first, *rest]


def render_model_backend(platform: PlatformConfig, model: str) -> dict:
    host = f"{model}.{platform.serving.namespace}.svc.cluster.local"
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "Backend",
        "metadata": metadata(platform, model_backend_name(model)),
        "spec": {"endpoints": [{"fqdn": {"hostname": host, "port": VLLM_PORT}}]},
    }


def render_model_service_backend(platform: PlatformConfig, model: str) -> dict:
    return {
        "apiVersion": AI_GATEWAY,
        "kind": "AIServiceBackend",
        "metadata": metadata(platform, model_backend_name(model)),
        "spec": {
            "schema": {"name": "OpenAI"},  # vLLM serves the OpenAI API under /v1
            "backendRef": {"group": ENVOY_GATEWAY_GROUP, "kind": "Backend", "name": model_backend_name(model)},
        },
    }


def virtual_model_targets(platform: PlatformConfig) -> list[Target]:
    """While the semantic router is down the virtual model's name reaches the gateway unchanged: serve
    it like `defaultModel` (its backend, its fallbacks), telling vLLM the name it serves."""
    default = platform.gateway.semantic_router.default_model
    assert default is not None
    first, *rest = targets(platform, default)
    return [Target(first.backend, first.priority, default), *rest]


def _rule(platform: PlatformConfig, served: str) -> dict:
    router = platform.gateway.semantic_router
    virtual = router.enabled and served == router.virtual_model
    refs = []
    for target in (virtual_model_targets(platform) if virtual else targets(platform, served)):
        ref: dict = {"name": target.backend, "priority": target.priority}
        if target.model_override:
            ref["modelNameOverride"] = target.model_override
        refs.append(ref)
    rule: dict = {
        "name": served,
        "matches": [{"headers": [{"type": "Exact", "name": MODEL_HEADER, "value": served}]}],
        "backendRefs": refs,
        "timeouts": {"request": seconds(platform.gateway.request_timeout_seconds)},
        "modelsOwnedBy": "llm-platform",
    }
    if platform.gateway.stream_idle_timeout_seconds is not None:
        rule["streamIdleTimeout"] = seconds(platform.gateway.stream_idle_timeout_seconds)
    return rule


def routed_names(platform: PlatformConfig) -> list[str]:
    """Every name with a route rule: the served names, then the semantic router's virtual model."""
    router = platform.gateway.semantic_router
    return served_names(platform) + ([router.virtual_model] if router.enabled else [])


def render_routes(platform: PlatformConfig) -> list[dict]:
    """One rule per routed name, at most ROUTE_RULES_MAX per AIGatewayRoute (more models: more routes)."""
    names = routed_names(platform)
    chunks = [names[i:i + ROUTE_RULES_MAX] for i in range(0, len(names), ROUTE_RULES_MAX)]
    routes = []
    for index, chunk in enumerate(chunks):
        routes.append({
            "apiVersion": AI_GATEWAY,
            "kind": "AIGatewayRoute",
            "metadata": metadata(platform, route_name(platform, index)),
            "spec": {
                "parentRefs": [listener_ref(platform)],
                "rules": [_rule(platform, n) for n in chunk],
                "llmRequestCosts": [{"metadataKey": k, "type": t} for k, t in TOKEN_COSTS.items()],
            },
        })
    return routes


def _rate_limit_rules(platform: PlatformConfig) -> list[dict]:
    rules = []
    for tenant, cfg in platform.gateway.tenants.items():
        if cfg.token_limit is None:
            continue
        for unit, tokens in cfg.token_limit.windows():
            rules.append({
                "clientSelectors": [{"headers": [{"name": TENANT_HEADER, "type": "Exact", "value": tenant}]}],
                "limit": {"requests": tokens, "unit": unit},
                "cost": {
                    # Check the budget on the request without spending it; spend the tokens the response used.
                    "request": {"from": "Number", "number": 0},
                    "response": {"from": "Metadata",
                                 "metadata": {"namespace": COST_NAMESPACE, "key": RATE_LIMIT_COST_KEY}},
                },
                "shared": True,  # one budget per tenant across every route (and so every model)
            })
    return rules


def uses_global_rate_limit(platform: PlatformConfig) -> bool:
    """Whether Envoy Gateway needs its global rate limit service (Redis): some tenant has a token
    limit. Without it Envoy Gateway rejects the BackendTrafficPolicy, retries and fallback included."""
    return bool(_rate_limit_rules(platform))


def render_backend_traffic_policy(platform: PlatformConfig) -> dict | None:
    """Targets the HTTPRoutes the AI Gateway controller generates (named like the AIGatewayRoutes);
    None when there is no route (no models)."""
    routes = render_routes(platform)
    if not routes:
        return None
    gateway = platform.gateway
    per_try = gateway.retries.per_try_timeout_seconds or gateway.request_timeout_seconds
    spec: dict = {
        "targetRefs": [{"group": GATEWAY_GROUP, "kind": "HTTPRoute", "name": r["metadata"]["name"]}
                       for r in routes],
        "retry": {
            "numRetries": gateway.retries.attempts,
            "numAttemptsPerPriority": 1,  # every retry goes to the next priority: self-hosted, then fallbacks
            "perRetry": {"timeout": seconds(per_try), "backOff": {"baseInterval": "100ms", "maxInterval": "1s"}},
            "retryOn": {"triggers": list(RETRY_TRIGGERS), "httpStatusCodes": list(RETRY_STATUS_CODES)},
        },
        "healthCheck": {"passive": {
            "consecutive5XxErrors": 5,
            "consecutiveGatewayErrors": 3,
            "interval": "5s",
            "baseEjectionTime": "30s",
            "maxEjectionPercent": 100,
        }},
    }
    rules = _rate_limit_rules(platform)
    if rules:
        spec["rateLimit"] = {"type": "Global", "global": {"rules": rules}}
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "BackendTrafficPolicy",
        "metadata": metadata(platform, gateway_name(platform)),
        "spec": spec,
    }
