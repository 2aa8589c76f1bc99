"""The gateway section of the stack: one error line per problem, naming the field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from ..conftest import Cfg
from .conftest import config_errors, fallback_platform, tenants_and_fallbacks

OPENAI = {"provider": "openai", "model": "gpt-4o", "credentialsSecret": "llm/openai", "forModels": "all",
          "priority": 1}
BEDROCK = {"provider": "bedrock", "model": "amazon.nova-pro-v1:0", "forModels": "all", "priority": 2}
ACME = {"email": "ops@example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
TLS = {"issuer": "acme", "hostname": "llm.example.com", "acme": ACME}


def gateway(**settings) -> Callable[[Cfg], None]:
    return lambda cfg: cfg.update(gateway=settings)


ROUTE = {"name": "code", "model": "qwen-coder", "domains": ["computer science"]}


def router(**settings) -> Callable[[Cfg], None]:
    """The dev stack (with its adapter `sql`) and an enabled semantic router; `settings` override it."""
    def mutate(cfg: Cfg) -> None:
        with_lora(cfg)
        section = {"enabled": True, "defaultModel": "qwen-coder", "routes": [ROUTE], **settings}
        cfg["gateway"]["semanticRouter"] = {k: v for k, v in section.items() if v is not None}
    return mutate


def with_lora(cfg: Cfg) -> None:
    cfg["models"][0]["loraAdapters"] = [{"name": "sql", "repository": "acme/sql", "revision": "0" * 40}]


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Cfg], None]
    path: str
    says: tuple[str, ...]


CASES = [
    Case("tenant-name-not-dns", gateway(tenants={"Team_A": {"apiKeySecret": "k"}}), "gateway.tenants",
         ("'Team_A' is not a valid tenant name", "lowercase letters, digits and '-'")),
    Case("tenant-without-key", gateway(tenants={"a": {}}), "gateway.tenants.a.apiKeySecret",
         ("required setting is missing",)),
    Case("tenant-key-not-a-secret", gateway(tenants={"a": {"apiKeySecret": "sk live key!"}}),
         "gateway.tenants.a.apiKeySecret", ("is not a Secrets Manager secret name",)),
    Case("tenant-key-bad-arn", gateway(tenants={"a": {"apiKeySecret": "arn:aws:s3:::bucket"}}),
         "gateway.tenants.a.apiKeySecret", ("is not a Secrets Manager secret ARN",)),
    Case("tenant-unknown-field", gateway(tenants={"a": {"apiKeySecret": "k", "apiKey": "abc"}}),
         "gateway.tenants.a.apiKey", ("unknown setting; allowed: apiKeySecret, tokenLimit",)),
    Case("tenant-shares-a-key", gateway(tenants={"a": {"apiKeySecret": "k"}, "b": {"apiKeySecret": "k"}}),
         "gateway.tenants.b.apiKeySecret", ("already the key of tenant 'a'", "its own key")),
    Case("token-limit-empty", gateway(tenants={"a": {"apiKeySecret": "k", "tokenLimit": {}}}),
         "gateway.tenants.a.tokenLimit", ("at least one of tokensPerMinute, tokensPerHour, tokensPerDay",)),
    Case("token-limit-zero", gateway(tenants={"a": {"apiKeySecret": "k", "tokenLimit": {"tokensPerHour": 0}}}),
         "gateway.tenants.a.tokenLimit.tokensPerHour", ("greater than or equal to 1",)),
    Case("token-limit-per-week", gateway(tenants={"a": {"apiKeySecret": "k", "tokenLimit": {"tokensPerWeek": 9}}}),
         "gateway.tenants.a.tokenLimit.tokensPerWeek", ("unknown setting",)),
    Case("fallback-unknown-model", gateway(fallbacks=[{**OPENAI, "forModels": ["qwen-coder", "llama-70b"]}]),
         "gateway.fallbacks[0].forModels[1]", ("'llama-70b' is not a model or LoRA adapter of this stack",
                                               "allowed: qwen-coder, or 'all'")),
    Case("fallback-for-models-word", gateway(fallbacks=[{**OPENAI, "forModels": "every"}]),
         "gateway.fallbacks[0].forModels", ("got 'every'; allowed: 'all' or a non-empty list of model names",)),
    Case("fallback-for-models-empty", gateway(fallbacks=[{**OPENAI, "forModels": []}]),
         "gateway.fallbacks[0].forModels", ("a non-empty list",)),
    Case("fallback-for-models-repeated", gateway(fallbacks=[{**OPENAI, "forModels": ["qwen-coder", "qwen-coder"]}]),
         "gateway.fallbacks[0].forModels", ("listed more than once: qwen-coder",)),
    Case("fallback-priority-repeated", gateway(fallbacks=[OPENAI, {**BEDROCK, "priority": 1}]),
         "gateway.fallbacks[1].priority", ("priority 1 is also fallbacks[0]'s for model 'qwen-coder'",
                                           "unique per model")),
    Case("fallback-priority-repeated-on-an-adapter",
         lambda c: (with_lora(c), c.update(gateway={"fallbacks": [{**OPENAI, "forModels": ["sql"]},
                                                                  {**BEDROCK, "priority": 1}]})),
         "gateway.fallbacks[1].priority", ("also fallbacks[0]'s for model 'sql'",)),
    Case("fallback-priority-zero", gateway(fallbacks=[{**OPENAI, "priority": 0}]), "gateway.fallbacks[0].priority",
         ("greater than or equal to 1",)),
    Case("fallback-provider-unknown", gateway(fallbacks=[{**OPENAI, "provider": "azure"}]),
         "gateway.fallbacks[0].provider", ("got 'azure'; allowed: openai, anthropic, bedrock",)),
    Case("openai-without-credentials", gateway(fallbacks=[{k: v for k, v in OPENAI.items() if k != "credentialsSecret"}]),
         "gateway.fallbacks[0].credentialsSecret", ("required for provider openai",)),
    Case("bedrock-with-credentials", gateway(fallbacks=[{**BEDROCK, "credentialsSecret": "llm/aws"}]),
         "gateway.fallbacks[0].credentialsSecret", ("bedrock uses the gateway's AWS identity",)),
    Case("region-on-openai", gateway(fallbacks=[{**OPENAI, "region": "us-west-2"}]), "gateway.fallbacks[0].region",
         ("only bedrock fallbacks have a region",)),
    Case("bedrock-region-invalid", gateway(fallbacks=[{**BEDROCK, "region": "Virginia"}]),
         "gateway.fallbacks[0].region", ("'Virginia' is not an AWS region",)),
    Case("fallback-listed-twice", gateway(fallbacks=[OPENAI, {**OPENAI, "priority": 3, "forModels": ["qwen-coder"]}]),
         "gateway.fallbacks[1].model", ("openai 'gpt-4o' is already fallbacks[0]",)),
    Case("router-without-default", router(defaultModel=None), "gateway.semanticRouter.defaultModel",
         ("required when the router is enabled", "allowed: qwen-coder, sql")),
    Case("router-default-unknown", router(defaultModel="gpt-4o"), "gateway.semanticRouter.defaultModel",
         ("'gpt-4o' is not a model or LoRA adapter of this stack", "allowed: qwen-coder, sql")),
    Case("router-route-model-unknown", router(routes=[{**ROUTE, "model": "qwen3-8b"}]),
         "gateway.semanticRouter.routes[0].model", ("'qwen3-8b' is not a model or LoRA adapter",)),
    Case("router-virtual-is-served", router(virtualModel="sql"), "gateway.semanticRouter.virtualModel",
         ("'sql' is already a served model", "a name no model or LoRA adapter uses")),
    Case("router-virtual-not-a-name", router(virtualModel="MoM"), "gateway.semanticRouter.virtualModel",
         ("'MoM' is not a valid name", "lowercase letters")),
    Case("router-model-named-auto", lambda c: (router()(c), c["models"][0].update(name="auto"),
                                               c["gateway"]["semanticRouter"].update(
                                                   virtualModel="mom", defaultModel="sql",
                                                   routes=[{**ROUTE, "model": "sql"}])),
         "gateway.semanticRouter.enabled", ("a model or LoRA adapter is named 'auto'",)),
    Case("router-without-tenants", lambda c: (router()(c), c["gateway"].update(tenants={})), "gateway.tenants",
         ("the semantic router runs right after the API key check",)),
    Case("router-without-routes", router(routes=[]), "gateway.semanticRouter.routes",
         ("at least one route is needed",)),
    Case("router-route-matches-nothing", router(routes=[{"name": "empty", "model": "sql"}]),
         "gateway.semanticRouter.routes[0]", ("a route needs domains or keywords",)),
    Case("router-route-names-repeat", router(routes=[ROUTE, ROUTE]), "gateway.semanticRouter.routes[1].name",
         ("'code' is already routes[0]'s name",)),
    Case("router-domain-unknown", router(routes=[{**ROUTE, "domains": ["cooking"]}]),
         "gateway.semanticRouter.routes[0].domains[0]", ("got 'cooking'", "computer science")),
    Case("router-domain-repeated", router(routes=[{**ROUTE, "domains": ["math", "math"]}]),
         "gateway.semanticRouter.routes[0].domains", ("listed more than once: math",)),
    Case("router-keyword-blank", router(routes=[{**ROUTE, "keywords": [" "]}]),
         "gateway.semanticRouter.routes[0].keywords", ("' ' is not a keyword",)),
    Case("router-reasoning-without-parser", router(routes=[{**ROUTE, "reasoning": True}]),
         "gateway.semanticRouter.routes[0].reasoning",
         ("model 'qwen-coder' has reasoning parser none", "qwen3 or deepseek_r1")),
    Case("router-replicas-zero", router(replicas=0), "gateway.semanticRouter.replicas",
         ("greater than or equal to 1",)),
    Case("router-memory-not-a-quantity", router(resources={"memory": "4GB"}),
         "gateway.semanticRouter.resources.memory", ("'4GB' is not a memory quantity",)),
    Case("router-unknown-field", router(cache=True), "gateway.semanticRouter.cache",
         ("unknown setting; allowed: enabled, virtualModel, defaultModel, routes, promptGuard",)),
    Case("internet-facing-without-allow-list", gateway(internal=False, tls=TLS), "gateway.allowedSourceCidrs",
         ("an internet-facing gateway (internal: false) needs allowedSourceCidrs",)),
    Case("internet-facing-without-tls", gateway(internal=False, allowedSourceCidrs=["203.0.113.0/24"]),
         "gateway.tls", ("an internet-facing gateway (internal: false) needs tls", "clear text",
                         "issuer acme or privateCa", "or internal: true")),
    Case("tls-acme-without-its-settings", gateway(tls={"issuer": "acme", "hostname": "llm.example.com"}),
         "gateway.tls.acme", ("required with issuer acme: acme.email and acme.hostedZoneId",)),
    Case("tls-acme-settings-on-the-private-ca", gateway(tls={**TLS, "issuer": "privateCa"}), "gateway.tls.acme",
         ("only issuer acme uses it",)),
    Case("tls-issuer-unknown", gateway(tls={**TLS, "issuer": "vault"}), "gateway.tls.issuer",
         ("got 'vault'; allowed: acme, privateCa",)),
    Case("tls-hostname-wildcard", gateway(tls={**TLS, "hostname": "*.example.com"}), "gateway.tls.hostname",
         ("'*.example.com' is not a hostname", "no wildcard")),
    Case("tls-hostname-one-label", gateway(tls={**TLS, "hostname": "llm"}), "gateway.tls.hostname",
         ("'llm' is not a hostname", "at least two labels")),
    Case("tls-hostname-upper-case", gateway(tls={**TLS, "hostname": "LLM.example.com"}), "gateway.tls.hostname",
         ("is not a hostname", "lowercase")),
    Case("tls-hostname-label-too-long", gateway(tls={**TLS, "hostname": "a" * 64 + ".example.com"}),
         "gateway.tls.hostname", ("each label at most 63 characters",)),
    Case("tls-hosted-zone-with-prefix", gateway(tls={**TLS, "acme": {**ACME, "hostedZoneId": "/hostedzone/Z0123"}}),
         "gateway.tls.acme.hostedZoneId", ("is not a Route 53 hosted zone ID", "without /hostedzone/")),
    Case("tls-email-not-an-address", gateway(tls={**TLS, "acme": {**ACME, "email": "ops"}}),
         "gateway.tls.acme.email", ("'ops' is not an email address",)),
    Case("tls-acme-server-unknown", gateway(tls={**TLS, "acme": {**ACME, "server": "zerossl"}}),
         "gateway.tls.acme.server", ("got 'zerossl'; allowed: production, staging",)),
    Case("tls-unknown-field", gateway(tls={**TLS, "wildcard": True}), "gateway.tls.wildcard",
         ("unknown setting; allowed: issuer, hostname, acme",)),
    Case("allow-list-whole-internet", gateway(internal=False, allowedSourceCidrs=["0.0.0.0/0"], tls=TLS),
         "gateway.allowedSourceCidrs", ("the whole internet is not an allow-list",)),
    Case("stream-idle-not-below-request", gateway(requestTimeoutSeconds=300, streamIdleTimeoutSeconds=300),
         "gateway.streamIdleTimeoutSeconds", ("must be shorter than requestTimeoutSeconds (300)",)),
    Case("per-try-beyond-request", gateway(retries={"perTryTimeoutSeconds": 900}),
         "gateway.retries.perTryTimeoutSeconds", ("900 exceeds requestTimeoutSeconds (600)",)),
    Case("retries-too-many", gateway(retries={"attempts": 9}), "gateway.retries.attempts",
         ("less than or equal to 5",)),
    Case("gateway-unknown-field", gateway(hostname="llm.example.com"), "gateway.hostname",
         ("unknown setting; allowed: name, namespace, internal, allowedSourceCidrs", "tenants", "fallbacks",
          "semanticRouter")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_invalid_gateway_setting_is_one_line_naming_the_field(case: Case):
    lines = config_errors(case.mutate)
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith(f"tests/render: llm-platform:{case.path}: "), line
    for text in case.says:
        assert text in line, (text, line)


def test_the_full_gateway_example_is_valid():
    assert config_errors(lambda c: (with_lora(c), tenants_and_fallbacks(c))) == []
    assert fallback_platform().gateway.semantic_router.enabled is False


def test_a_valid_router_section_passes_and_defaults_are_safe():
    assert config_errors(router()) == []
    from .conftest import router_platform
    sr = router_platform().gateway.semantic_router
    assert sr.virtual_model == "auto" and sr.prompt_guard is True and sr.replicas == 1
    assert [r.name for r in sr.routes] == ["sql", "math", "humanities"]


def test_defaults_are_internal_closed_and_sized_for_streaming():
    assert config_errors(gateway()) == []
    gw = fallback_platform().gateway
    assert gw.internal is True
    assert gw.request_timeout_seconds == 600
    assert gw.stream_idle_timeout_seconds is None
    assert gw.retries.attempts == 2 and gw.retries.per_try_timeout_seconds is None
