"""The `vllm serve` command line of one model (the image's entrypoint is `vllm serve`).

Managed flags first, the model's own `engineArgs` last, so a reviewer reads the platform's choices
in one place. Never rendered: `--disable-log-stats` (it disables the metrics autoscaling reads),
`--disable-log-requests` (request logging is off by default in 0.33) or any deprecated flag.
"""

from __future__ import annotations

from ..catalog.vllm import VLLM_PORT
from ..config import PlatformConfig, ResolvedModel
from ..config.platform import quantization_flag
from .weight_store import WeightRef, location, mount_path

ADAPTERS_PATH = "/adapters"


def adapter_path(platform: PlatformConfig, ref: WeightRef, name: str) -> str:
    """vLLM loads LoRA adapters from local disk: the mount, or a copy the init container makes."""
    return mount_path(ref) if platform.weights.loader == "s3files" else f"{ADAPTERS_PATH}/{name}"


def vllm_args(platform: PlatformConfig, bucket: str, model: ResolvedModel) -> list[str]:
    cfg = model.config
    args = [
        location(platform, bucket, WeightRef(cfg.repository, cfg.revision)),
        "--served-model-name", cfg.name,
        "--port", str(VLLM_PORT),
        "--max-model-len", str(cfg.context_window),
        "--max-num-seqs", str(cfg.max_num_seqs),
        "--gpu-memory-utilization", str(cfg.gpu_memory_utilization),
    ]
    if cfg.gpus_per_replica > 1:
        args += ["--tensor-parallel-size", str(cfg.gpus_per_replica)]
    quantization = quantization_flag(cfg)
    if quantization:
        args += ["--quantization", quantization]
    if cfg.kv_cache_dtype != "auto":
        args += ["--kv-cache-dtype", cfg.kv_cache_dtype]
    args.append("--enable-prefix-caching" if cfg.prefix_caching else "--no-enable-prefix-caching")
    if model.tool_call_parser:
        args += ["--enable-auto-tool-choice", "--tool-call-parser", model.tool_call_parser]
    if model.reasoning_parser:
        args += ["--reasoning-parser", model.reasoning_parser]
    if cfg.lora_adapters:
        args += ["--enable-lora", "--max-loras", str(len(cfg.lora_adapters)), "--max-lora-rank", str(cfg.max_lora_rank)]
        args.append("--lora-modules")
        args += [
            f"{a.name}={adapter_path(platform, WeightRef(a.repository, a.revision), a.name)}" for a in cfg.lora_adapters
        ]
    if platform.weights.loader == "streamer":
        args += ["--load-format", "runai_streamer"]
        if cfg.gpus_per_replica > 1:
            args += ["--model-loader-extra-config", '{"distributed": true}']
    return args + list(cfg.engine_args)
