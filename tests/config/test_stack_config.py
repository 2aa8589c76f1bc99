"""Stack files -> PlatformConfig: the shipped stacks load, and every invalid setting is reported as
one line naming the stack file, the field path as spelled in the stack file, and what is allowed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, PlatformConfig
from infra.stack_file import REPO_ROOT, SECRET_PLACEHOLDER, load_stack_file, platform_config

DEV = REPO_ROOT / "stacks" / "Pulumi.dev.yaml"
PROD = REPO_ROOT / "stacks" / "Pulumi.prod.yaml"
NS = "llm-platform"
SHA_A = "0123456789abcdef0123456789abcdef01234567"
SHA_B = "fedcba9876543210fedcba9876543210fedcba98"

Cfg = dict[str, Any]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _dev():
    return load_stack_file(DEV)


def decoded(values: dict[str, str]) -> Cfg:
    """The project's settings of a stack file, JSON-decoded, keyed without the namespace."""
    out: Cfg = {}
    for key, value in values.items():
        if key.startswith(f"{NS}:"):
            try:
                out[key[len(NS) + 1 :]] = json.loads(value)
            except json.JSONDecodeError:
                out[key[len(NS) + 1 :]] = value
    return out


def encoded(cfg: Cfg, base: dict[str, str]) -> dict[str, str]:
    """Back to the CLI form: non-project keys kept, every project value a JSON string."""
    values = {k: v for k, v in base.items() if not k.startswith(f"{NS}:")}
    values.update({f"{NS}:{k}": json.dumps(v) for k, v in cfg.items()})
    return values


def load(cfg: Cfg) -> PlatformConfig:
    stack = _dev()
    return platform_config(encoded(cfg, stack.values), stack.display_path, stack.project)


def config_errors(cfg: Cfg) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(cfg)
    return info.value.lines


def dev_cfg() -> Cfg:
    return decoded(_dev().values)


# --------------------------------------------------------------------------------------
# the shipped stacks
# --------------------------------------------------------------------------------------


def test_dev_stack_loads_with_one_fp8_coder_model_on_l4():
    stack = load_stack_file(DEV)
    assert stack.stack == "dev"
    assert stack.project == "llm-platform"
    platform = platform_config(stack.values, stack.display_path, stack.project)
    assert platform.cluster.name == "llm-dev"
    assert list(platform.gpu_pools) == ["l4"]
    assert platform.gpu_pools["l4"].gpu == "L4"
    assert platform.gpu_pools["l4"].capacity_types == ["spot", "on-demand"]
    assert platform.gpu_pools["l4"].gpu_limit == 4
    assert [m.name for m in platform.models] == ["qwen-coder"]
    model = platform.models[0]
    assert model.repository == "Qwen/Qwen2.5-Coder-7B-Instruct"
    assert model.revision == "c03e6d358207e414f1eca0bb1891e29f1db0e242"
    assert model.pool == "l4"
    assert model.quantization == "fp8"
    assert model.context_window == 32768
    assert model.gpus_per_replica == 1
    assert (model.replicas.min, model.replicas.max) == (1, 2)
    assert platform.weights.loader == "s3files"
    assert platform.budget is not None and platform.budget.monthly_usd == 2500
    # defaults come through
    assert platform.serving.namespace == "llm"
    assert platform.serving.images.vllm == "vllm/vllm-openai:v0.33.0"


def test_dev_stack_model_resolves_and_fits():
    platform = load(dev_cfg())
    (resolved,) = platform.resolved_models
    assert resolved.fit.fits
    assert resolved.tool_call_parser == "hermes"  # catalog default for Qwen2.5-Coder
    assert resolved.reasoning_parser is None
    assert resolved.host_instance.name == "g6.xlarge"  # cheapest L4 instance with >= 1 GPU


