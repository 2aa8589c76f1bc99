"""One served model: what to serve, on which GPUs, how to scale and what its SLOs are.

Fields that need facts from elsewhere (the GPU pool, the model catalog, the VRAM fit) are checked
in `platform.py` once the whole stack is known.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..catalog.models import ModelArchitecture
from ..catalog.vllm import KV_CACHE_DTYPE_BYTES, LORA_RANKS, QUANTIZATION
from .base import CommitSha, HfRepository, ModelName, PoolName, StackModel

Quantization = Literal["none", "fp8", "awq", "gptq"]
KvCacheDtype = Literal["auto", "bfloat16", "float16", "fp8", "fp8_e4m3", "fp8_e5m2"]
assert set(Quantization.__args__) == set(QUANTIZATION)  # type: ignore[attr-defined]
assert set(KvCacheDtype.__args__) == set(KV_CACHE_DTYPE_BYTES)  # type: ignore[attr-defined]

_QUANTITY = re.compile(r"^([0-9]+(\.[0-9]+)?)(m|Ki|Mi|Gi|Ti)?$")


class LoraAdapter(StackModel):
    name: ModelName
    repository: HfRepository
    revision: CommitSha


class Replicas(StackModel):
    """KEDA's bounds. `min: 0` is scale to zero, allowed only with `autoscaling.scaleToZero: true`
    (checked in autoscaling_checks.py, with the other rules that need the whole stack)."""

    min: int = Field(default=1, ge=0, le=64)
    max: int = Field(default=1, ge=1, le=64)

    @model_validator(mode="after")
    def _ordered(self) -> "Replicas":
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must be <= max ({self.max})")
        return self


class Autoscaling(StackModel):
    """KEDA triggers on vLLM's own metrics; each fires before the replica saturates. With
    `scaleToZero`, a trigger on the model's gateway traffic wakes it from zero replicas."""

    target_running_ratio: float = Field(
        default=0.7, gt=0, le=1, description="running requests per replica, as a share of maxNumSeqs"
    )
    kv_cache_usage_target: float = Field(default=0.75, gt=0, lt=1, description="average KV-cache usage")
    waiting_requests_per_replica: int = Field(default=4, ge=1, description="queued requests per replica")
    polling_interval_seconds: int = Field(default=15, ge=5, le=300)
    cooldown_seconds: int | None = Field(
        default=None, ge=60, le=3600,
        description="scale-down stabilization window (and idle time before scaling to zero); default: the "
                    "model's startup budget, and never shorter than it",
    )
    scale_to_zero: bool = Field(
        default=False, description="explicit opt-in for replicas.min 0: idle models release their GPUs, and the "
                                   "first request after that waits a cold start",
    )


class Routing(StackModel):
    tier: Literal["small", "medium", "large"] = "medium"
    specialty: Literal["general", "code", "code-fim", "math", "guardrail", "multilingual"] = "general"


class Slo(StackModel):
    ttft_p95_seconds: float = Field(default=2.0, gt=0, description="time to first token, 95th percentile")
    error_ratio: float = Field(default=0.02, gt=0, lt=1, description="share of requests ending in error or abort")


def _quantity(value: str | None, what: str) -> str | None:
    if value is not None and not _QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes {what} quantity; allowed: e.g. '4', '500m', '24Gi'")
    return value


class Resources(StackModel):
    """CPU and memory of one replica (GPUs come from gpusPerReplica). Defaults are sized from the model."""

    cpu: str | None = None
    memory: str | None = None

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str | None) -> str | None:
        return _quantity(value, "CPU")

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        return _quantity(value, "memory")


class ModelConfig(StackModel):
    name: ModelName
    repository: HfRepository
    revision: CommitSha
    pool: PoolName
    gpus_per_replica: Literal[1, 2, 4, 8] = Field(default=1, description="tensor-parallel size")
    quantization: Quantization = "none"
    kv_cache_dtype: KvCacheDtype = "auto"
    context_window: int = Field(ge=256, le=10_485_760, description="--max-model-len")
    max_num_seqs: int = Field(default=64, ge=1, le=4096)
    gpu_memory_utilization: float = Field(default=0.92, ge=0.5, le=0.98)
    prefix_caching: bool = True
    tool_call_parser: str = Field(default="auto", description="'auto' (catalog default), 'none', or a vLLM parser")
    reasoning_parser: str = Field(default="auto", description="'auto' (catalog default), 'none', or a vLLM parser")
    replicas: Replicas = Field(default_factory=Replicas)
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    routing: Routing = Field(default_factory=Routing)
    slo: Slo = Field(default_factory=Slo)
    preload: bool = Field(default=True, description="run the weight preload Job for this revision")
    lora_adapters: list[LoraAdapter] = Field(default_factory=list, max_length=8)
    max_lora_rank: int = 64
    engine_args: list[str] = Field(default_factory=list, max_length=32)
    resources: Resources = Field(default_factory=Resources)
    architecture: ModelArchitecture | None = Field(
        default=None, description="required for models outside the catalog; overrides the catalog otherwise"
    )

    @field_validator("max_lora_rank")
    @classmethod
    def _rank(cls, value: int) -> int:
        if value not in LORA_RANKS:
            raise ValueError(f"{value} is not a LoRA rank vLLM accepts; allowed: {', '.join(map(str, LORA_RANKS))}")
        return value

    @field_validator("lora_adapters")
    @classmethod
    def _unique_adapters(cls, value: list[LoraAdapter]) -> list[LoraAdapter]:
        names = [a.name for a in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"adapter names must be unique; repeated: {', '.join(dupes)}")
        return value

    @property
    def served_names(self) -> tuple[str, ...]:
        """The names clients may request: the model, then its LoRA adapters (one vLLM serves them all)."""
        return (self.name, *(a.name for a in self.lora_adapters))
