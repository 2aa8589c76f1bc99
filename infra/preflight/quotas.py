"""How many vCPUs of which EC2 quota each GPU pool needs, and how to read those quotas.

EC2 limits running instances per instance-family class in vCPUs, separately for On-Demand and Spot
(EC2 User Guide, "Amazon EC2 service quotas" and "Spot Instance quotas"); new accounts start at 0
for most GPU classes. Quotas are found by name in Service Quotas' EC2 list, which is how AWS names
them in every region (codes differ between classes and have been split over time, e.g. P5 Spot)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import PlatformConfig


@dataclass(frozen=True)
class QuotaNeed:
    pool: str
    capacity: str  # on-demand | spot
    quota_names: tuple[str, ...]  # the first name the account lists is the one that applies
    vcpus: int
    detail: str  # where the number comes from


def quota_names(family: str, capacity: str) -> tuple[str, ...]:
    """Service Quotas' names of the EC2 quota that limits `family` (g6, p5, ...) for `capacity`."""
    letter = "P" if family.startswith("p") else "G and VT"
    if capacity == "on-demand":
        return (f"Running On-Demand {letter} instances",)
    if letter == "P":
        split = "All P5 Spot Instance Requests" if family.startswith("p5") else "All P4, P3 and P2 Spot Instance Requests"
        return (split, "All P Spot Instance Requests")
    return ("All G and VT Spot Instance Requests",)


def quota_needs(platform: PlatformConfig) -> list[QuotaNeed]:
    """Per pool and capacity type it allows: the vCPUs of the hosts its models run on at replicas.max
    (the cost estimate's hosts: the cheapest instance of the pool that holds one replica), capped at
    what the pool's gpuLimit allows on those hosts."""
    needs: list[QuotaNeed] = []
    for name, pool in platform.gpu_pools.items():
        models = [m for m in platform.resolved_models if m.config.pool == name]
        if not models:
            continue
        by_family: dict[str, list[tuple[int, float]]] = {}  # (vCPUs at replicas.max, vCPUs per GPU)
        for m in models:
            host = m.host_instance
            nodes = math.ceil(m.config.replicas.max * m.gpus / host.gpus)
            by_family.setdefault(host.family, []).append((nodes * host.vcpu, host.vcpu / host.gpus))
        for family, parts in sorted(by_family.items()):
            cap = math.ceil(pool.gpu_limit * max(per_gpu for _, per_gpu in parts))
            vcpus = min(sum(v for v, _ in parts), cap)
            for capacity in pool.capacity_types:
                needs.append(QuotaNeed(
                    pool=name, capacity=capacity, quota_names=quota_names(family, capacity), vcpus=vcpus,
                    detail=f"{family} hosts of {', '.join(m.name for m in models)} at replicas.max, "
                           f"at most gpuLimit {pool.gpu_limit}"))
    return needs


def ec2_quotas(client) -> dict[str, float]:
    """Quota name -> value (vCPUs) of every EC2 quota of the account in the client's region."""
    found: dict[str, float] = {}
    for page in client.get_paginator("list_service_quotas").paginate(ServiceCode="ec2"):
        for quota in page["Quotas"]:
            found[quota["QuotaName"]] = quota["Value"]
    return found
