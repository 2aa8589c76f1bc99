"""GPU types and the EC2 instances that carry them (us-east-1).

Sources (see ../shared/reference/vllm-gpu-aws-facts.md section 4):
- GPU memory is what EC2 reports per GPU (MiB), from Karpenter's generated instance-type reference
  (aws/karpenter-provider-aws @ 1d927085, 2026-08-21); torch sees about the same figure.
- On-demand Linux prices are from Karpenter's generated pricing table for us-east-1
  (zz_generated.pricing_aws.go, generated 2026-07-20). p5e.48xlarge has no us-east-1 on-demand price.
- FP8 compute (W8A8) needs compute capability >= 8.9 (Ada, Hopper); Ampere runs FP8 checkpoints as
  weight-only W8A16 through FP8-Marlin (vLLM docs/features/quantization/fp8.md).
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024**2
GIB = 1024**3


@dataclass(frozen=True)
class InstanceType:
    name: str
    gpus: int
    vcpu: int
    memory_gib: int
    local_nvme_gb: int
    on_demand_hourly_usd: float | None  # None: no us-east-1 on-demand price published

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def size(self) -> str:
        return self.name.split(".", 1)[1]


@dataclass(frozen=True)
class GpuType:
    name: str  # the stack file's spelling: "L4", "L40S", ...
    karpenter_name: str  # value of the karpenter.k8s.aws/instance-gpu-name label
    architecture: str
    compute_capability: str
    memory_mib: int
    fp8_compute: bool
    instances: tuple[InstanceType, ...]

    @property
    def memory_bytes(self) -> int:
        return self.memory_mib * MIB

    @property
    def memory_gib(self) -> float:
        return self.memory_mib / 1024

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.family for i in self.instances))

    @property
    def max_gpus_per_instance(self) -> int:
        return max(i.gpus for i in self.instances)

    def instances_for(self, gpus_per_replica: int) -> tuple[InstanceType, ...]:
        """Instances able to host one replica that needs `gpus_per_replica` GPUs."""
        return tuple(i for i in self.instances if i.gpus >= gpus_per_replica)

    def cheapest_hourly_per_gpu(self, gpus_per_replica: int = 1) -> float | None:
        """Lowest on-demand $/GPU-hour among instances that can host such a replica."""
        prices = [
            i.on_demand_hourly_usd / i.gpus
            for i in self.instances_for(gpus_per_replica)
            if i.on_demand_hourly_usd is not None
        ]
        return min(prices) if prices else None


def _i(name: str, gpus: int, vcpu: int, mem: int, nvme: int, price: float | None) -> InstanceType:
    return InstanceType(name, gpus, vcpu, mem, nvme, price)


GPU_TYPES: dict[str, GpuType] = {
    g.name: g
    for g in (
        GpuType(
            "A10G", "a10g", "Ampere", "8.6", 22_888, False,
            (
                _i("g5.xlarge", 1, 4, 16, 250, 1.006),
                _i("g5.2xlarge", 1, 8, 32, 450, 1.212),
                _i("g5.4xlarge", 1, 16, 64, 600, 1.624),
                _i("g5.8xlarge", 1, 32, 128, 900, 2.448),
                _i("g5.16xlarge", 1, 64, 256, 1_900, 4.096),
                _i("g5.12xlarge", 4, 48, 192, 3_800, 5.672),
                _i("g5.24xlarge", 4, 96, 384, 3_800, 8.144),
                _i("g5.48xlarge", 8, 192, 768, 7_600, 16.288),
            ),
        ),
        GpuType(
            "L4", "l4", "Ada Lovelace", "8.9", 22_888, True,
            (
                _i("g6.xlarge", 1, 4, 16, 250, 0.8048),
                _i("g6.2xlarge", 1, 8, 32, 450, 0.9776),
                _i("g6.4xlarge", 1, 16, 64, 600, 1.3232),
                _i("g6.8xlarge", 1, 32, 128, 900, 2.0144),
                _i("g6.16xlarge", 1, 64, 256, 1_880, 3.3968),
                _i("g6.12xlarge", 4, 48, 192, 3_760, 4.6016),
                _i("g6.24xlarge", 4, 96, 384, 3_760, 6.6752),
                _i("g6.48xlarge", 8, 192, 768, 7_520, 13.3504),
            ),
        ),
        GpuType(
            "L40S", "l40s", "Ada Lovelace", "8.9", 45_776, True,
            (
                _i("g6e.xlarge", 1, 4, 32, 250, 1.861),
                _i("g6e.2xlarge", 1, 8, 64, 450, 2.24208),
                _i("g6e.4xlarge", 1, 16, 128, 600, 3.00424),
                _i("g6e.8xlarge", 1, 32, 256, 900, 4.52856),
                _i("g6e.16xlarge", 1, 64, 512, 1_900, 7.57719),
                _i("g6e.12xlarge", 4, 48, 384, 3_800, 10.49264),
                _i("g6e.24xlarge", 4, 96, 768, 3_800, 15.06559),
                _i("g6e.48xlarge", 8, 192, 1_536, 7_600, 30.13118),
            ),
        ),
        GpuType(
            "A100", "a100", "Ampere", "8.0", 40_960, False,
            (_i("p4d.24xlarge", 8, 96, 1_152, 8_000, 21.957642),),
        ),
        GpuType(
            "H100", "h100", "Hopper", "9.0", 81_920, True,
            (
                _i("p5.4xlarge", 1, 16, 256, 3_800, 6.88),
                _i("p5.48xlarge", 8, 192, 2_048, 30_400, 55.04),
            ),
        ),
        GpuType(
            "H200", "h200", "Hopper", "9.0", 144_384, True,
            (
                _i("p5e.48xlarge", 8, 192, 2_048, 30_400, None),
                _i("p5en.48xlarge", 8, 192, 2_048, 30_400, 63.296),
            ),
        ),
    )
}

GPU_NAMES: tuple[str, ...] = tuple(GPU_TYPES)

HOURS_PER_MONTH = 730  # the AWS pricing convention


def gpu_type(name: str) -> GpuType:
    return GPU_TYPES[name]
