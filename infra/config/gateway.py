"""The OpenAI-compatible gateway in front of the models (Envoy AI Gateway on Envoy Gateway).

One endpoint routes on the requested model name to each model's vLLM Service, or to a hosted
provider when the self-hosted model fails. What the stack sets here:

- `name`, `namespace`: the Gateway. The namespace can only be the one Envoy Gateway runs its proxies
  in (`envoy-gateway-system`, its controller namespace in the default deployment mode): the Gateway's
  objects go there, and the models' NetworkPolicy admits pods labelled
  `gateway.envoyproxy.io/owning-gateway-name=<name>` in it.
- `internal` (default true): the proxies get a Service of type LoadBalancer that the AWS cloud
  provider (or the AWS Load Balancer Controller, when installed) turns into an **internal** NLB in
  the private subnets. `internal: false` makes it internet-facing and then needs
  `allowedSourceCidrs` and `tls` (API keys never cross the internet in clear text).
- `tls`: HTTPS on 443 with a certificate cert-manager keeps (ACME DNS-01 in Route 53, or the platform's
  private CA), port 80 redirecting to it (infra/config/gateway_tls.py). Without it the listener is
  plain HTTP on port 80.
- `tenants.<name>`: who may call the gateway. `apiKeySecret` names the AWS Secrets Manager secret
  (name or ARN) whose value is the tenant's API key (the raw string clients send as
  `Authorization: Bearer <key>`). Keys are synced into one Kubernetes Secret by External Secrets and
  enforced by an Envoy Gateway SecurityPolicy; the tenant name becomes the client id in the
  `x-tenant-id` header (for rate limits, metrics and logs) and the key is removed before the request
  reaches a backend. Keys must differ between tenants. `tokenLimit` caps total tokens (input +
  output) per minute / hour / day; a limit is enforced from the request after the one that
  crossed it (usage is known only once a response ends). With no tenants, the gateway denies
  every request.
- `rateLimitFailure` (`closed`): what happens to the requests of tenants with a token limit while
  the rate limit service (or its Redis) cannot be asked: `closed` refuses them (HTTP 500), `open`
  lets them through unmetered. Tenants without limits are never affected.
- `fallbacks`: hosted models tried, in `priority` order (lower first), when the self-hosted model
  fails (connection refused or reset, 5xx, 429, or no first byte within `streamIdleTimeoutSeconds`
  when set). `forModels` lists served names (models or LoRA adapters) or is `all`. OpenAI and
  Anthropic need `credentialsSecret` (a Secrets Manager secret holding the provider API key);
  Anthropic is reached through its OpenAI-compatible endpoint, because AI Gateway v1.1 does not
  translate OpenAI requests into Anthropic Messages. Bedrock has no `credentialsSecret`: it uses the
  gateway's AWS identity (EKS Pod Identity on the proxy's service account, with
  `bedrock:InvokeModel*` on exactly the configured models), and `region` (default: the stack's).
- `requestTimeoutSeconds` (600): the whole request, streamed response included;
  `streamIdleTimeoutSeconds` (off): fail over when the backend sends nothing for that long. It also
  cuts non-streaming requests whose completion takes longer, so it is off by default.
- `retries`: `attempts` (2) more tries, each on the next priority (self-hosted, then the fallbacks),
  on connect failure, reset, 5xx and 429; `perTryTimeoutSeconds` (default: the request timeout).
- `semanticRouter`: an optional virtual model routed by the vLLM Semantic Router to the best model
  for each prompt (infra/config/semantic_router.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from .base import AWS_REGION, DNS_LABEL, K8sName, SecretsManagerSecret, StackModel
from .cluster import CidrAllowList
from .gateway_tls import TlsConfig
from .issues import Issue
from .semantic_router import SemanticRouterConfig, semantic_router_issues

if TYPE_CHECKING:
    from .platform import PlatformConfig

Provider = Literal["openai", "anthropic", "bedrock"]
PROVIDERS_WITH_API_KEY = ("openai", "anthropic")

_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$")




def _served_name_problem(value: object) -> str | None:
    if not isinstance(value, str) or not DNS_LABEL.match(value) or len(value) > 40:
        return (f"{value!r} is not a model name; allowed: lowercase letters, digits and '-', starting with a "
                "letter, at most 40 characters")
    return None


class TokenLimit(StackModel):
    """Total tokens (input + output, as the backend reports them) a tenant may use per window."""

    tokens_per_minute: int | None = Field(default=None, ge=1, le=4_294_967_295)
    tokens_per_hour: int | None = Field(default=None, ge=1, le=4_294_967_295)
    tokens_per_day: int | None = Field(default=None, ge=1, le=4_294_967_295)

    @model_validator(mode="after")
    def _some_limit(self) -> "TokenLimit":
        if not self.windows():
            raise ValueError("set at least one of tokensPerMinute, tokensPerHour, tokensPerDay")
        return self

    def windows(self) -> list[tuple[str, int]]:
        """(Envoy Gateway rate limit unit, tokens) for each window the stack sets."""
        return [(unit, value) for unit, value in (("Minute", self.tokens_per_minute), ("Hour", self.tokens_per_hour),
                                                  ("Day", self.tokens_per_day)) if value is not None]


class TenantConfig(StackModel):
    api_key_secret: SecretsManagerSecret = Field(
        description="AWS Secrets Manager secret (name or ARN) whose value is the tenant's API key")
    token_limit: TokenLimit | None = None


class FallbackConfig(StackModel):
    provider: Provider
    model: str = Field(description="the provider's model id, e.g. gpt-4o or a Bedrock model / inference profile id")
    credentials_secret: SecretsManagerSecret | None = Field(
        default=None, description="Secrets Manager secret with the provider API key (openai, anthropic only)")
    region: str | None = Field(default=None, description="Bedrock region (bedrock only; default: the stack's)")
    for_models: Literal["all"] | tuple[str, ...] = Field(
        description="served names (models or LoRA adapters) this fallback serves, or 'all'")
    priority: int = Field(ge=1, le=1000, description="lower is tried first; the self-hosted model always comes first")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        if not _MODEL_ID.match(value):
            raise ValueError(f"{value!r} is not a model id; allowed: 1-200 of letters, digits and . _ : / @ -")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not AWS_REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region; allowed: e.g. us-east-1")
        return value

    @field_validator("for_models", mode="before")
    @classmethod
    def _for_models(cls, value: object) -> object:
        if value == "all":
            return value
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"got {value!r}; allowed: 'all' or a non-empty list of model names")
        for item in value:
            problem = _served_name_problem(item)
            if problem:
                raise ValueError(problem)
        repeated = sorted({n for n in value if list(value).count(n) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return tuple(value)

    def serves(self, served_name: str) -> bool:
        return self.for_models == "all" or served_name in self.for_models


class RetryConfig(StackModel):
    attempts: int = Field(default=2, ge=0, le=5, description="retries after the first try, each on the next priority")
    per_try_timeout_seconds: int | None = Field(default=None, ge=1, le=3600,
                                                description="default: the request timeout")


class ProxyResources(StackModel):
    cpu: str = "500m"
    memory: str = "1Gi"

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if not re.match(r"^([0-9]+(\.[0-9]+)?)(m|Ki|Mi|Gi)?$", value):
            raise ValueError(f"{value!r} is not a Kubernetes quantity; allowed: e.g. '500m', '1', '1Gi'")
        return value


# Envoy Gateway's controller namespace: the platform installs it there, and in its default deployment
# mode it runs every Gateway's proxies there too.
ENVOY_GATEWAY_NAMESPACE = "envoy-gateway-system"


class GatewayConfig(StackModel):
    name: K8sName = "llm-gateway"
    namespace: K8sName = Field(default=ENVOY_GATEWAY_NAMESPACE,
                               description="where Envoy Gateway runs the proxies (its controller namespace)")
    internal: bool = Field(default=True, description="internal NLB (private subnets); false: internet-facing NLB")
    allowed_source_cidrs: CidrAllowList = Field(default_factory=list,
                                             description="client CIDRs the load balancer admits")
    tls: TlsConfig | None = Field(default=None, description="HTTPS on 443 (port 80 redirects); none: plain HTTP")
    replicas: int = Field(default=2, ge=1, le=20, description="Envoy proxy replicas")
    resources: ProxyResources = Field(default_factory=ProxyResources)
    tenants: dict[str, TenantConfig] = Field(default_factory=dict)
    fallbacks: list[FallbackConfig] = Field(default_factory=list, max_length=16)
    request_timeout_seconds: int = Field(default=600, ge=10, le=3600)
    stream_idle_timeout_seconds: int | None = Field(default=None, ge=1, le=3600)
    retries: RetryConfig = Field(default_factory=RetryConfig)
    semantic_router: SemanticRouterConfig = Field(default_factory=SemanticRouterConfig)
    rate_limit_failure: Literal["closed", "open"] = Field(
        default="closed", description="tenants with token limits while the rate limit service is down: "
                                      "closed refuses their requests, open lets them through unmetered")

    @field_validator("namespace")
    @classmethod
    def _proxies_namespace(cls, value: str) -> str:
        """The Gateway, its routes and policies go where the proxies run; any other namespace is one
        nothing creates, and the models' and router's policies would admit proxies that never run there."""
        if value != ENVOY_GATEWAY_NAMESPACE:
            raise ValueError(f"{value!r} is not where Envoy Gateway runs the gateway's proxies; allowed: "
                             f"{ENVOY_GATEWAY_NAMESPACE!r} (its controller namespace, the only one the platform "
                             "installs it in)")
        return value

    @field_validator("tenants")
    @classmethod
    def _tenant_names(cls, value: dict[str, TenantConfig]) -> dict[str, TenantConfig]:
        for name in value:
            if not DNS_LABEL.match(name) or len(name) > 63:
                raise ValueError(f"{name!r} is not a valid tenant name; allowed: lowercase letters, digits and '-', "
                                 "starting with a letter, at most 63 characters")
        return value


# ---- checks that need the rest of the stack ---------------------------------------------------


def served_names(platform: "PlatformConfig") -> list[str]:
    """Every name a client may ask for: each model, then its LoRA adapters, in stack order."""
    return [n for m in platform.models for n in m.served_names]


def gateway_issues(platform: "PlatformConfig") -> list[Issue]:
    """Gateway settings that are wrong given the rest of the stack (hooked into PlatformConfig.issues)."""
    gateway = platform.gateway
    at: tuple = ("gateway",)
    found: list[Issue] = []
    if not gateway.internal and not gateway.allowed_source_cidrs:
        found.append(Issue(at + ("allowedSourceCidrs",), "an internet-facing gateway (internal: false) needs "
                           "allowedSourceCidrs (the CIDR blocks allowed to reach it)"))
    if not gateway.internal and gateway.tls is None:
        found.append(Issue(at + ("tls",), "an internet-facing gateway (internal: false) needs tls: tenants' API "
                           "keys would cross the internet in clear text; allowed: a tls block (issuer acme or "
                           "privateCa, and a hostname), or internal: true"))
    if gateway.tls is not None:
        found += gateway.tls.issues(at + ("tls",))
    timeout = gateway.request_timeout_seconds
    if gateway.stream_idle_timeout_seconds is not None and gateway.stream_idle_timeout_seconds >= timeout:
        found.append(Issue(at + ("streamIdleTimeoutSeconds",), f"{gateway.stream_idle_timeout_seconds} must be "
                           f"shorter than requestTimeoutSeconds ({timeout}); allowed: 1..{timeout - 1}"))
    per_try = gateway.retries.per_try_timeout_seconds
    if per_try is not None and per_try > timeout:
        found.append(Issue(at + ("retries", "perTryTimeoutSeconds"), f"{per_try} exceeds requestTimeoutSeconds "
                           f"({timeout}), which bounds every try; allowed: 1..{timeout}"))
    key_owner: dict[str, str] = {}
    for tenant, cfg in gateway.tenants.items():
        owner = key_owner.setdefault(cfg.api_key_secret, tenant)
        if owner != tenant:
            found.append(Issue(at + ("tenants", tenant, "apiKeySecret"), f"{cfg.api_key_secret!r} is already the key "
                               f"of tenant {owner!r}; every tenant needs its own key (a repeated key invalidates "
                               "the whole API key policy)"))
    found += _fallback_issues(platform)
    found += semantic_router_issues(platform, served_names(platform))
    return found


def _fallback_issues(platform: "PlatformConfig") -> list[Issue]:
    found: list[Issue] = []
    names = served_names(platform)
    seen_models: dict[tuple[str, str], int] = {}
    for i, fb in enumerate(platform.gateway.fallbacks):
        at: tuple = ("gateway", "fallbacks", i)
        if fb.provider in PROVIDERS_WITH_API_KEY and fb.credentials_secret is None:
            found.append(Issue(at + ("credentialsSecret",), f"required for provider {fb.provider}: the Secrets "
                               "Manager secret holding its API key"))
        if fb.provider == "bedrock" and fb.credentials_secret is not None:
            found.append(Issue(at + ("credentialsSecret",), "bedrock uses the gateway's AWS identity (EKS Pod "
                               "Identity), not a stored key; allowed: remove credentialsSecret"))
        if fb.provider != "bedrock" and fb.region is not None:
            found.append(Issue(at + ("region",), f"only bedrock fallbacks have a region; allowed: remove it for "
                               f"{fb.provider}"))
        first = seen_models.setdefault((fb.provider, fb.model), i)
        if first != i:
            found.append(Issue(at + ("model",), f"{fb.provider} {fb.model!r} is already fallbacks[{first}]; list it "
                               "once and put every model it serves in its forModels"))
        if fb.for_models != "all":
            for j, name in enumerate(fb.for_models):
                if name not in names:
                    found.append(Issue(at + ("forModels", j), f"{name!r} is not a model or LoRA adapter of this "
                                       f"stack; allowed: {', '.join(names) or '(no models)'}, or 'all'"))
    reported: set[int] = set()
    for name in names:
        by_priority: dict[int, int] = {}
        for i, fb in enumerate(platform.gateway.fallbacks):
            if not fb.serves(name):
                continue
            other = by_priority.setdefault(fb.priority, i)
            if other != i and i not in reported:
                reported.add(i)
                found.append(Issue(("gateway", "fallbacks", i, "priority"), f"priority {fb.priority} is also "
                                   f"fallbacks[{other}]'s for model {name!r}; priorities must be unique per model"))
    return found