def test_prod_stack_loads_four_models_over_three_gpu_classes():
    stack = load_stack_file(PROD)
    assert stack.stack == "prod"
    platform = platform_config(stack.values, stack.display_path, stack.project)
    assert len(platform.models) >= 4
    pools = {name: pool.gpu for name, pool in platform.gpu_pools.items()}
    assert pools == {"l4": "L4", "l40s": "L40S", "h100": "H100"}
    used_gpus = {platform.gpu_pools[m.pool].gpu for m in platform.models}
    assert used_gpus == {"L4", "L40S", "H100"}
    by_repo = {m.repository: m for m in platform.models}

    coder = by_repo["Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8"]
    assert platform.gpu_pools[coder.pool].gpu == "L40S"
    assert coder.quantization == "fp8"

    seventy = [m for m in platform.models if "70B" in m.repository]
    assert len(seventy) == 1
    assert platform.gpu_pools[seventy[0].pool].gpu == "H100"
    assert seventy[0].gpus_per_replica > 1
    assert seventy[0].gpus_per_replica == 4

    assert platform.weights.hugging_face_token_secret == "llm-platform/prod/hugging-face-token"
    assert platform.network.availability_zones == 3
    assert platform.network.high_availability_nat is True
    assert all(r.fit.fits for r in platform.resolved_models)


def test_display_path_is_relative_to_the_working_directory(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    assert load_stack_file(DEV).display_path == "stacks/Pulumi.dev.yaml"
    monkeypatch.chdir(REPO_ROOT / "stacks")
    assert load_stack_file(DEV).display_path == "Pulumi.dev.yaml"


# --------------------------------------------------------------------------------------
# one invalid setting -> exactly one line
# --------------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Cfg], None]:
    """Set a dotted/indexed path, e.g. 'models.0.revision'."""

    def apply(cfg: Cfg) -> None:
        parts = path.split(".")
        node: Any = cfg
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def _non_catalog_arch(heads: int, kv_heads: int) -> dict:
    return {"parametersBillion": 7.61, "layers": 28, "attentionHeads": heads, "kvHeads": kv_heads,
            "headDim": 128, "maxContext": 32768}


def _base_non_catalog(heads: int, kv_heads: int) -> Callable[[Cfg], None]:
    def apply(cfg: Cfg) -> None:
        cfg["models"][0].update(repository="acme/coder-7b", architecture=_non_catalog_arch(heads, kv_heads),
                                replicas={"min": 1, "max": 1})
        cfg["gpuPools"]["l4"]["gpuLimit"] = 16

    return apply


def _base_restricted_pool(cfg: Cfg) -> None:
    cfg["gpuPools"]["l4"].update(instanceTypes=["g6.12xlarge"], gpuLimit=32)
    cfg["models"][0]["replicas"] = {"min": 1, "max": 1}


def _base_fp8_checkpoint_on_l40s(cfg: Cfg) -> None:
    cfg["gpuPools"]["l40s"] = {"gpu": "L40S", "gpuLimit": 4}
    cfg["models"][0].update(repository="Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8",
                            revision="dcaee4d4dfc5ee71ad501f01f530e5652438fde0", pool="l40s")


def _base_three_models(cfg: Cfg) -> None:
    first = cfg["models"][0]
    cfg["models"] = [
        first,
        {**copy.deepcopy(first), "name": "coder-b"},
        {**copy.deepcopy(first), "name": "coder-c", "replicas": {"min": 1, "max": 3}},
    ]


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Cfg], None]
    path: str
    says: tuple[str, ...]
    base: Callable[[Cfg], None] | None = None


PIN = "allowed: a 40-character lowercase hex commit SHA"

