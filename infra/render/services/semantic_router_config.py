"""The vLLM Semantic Router's own configuration (its config.yaml), built from `gateway.semanticRouter`.

Read from the router's source at v0.2.0 (src/semantic-router/pkg/, the keys checked in tests against
infra/catalog/data/semantic-router-v0.2.0-config-keys.json):

- Signals and decisions. Every request is classified, whatever model it names; only a request for
  the virtual model (`auto_model_name`, or `auto`) gets the model of the matching decision written into
  its body. Decisions are tried by `priority` (higher first, `strategy: priority`), so the stack's
  first route gets the highest. A route matches on any of its domains (`type: domain`, the domain
  classifier's label) or its keyword rule (`type: keyword`, named like the route; keyword rules are
  first-match in list order, which is route order too). No match: `default_model`.
- `use_reasoning` must be set on every modelRef (the router refuses to start otherwise). For a model
  with a reasoning family (`model_config.<name>.reasoning_family`, from its vLLM reasoning parser) the
  router switches thinking on or off per request through `chat_template_kwargs`.
- Prompt guard: the jailbreak classifier alone only loads a model; blocking needs a `jailbreak` signal,
  a decision on it and that decision's `fast_response` plugin (the reply the client gets).
- `GET /v1/models` is answered by the router itself (extproc/req_filter_models.go): the virtual model,
  plus every `model_config` key with `include_config_models_in_list`. Every served name therefore has
  a `model_config` entry, so clients still see the whole list.
- Models: the router downloads at start-up every `models/...` path in its config (whether or not the
  feature using it is enabled) from Hugging Face into /app/models. The config therefore names only the
  domain classifier and, with prompt guard, the jailbreak classifier; the chart's defaults for the
  others (PII, embeddings for the cache and tools) are removed (`None`, which Helm deletes).
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.semantic_router import REASONING_FAMILIES, SemanticRoute, reasoning_parsers

# The classifiers, as the router's tested Envoy AI Gateway profile configures them
# (e2e/profiles/ai-gateway/values.yaml at v0.2.0); the router's registry maps each path to its Hugging
# Face repository (src/semantic-router/pkg/config/registry.go).
DOMAIN_CLASSIFIER = {
    "model_id": "models/mom-domain-classifier",
    "use_modernbert": True,
    "threshold": 0.6,
    "use_cpu": True,
    "category_mapping_path": "models/mom-domain-classifier/category_mapping.json",
}
JAILBREAK_CLASSIFIER = {
    "model_id": "models/mom-jailbreak-classifier",
    "use_modernbert": False,
    "threshold": 0.7,
    "use_cpu": True,
    "jailbreak_mapping_path": "models/mom-jailbreak-classifier/jailbreak_type_mapping.json",
}
JAILBREAK_SIGNAL = "jailbreak"
BLOCK_DECISION = "block-jailbreak"
BLOCK_PRIORITY = 1000  # above every route
FIRST_ROUTE_PRIORITY = 900
BLOCKED_MESSAGE = "This request was blocked by the platform's prompt guard."

# How the router switches thinking on per family (reasoning_families in the router's own configs).
FAMILY_SWITCH = {
    "qwen3": {"type": "chat_template_kwargs", "parameter": "enable_thinking"},
    "deepseek": {"type": "chat_template_kwargs", "parameter": "thinking"},
}

DOMAIN_DESCRIPTIONS = {
    "biology": "Molecular biology, genetics, cell biology, ecology, evolution, anatomy",
    "business": "Business, corporate strategy, management, finance, marketing",
    "chemistry": "Chemical reactions, molecular structures, laboratory techniques",
    "computer science": "Algorithms, data structures, programming, software engineering",
    "economics": "Microeconomics, macroeconomics, financial markets, monetary policy, trade",
    "engineering": "Engineering disciplines, design, problem-solving, systems",
    "health": "Anatomy, physiology, diseases, treatments, preventive care, nutrition",
    "history": "Historical events, time periods, cultures, civilizations",
    "law": "Legal principles, case law, statutory interpretation, legal procedures",
    "math": "Mathematics, algebra, calculus, geometry, statistics",
    "other": "General knowledge and miscellaneous topics",
    "philosophy": "Philosophical traditions, ethics, logic, metaphysics, epistemology",
    "physics": "Physical laws, mechanics, thermodynamics, electromagnetism, quantum physics",
    "psychology": "Cognitive processes, behavioral patterns, mental health, developmental psychology",
}


def keyword_rule_name(route: SemanticRoute) -> str:
    return f"{route.name}-keywords"


def route_priority(index: int) -> int:
    return FIRST_ROUTE_PRIORITY - index


def _decision(route: SemanticRoute, index: int) -> dict:
    conditions = [{"type": "domain", "name": d} for d in route.domains]
    if route.keywords:
        conditions.append({"type": "keyword", "name": keyword_rule_name(route)})
    return {
        "name": route.name,
        "description": f"route {index}: {route.model}",
        "priority": route_priority(index),
        "rules": {"operator": "OR", "conditions": conditions},
        "modelRefs": [{"model": route.model, "use_reasoning": route.reasoning}],
    }


def _block_decision() -> dict:
    return {
        "name": BLOCK_DECISION,
        "description": "prompts the jailbreak classifier flags get a refusal, not a model",
        "priority": BLOCK_PRIORITY,
        "rules": {"operator": "OR", "conditions": [{"type": "jailbreak", "name": JAILBREAK_SIGNAL}]},
        "plugins": [{"type": "fast_response", "configuration": {"message": BLOCKED_MESSAGE}}],
    }


def model_config(platform: PlatformConfig) -> dict[str, dict]:
    """Every served name, with the router's reasoning family where its vLLM reasoning parser has one."""
    return {name: ({"reasoning_family": REASONING_FAMILIES[parser]} if parser in REASONING_FAMILIES else {})
            for name, parser in reasoning_parsers(platform).items()}


