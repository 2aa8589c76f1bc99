"""The pinned vLLM release: image, command-line facts, and the flags the platform manages.

The lists of flags, parsers, quantization methods and KV-cache dtypes are read from
data/vllm-<version>.json, extracted from the vLLM wheel itself (provenance in data/SOURCES.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VLLM_VERSION = "0.33.0"
# The unsuffixed tag is the CUDA 13 build since v0.20; it needs NVIDIA driver R580+, which the
# EKS accelerated AMIs ship. Users on an older driver set images.vllm to the -cu129 tag.
VLLM_IMAGE = f"vllm/vllm-openai:v{VLLM_VERSION}"
VLLM_PORT = 8000

_DATA = Path(__file__).parent / "data" / f"vllm-{VLLM_VERSION}.json"


@dataclass(frozen=True)
class VllmCli:
    version: str
    serve_flags: frozenset[str]
    removed_flags: dict[str, str]
    tool_call_parsers: frozenset[str]
    reasoning_parsers: frozenset[str]
    quantization_methods: frozenset[str]
    kv_cache_dtypes: frozenset[str]
    load_formats: frozenset[str]


@cache
def vllm_cli() -> VllmCli:
    raw = json.loads(_DATA.read_text())
    return VllmCli(
        version=raw["vllm_version"],
        serve_flags=frozenset(raw["serve_flags"]),
        removed_flags=dict(raw.get("removed_flags", {})),
        tool_call_parsers=frozenset(raw["tool_call_parsers"]),
        reasoning_parsers=frozenset(raw["reasoning_parsers"]),
        quantization_methods=frozenset(raw["quantization_methods"]),
        kv_cache_dtypes=frozenset(raw["kv_cache_dtypes"]),
        load_formats=frozenset(raw["load_formats"]),
    )


# Flags the platform renders from typed fields (or must never be set): a model's `engineArgs`
# may not contain them. Each maps to the stack-file field that controls it, or to the reason.
MANAGED_FLAGS: dict[str, str] = {
    "--model": "the model is positional and comes from `repository`/`revision`",
    "--served-model-name": "set from `name`",
    "--revision": "weights are preloaded at `revision`; the model path is local",
    "--tokenizer-revision": "the tokenizer ships with the preloaded weights",
    "--download-dir": "weights come from the platform's weight store",
    "--max-model-len": "set `contextWindow`",
    "--max-num-seqs": "set `maxNumSeqs`",
    "--gpu-memory-utilization": "set `gpuMemoryUtilization`",
    "--device-memory-utilization": "set `gpuMemoryUtilization`",
    "--quantization": "set `quantization`",
    "--kv-cache-dtype": "set `kvCacheDtype`",
    "--tensor-parallel-size": "set `gpusPerReplica`",
    "--enable-prefix-caching": "set `prefixCaching`",
    "--no-enable-prefix-caching": "set `prefixCaching`",
    "--disable-prefix-caching": "set `prefixCaching`",
    "--enable-auto-tool-choice": "set `toolCallParser`",
    "--no-enable-auto-tool-choice": "set `toolCallParser`",
    "--disable-auto-tool-choice": "set `toolCallParser`",
    "--tool-call-parser": "set `toolCallParser`",
    "--reasoning-parser": "set `reasoningParser`",
    "--enable-lora": "list `loraAdapters`",
    "--no-enable-lora": "list `loraAdapters`",
    "--disable-lora": "list `loraAdapters`",
    "--lora-modules": "list `loraAdapters`",
    "--max-loras": "list `loraAdapters`",
    "--max-lora-rank": "set `maxLoraRank`",
    "--load-format": "chosen by the weight loader (`weights.loader`)",
    "--model-loader-extra-config": "chosen by the weight loader (`weights.loader`)",
    "--port": f"the platform serves on {VLLM_PORT}",
    "--host": "the platform binds all interfaces",
    "--api-key": "authentication happens at the gateway; vLLM's key would not protect /metrics anyway",
    "--disable-log-stats": "it disables the Prometheus metrics autoscaling and alerts read",
}
# Short aliases of managed flags that vLLM also accepts.
MANAGED_SHORT_FLAGS: dict[str, str] = {"-tp": "--tensor-parallel-size", "-q": "--quantization"}

# Stack-file quantization -> (vLLM --quantization value or None, bytes per parameter or None
# meaning "the checkpoint's own dtype"). 4-bit methods carry one fp16 scale and zero point per
# 128-weight group: 0.5 + 4/128 bytes per parameter.
QUANTIZATION: dict[str, tuple[str | None, float | None]] = {
    "none": (None, None),
    "fp8": ("fp8", 1.0),
    "awq": ("awq_marlin", 0.5 + 4 / 128),
    "gptq": ("gptq_marlin", 0.5 + 4 / 128),
}
CHECKPOINT_DTYPE_BYTES = {"bf16": 2.0, "fp8": 1.0}

# Stack-file KV-cache dtype -> bytes per element. "auto" is the model's activation dtype (BF16).
KV_CACHE_DTYPE_BYTES: dict[str, int] = {
    "auto": 2, "bfloat16": 2, "float16": 2, "fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1,
}
LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)
