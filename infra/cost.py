"""Monthly cost of an environment and cost per million output tokens per model (pure, no Pulumi).

`estimate(platform, stack)` prices what the stack makes the platform own, at minimum and at maximum
replicas, in us-east-1 on-demand list prices over HOURS_PER_MONTH (730) hours:

    gpu-nodes      per model: ceil(replicas x gpusPerReplica / host GPUs) nodes of its host instance
                   (the cheapest instance of its pool that hosts one replica). A pool that allows spot
                   is priced at on-demand x SPOT_PRICE_FACTOR in the minimum estimate and at on-demand
                   in the maximum (no spot capacity to be had). A `nodeGroup` pool is a fixed managed
                   node group: its nodes are billed whatever the replicas.
    control-plane  EKS, standard support              (only for a cluster the platform creates)
    system-nodes   cluster.systemNodes.min / .max x the first instance type's price       (idem)
    nat            one NAT gateway, or one per zone with highAvailabilityNat (only for a VPC it creates)
    storage        S3 Standard for each unique repository@revision checkpoint, as published

An instance without a known price makes its line "no published price" and the estimate incomplete
(`complete=False`): the totals then cover only the priced lines and never count it as 0.

Where the figures come from:
- GPU instances: infra/catalog/gpus.py (Karpenter's generated us-east-1 on-demand table, generated
  2026-07-20; ../shared/reference/vllm-gpu-aws-facts.md section 4.1).
- System instances (SYSTEM_INSTANCE_HOURLY_USD): the same generated table in an earlier version,
  aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go @ 031e72b6
  ("generated at 2026-01-19T13:23:24Z for us-east-1"), read for this module.
- EKS control plane $0.10 per cluster-hour in standard support ($0.60 in extended support): AWS
  Containers blog, "Amazon EKS extended support for Kubernetes versions pricing".
- NAT gateway $0.045 per gateway-hour (+ $0.045 per GB processed, not estimated) and S3 Standard
  $0.023 per GB-month (first 50 TB): the published us-east-1 list rates as quoted by secondary
  sources (2026 pricing guides and transcriptions of the AWS VPC and S3 pricing pages); not read from
  the AWS Price List API here.
- Spot: the reference (section 4.1) reports GPU spot discounts of typically 50-80 %, varying by
  family, zone and time, and says to read live spot price history; SPOT_PRICE_FACTOR 0.4 is a
  planning figure inside that range, not a quote.
- GPU memory bandwidth (BANDWIDTH_GBPS): the reference, section 4.2 (NVIDIA datasheets via
  secondary pages). Throughput per replica is a roofline-style assumption (section 5), stated in
  `assumptions` next to every figure derived from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog.gpus import GIB, HOURS_PER_MONTH, InstanceType
from .config import PlatformConfig, ResolvedModel
from .config.gpu_pools import GpuPoolConfig
from .render.aws.gpu_pool import node_group_size
from .render.aws.network import nat_gateway_count

SPOT_PRICE_FACTOR = 0.4
EKS_CONTROL_PLANE_HOURLY_USD = 0.10
NAT_GATEWAY_HOURLY_USD = 0.045
S3_STANDARD_GB_MONTH_USD = 0.023

# us-east-1 on-demand Linux $/h (Karpenter's generated pricing table @ 031e72b6, 2026-01-19).
SYSTEM_INSTANCE_HOURLY_USD: dict[str, float] = {
    "m5.large": 0.096, "m5.xlarge": 0.192, "m5.2xlarge": 0.384,
    "m6i.large": 0.096, "m6i.xlarge": 0.192, "m6i.2xlarge": 0.384,
    "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "m7i.2xlarge": 0.4032,
    "m6a.large": 0.0864, "m6a.xlarge": 0.1728,
    "m7a.large": 0.11592, "m7a.xlarge": 0.23184,
}

# GPU memory bandwidth, GB/s (reference section 4.2).
BANDWIDTH_GBPS: dict[str, float] = {"A10G": 600, "L4": 300, "L40S": 864, "A100": 1555, "H100": 3350, "H200": 4800}

MAX_ASSUMED_STREAMS = 32
DECODE_EFFICIENCY = 0.5
BYTES_PER_GB = 1e9

NO_PRICE = "no published price"


@dataclass(frozen=True)
class CostLine:
    category: str  # gpu-nodes, control-plane, system-nodes, nat, storage
    description: str
    item: str  # instance type, or what is billed
    capacity_type: str  # "on-demand", "spot at min, on-demand at max", ... ("" when not EC2 capacity)
    count_min: float
    count_max: float
    unit: str  # "hour" (per item) or "GB-month"
    unit_usd_min: float | None  # price per unit used for the minimum estimate; None: no known price
    unit_usd_max: float | None
    monthly_min_usd: float | None
    monthly_max_usd: float | None
    note: str = ""

    @property
    def priced(self) -> bool:
        return self.monthly_min_usd is not None and self.monthly_max_usd is not None


@dataclass(frozen=True)
class ModelCost:
    name: str
    pool: str
    gpu: str
    host_instance: str
    gpus_per_replica: int
    replicas_min: int
    replicas_max: int
    nodes_min: int
    nodes_max: int
    node_hours_min: float  # host-instance hours a month its replicas occupy
    node_hours_max: float
    monthly_min_usd: float | None
    monthly_max_usd: float | None
    output_tokens_per_second: float | None  # assumed aggregate per replica
    usd_per_million_output_tokens: float | None  # on-demand, full utilization


@dataclass(frozen=True)
class CostEstimate:
    stack: str
    lines: tuple[CostLine, ...]
    monthly_min_usd: float  # sum of the priced lines (a lower bound when not complete)
    monthly_max_usd: float
    complete: bool
    per_model: tuple[ModelCost, ...]
    assumptions: tuple[str, ...]

    def to_dict(self) -> dict:
        """The machine-readable form (plan JSON): dollars rounded to cents, $/1M to 4 decimals."""
        return {
            "currency": "USD",
            "hoursPerMonth": HOURS_PER_MONTH,
            "monthlyMinUsd": round(self.monthly_min_usd, 2),
            "monthlyMaxUsd": round(self.monthly_max_usd, 2),
            "complete": self.complete,
            "lines": [
                {
                    "category": line.category,
                    "description": line.description,
                    "item": line.item,
                    "capacityType": line.capacity_type,
                    "countMin": line.count_min,
                    "countMax": line.count_max,
                    "unit": line.unit,
                    "unitUsdMin": line.unit_usd_min,
                    "unitUsdMax": line.unit_usd_max,
                    "monthlyMinUsd": _round(line.monthly_min_usd, 2),
                    "monthlyMaxUsd": _round(line.monthly_max_usd, 2),
                    "note": line.note,
                }
                for line in self.lines
            ],
            "models": [
                {
                    "name": m.name,
                    "pool": m.pool,
                    "gpu": m.gpu,
                    "hostInstance": m.host_instance,
                    "gpusPerReplica": m.gpus_per_replica,
                    "replicasMin": m.replicas_min,
                    "replicasMax": m.replicas_max,
                    "nodesMin": m.nodes_min,
                    "nodesMax": m.nodes_max,
                    "nodeHoursMin": m.node_hours_min,
                    "nodeHoursMax": m.node_hours_max,
                    "monthlyMinUsd": _round(m.monthly_min_usd, 2),
                    "monthlyMaxUsd": _round(m.monthly_max_usd, 2),
                    "outputTokensPerSecondPerReplica": _round(m.output_tokens_per_second, 1),
                    "usdPerMillionOutputTokens": _round(m.usd_per_million_output_tokens, 4),
                }
                for m in self.per_model
            ],
            "assumptions": list(self.assumptions),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# ---- pricing rules ------------------------------------------------------------------------------


def allows_spot(pool: GpuPoolConfig) -> bool:
    return "spot" in pool.capacity_types


def capacity_label(pool: GpuPoolConfig) -> str:
    if not allows_spot(pool):
        return "on-demand"
    if "on-demand" in pool.capacity_types:
        return "spot at min, on-demand at max"
    return "spot (max at the on-demand price)"


def hourly_prices(pool: GpuPoolConfig, instance: InstanceType) -> tuple[float | None, float | None]:
    """($/h used for the minimum estimate, $/h used for the maximum) of one node of `instance`."""
    price = instance.on_demand_hourly_usd
    if price is None:
        return None, None
    return (price * SPOT_PRICE_FACTOR if allows_spot(pool) else price), price


def nodes_for(model: ResolvedModel, replicas: int) -> int:
    return math.ceil(replicas * model.gpus / model.host_instance.gpus)


def output_tokens_per_second(model: ResolvedModel) -> float | None:
    """Assumed aggregate output tokens/s of one replica (see `assumptions`)."""
    bandwidth = BANDWIDTH_GBPS.get(model.pool.gpu)
    if bandwidth is None:
        return None
    per_stream = bandwidth * BYTES_PER_GB * model.gpus / model.fit.weights_bytes
    streams = min(model.config.max_num_seqs, MAX_ASSUMED_STREAMS)
    return streams * per_stream * DECODE_EFFICIENCY


def usd_per_million_output_tokens(model: ResolvedModel, tokens_per_second: float | None) -> float | None:
    """host $/h x gpusPerReplica / host GPUs / (tokens/s x 3600) x 1e6, on-demand."""
    price = model.host_instance.on_demand_hourly_usd
    if price is None or not tokens_per_second:
        return None
    replica_hourly = price * model.gpus / model.host_instance.gpus
    return replica_hourly / (tokens_per_second * 3600) * 1e6


def _hourly_line(category: str, description: str, item: str, capacity: str, count_min: float, count_max: float,
                 unit_min: float | None, unit_max: float | None, note: str = "") -> CostLine:
    priced = unit_min is not None and unit_max is not None
    return CostLine(
        category=category, description=description, item=item, capacity_type=capacity,
        count_min=count_min, count_max=count_max, unit="hour",
        unit_usd_min=unit_min, unit_usd_max=unit_max,
        monthly_min_usd=count_min * unit_min * HOURS_PER_MONTH if priced else None,
        monthly_max_usd=count_max * unit_max * HOURS_PER_MONTH if priced else None,
        note=note if priced or note else NO_PRICE,
    )


# ---- the estimate -------------------------------------------------------------------------------


def estimate(platform: PlatformConfig, stack: str) -> CostEstimate:
    models = platform.resolved_models
    lines: list[CostLine] = []
    per_model: list[ModelCost] = []
    assumptions: list[str] = [
        f"Prices are us-east-1 on-demand Linux list prices over {HOURS_PER_MONTH} hours a month; the minimum is "
        "every model at replicas.min, the maximum every model at replicas.max.",
        "GPU nodes per model: ceil(replicas x gpusPerReplica / GPUs of the host instance), the host being the "
        "cheapest instance of the model's pool that holds one replica; models are not packed onto shared nodes "
        "and the rolling-update surge replica is not counted.",
    ]

    for m in models:
        lo, hi = hourly_prices(m.pool, m.host_instance)
        n_min, n_max = nodes_for(m, m.config.replicas.min), nodes_for(m, m.config.replicas.max)
        tps = output_tokens_per_second(m)
        per_model.append(ModelCost(
            name=m.name, pool=m.config.pool, gpu=m.pool.gpu, host_instance=m.host_instance.name,
            gpus_per_replica=m.gpus, replicas_min=m.config.replicas.min, replicas_max=m.config.replicas.max,
            nodes_min=n_min, nodes_max=n_max,
            node_hours_min=n_min * HOURS_PER_MONTH, node_hours_max=n_max * HOURS_PER_MONTH,
            monthly_min_usd=None if lo is None else n_min * lo * HOURS_PER_MONTH,
            monthly_max_usd=None if hi is None else n_max * hi * HOURS_PER_MONTH,
            output_tokens_per_second=tps,
            usd_per_million_output_tokens=usd_per_million_output_tokens(m, tps),
        ))
        if m.pool.provisioner == "karpenter":
            lines.append(_hourly_line(
                "gpu-nodes", f"{m.name} (pool {m.config.pool}, {m.gpus} x {m.pool.gpu} per replica, "
                f"replicas {m.config.replicas.min}-{m.config.replicas.max})",
                m.host_instance.name, capacity_label(m.pool), n_min, n_max, lo, hi))

    for pool_name, pool in platform.gpu_pools.items():
        if pool.provisioner != "nodeGroup":
            continue
        lines.append(_node_group_line(pool_name, pool, [m.name for m in models if m.config.pool == pool_name]))
        assumptions.append(f"GPU pool {pool_name!r} is a fixed managed node group: its nodes are billed at minimum "
                           "and maximum whatever the replicas; the per-model figures are the share its replicas "
                           "occupy and are not added to the total.")

    if any(allows_spot(p) for p in platform.gpu_pools.values()):
        assumptions.append(
            f"Spot: pools that allow spot are priced at {SPOT_PRICE_FACTOR} x on-demand in the minimum estimate "
            "(GPU spot discounts are typically 50-80 % and vary by family, zone and time; read live spot price "
            "history rather than relying on this factor) and at the on-demand price in the maximum (worst case: "
            "no spot capacity).")

    if platform.cluster.existing:
        assumptions.append(f"Existing cluster {platform.cluster.name}: its control plane, system nodes and network "
                           "are not owned by the platform and not counted.")
    else:
        lines.append(_hourly_line("control-plane", f"EKS cluster {platform.cluster.name}", "EKS standard support", "",
                                  1, 1, EKS_CONTROL_PLANE_HOURLY_USD, EKS_CONTROL_PLANE_HOURLY_USD))
        assumptions.append(f"EKS control plane: ${EKS_CONTROL_PLANE_HOURLY_USD:.2f} per cluster-hour while its "
                           "Kubernetes version is in standard support ($0.60 in extended support).")
        lines.append(_system_nodes_line(platform))
        if platform.network.existing_vpc_id:
            assumptions.append(f"Existing VPC {platform.network.existing_vpc_id}: its NAT gateways are not counted.")
        else:
            nat = nat_gateway_count(platform.network)
            layout = "one per availability zone" if platform.network.high_availability_nat else "one for the VPC"
            lines.append(_hourly_line("nat", f"NAT gateways ({layout})", "NAT gateway", "", nat, nat,
                                      NAT_GATEWAY_HOURLY_USD, NAT_GATEWAY_HOURLY_USD))
            assumptions.append(f"NAT gateways: ${NAT_GATEWAY_HOURLY_USD} per gateway-hour; data processing "
                               "($0.045 per GB) is not estimated.")

    lines.append(_storage_line(platform))
    storage_note = ("Weight storage: S3 Standard at $0.023 per GB-month (first 50 TB tier) for each unique "
                    "repository@revision checkpoint at its published size; LoRA adapters, older object versions "
                    "and requests are not counted.")
    if platform.weights.loader == "s3files":
        storage_note += " S3 Files storage and throughput charges are not estimated."
    assumptions.append(storage_note)

    bandwidths = ", ".join(f"{gpu} {bw:g}" for gpu, bw in BANDWIDTH_GBPS.items())
    assumptions += [
        f"Throughput (an assumption, not a measurement): output tokens/s per replica = min(maxNumSeqs, "
        f"{MAX_ASSUMED_STREAMS}) concurrent streams x per-stream decode rate x {DECODE_EFFICIENCY} efficiency; "
        "per-stream decode rate = GPU memory bandwidth x gpusPerReplica / weight bytes (after quantization). "
        "Every model is treated as dense (all weights read at each token step, which understates "
        "mixture-of-experts models such as Qwen3-Coder-30B-A3B), KV-cache reads are ignored and tensor "
        f"parallelism is assumed to scale perfectly. GPU memory bandwidth, GB/s: {bandwidths}.",
        "Cost per million output tokens = host $/h x gpusPerReplica / host GPUs / (output tokens/s x 3600) x 1e6, "
        "at the on-demand price and full utilization; input tokens are not priced separately.",
        "Not estimated: EBS root volumes of the nodes, data transfer, load balancers, CloudWatch logs, KMS keys "
        "and Secrets Manager.",
    ]

    priced = [line for line in lines if line.priced]
    return CostEstimate(
        stack=stack,
        lines=tuple(lines),
        monthly_min_usd=sum(line.monthly_min_usd for line in priced),
        monthly_max_usd=sum(line.monthly_max_usd for line in priced),
        complete=len(priced) == len(lines),
        per_model=tuple(per_model),
        assumptions=tuple(assumptions),
    )


def _node_group_line(pool_name: str, pool: GpuPoolConfig, model_names: list[str]) -> CostLine:
    """A fixed node group runs gpuLimit // (GPUs of its largest node) nodes of that size."""
    description = f"fixed node group of pool {pool_name} ({', '.join(model_names) or 'no models'})"
    try:
        size = node_group_size(pool_name, pool)
    except ValueError as exc:
        return _hourly_line("gpu-nodes", description, pool.gpu, capacity_label(pool), 0, 0, None, None, note=str(exc))
    per_node = pool.max_gpus_per_node
    sized = [i for i in pool.instances if i.gpus == per_node]
    priced = [i for i in sized if i.on_demand_hourly_usd is not None]
    instance = min(priced, key=lambda i: i.on_demand_hourly_usd) if priced else sized[0]
    lo, hi = hourly_prices(pool, instance)
    return _hourly_line("gpu-nodes", description, instance.name, capacity_label(pool), size, size, lo, hi)


