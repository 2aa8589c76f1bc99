"""GPU node pools: which GPU, which capacity types, and how many GPUs at most."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..catalog.gpus import GPU_NAMES, GPU_TYPES, GpuType, InstanceType
from .base import StackModel

CapacityType = Literal["spot", "on-demand"]
Provisioner = Literal["karpenter", "nodeGroup"]
AmiFamily = Literal["al2023", "bottlerocket"]


class GpuPoolConfig(StackModel):
    gpu: str
    capacity_types: list[CapacityType] = Field(default_factory=lambda: ["on-demand"], min_length=1)
    gpu_limit: int = Field(ge=1, le=1024, description="most GPUs the pool may run at once")
    instance_types: list[str] = Field(
        default_factory=list, description="restrict the pool to these instance types (default: every size of the family)"
    )
    provisioner: Provisioner = Field(
        default="karpenter", description="karpenter, or a fixed EKS managed node group (e.g. for a capacity reservation)"
    )
    ami_family: AmiFamily = "al2023"
    root_volume_gib: int = Field(default=200, ge=100, le=16_384, description="holds the vLLM image (~30 GB) and caches")
    capacity_reservation_id: str | None = Field(default=None, description="On-Demand Capacity Reservation (nodeGroup)")

    @field_validator("gpu")
    @classmethod
    def _known_gpu(cls, value: str) -> str:
        if value not in GPU_TYPES:
            raise ValueError(f"{value!r} is not a known GPU; allowed: {', '.join(GPU_NAMES)}")
        return value

    @field_validator("capacity_types")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("capacity types are listed twice; allowed: spot, on-demand, each at most once")
        return value

    @model_validator(mode="after")
    def _reservation_needs_node_group(self) -> "GpuPoolConfig":
        if self.capacity_reservation_id is not None:
            if self.provisioner != "nodeGroup":
                raise ValueError("capacityReservationId needs provisioner: nodeGroup")
            if self.capacity_types != ["on-demand"]:
                raise ValueError("a capacity reservation is on-demand capacity; allowed: capacityTypes: [on-demand]")
            if not self.capacity_reservation_id.startswith("cr-"):
                raise ValueError(f"{self.capacity_reservation_id!r} is not a capacity reservation id; allowed: cr-<hex>")
        return self

    @model_validator(mode="after")
    def _a_node_group_can_exist(self) -> "GpuPoolConfig":
        """A managed node group has one capacity type and a fixed size in whole nodes."""
        if self.provisioner != "nodeGroup":
            return self
        if len(self.capacity_types) != 1:
            raise ValueError("a managed node group has one capacity type; allowed: capacityTypes [on-demand] or "
                             "[spot] with provisioner: nodeGroup")
        return self

    @model_validator(mode="after")
    def _instances_of_this_gpu(self) -> "GpuPoolConfig":
        known = {i.name for i in GPU_TYPES[self.gpu].instances}
        for name in self.instance_types:
            if name not in known:
                raise ValueError(
                    f"instanceTypes: {name!r} does not carry an {self.gpu}; allowed: {', '.join(sorted(known))}"
                )
        if self.provisioner == "nodeGroup" and self.gpu_limit < self.max_gpus_per_node:
            raise ValueError(f"gpuLimit {self.gpu_limit} is less than one node of this node group "
                             f"({self.max_gpus_per_node} {self.gpu}); allowed: gpuLimit >= {self.max_gpus_per_node}, "
                             "or instanceTypes with fewer GPUs")
        return self

    @property
    def gpu_type(self) -> GpuType:
        return GPU_TYPES[self.gpu]

    @property
    def instances(self) -> tuple[InstanceType, ...]:
        allowed = set(self.instance_types)
        return tuple(i for i in self.gpu_type.instances if not allowed or i.name in allowed)

    @property
    def max_gpus_per_node(self) -> int:
        return max(i.gpus for i in self.instances)
