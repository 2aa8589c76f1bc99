"""Stacks for the gateway tests: the reference stacks as they are, the dev stack with LoRA adapters,
a stack with tenants, token limits and OpenAI + Bedrock (+ Anthropic) fallbacks, and one with the
semantic router's virtual model over a model and its adapters."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from infra.config import ConfigError, PlatformConfig
from infra.config.errors import format_path
from infra.config.gateway import gateway_issues
from infra.render.gateway import render_gateway
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

from ..conftest import Cfg, build_platform, lora, qwen3

REGION = "us-east-1"
GATEWAY_NS = "envoy-gateway-system"
REFERENCE_STACKS = sorted(p.stem.removeprefix("Pulumi.") for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"))

TEAM_B_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm/team-b-AbCdEf"
BEDROCK_PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"


def tenants_and_fallbacks(cfg: Cfg) -> None:
    """Two tenants (one limited per minute and per day), and fallbacks listed out of priority order."""
    cfg["gateway"] = {
        "tenants": {
            "team-a": {"apiKeySecret": "llm/team-a"},
            "team-b": {"apiKeySecret": TEAM_B_ARN,
                       "tokenLimit": {"tokensPerMinute": 100_000, "tokensPerDay": 5_000_000}},
        },
        "fallbacks": [
            {"provider": "openai", "model": "gpt-4o-mini", "credentialsSecret": "llm/openai",
             "forModels": "all", "priority": 20},
            {"provider": "bedrock", "model": BEDROCK_PROFILE, "forModels": ["qwen-coder"], "priority": 5},
            {"provider": "anthropic", "model": "claude-sonnet-4-5", "credentialsSecret": "llm/anthropic",
             "forModels": ["sql"], "priority": 7},
        ],
    }


def semantic_router(cfg: Cfg) -> None:
    """The virtual model over qwen3-8b and its LoRA adapters (apply after `qwen3` and `lora`)."""
    cfg["gateway"]["semanticRouter"] = {
        "enabled": True,
        "defaultModel": "qwen3-8b",
        "routes": [
            {"name": "sql", "model": "sql", "keywords": ["SELECT", "join", "sql"]},
            {"name": "math", "model": "qwen3-8b", "domains": ["math", "physics"], "reasoning": True},
            {"name": "humanities", "model": "docs", "domains": ["history", "philosophy"], "keywords": ["essay"]},
        ],
    }


@cache
def router_platform() -> PlatformConfig:
    return build_platform(qwen3, lora, semantic_router)


@cache
def reference_platform(stack: str) -> PlatformConfig:
    sf = load_stack_file(REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    return platform_config(sf.values, f"stacks/Pulumi.{stack}.yaml", sf.project)


@cache
def fallback_platform() -> PlatformConfig:
    return build_platform(lora, tenants_and_fallbacks)


@cache
def lora_platform() -> PlatformConfig:
    return build_platform(lora)


PLATFORMS: dict[str, Callable[[], PlatformConfig]] = {
    **{f"stack-{s}": (lambda s=s: reference_platform(s)) for s in REFERENCE_STACKS},
    "dev-lora": lora_platform,
    "tenants-fallbacks": fallback_platform,
    "semantic-router": router_platform,
}


@pytest.fixture(params=list(PLATFORMS))
def any_platform(request) -> PlatformConfig:
    return PLATFORMS[request.param]()


def objects(platform: PlatformConfig, kind: str | None = None) -> list[dict]:
    return [o for o in render_gateway(platform, REGION) if kind is None or o["kind"] == kind]


def one(platform: PlatformConfig, kind: str, name: str | None = None) -> dict:
    found = [o for o in objects(platform, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [o["metadata"]["name"] for o in found])
    return found[0]


def config_errors(*mutations: Callable[[Cfg], None]) -> list[str]:
    """Error lines for a dev stack changed by `mutations`: what platform_config raises, else the
    gateway's cross-section issues (the same lines once they are hooked into PlatformConfig.issues)."""
    try:
        platform = build_platform(*mutations)
    except ConfigError as exc:
        return exc.lines
    return [f"tests/render: {format_path('llm-platform', i.path)}: {i.message}" for i in gateway_issues(platform)]

