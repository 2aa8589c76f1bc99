"""VRAM fit against hand-computed figures (the arithmetic is in the comments).

Constants used throughout:
  GiB = 1,073,741,824 B; MiB = 1,048,576 B
  L4:   22,888 MiB = 23,999,807,488 B; x 0.92 = 22,079,822,888.96 B usable (20.56 GiB)
  H100: 81,920 MiB = 85,899,345,920 B (80 GiB); x 0.92 = 79,027,398,246.4 B usable (73.6 GiB)
"""

from __future__ import annotations

import pytest

from infra.catalog.gpus import GPU_TYPES
from infra.catalog.models import MODEL_CATALOG, ModelArchitecture
from infra.sizing import (
    FitInput,
    explain_misfit,
    fit,
    overhead_bytes_per_gpu,
    tensor_parallel_problem,
    weight_bytes_per_parameter,
)

GIB = 1_073_741_824
L4 = GPU_TYPES["L4"]
H100 = GPU_TYPES["H100"]
QWEN_CODER_7B = MODEL_CATALOG["Qwen/Qwen2.5-Coder-7B-Instruct"].architecture
QWEN3_8B = MODEL_CATALOG["Qwen/Qwen3-8B"].architecture
QWEN_14B = MODEL_CATALOG["Qwen/Qwen2.5-14B-Instruct"].architecture
LLAMA_70B = MODEL_CATALOG["meta-llama/Llama-3.1-70B-Instruct"].architecture
QWEN3_CODER_30B = MODEL_CATALOG["Qwen/Qwen3-Coder-30B-A3B-Instruct"].architecture
QWEN3_CODER_30B_FP8 = MODEL_CATALOG["Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8"].architecture


def inp(arch, gpu, gpus=1, quantization="fp8", kv="auto", context=32768, util=0.92, lora=False) -> FitInput:
    return FitInput(architecture=arch, gpu=gpu, gpus=gpus, quantization=quantization, kv_cache_dtype=kv,
                    context_window=context, memory_utilization=util, lora=lora)


# --------------------------------------------------------------------------------------
# GPU facts the arithmetic below relies on
# --------------------------------------------------------------------------------------


def test_gpu_memory_figures():
    assert L4.memory_mib == 22_888
    assert L4.memory_bytes == 23_999_807_488
    assert H100.memory_bytes == 85_899_345_920
    assert H100.memory_gib == 80.0


# --------------------------------------------------------------------------------------
# fits
# --------------------------------------------------------------------------------------


def test_qwen25_coder_7b_fp8_on_one_l4():
    report = fit(inp(QWEN_CODER_7B, L4))
    # usable   = 23,999,807,488 x 0.92                      = 22,079,822,888.96 B
    # weights  = 7.61e9 params x 1 B (fp8)                  =  7,610,000,000 B
    # overhead = 2 GiB (L4 < 70 GiB)                        =  2,147,483,648 B
    # KV budget = 22,079,822,888.96 - 7.61e9 - 2,147,483,648 = 12,322,339,240.96 B
    # KV/token = 2 x 28 layers x 4 kv heads x 128 x 2 B (bf16) = 57,344 B
    # tokens   = floor(12,322,339,240.96 / 57,344)         = 214,884
    # full 32k sequences = 214,884 // 32,768               = 6
    assert report.usable_bytes == pytest.approx(22_079_822_888.96)
    assert report.weights_bytes == pytest.approx(7_610_000_000)
    assert report.overhead_bytes == 2_147_483_648
    assert report.kv_bytes_per_token == 57_344
    assert report.kv_budget_bytes == pytest.approx(12_322_339_240.96)
    assert report.kv_tokens == 214_884
    assert report.full_context_sequences == 6
    assert report.fits
    # one 32k sequence: 57,344 x 32,768 = 1,879,048,192 B (1.75 GiB)
    assert report.one_sequence_bytes == 1_879_048_192
    assert report.shortfall_bytes == 0


def test_qwen3_8b_fp8_on_one_l4():
    report = fit(inp(QWEN3_8B, L4))
    # weights  = 8.2e9 x 1 B                                 = 8,200,000,000 B
    # KV budget = 22,079,822,888.96 - 8.2e9 - 2,147,483,648  = 11,732,339,240.96 B
    # KV/token = 2 x 36 x 8 x 128 x 2                        = 147,456 B
    # tokens   = floor(11,732,339,240.96 / 147,456)          = 79,565
    # full 32k sequences = 79,565 // 32,768                  = 2
    assert report.kv_bytes_per_token == 147_456
    assert report.kv_budget_bytes == pytest.approx(11_732_339_240.96)
    assert report.kv_tokens == 79_565
    assert report.full_context_sequences == 2
    assert report.fits


