"""KEDA (kedacore/keda chart): the operator, its metrics server (the external metrics API the HPAs
read) and the admission webhooks, on system nodes with restricted security contexts.

Values follow the reference platform (crossplane-reference-platform.md 5.2): the chart installs and
upgrades its own CRDs (`crds.install`, templates), and the Prometheus metrics of the operator and the
metrics server are exposed.
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.services import KEDA_NAMESPACE, Controller
from ..priority import SERVICES_PRIORITY_CLASS
from .common import (
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    SYSTEM_NODE_SELECTOR,
    namespace,
    resources_over_chart_limits,
)

NAMESPACE = KEDA_NAMESPACE
RELEASE_NAME = "keda"
# The chart's keys for the three Deployments: (replicas/nodeSelector section, securityContext/resources key).
_COMPONENTS = (("operator", "operator"), ("metricsServer", "metricServer"), ("webhooks", "webhooks"))


def render_namespace() -> dict:
    return namespace(NAMESPACE, "keda", "restricted")


def _controllers(platform: PlatformConfig) -> dict[str, Controller]:
    keda = platform.services.keda
    return {"operator": keda.operator, "metricsServer": keda.metrics_server, "webhooks": keda.webhooks}


def chart_values(platform: PlatformConfig) -> dict:
    controllers = _controllers(platform)
    values: dict = {
        "crds": {"install": True},
        "nodeSelector": dict(SYSTEM_NODE_SELECTOR),  # the chart adds kubernetes.io/os: linux itself
        "securityContext": {key: dict(RESTRICTED_CONTAINER_SECURITY_CONTEXT) for _, key in _COMPONENTS},
        "podSecurityContext": {key: dict(RESTRICTED_POD_SECURITY_CONTEXT) for _, key in _COMPONENTS},
        # The chart's defaults limit each to 1 CPU: deleted, as everywhere on the platform (no throttling).
        "resources": {key: resources_over_chart_limits(controllers[section].resources) for section, key in _COMPONENTS},
        "prometheus": {"metricServer": {"enabled": True}, "operator": {"enabled": True}},
        "priorityClassName": SERVICES_PRIORITY_CLASS,  # every KEDA component
    }
    for section, _ in _COMPONENTS:
        values[section] = {"replicaCount": controllers[section].replicas}
    # A budget only where a second replica exists: with one, minAvailable 1 would block every node drain.
    budgets = {key: {"minAvailable": 1} for section, key in _COMPONENTS if controllers[section].replicas > 1}
    if budgets:
        values["podDisruptionBudget"] = budgets
    return values
