"""Stack platforms for the observability tests: the shipped stacks, a scale-to-zero variant and the
50-model bench stack."""

from __future__ import annotations

import json
from functools import cache

from infra.bench import bench_stack
from infra.config import PlatformConfig
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

STACKS = ("dev", "prod")


@cache
def stack_platform(stack: str) -> PlatformConfig:
    stack_file = load_stack_file(REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    return platform_config(stack_file.values, stack_file.display_path, stack_file.project)


def with_models(stack: str, mutate) -> PlatformConfig:
    stack_file = load_stack_file(REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    values = dict(stack_file.values)
    models = json.loads(values["llm-platform:models"])
    mutate(models)
    values["llm-platform:models"] = json.dumps(models)
    return platform_config(values, stack_file.display_path, stack_file.project)


def scale_to_zero(models: list[dict]) -> None:
    """Every model scales to zero; the first also serves a LoRA adapter."""
    for model in models:
        model["replicas"] = {"min": 0, "max": model.get("replicas", {}).get("max", 1)}
        model["autoscaling"] = {"scaleToZero": True}
    models[0]["loraAdapters"] = [{"name": "sql", "repository": "acme/coder-sql-lora",
                                  "revision": "0123456789abcdef0123456789abcdef01234567"}]


@cache
def zero_platform(stack: str) -> PlatformConfig:
    return with_models(stack, scale_to_zero)


@cache
def bench_platform(n: int) -> PlatformConfig:
    doc = bench_stack(n)["config"]
    values = {k: json.dumps(v) if k.startswith("llm-platform:") else v for k, v in doc.items()}
    return platform_config(values, f"bench-{n}", "llm-platform")
