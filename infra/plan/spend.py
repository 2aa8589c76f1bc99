"""What the stack costs doing nothing, what scaling to zero would save, and the budget the policy
check applies: the lines under the plan's cost table."""

from __future__ import annotations

from ..catalog.gpus import HOURS_PER_MONTH
from ..config import PlatformConfig
from ..cost import CostEstimate

DAYS_PER_MONTH = HOURS_PER_MONTH / 24


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def spend_lines(cost: CostEstimate, platform: PlatformConfig) -> list[str]:
    idle, busy = cost.monthly_min_usd, cost.monthly_max_usd
    lines = [f"Idle (every model at replicas.min): {_usd(idle)} a month, {_usd(idle / DAYS_PER_MONTH)} a day; "
             f"at replicas.max: {_usd(busy)} a month, {_usd(busy / DAYS_PER_MONTH)} a day"
             + ("" if cost.complete else " (lower bounds: some lines have no published price)")]
    # Only Karpenter pools give their nodes back; a managed node group keeps its nodes at any replica count.
    awake = [m for m in cost.per_model if m.replicas_min > 0 and m.monthly_min_usd is not None
             and platform.gpu_pools[m.pool].provisioner == "karpenter"]
    if awake:
        saved = sum(m.monthly_min_usd for m in awake)
        names = ", ".join(f"{m.name} ({_usd(m.monthly_min_usd)})" for m in awake)
        lines.append(f"Scale to zero: replicas.min 0 with autoscaling.scaleToZero: true would save up to "
                     f"{_usd(saved)} a month while idle ({names}); the first request after idling then waits for a "
                     "GPU node and the model's load (README: Scale to zero)")
    else:
        lines.append("Scale to zero: no model on a Karpenter pool keeps a replica while idle; the idle cost is the "
                     "platform itself and any managed node groups")
    budget = platform.budget
    if budget is None:
        lines.append("Budget: none (budget.monthlyUsd is not set), so the policy check does not limit the cost")
    else:
        share = busy / budget.monthly_usd
        verdict = ("within it" if busy <= budget.monthly_usd else
                   "OVER it: the mandatory policy budget-within-limit fails; lower replicas.max, use cheaper pools, "
                   "or raise budget.monthlyUsd")
        lines.append(f"Budget: {_usd(budget.monthly_usd)} a month (budget.monthlyUsd); the policy check compares the "
                     f"estimate at replicas.max, {_usd(busy)} ({share:.0%} of it): {verdict}")
    return lines
