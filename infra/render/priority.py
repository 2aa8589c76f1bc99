"""Pod priorities: the platform's services above the models, both above anything that sets none.

Under node pressure the kubelet evicts lower priorities first, and the scheduler may preempt them to
place a higher one: on a shared (existing) cluster, a burst of other workloads cannot push the
gateway, its rate limiter or the metrics KEDA scales on off the system nodes. Models run on their own
GPU nodes (tainted); their class keeps them above unprioritised pods there too.

Set on every workload the platform renders or whose chart takes a priority class (KEDA, External
Secrets, Envoy Gateway with its proxies and rate limit service, the VictoriaMetrics stack, VictoriaLogs,
Redis, the models). The Envoy AI Gateway and semantic router charts have no such value.
"""

from __future__ import annotations

from .labels import PART_OF

SERVICES_PRIORITY_CLASS = "llm-platform-services"
SERVING_PRIORITY_CLASS = "llm-platform-serving"
_VALUES = {SERVICES_PRIORITY_CLASS: 100_000, SERVING_PRIORITY_CLASS: 50_000}  # system-* classes start at 2e9
_DESCRIPTIONS = {
    SERVICES_PRIORITY_CLASS: "llm-platform services: gateway, rate limits, autoscaling, secrets, metrics and logs",
    SERVING_PRIORITY_CLASS: "llm-platform model servers (vLLM)",
}


def render_priority_classes() -> list[dict]:
    return [{
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": PART_OF,
                                              "app.kubernetes.io/managed-by": "pulumi"}},
        "value": value,
        "globalDefault": False,
        "preemptionPolicy": "PreemptLowerPriority",
        "description": _DESCRIPTIONS[name],
    } for name, value in _VALUES.items()]
