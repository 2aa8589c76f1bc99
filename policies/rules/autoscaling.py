"""Autoscaling: replica bounds are ordered and explicit, and a model's peak GPUs (its maximum replicas
plus the one surge replica of a rolling update) fit its pool's GPU cap — the same rule as the stack
file check (PlatformConfig._pool_capacity_issues), recomputed from the ScaledObjects, Deployments and
NodePools (or node groups) the stack registers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.render.aws.gpu_pool import GPU_RESOURCE

from .base import ResourceView, Rule, StackViolation, as_int, get
from .kube import (
    gpu_pools,
    is_kind,
    is_vllm_deployment,
    model_name,
    namespace,
    object_name,
    scheduled_pool,
    vllm_container,
)

KEDA_DEFAULT_MIN = 0
KEDA_DEFAULT_MAX = 100


def _bounds(resource_type: str, props: Mapping[str, Any]) -> tuple[int | None, int | None, str, str] | None:
    """(min, max, min field, max field) of a ScaledObject or HorizontalPodAutoscaler, None for others."""
    spec = get(props, "spec") or {}
    if is_kind(resource_type, "ScaledObject"):
        low = spec.get("minReplicaCount")
        high = spec.get("maxReplicaCount")
        return (KEDA_DEFAULT_MIN if low is None else as_int(low), None if high is None else as_int(high),
                "minReplicaCount", "maxReplicaCount")
    if is_kind(resource_type, "HorizontalPodAutoscaler"):
        low = spec.get("minReplicas")
        high = spec.get("maxReplicas")
        return (1 if low is None else as_int(low), None if high is None else as_int(high), "minReplicas", "maxReplicas")
    return None


def check_bounds(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    bounds = _bounds(resource_type, props)
    if bounds is None:
        return []
    low, high, low_field, high_field = bounds
    if high is None:
        default = f" (KEDA's default is {KEDA_DEFAULT_MAX})" if is_kind(resource_type, "ScaledObject") else ""
        return [f"{high_field} is not set{default}: scaling has no explicit ceiling"]
    if low is None or low < 0:
        return [f"{low_field} {get(props, 'spec', low_field)!r} is not a replica count"]
    if low > high:
        return [f"{low_field} {low} is greater than {high_field} {high}"]
    return []


@dataclass(frozen=True)
class _Model:
    deployment: ResourceView
    pool: str | None
    gpus: int
    low: int
    high: int


def _models(resources: Sequence[ResourceView]) -> list[_Model]:
    scalers: dict[tuple[str, str], tuple[int | None, int | None]] = {}
    for r in resources:
        bounds = _bounds(r.type, r.props)
        ref = get(r.props, "spec", "scaleTargetRef") or {}
        if bounds is not None and ref.get("kind", "Deployment") == "Deployment":
            scalers[(namespace(r.props), ref.get("name"))] = (bounds[0], bounds[1])
    found = []
    for r in resources:
        if not is_vllm_deployment(r.type, r.props):
            continue
        container = vllm_container(r.type, r.props) or {}
        gpus = as_int(get(container, "resources", "limits", GPU_RESOURCE)) or 0
        key = (namespace(r.props), object_name(r.props))
        if key in scalers:  # an unset (or unreadable) bound counts at the autoscaler's default
            low, high = scalers[key]
            low, high = (KEDA_DEFAULT_MIN if low is None else low), (KEDA_DEFAULT_MAX if high is None else high)
        else:  # not autoscaled: the Deployment's own replica count
            fixed = as_int(get(r.props, "spec", "replicas"))
            low = high = 1 if fixed is None else fixed
        found.append(_Model(r, scheduled_pool(r.type, r.props), gpus, low, high))
    return found


def check_pool_capacity(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    pools = gpu_pools(resources)
    models = _models(resources)
    found: list[StackViolation] = []
    for m in models:
        facts = pools.get(m.pool) if m.pool else None
        if facts is None or m.gpus < 1:
            continue  # vllm-pool-toleration / vllm-gpu-limits report these
        name = model_name(m.deployment.type, m.deployment.props)
        if facts.gpu_limit is None:
            found.append((f"GPU pool {m.pool!r} has no GPU limit (NodePool spec.limits[{GPU_RESOURCE!r}]): model "
                          f"{name!r} could scale without bound", facts.resource.urn))
            continue
        peak = (m.high + 1) * m.gpus
        if peak > facts.gpu_limit:
            found.append((f"model {name!r}: {m.high} replicas x {m.gpus} GPU(s) plus one surge replica need {peak} "
                          f"GPUs, but pool {m.pool!r} allows {facts.gpu_limit}", m.deployment.urn))
    for pool, facts in pools.items():
        members = [m for m in models if m.pool == pool and m.gpus >= 1]
        floor = sum(m.low * m.gpus for m in members)
        if facts.gpu_limit is not None and floor > facts.gpu_limit:
            found.append((f"GPU pool {pool!r} allows {facts.gpu_limit} GPUs but its models' minimum replicas need "
                          f"{floor}", facts.resource.urn))
    return found


RULES = [
    Rule(
        name="autoscaling-bounds-ordered",
        description="Every ScaledObject and HorizontalPodAutoscaler has an explicit maximum and a minimum no larger "
                    "than it.",
        remediation="Set the model's `replicas: {min, max}` with min <= max (they become minReplicaCount and "
                    "maxReplicaCount).",
        enforcement="mandatory",
        kind="resource",
        check=check_bounds,
    ),
    Rule(
        name="autoscaling-within-pool-capacity",
        description="A model's maximum replicas plus one surge replica, times its GPUs per replica, fit its GPU "
                    "pool's cap; the pool's cap holds every model's minimum replicas.",
        remediation="Lower the model's `replicas.max` or raise `gpuPools.<pool>.gpuLimit` (one replica's GPUs must "
                    "stay free for the rolling update's surge replica).",
        enforcement="mandatory",
        kind="stack",
        check=check_pool_capacity,
    ),
]
