"""PlatformConfig variants for the renderer tests: the dev stack plus small, named overrides.

Every variant goes through `platform_config` (pydantic plus the cross-section checks), so a
renderer is only ever tested on a configuration the stack file could actually hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from infra.config import PlatformConfig, ResolvedModel
from infra.render import model_autoscaling, model_monitoring, model_network, model_workload, serving_namespace
from infra.render.weight_preload import render_preload_job, render_preload_service_account
from infra.plan.aws_shapes import ACCOUNT
from infra.render.weight_store import WeightRef, bucket_name
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

STACK = "dev"
TOOLS_DIGEST = "0123456789abcdef"
NAMESPACE = "llm"
BUCKET = f"llm-platform-dev-weights-{ACCOUNT}-us-east-1-an"  # stack "dev"'s default bucket under the plan's mocks


def bucket_of(platform: PlatformConfig) -> str:
    """The weights bucket of `platform` as stack "dev" in the mocked account and us-east-1."""
    return bucket_name(platform, STACK, ACCOUNT, "us-east-1")

QWEN_REPO = "Qwen/Qwen2.5-Coder-7B-Instruct"
QWEN_REV = "c03e6d358207e414f1eca0bb1891e29f1db0e242"
LLAMA_REPO = "meta-llama/Llama-3.1-70B-Instruct"
LLAMA_REV = "1605565b47bb9346c5515c34102e054115b4f98b"
SQL_REPO, SQL_REV = "acme/qwen-coder-sql-lora", "0123456789abcdef0123456789abcdef01234567"
DOCS_REPO, DOCS_REV = "acme/qwen-coder-docs-lora", "fedcba9876543210fedcba9876543210fedcba98"

Cfg = dict[str, Any]


def dev_cfg() -> Cfg:
    values = load_stack_file(REPO_ROOT / "stacks" / "Pulumi.dev.yaml").values
    return {k.split(":", 1)[1]: json.loads(v) for k, v in values.items() if k.startswith("llm-platform:")}


def build_platform(*mutations: Callable[[Cfg], None]) -> PlatformConfig:
    cfg = dev_cfg()
    for mutate in mutations:
        mutate(cfg)
    values = {f"llm-platform:{k}": json.dumps(v) for k, v in cfg.items()}
    return platform_config(values, "tests/render", "llm-platform")


# ---- overrides ---------------------------------------------------------------------------------


def streamer(cfg: Cfg) -> None:
    cfg["weights"] = {"loader": "streamer"}


def lora(cfg: Cfg) -> None:
    cfg["models"][0]["loraAdapters"] = [
        {"name": "sql", "repository": SQL_REPO, "revision": SQL_REV},
        {"name": "docs", "repository": DOCS_REPO, "revision": DOCS_REV},
    ]


def tp4(cfg: Cfg) -> None:
    cfg["gpuPools"]["h100"] = {"gpu": "H100", "capacityTypes": ["on-demand"], "gpuLimit": 12}
    cfg["models"] = [{
        "name": "llama-70b", "repository": LLAMA_REPO, "revision": LLAMA_REV, "pool": "h100",
        "gpusPerReplica": 4, "quantization": "fp8", "contextWindow": 131072, "maxNumSeqs": 64,
        "replicas": {"min": 1, "max": 2}, "routing": {"tier": "large", "specialty": "general"},
        "slo": {"ttftP95Seconds": 4}, "engineArgs": ["--enable-chunked-prefill", "--max-num-batched-tokens=8192"],
    }]


def qwen3(cfg: Cfg) -> None:
    cfg["models"][0].update(name="qwen3-8b", repository="Qwen/Qwen3-8B",
                            revision="b968826d9c46dd6066d109eabc6255188de91218")


VARIANTS: dict[str, tuple[Callable[[Cfg], None], ...]] = {
    "s3files": (),
    "streamer": (streamer,),
    "lora": (lora,),
    "lora-streamer": (lora, streamer),
    "tp4": (tp4,),
    "tp4-streamer": (tp4, streamer),
    "qwen3": (qwen3,),
}


@dataclass(frozen=True)
class Variant:
    name: str
    platform: PlatformConfig
    model: ResolvedModel

    @property
    def streamer(self) -> bool:
        return self.platform.weights.loader == "streamer"


@cache  # configs are immutable; renderers build fresh dicts on every call
def variant(name: str) -> Variant:
    platform = build_platform(*VARIANTS[name])
    return Variant(name, platform, platform.resolved_models[0])


@pytest.fixture(params=list(VARIANTS))
def any_variant(request) -> Variant:
    return variant(request.param)


def weight_refs(model: ResolvedModel) -> list[WeightRef]:
    cfg = model.config
    return [WeightRef(cfg.repository, cfg.revision)] + [WeightRef(a.repository, a.revision) for a in cfg.lora_adapters]


def render_everything(v: Variant) -> list[dict]:
    """Every object the serving layer renders for this variant (namespace, model, preload Jobs)."""
    p, m = v.platform, v.model
    objects = [
        serving_namespace.render_namespace(p),
        serving_namespace.render_default_deny(p),
        serving_namespace.render_preload_network_policy(p),
        serving_namespace.render_tools_config_map(p),
        model_workload.render_service_account(p, m),
        model_workload.render_deployment(p, bucket_of(p), m, TOOLS_DIGEST),
        model_workload.render_pod_disruption_budget(p, m),
        model_network.render_service(p, m),
        model_network.render_network_policy(p, m),
        model_autoscaling.render_scaled_object(p, m),
        model_monitoring.render_service_scrape(p, m),
        model_monitoring.render_rule(p, m),
    ]
    claim = serving_namespace.render_weights_claim(p)
    if claim is not None:
        objects.append(claim)
    for i, ref in enumerate(weight_refs(m)):
        objects += [render_preload_service_account(p, ref),
                    render_preload_job(p, bucket_of(p), ref, m.weights_gib if i == 0 else 2.0)]
    return objects


def promql_selectors(query: str) -> list[tuple[str, dict[str, tuple[str, str]]]]:
    """Parse a PromQL query with a real parser (raises on a syntax error) and list its vector
    selectors as (metric name, {label: (match op, value)})."""
    import promql_parser

    found: list[tuple[str, dict[str, tuple[str, str]]]] = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            found.append((node.name, {m.name: (str(m.op).rsplit(".", 1)[-1], m.value)
                                      for m in node.matchers.matchers}))
        return True

    promql_parser.walk(promql_parser.parse(query), visit)
    return found