def test_qwen3_8b_bf16_on_one_l4_fits_up_to_exactly_its_kv_tokens():
    # weights = 8.2e9 x 2 B = 16.4e9 B; KV budget = 22,079,822,888.96 - 16.4e9 - 2,147,483,648
    #         = 3,532,339,240.96 B; tokens = floor(/147,456) = 23,955 (147,456 x 23,955 = 3,532,308,480)
    assert fit(inp(QWEN3_8B, L4, quantization="none", context=23_955)).kv_tokens == 23_955
    assert fit(inp(QWEN3_8B, L4, quantization="none", context=23_955)).fits
    assert not fit(inp(QWEN3_8B, L4, quantization="none", context=23_956)).fits
    assert not fit(inp(QWEN3_8B, L4, quantization="none", context=32_768)).fits


def test_llama_70b_fp8_tp4_on_h100():
    report = fit(inp(LLAMA_70B, H100, gpus=4, context=131_072))
    # usable   = 4 x 85,899,345,920 x 0.92                   = 316,109,592,985.6 B
    # weights  = 70.6e9 x 1 B                                = 70,600,000,000 B
    # overhead = 4 GPUs x 4 GiB (H100 >= 70 GiB)             = 17,179,869,184 B
    # KV budget = 316,109,592,985.6 - 70.6e9 - 17,179,869,184 = 228,329,723,801.6 B
    # KV/token = 2 x 80 x max(8 kv heads, TP 4) = 8 x 128 x 2 = 327,680 B
    # tokens   = floor(228,329,723,801.6 / 327,680)          = 696,807
    # full 128k sequences = 696,807 // 131,072               = 5
    assert report.usable_bytes == pytest.approx(316_109_592_985.6)
    assert report.overhead_bytes == 17_179_869_184
    assert report.kv_bytes_per_token == 327_680
    assert report.kv_budget_bytes == pytest.approx(228_329_723_801.6)
    assert report.kv_tokens == 696_807
    assert report.full_context_sequences == 5
    assert report.fits


def test_kv_heads_are_replicated_when_fewer_than_tensor_parallel_ranks():
    # Qwen3-Coder-30B: 48 layers, 32 heads, 4 KV heads, head_dim 128
    # TP 1 or 4: 2 x 48 x 4 x 128 x 2 = 98,304 B/token
    # TP 8: 4 KV heads < 8 ranks -> counted as 8: 2 x 48 x 8 x 128 x 2 = 196,608 B/token
    assert QWEN3_CODER_30B.kv_bytes_per_token(2, 1) == 98_304
    assert QWEN3_CODER_30B.kv_bytes_per_token(2, 4) == 98_304
    assert QWEN3_CODER_30B.kv_bytes_per_token(2, 8) == 196_608
    assert fit(inp(QWEN3_CODER_30B, H100, gpus=8)).kv_bytes_per_token == 196_608
    assert fit(inp(QWEN3_CODER_30B, H100, gpus=4)).kv_bytes_per_token == 98_304
    # fp8 KV halves it: 2 x 48 x 8 x 128 x 1 = 98,304
    assert fit(inp(QWEN3_CODER_30B, H100, gpus=8, kv="fp8")).kv_bytes_per_token == 98_304
    # replication is an even split (8 % 4 == 0): not a tensor-parallel problem
    assert tensor_parallel_problem(QWEN3_CODER_30B, 8) is None


def test_tensor_parallel_problems():
    assert tensor_parallel_problem(QWEN_CODER_7B, 4) is None  # 28 / 4 = 7 heads, 4 / 4 = 1 KV head
    assert tensor_parallel_problem(QWEN_CODER_7B, 8) == "28 attention heads cannot be split evenly over 8 GPUs"
    odd = ModelArchitecture(parameters_billion=7, layers=28, attention_heads=24, kv_heads=6, head_dim=128,
                            max_context=32768)
    assert tensor_parallel_problem(odd, 2) is None  # 12 heads and 3 KV heads per rank
    assert tensor_parallel_problem(odd, 4) == "6 KV heads cannot be split or replicated evenly over 4 GPUs"


# --------------------------------------------------------------------------------------
# bytes per parameter and overhead
# --------------------------------------------------------------------------------------


def test_bytes_per_parameter():
    # AWQ/GPTQ: 4 bits + one fp16 scale and zero point (4 B) per 128-weight group = 0.5 + 4/128 = 0.53125
    assert weight_bytes_per_parameter(QWEN_CODER_7B, "awq") == 0.53125
    assert weight_bytes_per_parameter(QWEN_CODER_7B, "gptq") == 0.53125
    assert weight_bytes_per_parameter(QWEN_CODER_7B, "fp8") == 1.0
    assert weight_bytes_per_parameter(QWEN_CODER_7B, "none") == 2.0  # bf16 checkpoint
    # an FP8 checkpoint served without --quantization keeps its own 1 byte per parameter
    assert weight_bytes_per_parameter(QWEN3_CODER_30B_FP8, "none") == 1.0
    assert weight_bytes_per_parameter(QWEN3_CODER_30B_FP8, "fp8") == 1.0


