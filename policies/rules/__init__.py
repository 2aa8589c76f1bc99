"""The policy rules, one module per area, and their registry `RULES`.

Each rule is plain Python over engine-shaped data (see base.py), run by CrossGuard through
policies/crossguard.py and offline by `python -m infra check` (infra/check.py).
"""

from __future__ import annotations

from . import alerting, autoscaling, budget, cluster, iam, model_serving, secrets, storage, supply_chain
from .base import ResourceView, Rule

RULES: tuple[Rule, ...] = tuple(
    supply_chain.RULES
    + model_serving.RULES
    + autoscaling.RULES
    + storage.RULES
    + cluster.RULES
    + iam.RULES
    + secrets.RULES
    + budget.RULES
    + alerting.RULES
)

_names = [r.name for r in RULES]
assert len(_names) == len(set(_names)), "rule names must be unique"

BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}

__all__ = ["BY_NAME", "RULES", "ResourceView", "Rule"]
