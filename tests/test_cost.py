"""Cost estimate: every figure below is computed by hand from the published prices, with the arithmetic
written next to it, and compared with `infra.cost.estimate`.

Prices used (us-east-1 on-demand, $/h): g6.xlarge 0.8048, g6e.xlarge 1.861, p5.48xlarge 55.04,
m7i.large 0.1008; EKS control plane 0.10; NAT gateway 0.045; S3 Standard 0.023 $/GB-month;
730 h a month; spot factor 0.4.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.cli import main
from infra.config import PlatformConfig
from infra.cost import CostEstimate, estimate
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

NS = "llm-platform"
H = 730


def _values(stack: str) -> tuple[dict[str, Any], Any]:
    sf = load_stack_file(REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    cfg = {k[len(NS) + 1:]: json.loads(v) for k, v in sf.values.items() if k.startswith(f"{NS}:")}
    return cfg, sf


def load(stack: str, mutate=None) -> PlatformConfig:
    cfg, sf = _values(stack)
    if mutate:
        mutate(cfg)
    values = {k: v for k, v in sf.values.items() if not k.startswith(f"{NS}:")}
    values.update({f"{NS}:{k}": json.dumps(v) for k, v in cfg.items()})
    return platform_config(values, sf.display_path, sf.project)


def lines(est: CostEstimate, category: str):
    return [line for line in est.lines if line.category == category]


def one(est: CostEstimate, category: str):
    found = lines(est, category)
    assert len(found) == 1, found
    return found[0]


def model(est: CostEstimate, name: str):
    return next(m for m in est.per_model if m.name == name)


# ---- dev -----------------------------------------------------------------------------------------


def test_dev_stack_line_by_line_and_totals():
    est = estimate(load("dev"), "dev")
    assert est.complete

    gpu = one(est, "gpu-nodes")
    # qwen-coder: 1 x L4 per replica on g6.xlarge (1 GPU); pool [spot, on-demand]
    assert (gpu.item, gpu.count_min, gpu.count_max) == ("g6.xlarge", 1, 2)
    assert gpu.capacity_type == "spot at min, on-demand at max"
    # min: 1 node x 0.8048 x 0.4 (spot) x 730 = 0.32192 x 730 = 235.0016
    assert gpu.unit_usd_min == pytest.approx(0.32192)
    assert gpu.monthly_min_usd == pytest.approx(235.0016)
    # max: 2 replicas -> ceil(2 x 1 / 1) = 2 nodes, on-demand: 2 x 0.8048 x 730 = 1175.008
    assert gpu.unit_usd_max == pytest.approx(0.8048)
    assert gpu.monthly_max_usd == pytest.approx(1175.008)

    cp = one(est, "control-plane")
    # 1 cluster x 0.10 x 730 = 73
    assert cp.monthly_min_usd == pytest.approx(73.0) and cp.monthly_max_usd == pytest.approx(73.0)

    system = one(est, "system-nodes")
    # defaults min 2, max 4 of m7i.large (first instance type): 2 x 0.1008 x 730 = 147.168; 4 x ... = 294.336
    assert (system.item, system.count_min, system.count_max) == ("m7i.large", 2, 4)
    assert system.monthly_min_usd == pytest.approx(147.168)
    assert system.monthly_max_usd == pytest.approx(294.336)

    nat = one(est, "nat")
    # one NAT gateway (no highAvailabilityNat): 1 x 0.045 x 730 = 32.85
    assert nat.count_min == nat.count_max == 1
    assert nat.monthly_min_usd == pytest.approx(32.85)

    storage = one(est, "storage")
    # Qwen2.5-Coder-7B-Instruct, bf16 checkpoint: 7.61e9 params x 2 B = 15.22e9 B = 15.22 GB
    # 15.22 GB x 0.023 = 0.35006 $/month (the fp8 quantization happens at load; S3 holds the bf16 files)
    assert storage.count_min == pytest.approx(15.22)
    assert storage.monthly_min_usd == pytest.approx(0.35006)

    # min: 235.0016 + 73 + 147.168 + 32.85 + 0.35006 = 488.36966
    assert est.monthly_min_usd == pytest.approx(488.36966)
    # max: 1175.008 + 73 + 294.336 + 32.85 + 0.35006 = 1575.54406
    assert est.monthly_max_usd == pytest.approx(1575.54406)


def test_qwen_coder_cost_per_million_output_tokens_on_l4():
    m = model(estimate(load("dev"), "dev"), "qwen-coder")
    # FP8 weights: 7.61e9 params x 1 B = 7.61e9 B read per token step
    # per-stream decode: 300e9 B/s (L4) x 1 GPU / 7.61e9 B = 39.421813 tok/s
    # aggregate: min(maxNumSeqs 32, 32) = 32 streams x 39.421813 x 0.5 = 630.749014 tok/s
    assert m.output_tokens_per_second == pytest.approx(630.749014, rel=1e-6)
    # $/1M = 0.8048 $/h x (1 / 1 GPU) / (630.749014 x 3600) x 1e6 = 0.8048 / 2.270696 = 0.354429
    assert m.usd_per_million_output_tokens == pytest.approx(0.354429, rel=1e-5)
    assert (m.nodes_min, m.nodes_max) == (1, 2)
    assert (m.node_hours_min, m.node_hours_max) == (730, 1460)
    assert m.monthly_min_usd == pytest.approx(235.0016) and m.monthly_max_usd == pytest.approx(1175.008)


def test_streams_are_capped_at_32():
    est = estimate(load("dev", lambda c: c["models"][0].update(maxNumSeqs=64)), "dev")
    # 64 requested, 32 assumed: same 630.749014 tok/s as with maxNumSeqs 32
    assert model(est, "qwen-coder").output_tokens_per_second == pytest.approx(630.749014, rel=1e-6)
    est = estimate(load("dev", lambda c: c["models"][0].update(maxNumSeqs=8)), "dev")
    # 8 streams x 39.421813 x 0.5 = 157.687254
    assert model(est, "qwen-coder").output_tokens_per_second == pytest.approx(157.687254, rel=1e-6)


# ---- prod ----------------------------------------------------------------------------------------


def test_prod_llama_70b_two_tp4_replicas_share_one_p5_48xlarge():
    est = estimate(load("prod"), "prod")
    m = model(est, "llama-70b")
    # TP4 on p5.48xlarge (8 x H100): 1 replica -> ceil(4/8) = 1 node; 2 replicas -> ceil(8/8) = 1 node
    assert (m.host_instance, m.nodes_min, m.nodes_max) == ("p5.48xlarge", 1, 1)
    # on-demand pool: 1 x 55.04 x 730 = 40179.2 at min and at max
    assert m.monthly_min_usd == pytest.approx(40179.2) and m.monthly_max_usd == pytest.approx(40179.2)
    # per-stream: 3350e9 x 4 / (70.6e9 x 1 B fp8) = 189.801700 tok/s; x 32 x 0.5 = 3036.827195 tok/s
    assert m.output_tokens_per_second == pytest.approx(3036.827195, rel=1e-6)
    # $/1M = 55.04 x 4/8 / (3036.827195 x 3600) x 1e6 = 27.52 / 10.932578 = 2.517247
    assert m.usd_per_million_output_tokens == pytest.approx(2.517247, rel=1e-5)
    line = next(x for x in lines(est, "gpu-nodes") if x.description.startswith("llama-70b"))
    assert (line.count_min, line.count_max, line.capacity_type) == (1, 1, "on-demand")


def test_prod_totals():
    est = estimate(load("prod"), "prod")
    assert est.complete
    # HA NAT over 3 zones: 3 x 0.045 x 730 = 98.55
    assert one(est, "nat").count_max == 3 and one(est, "nat").monthly_max_usd == pytest.approx(98.55)
    # storage: (7.61 x 2 + 8.2 x 2 + 30.5 x 1 (FP8 checkpoint) + 70.6 x 2) GB = 15.22 + 16.4 + 30.5 + 141.2
    #        = 203.32 GB x 0.023 = 4.67636
    assert one(est, "storage").monthly_min_usd == pytest.approx(4.67636)
    # qwen3-coder-30b on g6e.xlarge, on-demand: 1 x 1.861 x 730 = 1358.53; 2 x ... = 2717.06
    assert model(est, "qwen3-coder-30b").monthly_max_usd == pytest.approx(2717.06)
    # min: 2 x 235.0016 (two L4 models, spot) + 1358.53 + 40179.2 + 73 + 147.168 + 98.55 + 4.67636 = 42331.12756
    assert est.monthly_min_usd == pytest.approx(42331.12756)
    # max: 2 x 3 x 0.8048 x 730 (= 3525.024) + 2717.06 + 40179.2 + 73 + 294.336 + 98.55 + 4.67636 = 46891.84636
    assert est.monthly_max_usd == pytest.approx(46891.84636)


# ---- network and cluster ownership ---------------------------------------------------------------


def test_high_availability_nat_counts_one_gateway_per_zone():
    def ha(c):
        c["network"] = {"availabilityZones": 3, "highAvailabilityNat": True}

    nat = one(estimate(load("dev", ha), "dev"), "nat")
    # 3 zones x 0.045 x 730 = 98.55
    assert (nat.count_min, nat.count_max) == (3, 3)
    assert nat.monthly_min_usd == pytest.approx(98.55) and nat.monthly_max_usd == pytest.approx(98.55)


def test_existing_cluster_has_no_control_plane_system_nodes_or_nat():
    est = estimate(load("dev", lambda c: c["cluster"].update(existing=True)), "dev")
    assert {line.category for line in est.lines} == {"gpu-nodes", "storage"}
    # 235.0016 + 0.35006 = 235.35166; 1175.008 + 0.35006 = 1175.35806
    assert est.monthly_min_usd == pytest.approx(235.35166)
    assert est.monthly_max_usd == pytest.approx(1175.35806)
    assert any("Existing cluster llm-dev" in a for a in est.assumptions)


def test_existing_vpc_keeps_the_cluster_but_not_nat():
    def vpc(c):
        c["network"] = {"existingVpcId": "vpc-0123456789abcdef0",
                        "existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}

    est = estimate(load("dev", vpc), "dev")
    assert {line.category for line in est.lines} == {"gpu-nodes", "control-plane", "system-nodes", "storage"}


# ---- missing prices ------------------------------------------------------------------------------


def test_p5e_only_h200_pool_has_no_price_and_marks_the_estimate_incomplete():
    def h200(c):
        c["gpuPools"] = {"h200": {"gpu": "H200", "capacityTypes": ["on-demand"], "gpuLimit": 16,
                                  "instanceTypes": ["p5e.48xlarge"]}}
        c["models"][0]["pool"] = "h200"

    est = estimate(load("dev", h200), "dev")
    assert est.complete is False
    gpu = one(est, "gpu-nodes")
    assert gpu.item == "p5e.48xlarge" and gpu.note == "no published price"
    assert gpu.monthly_min_usd is None and gpu.monthly_max_usd is None
    m = model(est, "qwen-coder")
    assert m.monthly_min_usd is None and m.usd_per_million_output_tokens is None
    # the throughput assumption still holds: 4800e9 / 7.61e9 x 32 x 0.5 = 10091.984231 tok/s
    assert m.output_tokens_per_second == pytest.approx(10091.984231, rel=1e-6)
    # totals cover the priced lines only, never the GPU line as 0: 73 + 147.168 + 32.85 + 0.35006 = 253.36806
    assert est.monthly_min_usd == pytest.approx(253.36806)
    assert est.to_dict()["complete"] is False


def test_unknown_system_instance_type_is_incomplete_with_a_clear_line():
    est = estimate(load("dev", lambda c: c["cluster"].update(systemNodes={"instanceTypes": ["c7i.large"]})), "dev")
    system = one(est, "system-nodes")
    assert system.monthly_min_usd is None
    assert system.note.startswith("no published price: c7i.large is not in the platform's price table")
    assert est.complete is False


# ---- pools and storage ---------------------------------------------------------------------------


def test_on_demand_only_pool_uses_on_demand_at_min():
    est = estimate(load("dev", lambda c: c["gpuPools"]["l4"].update(capacityTypes=["on-demand"])), "dev")
    gpu = one(est, "gpu-nodes")
    # 1 x 0.8048 x 730 = 587.504
    assert gpu.capacity_type == "on-demand" and gpu.monthly_min_usd == pytest.approx(587.504)


def test_fixed_node_group_pool_is_billed_whole_at_min_and_max():
    def node_group(c):
        c["gpuPools"]["h100"] = {"gpu": "H100", "capacityTypes": ["on-demand"], "gpuLimit": 16,
                                 "provisioner": "nodeGroup"}
        c["models"].append({"name": "llama-70b", "repository": "meta-llama/Llama-3.1-70B-Instruct",
                            "revision": "1605565b47bb9346c5515c34102e054115b4f98b", "pool": "h100",
                            "gpusPerReplica": 4, "quantization": "fp8", "contextWindow": 8192,
                            "replicas": {"min": 1, "max": 2}})

    est = estimate(load("dev", node_group), "dev")
    fixed = next(x for x in lines(est, "gpu-nodes") if x.description.startswith("fixed node group of pool h100"))
    # gpuLimit 16 // 8 GPUs per p5.48xlarge = 2 nodes, always: 2 x 55.04 x 730 = 80358.4
    assert (fixed.item, fixed.count_min, fixed.count_max) == ("p5.48xlarge", 2, 2)
    assert fixed.monthly_min_usd == pytest.approx(80358.4) and fixed.monthly_max_usd == pytest.approx(80358.4)
    # no per-replica line for the node-group model; its per-model share is 1 node (40179.2)
    assert not any(x.description.startswith("llama-70b") for x in est.lines)
    assert model(est, "llama-70b").monthly_min_usd == pytest.approx(40179.2)


def test_models_sharing_a_checkpoint_store_it_once():
    def twin(c):
        c["models"].append({**c["models"][0], "name": "qwen-coder-b"})
        c["gpuPools"]["l4"]["gpuLimit"] = 8

    est = estimate(load("dev", twin), "dev")
    storage = one(est, "storage")
    # one unique repository@revision: 15.22 GB x 0.023 = 0.35006, not twice
    assert storage.count_min == pytest.approx(15.22) and storage.monthly_min_usd == pytest.approx(0.35006)
    assert len(lines(est, "gpu-nodes")) == 2


def test_assumptions_state_the_spot_factor_and_the_throughput_model():
    text = "\n".join(estimate(load("dev"), "dev").assumptions)
    assert "0.4 x on-demand in the minimum estimate" in text and "50-80 %" in text
    assert "min(maxNumSeqs, 32) concurrent streams x per-stream decode rate x 0.5 efficiency" in text
    assert "treated as dense" in text
    assert "data processing ($0.045 per GB) is not estimated" in text
    assert "S3 Files storage and throughput charges are not estimated" in text


# ---- plan output ---------------------------------------------------------------------------------


def test_plan_text_has_the_cost_section_and_json_has_the_totals(tmp_path, capsys):
    out_json = tmp_path / "plan.json"
    assert main(["plan", "--stack", "dev", "--no-manifests", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "Cost estimate (USD a month, us-east-1, at minimum and at maximum replicas):" in printed
    assert printed.index("Model fit") < printed.index("Cost estimate") < printed.index("Validation:")
    assert "488.37" in printed and "1,575.54" in printed
    assert "qwen-coder" in printed.split("Cost per model")[1] and "0.3544" in printed
    assert "Cost assumptions:" in printed
    cost = json.loads(out_json.read_text())["cost"]
    assert cost["monthlyMinUsd"] == 488.37 and cost["monthlyMaxUsd"] == 1575.54
    assert cost["complete"] is True
    assert {line["category"] for line in cost["lines"]} == {"gpu-nodes", "control-plane", "system-nodes", "nat",
                                                            "storage"}
    assert cost["models"][0]["usdPerMillionOutputTokens"] == 0.3544