CASES = [
    Case("revision-branch", _set("models.0.revision", "main"), "models[0].revision", ("'main' is not pinned", PIN)),
    Case("revision-uppercase", _set("models.0.revision", "C03E6D358207E414F1ECA0BB1891E29F1DB0E242"),
         "models[0].revision", ("is not pinned", PIN)),
    Case("revision-39-chars", _set("models.0.revision", "c03e6d358207e414f1eca0bb1891e29f1db0e24"),
         "models[0].revision", ("is not pinned", PIN)),
    Case("revision-41-chars", _set("models.0.revision", "c03e6d358207e414f1eca0bb1891e29f1db0e2420"),
         "models[0].revision", ("is not pinned", PIN)),
    Case("quantization-unknown", _set("models.0.quantization", "int4"), "models[0].quantization",
         ("got 'int4'; allowed: none, fp8, awq, gptq",)),
    Case("model-unknown-field", _set("models.0.maxTokens", 4096), "models[0].maxTokens",
         ("unknown setting; allowed: name, repository, revision, pool, gpusPerReplica", "contextWindow",
          "engineArgs", "architecture")),
    Case("top-level-unknown-key", _set("modles", []), "modles",
         ("unknown setting; allowed: cluster, network, gpuPools, weights, serving, models, gateway, "
          "observability, services, budget",)),
    Case("pool-unknown-gpu", _set("gpuPools.l4.gpu", "T4"), "gpuPools.l4.gpu",
         ("'T4' is not a known GPU; allowed: A10G, L4, L40S, A100, H100, H200",)),
    Case("pool-duplicate-capacity-types", _set("gpuPools.l4.capacityTypes", ["spot", "spot"]),
         "gpuPools.l4.capacityTypes", ("listed twice", "allowed: spot, on-demand, each at most once")),
    Case("pool-capacity-type-unknown", _set("gpuPools.l4.capacityTypes", ["reserved"]),
         "gpuPools.l4.capacityTypes[0]", ("got 'reserved'; allowed: spot, on-demand",)),
    Case("pool-reference-missing", _set("models.0.pool", "l40s"), "models[0].pool",
         ("'l40s' is not a GPU pool of this stack; allowed: l4",)),
    Case("name-equals-lora-adapter",
         _set("models.0.loraAdapters", [{"name": "qwen-coder", "repository": "acme/qwen-coder-lora", "revision": SHA_A}]),
         "models[0].name", ("'qwen-coder' is also a LoRA adapter name", "served names must be unique")),
    Case("context-window-beyond-model", _set("models.0.contextWindow", 65536), "models[0].contextWindow",
         ("65536 exceeds the model's maximum context 32768", "allowed: 256..32768")),
    Case("fp8-checkpoint-with-awq", _set("models.0.quantization", "awq"), "models[0].quantization",
         ("Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8 is an FP8 checkpoint", "allowed: none or fp8"),
         base=_base_fp8_checkpoint_on_l40s),
    Case("tensor-parallel-splits-heads-unevenly", _set("models.0.gpusPerReplica", 8), "models[0].gpusPerReplica",
         ("28 attention heads cannot be split evenly over 8 GPUs",), base=_base_non_catalog(28, 4)),
    Case("tensor-parallel-splits-kv-heads-unevenly", _set("models.0.gpusPerReplica", 4), "models[0].gpusPerReplica",
         ("6 KV heads cannot be split or replicated evenly over 4 GPUs",), base=_base_non_catalog(24, 6)),
    Case("gpus-per-replica-beyond-node", _set("models.0.gpusPerReplica", 8), "models[0].gpusPerReplica",
         ("8 GPUs do not fit one node of pool 'l4'", "at most 4 L4 per node"), base=_base_restricted_pool),
    Case("gpus-per-replica-not-a-tp-size", _set("models.0.gpusPerReplica", 3), "models[0].gpusPerReplica",
         ("got 3; allowed: 1, 2, 4, 8",)),
    Case("replicas-min-above-max", _set("models.0.replicas.min", 3), "models[0].replicas",
         ("min (3) must be <= max (2)",)),
    # (4 + 1 surge) x 1 GPU = 5 > gpuLimit 4; the largest max is 4 // 1 - 1 = 3
    Case("replicas-max-plus-surge-beyond-gpu-limit", _set("models.0.replicas.max", 4), "models[0].replicas.max",
         ("4 replicas x 1 GPU", "plus one surge replica need 5 GPUs", "pool 'l4' allows 4",
          "allowed: max <= 3, or raise gpuPools.l4.gpuLimit")),
    # minimum replicas: 1 + 1 + 3 = 5 GPUs > 4 (each model's own max + surge still fits: 3, 3, 4)
    Case("min-replicas-beyond-gpu-limit", _set("models.2.replicas.min", 3), "gpuPools.l4.gpuLimit",
         ("4 GPUs cannot hold the minimum replicas of its models (5 GPUs)", "allowed: >= 5"),
         base=_base_three_models),
    Case("tool-parser-unknown", _set("models.0.toolCallParser", "hermes2"), "models[0].toolCallParser",
         ("'hermes2' is not a parser vLLM 0.33.0 registers", "allowed: auto, none, ", "hermes", "llama3_json")),
    Case("reasoning-parser-unknown", _set("models.0.reasoningParser", "qwen4"), "models[0].reasoningParser",
         ("'qwen4' is not a parser vLLM 0.33.0 registers", "allowed: auto, none, ", "qwen3", "deepseek_r1")),
    Case("engine-arg-managed", _set("models.0.engineArgs", ["--max-model-len=4096"]), "models[0].engineArgs[0]",
         ("--max-model-len is managed by the platform: set `contextWindow`",)),
    Case("engine-arg-managed-snake-case", _set("models.0.engineArgs", ["--max_model_len=4096"]),
         "models[0].engineArgs[0]", ("--max-model-len is managed by the platform: set `contextWindow`",)),
    Case("engine-arg-managed-second-item", _set("models.0.engineArgs", ["--enable-chunked-prefill", "--max-num-seqs=8"]),
         "models[0].engineArgs[1]", ("--max-num-seqs is managed by the platform: set `maxNumSeqs`",)),
    Case("engine-arg-disable-prefix-caching", _set("models.0.engineArgs", ["--disable-prefix-caching"]),
         "models[0].engineArgs[0]", ("--disable-prefix-caching is managed by the platform: set `prefixCaching`",)),
    Case("engine-arg-disable-log-stats", _set("models.0.engineArgs", ["--disable-log-stats"]),
         "models[0].engineArgs[0]", ("--disable-log-stats is managed by the platform", "Prometheus metrics")),
    Case("engine-arg-load-format", _set("models.0.engineArgs", ["--load-format=safetensors"]),
         "models[0].engineArgs[0]", ("--load-format is managed by the platform", "`weights.loader`")),
    Case("engine-arg-short-tp", _set("models.0.engineArgs", ["-tp"]), "models[0].engineArgs[0]",
         ("--tensor-parallel-size is managed by the platform: set `gpusPerReplica`",)),
    Case("engine-arg-removed", _set("models.0.engineArgs", ["--swap-space=4"]), "models[0].engineArgs[0]",
         ("--swap-space does not exist in vLLM 0.33.0", "the V0 CPU swap space is gone")),
    Case("engine-arg-unknown", _set("models.0.engineArgs", ["--enable-magic"]), "models[0].engineArgs[0]",
         ("--enable-magic is not a `vllm serve` flag in vLLM 0.33.0",)),
    Case("engine-arg-not-a-flag", _set("models.0.engineArgs", ["4096"]), "models[0].engineArgs[0]",
         ("'4096' is not a flag; allowed: one '--flag' or '--flag=value' per item",)),
    Case("non-catalog-repository-without-architecture", _set("models.0.repository", "acme/mystery-7b"),
         "models[0].architecture",
         ("acme/mystery-7b is not in the model catalog", "declare its architecture (parametersBillion, layers, "
          "attentionHeads, kvHeads, headDim, maxContext)")),
    Case("lora-adapter-revision-unpinned",
         _set("models.0.loraAdapters", [{"name": "sql", "repository": "acme/qwen-coder-sql", "revision": "v1.0"}]),
         "models[0].loraAdapters[0].revision", ("'v1.0' is not pinned", PIN)),
    Case("image-latest", _set("serving", {"images": {"vllm": "vllm/vllm-openai:latest"}}), "serving.images.vllm",
         ("uses 'latest'; allowed: an exact version tag or an @sha256 digest",)),
    Case("image-without-tag", _set("serving", {"images": {"preload": "python"}}), "serving.images.preload",
         ("'python' is not pinned; allowed: an image with an exact tag or an @sha256 digest",)),
    Case("public-access-whole-internet", _set("cluster.publicAccessCidrs", ["10.0.0.0/8", "0.0.0.0/0"]),
         "cluster.publicAccessCidrs",
         ("the whole internet is not an allow-list (these blocks cover 100.0% of the public IPv4 addresses); "
          "allowed: specific CIDR blocks covering at most network.maxInternetShare of them (default 0.39%",)),
    Case("public-access-internet-in-halves", _set("cluster.publicAccessCidrs", ["0.0.0.0/1", "128.0.0.0/1"]),
         "cluster.publicAccessCidrs", ("the whole internet is not an allow-list (these blocks cover 100.0%",)),
    Case("gateway-sources-internet-in-halves", _set("gateway.allowedSourceCidrs", ["::/1", "8000::/1"]),
         "gateway.allowedSourceCidrs", ("of the public IPv6 addresses",)),
    Case("kubernetes-version-unsupported", _set("cluster.kubernetesVersion", "1.29"), "cluster.kubernetesVersion",
         ("'1.29' is not supported; allowed: 1.34",)),
    # 14.7e9 B fp8 + 2 GiB + 2*48*8*128*2 B x 32768 = 13.7 + 2 + 6 GiB > 22.35 GiB x 0.92 = 20.6 GiB
    Case("model-does-not-fit", _set("models.0.repository", "Qwen/Qwen2.5-14B-Instruct"), "models[0]",
         ("'qwen-coder' does not fit 1 x L4", "short by")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_invalid_setting_is_one_line_naming_file_and_field(case: Case):
    cfg = dev_cfg()
    if case.base:
        case.base(cfg)
        load(cfg)  # the starting point is valid: only the mutation below is wrong
    case.mutate(cfg)
    lines = config_errors(cfg)
    assert len(lines) == 1, lines
    (line,) = lines
    source = _dev().display_path
    assert source.endswith("stacks/Pulumi.dev.yaml")
    assert line.startswith(f"{source}: {NS}:{case.path}: "), line
    for text in case.says:
        assert text in line, (text, line)


def test_field_path_is_reported_relative_to_cwd(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    cfg = dev_cfg()
    cfg["models"][0]["revision"] = "main"
    (line,) = config_errors(cfg)
    assert line.startswith("stacks/Pulumi.dev.yaml: llm-platform:models[0].revision: 'main' is not pinned")


def test_duplicate_model_names_are_reported_on_each_entry():
    cfg = dev_cfg()
    cfg["models"].append(copy.deepcopy(cfg["models"][0]))
    source = _dev().display_path
    assert config_errors(cfg) == [
        f"{source}: {NS}:models[0].name: 'qwen-coder' is used by more than one model; names must be unique",
        f"{source}: {NS}:models[1].name: 'qwen-coder' is used by more than one model; names must be unique",
    ]


@pytest.mark.parametrize("arg", ["-tp", "-tp=2"])
def test_short_managed_flag_points_to_the_stack_field(arg):
    cfg = dev_cfg()
    cfg["models"][0]["engineArgs"] = [arg]
    (line,) = config_errors(cfg)
    assert "is managed by the platform: set `gpusPerReplica`" in line


def test_accepted_engine_args_pass_through():
    cfg = dev_cfg()
    args = ["--enable-chunked-prefill", "--compilation-config.mode=3", "--max-num-batched-tokens=8192",
            "--enable_chunked_prefill"]
    cfg["models"][0]["engineArgs"] = args
    platform = load(cfg)
    assert platform.models[0].engine_args == args


def test_non_catalog_repository_with_architecture_is_accepted():
    cfg = dev_cfg()
    _base_non_catalog(28, 4)(cfg)
    platform = load(cfg)
    (model,) = platform.resolved_models
    assert model.architecture.attention_heads == 28
    assert model.tool_call_parser is None  # 'auto' without a catalog entry means no parser
    assert model.reasoning_parser is None


def test_pinned_lora_adapters_and_image_digest_are_accepted():
    cfg = dev_cfg()
    cfg["models"][0]["loraAdapters"] = [
        {"name": "sql", "repository": "acme/qwen-coder-sql", "revision": SHA_A},
        {"name": "docs", "repository": "acme/qwen-coder-docs", "revision": SHA_B},
    ]
    cfg["serving"] = {"images": {"vllm": "vllm/vllm-openai@sha256:" + "ab" * 32}}
    platform = load(cfg)
    assert [a.name for a in platform.models[0].lora_adapters] == ["sql", "docs"]


def test_image_on_registry_with_port_is_pinned():
    cfg = dev_cfg()
    cfg["serving"] = {"images": {"vllm": "registry.example.com:5000/vllm/vllm-openai:v0.33.0"}}
    load(cfg)


# --------------------------------------------------------------------------------------
# the stack file itself
# --------------------------------------------------------------------------------------


def test_yaml_syntax_error_is_one_line_with_its_position(tmp_path: Path):
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text("config:\n  aws:region: us-east-1\n  llm-platform:cluster:\n    name: llm-dev: oops\n")
    with pytest.raises(ConfigError) as info:
        load_stack_file(path)
    (line,) = info.value.lines
    assert line.startswith(f"{path}: not valid YAML (line 4, column ")
    assert "mapping values are not allowed here" in line


@pytest.mark.parametrize("name", ["dev.yaml", "Pulumi.yaml", "Pulumi..yaml", "pulumi.dev.yaml", "Pulumi.dev.json"])
def test_file_not_named_pulumi_stack_yaml_is_rejected(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text(DEV.read_text())
    with pytest.raises(ConfigError) as info:
        load_stack_file(path)
    assert info.value.lines == [f"{path}: a stack file must be named Pulumi.<stack>.yaml"]


def test_yml_extension_is_accepted(tmp_path: Path):
    path = tmp_path / "Pulumi.staging.yml"
    path.write_text(DEV.read_text())
    assert load_stack_file(path).stack == "staging"


def test_missing_stack_file_is_one_line(tmp_path: Path):
    path = tmp_path / "Pulumi.nothere.yaml"
    with pytest.raises(ConfigError) as info:
        load_stack_file(path)
    assert info.value.lines == [f"{path}: no such stack file"]


def test_config_that_is_not_a_mapping_is_rejected(tmp_path: Path):
    path = tmp_path / "Pulumi.list.yaml"
    path.write_text("config:\n  - a\n  - b\n")
    with pytest.raises(ConfigError) as info:
        load_stack_file(path)
    assert info.value.lines == [f"{path}: config: must be a mapping of settings"]


def test_secure_values_become_secret_keys(tmp_path: Path):
    path = tmp_path / "Pulumi.sec.yaml"
    path.write_text(
        "config:\n"
        "  aws:region: us-east-1\n"
        "  llm-platform:hfToken:\n"
        "    secure: v1:AAAABBBBCCCC\n"
        "  apiKey:\n"
        "    secure: v1:DDDDEEEE\n"
        "  llm-platform:notSecret:\n"
        "    secure: v1:x\n"
        "    other: 1\n"
    )
    stack = load_stack_file(path)
    assert stack.secret_keys == ["llm-platform:hfToken", "llm-platform:apiKey"]
    assert stack.values["llm-platform:hfToken"] == SECRET_PLACEHOLDER == "[secret]"
    assert stack.values["llm-platform:apiKey"] == "[secret]"
    assert "v1:AAAABBBBCCCC" not in json.dumps(stack.values)
    # a mapping with more than the `secure` key is an ordinary object
    assert json.loads(stack.values["llm-platform:notSecret"]) == {"secure": "v1:x", "other": 1}


def test_scalars_and_unqualified_keys_are_passed_like_the_cli(tmp_path: Path):
    path = tmp_path / "Pulumi.scalars.yaml"
    path.write_text(
        "config:\n"
        "  aws:region: us-east-1\n"
        "  flag: true\n"
        "  disabled: false\n"
        "  count: 3\n"
        "  ratio: 0.5\n"
        "  empty:\n"
        "  llm-platform:name: dev\n"
    )
    values = load_stack_file(path).values
    assert values == {
        "aws:region": "us-east-1",
        "llm-platform:flag": "true",
        "llm-platform:disabled": "false",
        "llm-platform:count": "3",
        "llm-platform:ratio": "0.5",
        "llm-platform:empty": "",
        "llm-platform:name": "dev",
    }


def test_nested_objects_are_json_strings_of_the_yaml_values():
    values = load_stack_file(DEV).values
    assert set(values) == {"aws:region", "llm-platform:cluster", "llm-platform:network", "llm-platform:gpuPools",
                           "llm-platform:weights", "llm-platform:models", "llm-platform:gateway", "llm-platform:budget"}
    assert all(isinstance(v, str) for v in values.values())
    assert values["aws:region"] == "us-east-1"
    assert json.loads(values["llm-platform:cluster"]) == {"name": "llm-dev", "kubernetesVersion": "1.35"}
    assert json.loads(values["llm-platform:network"]) == {"availabilityZones": 2}
    assert json.loads(values["llm-platform:gpuPools"]) == {
        "l4": {"gpu": "L4", "capacityTypes": ["spot", "on-demand"], "gpuLimit": 4}}
    assert json.loads(values["llm-platform:budget"]) == {"monthlyUsd": 2500}
    (model,) = json.loads(values["llm-platform:models"])
    assert model["replicas"] == {"min": 1, "max": 2}
    assert model["routing"] == {"tier": "small", "specialty": "code"}


def test_nested_objects_are_encoded_exactly_like_the_pulumi_cli():
    values = load_stack_file(DEV).values
    assert values["llm-platform:cluster"] == '{"kubernetesVersion":"1.35","name":"llm-dev"}'
    assert values["llm-platform:network"] == '{"availabilityZones":2}'
    assert values["llm-platform:gpuPools"] == '{"l4":{"capacityTypes":["spot","on-demand"],"gpu":"L4","gpuLimit":4}}'
    assert values["llm-platform:budget"] == '{"monthlyUsd":2500}'


def test_other_namespaces_are_ignored_by_the_platform_config():
    stack = load_stack_file(DEV)
    values = {**stack.values, "aws:profile": "whatever", "kubernetes:context": "x"}
    platform = platform_config(values, stack.display_path, stack.project)
    assert platform.cluster.name == "llm-dev"


def test_lora_adapter_names_are_unique_across_models():
    cfg = dev_cfg()
    second = json.loads(json.dumps(cfg["models"][0]))
    second["name"] = "qwen-coder-b"
    adapter = {"name": "sql", "repository": "acme/qwen-coder-sql", "revision": "a" * 40}
    cfg["models"][0]["loraAdapters"] = [adapter]
    second["loraAdapters"] = [adapter]
    cfg["models"].append(second)
    cfg["gpuPools"]["l4"]["gpuLimit"] = 8
    (line,) = config_errors(cfg)
    assert "llm-platform:models[1].loraAdapters[0].name: 'sql' is already an adapter of model 'qwen-coder'" in line


def test_a_new_cluster_needs_every_add_on_pinned():
    cfg = dev_cfg()
    cfg["cluster"]["kubernetesVersion"] = "1.34"  # the catalog has no sourced EFS CSI build for 1.34
    (line,) = config_errors(cfg)
    assert "llm-platform:cluster.addonVersions: no pinned version of aws-efs-csi-driver for Kubernetes 1.34" in line
    cfg["cluster"]["addonVersions"] = {"aws-efs-csi-driver": "v3.0.0-eksbuild.1"}
    assert load(cfg).addon_versions()["aws-efs-csi-driver"] == "v3.0.0-eksbuild.1"
    assert load(cfg).addon_versions()["kube-proxy"] == "v1.34.6-eksbuild.13"


def test_the_ebs_csi_driver_is_catalogued_and_can_be_pinned():
    cfg = dev_cfg()
    assert load(cfg).addon_versions()["aws-ebs-csi-driver"] == "v1.57.1-eksbuild.1"  # catalog, Kubernetes 1.35
    cfg["cluster"]["addonVersions"] = {"aws-ebs-csi-driver": "v1.58.0-eksbuild.1"}
    assert load(cfg).addon_versions()["aws-ebs-csi-driver"] == "v1.58.0-eksbuild.1"
    cfg["cluster"] |= {"kubernetesVersion": "1.36", "addonVersions": {}}
    (line,) = config_errors(cfg)
    assert "aws-ebs-csi-driver for Kubernetes 1.36" in line  # no sourced build: the stack must pin it


def test_s3_files_needs_efs_csi_driver_3():
    cfg = dev_cfg()
    cfg["cluster"]["addonVersions"] = {"aws-efs-csi-driver": "v2.1.4-eksbuild.1"}
    (line,) = config_errors(cfg)
    assert "cluster.addonVersions.aws-efs-csi-driver: v2.1.4-eksbuild.1 cannot mount S3 Files" in line
    cfg["weights"] = {"loader": "streamer"}
    load(cfg)


def test_an_existing_cluster_keeps_its_own_add_ons():
    cfg = dev_cfg()
    cfg["cluster"] |= {"kubernetesVersion": "1.36", "existing": True}
    load(cfg)


def test_karpenter_pools_need_a_kubernetes_minor_karpenter_supports():
    cfg = dev_cfg()
    cfg["cluster"] |= {"kubernetesVersion": "1.37", "existing": True}
    (line,) = config_errors(cfg)
    assert "llm-platform:gpuPools.l4.provisioner: Karpenter 1.14.1 supports Kubernetes up to 1.36, not 1.37" in line


def test_node_group_pools_need_a_created_cluster():
    cfg = dev_cfg()
    cfg["cluster"]["existing"] = True
    cfg["gpuPools"]["l4"] |= {"provisioner": "nodeGroup", "capacityTypes": ["on-demand"], "gpuLimit": 8}
    (line,) = config_errors(cfg)
    assert "llm-platform:gpuPools.l4.provisioner: a nodeGroup pool needs a cluster the platform creates" in line
    del cfg["cluster"]["existing"]
    load(cfg)


def test_bottlerocket_pool_needs_a_release_with_the_clusters_minor():
    cfg = dev_cfg()
    cfg["cluster"] |= {"kubernetesVersion": "1.36", "existing": True}
    cfg["gpuPools"]["l4"]["amiFamily"] = "bottlerocket"
    load(cfg)  # bottlerocket@v1.64.0 has 1.36 variants


def test_an_all_digit_revision_read_as_a_number_asks_for_quotes():
    cfg = dev_cfg()
    cfg["models"][0]["revision"] = 1234567890123456789012345678901234567890
    (line,) = config_errors(cfg)
    assert "llm-platform:models[0].revision: 1234567890123456789012345678901234567890 was read as a number; quote it" in line
