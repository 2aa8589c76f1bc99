"""The `vllm serve` command line: positional model path, managed flags, then the model's engineArgs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from infra.catalog.vllm import MANAGED_FLAGS, vllm_cli
from infra.render import vllm_args as vllm_args_module
from infra.render.vllm_args import vllm_args

from .conftest import (
    BUCKET,
    DOCS_REPO,
    DOCS_REV,
    LLAMA_REPO,
    LLAMA_REV,
    QWEN_REPO,
    QWEN_REV,
    SQL_REPO,
    SQL_REV,
    bucket_of,
    Variant,
    build_platform,
    lora,
    qwen3,
    streamer,
    variant,
)


def args_of(v: Variant) -> list[str]:
    return vllm_args(v.platform, bucket_of(v.platform), v.model)


def value_after(args: list[str], flag: str) -> str:
    assert args.count(flag) == 1, (flag, args)
    return args[args.index(flag) + 1]


def flags(args: list[str]) -> list[str]:
    """Every `--flag` token, without `=value` and vLLM's dotted sub-keys (--compilation-config.mode)."""
    return [a.split("=", 1)[0].split(".", 1)[0] for a in args if a.startswith("--")]


def test_model_is_the_first_positional_arg_and_the_mount_path():
    args = args_of(variant("s3files"))
    assert args[0] == f"/models/{QWEN_REPO}/{QWEN_REV}"
    assert args[0] == "/models/Qwen/Qwen2.5-Coder-7B-Instruct/c03e6d358207e414f1eca0bb1891e29f1db0e242"
    assert "--load-format" not in args


def test_streamer_reads_the_model_from_s3():
    args = args_of(variant("streamer"))
    assert args[0] == f"s3://{BUCKET}/models/{QWEN_REPO}/{QWEN_REV}"
    assert value_after(args, "--load-format") == "runai_streamer"
    assert "runai_streamer" in vllm_cli().load_formats
    assert "--model-loader-extra-config" not in args  # single GPU: no distributed streaming


def test_streamer_honours_bucket_and_prefix():
    def custom(cfg):
        cfg["weights"] = {"loader": "streamer", "bucketName": "acme-weights", "prefix": "/llm/weights/"}

    platform = build_platform(custom)
    args = vllm_args(platform, bucket_of(platform), platform.resolved_models[0])
    assert args[0] == f"s3://acme-weights/llm/weights/{QWEN_REPO}/{QWEN_REV}"


def test_streamer_with_tensor_parallelism_streams_distributed():
    args = args_of(variant("tp4-streamer"))
    assert args[0] == f"s3://{BUCKET}/models/{LLAMA_REPO}/{LLAMA_REV}"
    assert json.loads(value_after(args, "--model-loader-extra-config")) == {"distributed": True}


@pytest.mark.parametrize("forbidden", ["--model", "--disable-log-stats", "--disable-log-requests", "--revision",
                                       "--download-dir", "--host", "--api-key"])
def test_never_rendered(any_variant: Variant, forbidden: str):
    assert forbidden not in flags(args_of(any_variant))


def test_every_flag_exists_in_the_pinned_vllm(any_variant: Variant):
    serve_flags = vllm_cli().serve_flags
    rendered = flags(args_of(any_variant))
    assert rendered  # not vacuous
    unknown = [f for f in rendered if f not in serve_flags]
    assert unknown == []


def test_no_flag_is_rendered_twice(any_variant: Variant):
    rendered = flags(args_of(any_variant))
    assert len(rendered) == len(set(rendered))


def test_managed_flags_of_the_dev_model():
    args = args_of(variant("s3files"))
    assert value_after(args, "--served-model-name") == "qwen-coder"
    assert value_after(args, "--port") == "8000"
    assert value_after(args, "--max-model-len") == "32768"
    assert value_after(args, "--max-num-seqs") == "32"
    assert value_after(args, "--gpu-memory-utilization") == "0.92"
    assert value_after(args, "--quantization") == "fp8"
    assert "--enable-prefix-caching" in args
    assert "--no-enable-prefix-caching" not in args
    assert "--kv-cache-dtype" not in args  # auto
    assert "--tensor-parallel-size" not in args  # TP 1


def test_tensor_parallel_only_above_one_gpu():
    assert "--tensor-parallel-size" not in args_of(variant("s3files"))
    assert value_after(args_of(variant("tp4")), "--tensor-parallel-size") == "4"


def test_quantization_kv_cache_and_prefix_caching_follow_the_config():
    def tweak(cfg):
        cfg["models"][0].update(quantization="none", contextWindow=16384, kvCacheDtype="fp8_e4m3", prefixCaching=False,
                                gpuMemoryUtilization=0.95, maxNumSeqs=8)

    platform = build_platform(tweak)
    args = vllm_args(platform, bucket_of(platform), platform.resolved_models[0])
    assert "--quantization" not in args
    assert value_after(args, "--kv-cache-dtype") == "fp8_e4m3"
    assert "--no-enable-prefix-caching" in args
    assert "--enable-prefix-caching" not in args
    assert value_after(args, "--max-model-len") == "16384"
    assert value_after(args, "--gpu-memory-utilization") == "0.95"
    assert value_after(args, "--max-num-seqs") == "8"


def test_awq_uses_the_marlin_kernel():
    def awq(cfg):
        cfg["models"][0]["quantization"] = "awq"

    platform = build_platform(awq)
    assert value_after(vllm_args(platform, bucket_of(platform), platform.resolved_models[0]), "--quantization") == "awq_marlin"


