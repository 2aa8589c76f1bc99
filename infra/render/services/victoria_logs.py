"""victoria-logs-single 0.13.9: VictoriaLogs (a StatefulSet with one volume) and its bundled log
shipper, a vector Agent DaemonSet that reads every container's log on every node (GPU nodes included)
and sends it to VictoriaLogs' Elasticsearch bulk API (the chart writes vector's configuration, with
the VictoriaLogs endpoint, into the ConfigMap `vector-vl-config`).

Names: `server.fullnameOverride` is "victoria-logs", so the (headless) Service is
`victoria-logs.<namespace>.svc:9428`; Grafana's VictoriaLogs datasource reads `read_url()`.
VictoriaLogs is scraped through a VMServiceScrape and its dashboards go to Grafana's namespace, so the
release needs the VictoriaMetrics stack (operator CRDs, monitoring namespace) first.
"""

from __future__ import annotations

from ...config import PlatformConfig
from ..priority import SERVICES_PRIORITY_CLASS
from .common import SYSTEM_NODE_SELECTOR, internal_url, namespace, resources

RELEASE_NAME = "vl"
SERVER_NAME = "victoria-logs"  # server.fullnameOverride: StatefulSet and Service name
PORT = 9428  # server.http[primary].value ":9428" (chart default)
# vector reads /var/log/pods on every node: tolerate every NoSchedule taint (GPU nodes carry one).
SHIPPER_TOLERATIONS = ({"operator": "Exists", "effect": "NoSchedule"},)
DASHBOARD_LABEL = {"grafana_dashboard": "1"}  # what the k8s-stack Grafana's dashboard sidecar selects


def namespace_name(platform: PlatformConfig) -> str:
    return platform.services.logs.namespace


def render_namespace(platform: PlatformConfig) -> dict:
    # The vector agent mounts host paths (/var/log, its data dir) and runs as root: "privileged".
    level = "privileged" if platform.services.logs.shipper else "restricted"
    return namespace(namespace_name(platform), "logging", level)


def read_url(platform: PlatformConfig) -> str:
    return internal_url(SERVER_NAME, namespace_name(platform), PORT)


def chart_values(platform: PlatformConfig) -> dict:
    logs = platform.services.logs
    persistent_volume: dict = {"enabled": True, "size": f"{logs.storage.size_gib}Gi"}
    if logs.storage.storage_class is not None:
        persistent_volume["storageClassName"] = logs.storage.storage_class
    return {
        "server": {
            "fullnameOverride": SERVER_NAME,
            "retentionPeriod": logs.retention,
            "persistentVolume": persistent_volume,
            "resources": resources(logs.server),
            "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
            "priorityClassName": SERVICES_PRIORITY_CLASS,
            # the chart's pod context (non-root, fsGroup) plus the default seccomp profile
            "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "vmServiceScrape": {"enabled": True},
        },
        "vector": {
            "enabled": logs.shipper,
            "role": "Agent",
            "resources": resources(logs.shipper_resources),
            "tolerations": [dict(t) for t in SHIPPER_TOLERATIONS],
            "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        },
        "dashboards": {"enabled": True, "namespace": platform.observability.namespace,
                       "labels": dict(DASHBOARD_LABEL)},
    }
