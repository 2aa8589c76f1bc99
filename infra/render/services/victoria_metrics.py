"""victoria-metrics-k8s-stack 0.91.2: the VictoriaMetrics operator, VMSingle (storage), VMAgent
(scraping), VMAlert (rules), VMAlertmanager, Grafana, kube-state-metrics and node-exporter.

Names: the release and `fullnameOverride` are both "vm", so the chart names its custom resources "vm"
and the operator creates the Services `vmsingle-vm`, `vmagent-vm`, `vmalert-vm`, `vmalertmanager-vm`
(victoria-metrics-common `vm.cr.fullname`; the operator prefixes the kind). The metrics URL KEDA and
Grafana read is therefore http://vmsingle-vm.<namespace>.svc:8428, `vmsingle_url()`.

Grafana gets two datasources: VictoriaMetrics (the chart's defaults, Prometheus API and the native
plugin) and VictoriaLogs (`defaultDatasources.extra`, the victoria-logs-single Service); the two
VictoriaMetrics plugins are pinned. Its admin password comes from a Secret the component creates from a
generated password (`admin.existingSecret`), never from values.

The chart's sync job is off: it would fetch default dashboards and rules from GitHub branches at install
time (nothing is fetched unpinned); the platform ships its own dashboard and alerts.

EKS runs the control plane: kube-controller-manager, kube-scheduler and etcd cannot be scraped, so those
jobs are off (they would only report targets down).
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.observability import VM_FULLNAME, platform_metrics_url
from ...config.services import StorageSettings
from ..observability.receivers import alertmanager_config, alertmanager_secrets
from ..priority import SERVICES_PRIORITY_CLASS
from .common import SYSTEM_NODE_SELECTOR, namespace, resources
from .victoria_logs import read_url as logs_read_url

RELEASE_NAME = "vm"
FULLNAME = VM_FULLNAME  # fullnameOverride: the name of every custom resource the chart creates
# The VictoriaMetrics operator's service account for the VMAlertmanager (PrefixedName): what an SNS
# receiver's Pod Identity association binds.
ALERTMANAGER_SERVICE_ACCOUNT = f"vmalertmanager-{FULLNAME}"
GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_ADMIN_USER_KEY = "admin-user"  # grafana chart admin.userKey default
GRAFANA_ADMIN_PASSWORD_KEY = "admin-password"  # grafana chart admin.passwordKey default
GRAFANA_SERVICE = f"{RELEASE_NAME}-grafana"  # grafana chart fullname: <release>-grafana
# Grafana plugins for the VictoriaMetrics and VictoriaLogs datasource types, pinned (name@version):
# VictoriaMetrics/victoriametrics-datasource v0.25.1 and VictoriaMetrics/victorialogs-datasource v0.30.1
# (the newest tags; plugin ids from src/plugin.json). Grafana downloads them at start-up.
GRAFANA_PLUGINS = ("victoriametrics-metrics-datasource@0.25.1", "victoriametrics-logs-datasource@0.30.1")
LOGS_DATASOURCE = "VictoriaLogs"
# Jobs for components EKS manages and does not expose.
UNREACHABLE_ON_EKS = ("kubeControllerManager", "kubeScheduler", "kubeEtcd")


def namespace_name(platform: PlatformConfig) -> str:
    return platform.observability.namespace


def render_namespace(platform: PlatformConfig) -> dict:
    # node-exporter needs the host's network, PID namespace and filesystems: "privileged".
    return namespace(namespace_name(platform), "monitoring", "privileged")


def vmsingle_url(platform: PlatformConfig) -> str:
    """The Prometheus-compatible endpoint of VMSingle (the default of `observability.metricsUrl`)."""
    return platform_metrics_url(namespace_name(platform))


def grafana_admin_secret_metadata(platform: PlatformConfig) -> dict:
    return {"name": GRAFANA_ADMIN_SECRET, "namespace": namespace_name(platform),
            "labels": {"app.kubernetes.io/part-of": "llm-platform", "app.kubernetes.io/managed-by": "pulumi",
                       "app.kubernetes.io/component": "grafana"}}


def _storage(settings: StorageSettings) -> dict:
    storage: dict = {"resources": {"requests": {"storage": f"{settings.size_gib}Gi"}}}
    if settings.storage_class is not None:
        storage["storageClassName"] = settings.storage_class
    return storage


def _placed(spec: dict, settings) -> dict:
    """A VM custom resource spec on system nodes, with the operator's restricted security contexts."""
    return {**spec, "resources": resources(settings), "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
            "priorityClassName": SERVICES_PRIORITY_CLASS,
            "useStrictSecurity": True}


def chart_values(platform: PlatformConfig) -> dict:
    metrics = platform.services.metrics
    system = dict(SYSTEM_NODE_SELECTOR)
    values: dict = {
        "fullnameOverride": FULLNAME,
        "victoria-metrics-operator": {"resources": resources(metrics.operator), "nodeSelector": system,
                                      "priorityClassName": SERVICES_PRIORITY_CLASS,
                                      # the chart's pod context (non-root, fsGroup) plus the default seccomp profile
                                      "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
        "vmsingle": {"spec": _placed({"retentionPeriod": metrics.retention, "storage": _storage(metrics.storage)},
                                     metrics.vmsingle)},
        "vmagent": {"spec": _placed({"scrapeInterval": platform.observability.scrape_interval}, metrics.vmagent)},
        "vmalert": {"spec": _placed({}, metrics.vmalert)},
        "alertmanager": {"spec": _placed({"secrets": secrets} if (secrets := alertmanager_secrets(platform)) else {},
                                         metrics.alertmanager),
                         "config": alertmanager_config(platform)},
        "grafana": {
            "enabled": True,
            "admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": GRAFANA_ADMIN_USER_KEY,
                      "passwordKey": GRAFANA_ADMIN_PASSWORD_KEY},
            "plugins": list(GRAFANA_PLUGINS),
            "resources": resources(metrics.grafana),
            "nodeSelector": system,
            "priorityClassName": SERVICES_PRIORITY_CLASS,
            # No `helm test` Pod in the release (it would run as root, unconfined, with no resources).
            "testFramework": {"enabled": False},
        },
        "defaultDatasources": {
            "extra": [{"name": LOGS_DATASOURCE, "uid": LOGS_DATASOURCE, "type": "victoriametrics-logs-datasource",
                       "access": "proxy", "url": logs_read_url(platform), "isDefault": False}],
        },
        "kube-state-metrics": {"enabled": True, "resources": resources(metrics.kube_state_metrics),
                               "nodeSelector": system, "priorityClassName": SERVICES_PRIORITY_CLASS},
        # On every node (the chart tolerates every NoSchedule taint, GPU nodes included).
        "prometheus-node-exporter": {"enabled": True, "resources": resources(metrics.node_exporter)},
        # Off: the chart's sync job downloads its default dashboards and rules at install time from
        # GitHub `master`/`main` (defaultDashboards.sources, defaultRules.sources), an unpinned fetch.
        # The platform's own dashboard and alerts (infra/render/observability) are rendered and pinned.
        "syncJob": {"enabled": False},
    }
    for job in UNREACHABLE_ON_EKS:
        values[job] = {"enabled": False}
    return values
