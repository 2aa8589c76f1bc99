"""Budget: the environment's estimated monthly cost stays within the stack's `budget.monthlyUsd`.

The estimate (infra/cost.py) is computed from the stack file, which policies cannot read, so this
stack rule takes its facts from its policy config:

    python -m infra check --stack prod --write-policy-config policies/config.prod.json
    pulumi preview --stack prod --policy-pack policies --policy-pack-config policies/config.prod.json

The offline check builds the same config in memory (infra/check.py `policy_config`). Without that
config the rule fails: a mandatory cost rule that passes because nobody told it the numbers would be
a false assurance. The estimate at *maximum* replicas is compared, since autoscaling may reach it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .base import ResourceView, Rule, StackViolation

CONFIG_SCHEMA = {
    "stack": {"type": "string", "description": "stack the facts were generated for"},
    "clusterName": {"type": "string", "description": "that stack's EKS cluster (checked against the cluster resource)"},
    "monthlyUsd": {"type": ["number", "null"], "description": "the stack's budget.monthlyUsd (null: no budget)"},
    "estimatedMonthlyUsd": {"type": "number", "description": "estimated monthly cost at maximum replicas"},
    "estimatedMonthlyMinUsd": {"type": "number", "description": "estimated monthly cost at minimum replicas"},
    "complete": {"type": "boolean", "description": "false when some line has no published price"},
}
GENERATE = ("generate it with `python -m infra check --stack <env> --write-policy-config policies/config.<env>.json` "
            "and pass `--policy-pack-config policies/config.<env>.json`")


def _cluster_mismatch(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> StackViolation | None:
    expected = config.get("clusterName")
    if not expected:
        return None
    for r in resources:
        if r.type == "aws:eks/cluster:Cluster":
            actual = r.props.get("name")
            if isinstance(actual, str) and actual != expected:
                return (f"the policy config was generated for cluster {expected!r} (stack {config.get('stack')!r}), "
                        f"but this stack's cluster is {actual!r}; {GENERATE}", r.urn)
    return None


def _usd(value: float) -> str:
    return f"${value:,.0f}"


def check_budget(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    if "monthlyUsd" not in config:
        return [(f"no cost facts in this policy's config; {GENERATE}", None)]
    mismatch = _cluster_mismatch(resources, config)
    if mismatch:
        return [mismatch]
    budget = config.get("monthlyUsd")
    if budget is None:
        return []  # the stack declares no budget
    estimate = config.get("estimatedMonthlyUsd")
    if not isinstance(estimate, (int, float)):
        return [(f"budget {_usd(float(budget))}/month but no cost estimate in the policy config; {GENERATE}", None)]
    if estimate > budget:
        low = config.get("estimatedMonthlyMinUsd")
        spread = f" ({_usd(float(low))} at minimum replicas)" if isinstance(low, (int, float)) else ""
        return [(f"estimated monthly cost {_usd(float(estimate))} at maximum replicas{spread} exceeds the budget of "
                 f"{_usd(float(budget))}", None)]
    return []


def check_estimate_complete(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    if config.get("complete") is False:
        return [("the cost estimate is incomplete: some instances have no published price, so the budget was "
                 "compared with the priced lines only", None)]
    return []


RULES = [
    Rule(
        name="budget-within-limit",
        description="The environment's estimated monthly cost at maximum replicas is within its budget "
                    "(`budget.monthlyUsd`).",
        remediation="Lower replicas.max, move models to cheaper pools (spot, smaller GPUs, FP8), or raise "
                    "budget.monthlyUsd (how the estimate is made: infra/cost.py).",
        enforcement="mandatory",
        kind="stack",
        check=check_budget,
        config_schema=CONFIG_SCHEMA,
    ),
    Rule(
        name="budget-estimate-complete",
        description="Every line of the cost estimate has a published price.",
        remediation="Restrict the pool's instanceTypes to instances with a us-east-1 on-demand price, or check the "
                    "missing price by hand.",
        enforcement="advisory",
        kind="stack",
        check=check_estimate_complete,
        config_schema=CONFIG_SCHEMA,
    ),
]