def _system_nodes_line(platform: PlatformConfig) -> CostLine:
    nodes = platform.cluster.system_nodes
    instance = nodes.instance_types[0]
    price = SYSTEM_INSTANCE_HOURLY_USD.get(instance)
    note = "" if price is not None else (f"{NO_PRICE}: {instance} is not in the platform's price table "
                                         f"({', '.join(sorted(SYSTEM_INSTANCE_HOURLY_USD))})")
    return _hourly_line("system-nodes", f"system node group of {platform.cluster.name} (min-max)", instance,
                        "on-demand", nodes.min, nodes.max, price, price, note=note)


def unique_checkpoints(platform: PlatformConfig) -> dict[str, float]:
    """repository@revision -> published checkpoint size in GB (10^9 bytes), one entry per unique checkpoint."""
    found: dict[str, float] = {}
    for m in platform.resolved_models:
        found.setdefault(f"{m.config.repository}@{m.config.revision}", m.checkpoint_gib * GIB / BYTES_PER_GB)
    return found


def _storage_line(platform: PlatformConfig) -> CostLine:
    checkpoints = unique_checkpoints(platform)
    gb = sum(checkpoints.values())
    monthly = gb * S3_STANDARD_GB_MONTH_USD
    return CostLine(
        category="storage", description=f"S3 Standard, {len(checkpoints)} unique checkpoint(s)",
        item="weight bucket", capacity_type="", count_min=gb, count_max=gb, unit="GB-month",
        unit_usd_min=S3_STANDARD_GB_MONTH_USD, unit_usd_max=S3_STANDARD_GB_MONTH_USD,
        monthly_min_usd=monthly, monthly_max_usd=monthly,
    )
