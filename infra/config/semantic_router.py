"""The optional virtual model: the vLLM Semantic Router picks a served model for each prompt.

A client that asks for `virtualModel` (default `auto`) gets the model of the first route whose
domains or keywords match the prompt, or `defaultModel` when none does. Requests that name a model
directly are not rerouted (the router still classifies them, so its latency is added to every
request; the prompt guard applies to all of them). What the stack sets under `gateway.semanticRouter`:

- `enabled` (false): run the router and insert it into the gateway, after the API key check and
  before the AI Gateway's own processing (which then routes on the model the router chose).
- `virtualModel` (`auto`): the name clients ask for. The router always treats `auto` as virtual too,
  so no served model may be called `auto` while the router is on.
- `defaultModel` (required): served name (model or LoRA adapter) for prompts no route matches; also
  what the gateway serves the virtual model with while the router is down.
- `routes`: tried in order, the first match wins. Each names a `model` and matches prompts whose
  `domains` (the router's domain classifier, MMLU categories) or `keywords` (case-insensitive,
  any one) match. `reasoning: true` turns the model's thinking mode on for the route's prompts;
  the model needs a reasoning parser the router knows (qwen3, deepseek_r1).
- `promptGuard` (true): reject prompts the router's jailbreak classifier flags (any model).
- `replicas` (1), `resources` (cpu 1, memory 4Gi): the router runs its classifiers on CPU on the
  system nodes; memory is also its limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from .base import ModelName, StackModel
from .issues import Issue
from .services import Cpu, Memory

if TYPE_CHECKING:
    from .platform import PlatformConfig

# The router's own virtual name, always recognised besides the configured one
# (RouterConfig.IsAutoModelName, src/semantic-router/pkg/config/helper.go at v0.2.0).
ALWAYS_VIRTUAL = "auto"

# The categories the router's domain classifier assigns (its MMLU-Pro label set: category_mapping.json
# of the intent classifier it downloads, and the categories of deploy/kubernetes/ai-gateway at v0.2.0).
Domain = Literal["biology", "business", "chemistry", "computer science", "economics", "engineering", "health",
                 "history", "law", "math", "other", "philosophy", "physics", "psychology"]

# vLLM reasoning parser -> the router's reasoning family (how it switches thinking on per request).
REASONING_FAMILIES: dict[str, str] = {"qwen3": "qwen3", "deepseek_r1": "deepseek"}


class RouterResources(StackModel):
    cpu: Cpu = "1"
    memory: Memory = "4Gi"


class SemanticRoute(StackModel):
    name: ModelName = Field(description="the route's name (a DNS label): the decision name in the router's metrics")
    model: str = Field(description="served name (model or LoRA adapter) the matching prompts go to")
    domains: tuple[Domain, ...] = ()
    keywords: tuple[str, ...] = Field(default=(), max_length=100)
    reasoning: bool = False

    @field_validator("domains", "keywords")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if not word.strip() or len(word) > 100 or "\n" in word:
                raise ValueError(f"{word!r} is not a keyword; allowed: 1-100 characters on one line, not blank")
        return value


class SemanticRouterConfig(StackModel):
    enabled: bool = False
    virtual_model: ModelName = Field(default=ALWAYS_VIRTUAL, description="the model name clients ask for")
    default_model: str | None = Field(default=None, description="served name for prompts no route matches")
    routes: list[SemanticRoute] = Field(default_factory=list, max_length=32)
    prompt_guard: bool = Field(default=True, description="reject prompts the jailbreak classifier flags")
    replicas: int = Field(default=1, ge=1, le=10)
    resources: RouterResources = Field(default_factory=RouterResources)


def semantic_router_issues(platform: "PlatformConfig", served: list[str]) -> list[Issue]:
    """Settings that are wrong given the rest of the stack (only when the router is enabled)."""
    router = platform.gateway.semantic_router
    if not router.enabled:
        return []
    at: tuple = ("gateway", "semanticRouter")
    allowed = ", ".join(served) or "(no models)"
    found: list[Issue] = []
    if not platform.gateway.tenants:
        found.append(Issue(("gateway", "tenants"), "the semantic router runs right after the API key check, so it "
                           "needs at least one tenant (without tenants the gateway denies every request)"))
    if router.virtual_model in served:
        found.append(Issue(at + ("virtualModel",), f"{router.virtual_model!r} is already a served model; allowed: a "
                           f"name no model or LoRA adapter uses (e.g. {ALWAYS_VIRTUAL!r})"))
    elif ALWAYS_VIRTUAL in served:
        found.append(Issue(at + ("enabled",), f"a model or LoRA adapter is named {ALWAYS_VIRTUAL!r}, which the router "
                           "always treats as the virtual model; allowed: rename it, or semanticRouter.enabled: false"))
    if router.default_model is None:
        found.append(Issue(at + ("defaultModel",), f"required when the router is enabled: the model for prompts no "
                           f"route matches; allowed: {allowed}"))
    elif router.default_model not in served:
        found.append(Issue(at + ("defaultModel",), f"{router.default_model!r} is not a model or LoRA adapter of this "
                           f"stack; allowed: {allowed}"))
    if not router.routes:
        found.append(Issue(at + ("routes",), "at least one route is needed (without one every prompt goes to "
                           "defaultModel: ask for that model directly instead)"))
    parsers = reasoning_parsers(platform)
    seen: dict[str, int] = {}
    for i, route in enumerate(router.routes):
        where = at + ("routes", i)
        first = seen.setdefault(route.name, i)
        if first != i:
            found.append(Issue(where + ("name",), f"{route.name!r} is already routes[{first}]'s name; route names "
                               "must be unique"))
        if route.model not in served:
            found.append(Issue(where + ("model",), f"{route.model!r} is not a model or LoRA adapter of this stack; "
                               f"allowed: {allowed}"))
        elif route.reasoning and parsers.get(route.model) not in REASONING_FAMILIES:
            found.append(Issue(where + ("reasoning",), f"model {route.model!r} has reasoning parser "
                               f"{parsers.get(route.model) or 'none'}, which the router cannot switch; allowed: "
                               f"false, or a model with reasoning parser {' or '.join(REASONING_FAMILIES)}"))
        if not route.domains and not route.keywords:
            found.append(Issue(where, "a route needs domains or keywords to match prompts on"))
    return found


def reasoning_parsers(platform: "PlatformConfig") -> dict[str, str | None]:
    """Served name -> the vLLM reasoning parser of the model that serves it (adapters: their base's)."""
    return {name: platform.reasoning_parser_of(model) for model in platform.models
            for name in model.served_names}
