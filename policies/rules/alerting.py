"""Alerting: a prod stack's alerts reach a person.

The platform's alerts (infra/render/observability) fire in Alertmanager; without a receiver they stay
there, seen only by whoever opens its UI. A stack is prod-like when its name is `prod`, `production`,
or starts with `prod-`/`production-` (the stack name is the URN's second part, so CrossGuard and the
offline check read it alike). Its victoria-metrics-k8s-stack release must route alerts to at least one
receiver that sends somewhere (a `*_configs` entry), which `observability.receivers` renders.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .base import ResourceView, Rule, StackViolation, get, is_list

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
METRICS_CHART = "victoria-metrics-k8s-stack"
PROD_STACK = re.compile(r"^(prod|production)([-_].*)?$")


def stack_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::...` -> `<stack>`."""
    return urn.split("::", 1)[0].removeprefix("urn:pulumi:")


def _sends(receiver: Any) -> bool:
    return isinstance(receiver, Mapping) and any(
        key.endswith("_configs") and is_list(value) and len(value) > 0 for key, value in receiver.items())


def check_receivers(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for r in resources:
        if r.type != HELM_RELEASE or r.props.get("chart") != METRICS_CHART or not PROD_STACK.match(stack_of(r.urn)):
            continue
        receivers = get(r.props, "values", "alertmanager", "config", "receivers", default=[])
        if not (is_list(receivers) and any(_sends(x) for x in receivers)):
            found.append((f"stack {stack_of(r.urn)!r} sends its alerts nowhere: Alertmanager has no receiver that "
                          "notifies anyone", r.urn))
    return found


RULES = [
    Rule(
        name="alerts-reach-a-person",
        description="A prod stack (named prod, production, prod-* or production-*) routes its alerts to at least "
                    "one receiver (Slack, PagerDuty or a webhook).",
        remediation="Add observability.receivers to the stack file, each naming the Secrets Manager secret with its "
                    "Slack webhook URL, PagerDuty routing key or webhook URL (README: Observability).",
        enforcement="mandatory",
        kind="stack",
        check=check_receivers,
    ),
]
