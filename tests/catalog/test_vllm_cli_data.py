"""Checks on the vendored vLLM 0.33.0 command-line data (infra/catalog/data/vllm-0.33.0.json).

The file was extracted from the vLLM 0.33.0 wheel (see infra/catalog/data/SOURCES.md). These
tests pin the facts the platform relies on, so a bad re-extraction or hand edit fails loudly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "infra" / "catalog" / "data" / "vllm-0.33.0.json"

LIST_KEYS = (
    "serve_flags",
    "tool_call_parsers",
    "reasoning_parsers",
    "quantization_methods",
    "kv_cache_dtypes",
    "load_formats",
)

# Flags the platform renders into the vLLM container's args.
RENDERED_FLAGS = (
    "--served-model-name",
    "--max-model-len",
    "--max-num-seqs",
    "--gpu-memory-utilization",
    "--tensor-parallel-size",
    "--quantization",
    "--kv-cache-dtype",
    "--enable-auto-tool-choice",
    "--tool-call-parser",
    "--reasoning-parser",
    "--enable-lora",
    "--lora-modules",
    "--max-loras",
    "--max-lora-rank",
    "--load-format",
    "--model-loader-extra-config",
    "--port",
    "--host",
    "--enable-prefix-caching",
    "--no-enable-prefix-caching",
)

# Flags found in old examples that vLLM 0.33.0's parser rejects ("unrecognized arguments").
REJECTED_FLAGS = (
    "--swap-space",
    "--max-seq-len-to-capture",
    "--num-scheduler-steps",
    "--enable-reasoning",
    "--guided-decoding-backend",
    "--task",
)


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def flags(data) -> set[str]:
    return set(data["serve_flags"])


def test_shape_and_version(data):
    assert set(data) == {"vllm_version", "provenance", "removed_flags", *LIST_KEYS}
    assert data["vllm_version"] == "0.33.0"
    prov = data["provenance"]
    assert set(prov) == {"source", "sha256", "method", "extracted_on"}
    assert "vllm-0.33.0" in prov["source"] and prov["source"].endswith(
        "from PyPI (pip download --no-deps vllm==0.33.0)"
    )
    assert re.fullmatch(r"[0-9a-f]{64}", prov["sha256"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", prov["extracted_on"])
    assert prov["method"].strip()


@pytest.mark.parametrize("key", LIST_KEYS)
def test_lists_are_sorted_unique_nonempty_strings(data, key):
    values = data[key]
    assert values, key
    assert all(isinstance(v, str) and v and v == v.strip() for v in values), key
    assert values == sorted(values), f"{key} is not sorted"
    assert len(values) == len(set(values)), f"{key} has duplicates"


def test_serve_flags_are_long_options_only(flags):
    bad = sorted(f for f in flags if not re.fullmatch(r"--[a-z0-9]+(-[a-z0-9]+)*", f))
    assert not bad, bad


@pytest.mark.parametrize("flag", RENDERED_FLAGS)
def test_rendered_flags_exist(flags, flag):
    assert flag in flags


def test_aliases_and_boolean_pairs(flags):
    # --device-memory-utilization is an alias of --gpu-memory-utilization.
    assert "--device-memory-utilization" in flags
    # BooleanOptionalAction: every --no-X has its --X.
    orphans = sorted(f for f in flags if f.startswith("--no-") and "--" + f[5:] not in flags)
    assert not orphans, orphans
    for base in ("enable-chunked-prefill", "enable-lora", "enable-auto-tool-choice"):
        assert f"--{base}" in flags and f"--no-{base}" in flags
    # vLLM 0.33's EnableDisableAction also pairs every --enable-X bool with --disable-X
    # (and every --disable-X bool with --enable-X); --no-disable-X exists only when the
    # field itself is named disable_X.
    for f in flags:
        if f.startswith("--no-enable-"):
            assert "--disable-" + f[len("--no-enable-"):] in flags, f
        if f.startswith("--no-disable-"):
            assert "--enable-" + f[len("--no-disable-"):] in flags, f
    assert "--disable-prefix-caching" in flags
    assert "--disable-lora" in flags
    assert "--disable-auto-tool-choice" in flags


def test_rejected_flags_absent(data, flags):
    removed = data["removed_flags"]
    assert set(removed) == set(REJECTED_FLAGS)
    assert all(isinstance(v, str) and v.strip() for v in removed.values())
    present = sorted(set(removed) & flags)
    assert not present, present


def test_disable_log_requests_is_accepted_as_inverse_of_enable_log_requests(data, flags):
    # Removed in v0.12, but in 0.33.0 the parser's EnableDisableAction derives --disable-X from
    # every --enable-X bool, so --disable-log-requests parses again (sets enable_log_requests
    # False, which is the default). --no-disable-log-requests is still rejected.
    assert {"--enable-log-requests", "--no-enable-log-requests", "--disable-log-requests"} <= flags
    assert "--no-disable-log-requests" not in flags
    assert "--disable-log-requests" not in data["removed_flags"]


def test_model_option_is_deprecated_but_accepted(data, flags):
    # `vllm serve --model X` logs a deprecation warning and is rewritten to the positional model.
    assert "--model" in flags
    assert "--model" not in data["removed_flags"]
    # The positional model_tag is not an option string.
    assert "--model-tag" not in flags


def test_deprecated_flags_still_parse(flags):
    for flag in ("--log-config-file", "--disable-cascade-attn", "--mamba-cache-mode",
                 "--ir-op-priority", "--disable-log-stats"):
        assert flag in flags
    assert "--no-disable-log-stats" not in flags  # store_true, not a BooleanOptionalAction


def test_tool_call_parsers(data):
    parsers = set(data["tool_call_parsers"])
    assert len(parsers) == 58
    assert {"hermes", "qwen3_coder", "qwen3_xml", "qwen3_json", "llama3_json", "llama4_json",
            "llama4_pythonic", "mistral", "openai", "pythonic", "granite-20b-fc"} <= parsers
    # Made-up names, and reasoning-only parsers, are not tool parsers.
    for name in ("llama3", "qwen3", "hermes2", "qwen2_5", "deepseek_r1", "openai_gptoss", "none"):
        assert name not in parsers, name


def test_reasoning_parsers(data):
    parsers = set(data["reasoning_parsers"])
    assert len(parsers) == 42
    assert {"qwen3", "deepseek_r1", "openai_gptoss", "granite", "mistral"} <= parsers
    # "none" is accepted by --reasoning-parser as "unset", but it is not a registered parser.
    for name in ("hermes", "qwen3_coder", "llama3_json", "deepseek_r2", "qwq", "none"):
        assert name not in parsers, name


def test_quantization_methods(data):
    methods = set(data["quantization_methods"])
    assert len(methods) == 30
    assert {"fp8", "awq", "awq_marlin", "gptq", "gptq_marlin", "compressed-tensors",
            "modelopt", "modelopt_fp4", "mxfp4", "fbgemm_fp8", "fp_quant"} <= methods
    for name in ("bitsandbytes", "gguf", "int4", "squeezellm", "marlin", "aqlm"):
        assert name not in methods, name


def test_kv_cache_dtypes(data):
    dtypes = set(data["kv_cache_dtypes"])
    assert len(dtypes) == 22
    assert {"auto", "float16", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2"} <= dtypes
    for name in ("float32", "int8", "fp16", "bf16", "fp4"):
        assert name not in dtypes, name


def test_load_formats(data):
    formats = set(data["load_formats"])
    assert len(formats) == 15
    assert {"auto", "safetensors", "pt", "runai_streamer", "runai_streamer_sharded",
            "tensorizer", "dummy"} <= formats
    for name in ("gguf", "bitsandbytes", "s3", "runai"):
        assert name not in formats, name