def test_awq_weights_bytes():
    # 7.61e9 x 0.53125 = 4,042,812,500 B
    assert fit(inp(QWEN_CODER_7B, L4, quantization="awq")).weights_bytes == pytest.approx(4_042_812_500)


def test_fp8_checkpoint_with_quantization_none_weighs_one_byte_per_parameter():
    # 30.5e9 params x 1 B = 30,500,000,000 B (not 61e9 as a bf16 checkpoint would)
    report = fit(inp(QWEN3_CODER_30B_FP8, GPU_TYPES["L40S"], quantization="none", kv="fp8", context=65_536))
    assert report.weights_bytes == pytest.approx(30_500_000_000)


@pytest.mark.parametrize(
    ("gpu", "lora", "gib"),
    [("L4", False, 2), ("L4", True, 3), ("A10G", False, 2), ("L40S", False, 2), ("A100", False, 2),
     ("H100", False, 4), ("H100", True, 5), ("H200", False, 4)],
)
def test_overhead_per_gpu(gpu, lora, gib):
    assert overhead_bytes_per_gpu(GPU_TYPES[gpu], lora) == gib * GIB


def test_lora_adds_one_gib_per_gpu_to_the_overhead():
    # TP 4 on H100 with LoRA: 4 x (4 + 1) GiB = 20 GiB
    assert fit(inp(LLAMA_70B, H100, gpus=4, context=131_072, lora=True)).overhead_bytes == 20 * GIB


# --------------------------------------------------------------------------------------
# misfit messages
# --------------------------------------------------------------------------------------


def test_misfit_qwen25_14b_bf16_on_one_l4_names_all_three_ways_out():
    report = fit(inp(QWEN_14B, L4, quantization="none", context=16_384))
    # weights  = 14.7e9 x 2 B = 29.4e9 B                     = 27.38 GiB -> "27.4 GiB"
    # overhead = 2 GiB
    # KV/token = 2 x 48 x 8 x 128 x 2 = 196,608 B; x 16,384 = 3,221,225,472 B = 3.0 GiB
    # needs    = 27.38 + 2 + 3 = 32.38 GiB; has 20.56 GiB; short by 11.82 GiB
    # ways out (each computed alone):
    #   TP 2:   2 x 22,079,822,888.96 - 29.4e9 - 2 x 2 GiB = 10,464,678,481.92 B >= 3,221,225,472  -> fits
    #   A100 (first larger class; 40,960 MiB): 39,513,699,123.2 - 29.4e9 - 2 GiB = 7,966,215,475.2 B -> fits
    #   fp8:    22,079,822,888.96 - 14.7e9 - 2 GiB = 5,232,339,240.96 B >= 3,221,225,472        -> fits
    #   fp8 KV: bf16 weights alone (29.4e9) exceed the usable 22.08e9 B                          -> no
    assert not report.fits
    assert report.shortfall_bytes == pytest.approx(29.4e9 + 2 * GIB + 3 * GIB - 22_079_822_888.96)
    text = explain_misfit(report)
    assert text.startswith("does not fit 1 x L4 (22.4 GiB each) at gpuMemoryUtilization 0.92: ")
    assert ("needs 32.4 GiB (weights 27.4 GiB + overhead 2.0 GiB + KV cache for one 16384-token sequence "
            "3.0 GiB), has 20.6 GiB; short by 11.8 GiB; would fit with ") in text
    assert "gpusPerReplica: 2 (2 x L4)" in text
    assert "A100 (1 x A100, 40 GiB each)" in text
    assert text.endswith(" or quantization: fp8")
    assert "kvCacheDtype" not in text
    assert "L40S" not in text  # only the smallest larger class that fits is named
    assert text.index("gpusPerReplica") < text.index("A100") < text.index("quantization: fp8")


def test_misfit_qwen25_14b_bf16_at_32k_does_not_suggest_fp8_when_fp8_would_not_fit():
    # fp8 at 32k: 5,232,339,240.96 B budget < 196,608 x 32,768 = 6,442,450,944 B -> fp8 alone does not fit
    text = explain_misfit(fit(inp(QWEN_14B, L4, quantization="none", context=32_768)))
    assert "needs 35.4 GiB" in text  # 27.38 + 2 + 6 = 35.38
    assert "short by 14.8 GiB" in text  # 35.38 - 20.56 = 14.82
    assert "gpusPerReplica: 2 (2 x L4)" in text
    assert "A100 (1 x A100, 40 GiB each)" in text
    assert "quantization: fp8" not in text


