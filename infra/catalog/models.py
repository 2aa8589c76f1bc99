"""Architecture facts of well-known models, for VRAM sizing and sensible defaults.

Values come from each model's config.json and model card (see ../shared/reference/
vllm-gpu-aws-facts.md section 3.2). A model that is not listed here declares the same facts in the
stack file under `architecture:`; both go through `ModelArchitecture`, so one set of rules checks them.

Only attention that the standard formula sizes correctly is modelled: multi-head / grouped-query
attention where every layer caches K and V for every token. Sliding-window hybrids (Gemma 2/3), MLA
(DeepSeek V2/V3) and Mamba hybrids need other formulas and are deliberately absent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator
from pydantic.alias_generators import to_camel

CheckpointDtype = Literal["bf16", "fp8"]


class ModelArchitecture(BaseModel):
    """What the VRAM fit check needs to know about a model."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    parameters_billion: float = Field(gt=0, description="total parameters (all experts for MoE), in billions")
    layers: PositiveInt
    attention_heads: PositiveInt
    kv_heads: PositiveInt
    head_dim: PositiveInt
    max_context: PositiveInt = Field(description="max_position_embeddings of the checkpoint")
    checkpoint_dtype: CheckpointDtype = Field(
        default="bf16", description="dtype the weights are published in (bf16, or fp8 for pre-quantized checkpoints)"
    )

    @model_validator(mode="after")
    def _heads_consistent(self) -> "ModelArchitecture":
        if self.attention_heads % self.kv_heads:
            raise ValueError(
                f"attentionHeads ({self.attention_heads}) must be a multiple of kvHeads ({self.kv_heads})"
            )
        return self

    def kv_bytes_per_token(self, kv_dtype_bytes: int, tensor_parallel: int = 1) -> int:
        """KV-cache bytes one token needs across all GPUs of a replica.

        2 (K and V) x layers x kv_heads x head_dim x bytes. Under tensor parallelism KV heads are
        split across ranks; with fewer KV heads than ranks vLLM replicates them so every rank holds
        at least one, which is why the head count is max(kv_heads, tensor_parallel).
        """
        heads = max(self.kv_heads, tensor_parallel)
        return 2 * self.layers * heads * self.head_dim * kv_dtype_bytes


class CatalogModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: str
    architecture: ModelArchitecture
    tool_call_parser: str | None = None
    reasoning_parser: str | None = None
    license: str
    gated: bool = False


def _arch(params: float, layers: int, heads: int, kv: int, head_dim: int, ctx: int, dtype: CheckpointDtype = "bf16"):
    return ModelArchitecture(
        parameters_billion=params, layers=layers, attention_heads=heads, kv_heads=kv,
        head_dim=head_dim, max_context=ctx, checkpoint_dtype=dtype,
    )


_QWEN3_CODER_30B = _arch(30.5, 48, 32, 4, 128, 262_144)

MODEL_CATALOG: dict[str, CatalogModel] = {
    m.repository: m
    for m in (
        CatalogModel(repository="Qwen/Qwen2.5-Coder-7B-Instruct", architecture=_arch(7.61, 28, 28, 4, 128, 32_768),
                     tool_call_parser="hermes", license="Apache-2.0"),
        CatalogModel(repository="Qwen/Qwen3-8B", architecture=_arch(8.2, 36, 32, 8, 128, 40_960),
                     tool_call_parser="hermes", reasoning_parser="qwen3", license="Apache-2.0"),
        CatalogModel(repository="meta-llama/Llama-3.1-8B-Instruct", architecture=_arch(8.03, 32, 32, 8, 128, 131_072),
                     tool_call_parser="llama3_json", license="Llama 3.1 Community", gated=True),
        CatalogModel(repository="mistralai/Mistral-7B-Instruct-v0.3", architecture=_arch(7.25, 32, 32, 8, 128, 32_768),
                     tool_call_parser="mistral", license="Apache-2.0"),
        CatalogModel(repository="Qwen/Qwen2.5-14B-Instruct", architecture=_arch(14.7, 48, 40, 8, 128, 32_768),
                     tool_call_parser="hermes", license="Apache-2.0"),
        CatalogModel(repository="Qwen/Qwen3-Coder-30B-A3B-Instruct", architecture=_QWEN3_CODER_30B,
                     tool_call_parser="qwen3_coder", license="Apache-2.0"),
        CatalogModel(repository="Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8",
                     architecture=_QWEN3_CODER_30B.model_copy(update={"checkpoint_dtype": "fp8"}),
                     tool_call_parser="qwen3_coder", license="Apache-2.0"),
        CatalogModel(repository="meta-llama/Llama-Guard-3-1B", architecture=_arch(1.5, 16, 32, 8, 64, 131_072),
                     license="Llama 3.2 Community", gated=True),
        CatalogModel(repository="meta-llama/Llama-3.1-70B-Instruct", architecture=_arch(70.6, 80, 64, 8, 128, 131_072),
                     tool_call_parser="llama3_json", license="Llama 3.1 Community", gated=True),
        CatalogModel(repository="Qwen/Qwen3-32B", architecture=_arch(32.8, 64, 64, 8, 128, 40_960),
                     tool_call_parser="hermes", reasoning_parser="qwen3", license="Apache-2.0"),
    )
}


def catalog_model(repository: str) -> CatalogModel | None:
    return MODEL_CATALOG.get(repository)