def test_tool_parser_from_the_catalog_when_auto():
    args = args_of(variant("s3files"))  # Qwen2.5-Coder: hermes, no reasoning parser
    assert "--enable-auto-tool-choice" in args
    assert value_after(args, "--tool-call-parser") == "hermes"
    assert "--reasoning-parser" not in args


def test_reasoning_parser_from_the_catalog_when_auto():
    args = args_of(variant("qwen3"))
    assert value_after(args, "--tool-call-parser") == "hermes"
    assert value_after(args, "--reasoning-parser") == "qwen3"


def test_llama_tool_parser():
    assert value_after(args_of(variant("tp4")), "--tool-call-parser") == "llama3_json"


def test_parsers_absent_when_none():
    def none(cfg):
        cfg["models"][0].update(toolCallParser="none", reasoningParser="none")

    platform = build_platform(qwen3, none)
    args = vllm_args(platform, bucket_of(platform), platform.resolved_models[0])
    for flag in ("--enable-auto-tool-choice", "--tool-call-parser", "--reasoning-parser"):
        assert flag not in args


def test_explicit_parser_overrides_the_catalog():
    def explicit(cfg):
        cfg["models"][0].update(toolCallParser="qwen3_xml")

    platform = build_platform(explicit)
    assert value_after(vllm_args(platform, bucket_of(platform), platform.resolved_models[0]), "--tool-call-parser") == "qwen3_xml"


def test_lora_flags_and_name_path_pairs_on_the_mount():
    args = args_of(variant("lora"))
    assert "--enable-lora" in args
    assert value_after(args, "--max-loras") == "2"
    assert value_after(args, "--max-lora-rank") == "64"
    i = args.index("--lora-modules")
    assert args[i + 1 : i + 3] == [
        f"sql=/models/{SQL_REPO}/{SQL_REV}",
        f"docs=/models/{DOCS_REPO}/{DOCS_REV}",
    ]
    assert args[i + 1] == "sql=/models/acme/qwen-coder-sql-lora/0123456789abcdef0123456789abcdef01234567"


def test_lora_with_streamer_loads_adapters_from_the_local_copy():
    args = args_of(variant("lora-streamer"))
    i = args.index("--lora-modules")
    assert args[i + 1 : i + 3] == ["sql=/adapters/sql", "docs=/adapters/docs"]
    assert value_after(args, "--load-format") == "runai_streamer"


def test_no_lora_flags_without_adapters():
    args = args_of(variant("s3files"))
    for flag in ("--enable-lora", "--max-loras", "--max-lora-rank", "--lora-modules"):
        assert flag not in args


def test_max_lora_rank_follows_the_config():
    def rank(cfg):
        cfg["models"][0]["maxLoraRank"] = 16

    def one_adapter(cfg):
        cfg["models"][0]["loraAdapters"] = [{"name": "sql", "repository": SQL_REPO, "revision": SQL_REV}]

    platform = build_platform(one_adapter, rank)
    args = vllm_args(platform, bucket_of(platform), platform.resolved_models[0])
    assert value_after(args, "--max-lora-rank") == "16"
    assert value_after(args, "--max-loras") == "1"


def test_engine_args_come_last_in_their_order():
    v = variant("tp4")
    args = args_of(v)
    engine = ["--enable-chunked-prefill", "--max-num-batched-tokens=8192"]
    assert list(v.model.config.engine_args) == engine
    assert args[-2:] == engine
    # nothing of the model's own args appears among the managed ones
    assert not set(engine) & set(args[:-2])
    # and every managed flag precedes them
    assert args.index("--tool-call-parser") < args.index("--enable-chunked-prefill")
    assert args.index("--tensor-parallel-size") < args.index("--enable-chunked-prefill")


def test_engine_args_after_streamer_and_lora_flags():
    def extra(cfg):
        cfg["models"][0]["engineArgs"] = ["--compilation-config.mode=3", "--enable-chunked-prefill"]

    platform = build_platform(lora, streamer, extra)
    args = vllm_args(platform, bucket_of(platform), platform.resolved_models[0])
    assert args[-2:] == ["--compilation-config.mode=3", "--enable-chunked-prefill"]
    assert args.index("--load-format") < len(args) - 2
    assert args.index("--lora-modules") < args.index("--load-format")
    assert args[-3] == "runai_streamer"


def test_every_arg_is_a_string(any_variant: Variant):
    assert all(isinstance(a, str) and a for a in args_of(any_variant))


def _flag_literals() -> set[str]:
    """Every `--flag` string the renderer's source can emit, whichever branch a stack takes."""
    tree = ast.parse(Path(vllm_args_module.__file__).read_text())
    return {n.value.split("=", 1)[0] for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("--")}


def test_every_flag_the_renderer_can_emit_is_one_the_config_manages():
    """The config refuses managed flags in `engineArgs`; a flag the renderer sets that is not managed
    could be set twice (once by the platform, once by the stack), and vLLM keeps the last."""
    literals = _flag_literals()
    assert {"--served-model-name", "--lora-modules", "--load-format"} <= literals  # the scan sees the source
    assert literals <= MANAGED_FLAGS.keys(), sorted(literals - MANAGED_FLAGS.keys())


def test_every_flag_rendered_for_a_model_is_managed(any_variant):
    args = args_of(any_variant)
    rendered = args[: len(args) - len(any_variant.model.config.engine_args)]
    flags = {a.split("=", 1)[0] for a in rendered if a.startswith("-")}
    assert flags and flags <= MANAGED_FLAGS.keys(), sorted(flags - MANAGED_FLAGS.keys())