def test_misfit_llama_70b_bf16_on_one_h100():
    report = fit(inp(LLAMA_70B, H100, quantization="none", context=8_192))
    # weights  = 70.6e9 x 2 = 141.2e9 B = 131.50 GiB; overhead 4 GiB
    # KV       = 327,680 B x 8,192 = 2,684,354,560 B = 2.5 GiB
    # needs    = 131.50 + 4 + 2.5 = 138.0 GiB; has 73.6 GiB; short by 64.4 GiB
    # ways out:
    #   TP 2: 2 x 79,027,398,246.4 - 141.2e9 - 2 x 4 GiB = 8,264,861,900.8 B >= 2,684,354,560 -> fits
    #   H200: 144,384 MiB x 0.92 = 139,285,789,409.28 B < 141.2e9 of weights              -> no larger class
    #   fp8:  79,027,398,246.4 - 70.6e9 - 4 GiB = 4,132,430,950.4 B >= 2,684,354,560        -> fits
    text = explain_misfit(report)
    assert text.startswith("does not fit 1 x H100 (80.0 GiB each) at gpuMemoryUtilization 0.92: ")
    assert ("needs 138.0 GiB (weights 131.5 GiB + overhead 4.0 GiB + KV cache for one 8192-token sequence "
            "2.5 GiB), has 73.6 GiB; short by 64.4 GiB") in text
    assert text.endswith("; would fit with gpusPerReplica: 2 (2 x H100); or quantization: fp8")
    assert "H200" not in text


def test_misfit_llama_70b_bf16_full_context_needs_four_h100():
    # 131,072 tokens of KV = 327,680 x 131,072 = 42,949,672,960 B (40 GiB)
    #   TP 2: 8,264,861,900.8 B < 40 GiB -> no;  TP 4: 316,109,592,985.6 - 141.2e9 - 16 GiB
    #   = 157,729,723,801.6 B >= 40 GiB -> fits;  fp8 on one: 4,132,430,950.4 B < 40 GiB -> no
    text = explain_misfit(fit(inp(LLAMA_70B, H100, quantization="none", context=131_072)))
    assert "needs 175.5 GiB" in text  # 131.50 + 4 + 40
    assert "short by 101.9 GiB" in text  # 175.50 - 73.6
    assert text.endswith("; would fit with gpusPerReplica: 4 (4 x H100)")


def test_misfit_suggests_fp8_kv_cache_when_only_the_kv_cache_is_short():
    # Qwen3-8B fp8 on one L4 at its max 40,960 context: 79,565 tokens of bf16 KV -> 1 sequence, fits.
    # With gpuMemoryUtilization 0.6: usable 23,999,807,488 x 0.6 = 14,399,884,492.8 B;
    #   budget = 14,399,884,492.8 - 8.2e9 - 2 GiB = 4,052,400,844.8 B
    #   bf16 KV: 147,456 x 40,960 = 6,039,797,760 B > budget -> misfit
    #   fp8 KV:  73,728 x 40,960 = 3,019,898,880 B <= budget -> fits
    report = fit(inp(QWEN3_8B, L4, context=40_960, util=0.6))
    assert report.kv_budget_bytes == pytest.approx(4_052_400_844.8)
    assert not report.fits
    text = explain_misfit(report)
    assert "kvCacheDtype: fp8" in text
    assert "quantization: fp8" not in text  # weights are already fp8


def test_misfit_without_any_way_out():
    # 1,200 B params: even fp8 (1.2e12 B) exceeds 8 x H200 x 0.92 = 8 x 139,285,789,409.28 = 1.114e12 B
    huge = ModelArchitecture(parameters_billion=1200, layers=120, attention_heads=128, kv_heads=8, head_dim=128,
                             max_context=131_072)
    text = explain_misfit(fit(inp(huge, GPU_TYPES["H200"], gpus=8, quantization="none", context=8_192)))
    assert "would fit with" not in text
    assert text.endswith("; no GPU in the catalog fits it: lower contextWindow")


def test_following_the_suggestion_for_the_readmes_swap_gives_a_stack_that_validates():
    import json

    import pytest

    from infra.config import ConfigError
    from tests.conftest import reference_config, reference_stack_file

    values = reference_stack_file("dev").values
    models = json.loads(values["llm-platform:models"])
    models[0] |= {"repository": "Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8",
                  "revision": "dcaee4d4dfc5ee71ad501f01f530e5652438fde0"}
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", models=models)
    (line,) = caught.value.lines
    assert "would fit with gpusPerReplica: 2 (2 x L4) with gpuPools.l4.gpuLimit: 6 (or replicas.max: 1)" in line
    models[0]["gpusPerReplica"] = 2
    pools = json.loads(values["llm-platform:gpuPools"])
    pools["l4"]["gpuLimit"] = 6
    assert reference_config("dev", models=models, gpuPools=pools).resolved_models[0].gpus == 2
