"""Autoscaling settings that cannot work, rejected at config time (they need the whole stack).

Checked here, per model:

- `autoscaling.cooldownSeconds` shorter than the model's startup budget
  (infra/startup_budget.py): a replica removed sooner than a new one can start turns every
  traffic dip into a cold start at the next burst (and, scaling to zero, idles the model out
  faster than it can come back). Unset, the cooldown is the startup budget itself.
- scale to zero is an explicit opt-in: `replicas.min: 0` needs `autoscaling.scaleToZero: true`,
  and `scaleToZero` needs `replicas.min: 0` (at zero replicas vLLM exports no metric, so only the
  model's traffic at the gateway, which every platform has, can wake it).

Checked elsewhere, not repeated here: `replicas.min <= replicas.max` (the Replicas model) and a
maximum that, with the rolling update's surge replica, exceeds the pool's GPU cap
(`PlatformConfig._pool_capacity_issues` in platform.py, which also checks that the pool holds
every model's minimum replicas).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..sizing import checkpoint_gib
from ..startup_budget import startup_budget_for
from .issues import Issue

if TYPE_CHECKING:
    from .models import ModelConfig
    from .platform import PlatformConfig


def autoscaling_issues(platform: "PlatformConfig") -> list[Issue]:
    found: list[Issue] = []
    for i, model in enumerate(platform.models):
        at = ("models", i)
        replicas, auto = model.replicas, model.autoscaling
        if replicas.min == 0 and not auto.scale_to_zero:
            found.append(Issue(at + ("replicas", "min"), "0 replicas means scaling to zero, which must be explicit; "
                               "allowed: min >= 1, or min 0 with autoscaling.scaleToZero: true (the first request "
                               "after an idle period then waits for a GPU node and the model to start)"))
        if auto.scale_to_zero and replicas.min > 0:
            found.append(Issue(at + ("autoscaling", "scaleToZero"), f"scaleToZero needs replicas.min: 0 (it is "
                               f"{replicas.min}); allowed: replicas.min 0, or scaleToZero: false"))
        budget = _startup_budget(platform, model)
        if auto.cooldown_seconds is not None and budget is not None and auto.cooldown_seconds < budget:
            found.append(Issue(at + ("autoscaling", "cooldownSeconds"), f"{auto.cooldown_seconds}s is shorter than "
                               f"the model's startup budget of {budget}s (a replica would be removed sooner than a "
                               f"new one can start); allowed: {budget}..3600, or unset to use the startup budget"))
    return found


def _startup_budget(platform: "PlatformConfig", model: "ModelConfig") -> int | None:
    """The model's startup budget, or None while its pool or architecture is unknown (reported
    elsewhere). Same inputs as `PlatformConfig.startup_budget_seconds` on the resolved model."""
    arch = platform.architecture_of(model)
    if arch is None or model.pool not in platform.gpu_pools:
        return None
    return startup_budget_for(model.gpus_per_replica, checkpoint_gib(arch), platform.weights.loader)
