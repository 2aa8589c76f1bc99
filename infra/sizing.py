"""VRAM fit: does a model, at its context window, fit the GPUs of one replica?

vLLM reserves `gpus x GPU memory x gpu_memory_utilization`, loads the weights, profiles activation
and CUDA-graph memory, and gives the rest to the KV cache; startup fails unless one request of the
full context window fits (vllm/v1/core/kv_cache_utils.py). This module does the same arithmetic
before anything is deployed:

    weights   = parameters x bytes per parameter (quantization, or the checkpoint's own dtype)
    overhead  = per GPU: 2 GiB on GPUs under 70 GiB (2048 batched tokens by default), 4 GiB on
                H100/H200 (8192 batched tokens), +1 GiB with LoRA adapters (estimates, calibrated
                on vLLM's L4 measurement of about 1.6 GiB; see vllm-gpu-aws-facts.md section 3.1)
    KV/token  = 2 x layers x max(kv_heads, TP) x head_dim x KV dtype bytes
    fits      = usable - weights - overhead >= KV/token x context window
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog.gpus import GIB, GPU_TYPES, GpuType
from .catalog.models import ModelArchitecture
from .catalog.vllm import CHECKPOINT_DTYPE_BYTES, KV_CACHE_DTYPE_BYTES, QUANTIZATION

TENSOR_PARALLEL_SIZES = (1, 2, 4, 8)


def checkpoint_gib(architecture: ModelArchitecture) -> float:
    """Size of the checkpoint as published: what is downloaded, stored and read at start-up."""
    return architecture.parameters_billion * 1e9 * CHECKPOINT_DTYPE_BYTES[architecture.checkpoint_dtype] / GIB


@dataclass(frozen=True)
class FitInput:
    architecture: ModelArchitecture
    gpu: GpuType
    gpus: int
    quantization: str
    kv_cache_dtype: str
    context_window: int
    memory_utilization: float
    lora: bool = False


@dataclass(frozen=True)
class FitReport:
    input: FitInput
    usable_bytes: float
    weights_bytes: float
    overhead_bytes: float
    kv_bytes_per_token: int

    @property
    def kv_budget_bytes(self) -> float:
        return self.usable_bytes - self.weights_bytes - self.overhead_bytes

    @property
    def one_sequence_bytes(self) -> int:
        return self.kv_bytes_per_token * self.input.context_window

    @property
    def kv_tokens(self) -> int:
        return max(0, int(self.kv_budget_bytes // self.kv_bytes_per_token))

    @property
    def full_context_sequences(self) -> int:
        return self.kv_tokens // self.input.context_window

    @property
    def fits(self) -> bool:
        return self.full_context_sequences >= 1

    @property
    def needed_bytes(self) -> float:
        return self.weights_bytes + self.overhead_bytes + self.one_sequence_bytes

    @property
    def shortfall_bytes(self) -> float:
        return max(0.0, self.needed_bytes - self.usable_bytes)


def weight_bytes_per_parameter(architecture: ModelArchitecture, quantization: str) -> float:
    _, bpp = QUANTIZATION[quantization]
    return CHECKPOINT_DTYPE_BYTES[architecture.checkpoint_dtype] if bpp is None else bpp


def overhead_bytes_per_gpu(gpu: GpuType, lora: bool) -> float:
    base = 4 * GIB if gpu.memory_gib >= 70 else 2 * GIB
    return base + (GIB if lora else 0)


def fit(inp: FitInput) -> FitReport:
    arch = inp.architecture
    return FitReport(
        input=inp,
        usable_bytes=inp.gpus * inp.gpu.memory_bytes * inp.memory_utilization,
        weights_bytes=arch.parameters_billion * 1e9 * weight_bytes_per_parameter(arch, inp.quantization),
        overhead_bytes=inp.gpus * overhead_bytes_per_gpu(inp.gpu, inp.lora),
        kv_bytes_per_token=arch.kv_bytes_per_token(KV_CACHE_DTYPE_BYTES[inp.kv_cache_dtype], inp.gpus),
    )


def tensor_parallel_problem(architecture: ModelArchitecture, gpus: int) -> str | None:
    """vLLM shards attention heads over tensor-parallel ranks: the split must be even."""
    if architecture.attention_heads % gpus:
        return f"{architecture.attention_heads} attention heads cannot be split evenly over {gpus} GPUs"
    if architecture.kv_heads % gpus and gpus % architecture.kv_heads:
        return f"{architecture.kv_heads} KV heads cannot be split or replicated evenly over {gpus} GPUs"
    return None


@dataclass(frozen=True)
class PoolRoom:
    """What a replica's GPU count must also fit: the pool's gpuLimit, with replicas.max plus one surge."""

    pool: str
    gpu_limit: int
    replicas_max: int

    def also_needs(self, gpus: int) -> str:
        """The further edit a suggestion of `gpus` per replica needs for the stack to plan, or ""."""
        needed = (self.replicas_max + 1) * gpus
        if needed <= self.gpu_limit:
            return ""
        fewer = self.gpu_limit // gpus - 1
        lower = f" (or replicas.max: {fewer})" if fewer >= 1 else ""
        return (f" with gpuPools.{self.pool}.gpuLimit: {needed}{lower} for {self.replicas_max} replicas plus one "
                f"surge at {gpus} GPUs each")


def alternatives(inp: FitInput, room: PoolRoom | None = None) -> list[str]:
    """Smallest changes that would fit: more GPUs of the same type, a larger GPU, or FP8 weights; with
    `room`, each names the pool edit it also needs, so following it plans."""
    found: list[str] = []
    for gpus in TENSOR_PARALLEL_SIZES:
        if gpus <= inp.gpus or gpus > inp.gpu.max_gpus_per_instance:
            continue
        if tensor_parallel_problem(inp.architecture, gpus) is None and fit(_with(inp, gpus=gpus)).fits:
            found.append(f"gpusPerReplica: {gpus} ({gpus} x {inp.gpu.name}){room.also_needs(gpus) if room else ''}")
            break
    for gpu in sorted(GPU_TYPES.values(), key=lambda g: (g.memory_mib, g.cheapest_hourly_per_gpu() or 1e9)):
        if gpu.memory_mib <= inp.gpu.memory_mib or gpu.max_gpus_per_instance < inp.gpus:
            continue
        if fit(_with(inp, gpu=gpu)).fits:
            found.append(f"a pool of {gpu.name} ({inp.gpus} x {gpu.name}, {gpu.memory_gib:.0f} GiB each)")
            break
    if inp.quantization == "none" and inp.architecture.checkpoint_dtype == "bf16":
        if fit(_with(inp, quantization="fp8")).fits:
            found.append("quantization: fp8")
    if inp.kv_cache_dtype in ("auto", "bfloat16", "float16") and fit(_with(inp, kv_cache_dtype="fp8")).fits:
        found.append("kvCacheDtype: fp8")
    return found


def _with(inp: FitInput, **changes) -> FitInput:
    return FitInput(**{**inp.__dict__, **changes})


def gib(value: float) -> str:
    return f"{value / GIB:.1f} GiB"


def explain_misfit(report: FitReport, room: PoolRoom | None = None) -> str:
    inp = report.input
    text = (
        f"does not fit {inp.gpus} x {inp.gpu.name} ({inp.gpu.memory_gib:.1f} GiB each) at "
        f"gpuMemoryUtilization {inp.memory_utilization}: needs {gib(report.needed_bytes)} "
        f"(weights {gib(report.weights_bytes)} + overhead {gib(report.overhead_bytes)} + KV cache for one "
        f"{inp.context_window}-token sequence {gib(report.one_sequence_bytes)}), has {gib(report.usable_bytes)}; "
        f"short by {gib(report.shortfall_bytes)}"
    )
    options = alternatives(inp, room)
    return text + (f"; would fit with {'; or '.join(options)}" if options else "; no GPU in the catalog fits it: lower contextWindow")