def router_config(platform: PlatformConfig) -> dict:
    """The chart's `config` value: merged by Helm over the chart's default config, hence the `None`s."""
    router = platform.gateway.semantic_router
    models = model_config(platform)
    families = sorted({m["reasoning_family"] for m in models.values() if m})
    domains = sorted({d for r in router.routes for d in r.domains})
    decisions = [_decision(r, i) for i, r in enumerate(router.routes)]
    config: dict = {
        "auto_model_name": router.virtual_model,
        "default_model": router.default_model,
        "strategy": "priority",
        "include_config_models_in_list": True,  # /v1/models: the virtual model and every served name
        "categories": [{"name": d, "description": DOMAIN_DESCRIPTIONS[d]} for d in domains],
        "keyword_rules": [{"name": keyword_rule_name(r), "operator": "OR", "keywords": list(r.keywords),
                           "case_sensitive": False} for r in router.routes if r.keywords],
        "decisions": decisions,
        "model_config": models,
        "reasoning_families": {family: FAMILY_SWITCH[family] for family in families},
        "classifier": {"category_model": dict(DOMAIN_CLASSIFIER), "pii_model": None},
        # Off, and without model paths (a `models/...` path is downloaded even when its feature is off).
        "bert_model": None,
        "semantic_cache": {"enabled": False},
        "tools": {"enabled": False},
        "response_api": {"enabled": False},
        # Removed, not just disabled: the chart's default exports to jaeger:4317, which does not exist here.
        "observability": {"tracing": None},
    }
    if router.prompt_guard:
        config["prompt_guard"] = {"enabled": True, **JAILBREAK_CLASSIFIER}
        config["jailbreak"] = [{"name": JAILBREAK_SIGNAL, "threshold": JAILBREAK_CLASSIFIER["threshold"],
                                "include_history": False}]
        config["decisions"] = [_block_decision(), *decisions]
    else:
        config["prompt_guard"] = None
    return config


def classifier_paths(platform: PlatformConfig) -> list[str]:
    """The `models/...` classifiers the router downloads at start-up for this config."""
    paths = [DOMAIN_CLASSIFIER["model_id"]]
    if platform.gateway.semantic_router.prompt_guard:
        paths.append(JAILBREAK_CLASSIFIER["model_id"])
    return paths
