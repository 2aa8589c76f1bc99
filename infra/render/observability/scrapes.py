"""VictoriaMetrics scrape objects for the gateway and the GPUs (the models have their own).

- Gateway: a VMPodScrape of the Envoy proxy pods of the platform's Gateway, two endpoints per pod:
  Envoy's stats (`metrics`, /stats/prometheus) and the AI Gateway ext_proc sidecar's GenAI metrics
  (`aigw-admin`, /metrics); see gateway_metrics.py for the sources.
- GPUs: a VMServiceScrape of the dcgm-exporter Service, which the GPU node software installs as
  Helm release `dcgm-exporter` in kube-system (chart 4.8.2, `deployment/templates/_helpers.tpl`:
  selector labels `app.kubernetes.io/name` = chart name, `app.kubernetes.io/instance` = release
  name; Service port `metrics`, 9400). Every GPU series gets a `node` label from the exporter pod's
  node, which the dashboard and the GPU alerts group by.

- cert-manager (when the gateway has tls): a VMServiceScrape of its controller, whose metrics carry
  each certificate's expiry and readiness.

All live in the observability namespace; vmagent (selectAllByDefault in the stack chart) picks
them up in any namespace.
"""

from __future__ import annotations

from ...catalog.platform_versions import DCGM_EXPORTER
from ...config import PlatformConfig
from ..labels import PART_OF, metadata
from ..services import cert_manager
from .gateway_metrics import (
    AI_GATEWAY_METRICS_PATH,
    AI_GATEWAY_METRICS_PORT,
    ENVOY_METRICS_PATH,
    ENVOY_METRICS_PORT,
    ENVOY_PROXY_LABELS,
)

DCGM_NAMESPACE = "kube-system"  # components/aws/gpu_node_software.py installs it there
DCGM_RELEASE = DCGM_EXPORTER.chart  # the release is named after the chart
DCGM_METRICS_PORT = "metrics"
OWNING_GATEWAY_LABEL = "gateway.envoyproxy.io/owning-gateway-name"


def observability_labels(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "llm-platform-observability",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    }


def _endpoint(platform: PlatformConfig, port: str, path: str) -> dict:
    return {"port": port, "path": path, "interval": platform.observability.scrape_interval, "scrapeTimeout": "10s"}


def render_gateway_pod_scrape(platform: PlatformConfig) -> dict:
    gateway = platform.gateway
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMPodScrape",
        "metadata": metadata("llm-gateway", platform.observability.namespace, observability_labels("gateway-metrics")),
        "spec": {
            "namespaceSelector": {"matchNames": [gateway.namespace]},
            "selector": {"matchLabels": {**ENVOY_PROXY_LABELS, OWNING_GATEWAY_LABEL: gateway.name}},
            "podMetricsEndpoints": [
                _endpoint(platform, ENVOY_METRICS_PORT, ENVOY_METRICS_PATH),
                _endpoint(platform, AI_GATEWAY_METRICS_PORT, AI_GATEWAY_METRICS_PATH),
            ],
        },
    }


def dcgm_selector() -> dict[str, str]:
    return {"app.kubernetes.io/name": DCGM_EXPORTER.chart, "app.kubernetes.io/instance": DCGM_RELEASE}


def render_dcgm_service_scrape(platform: PlatformConfig) -> dict:
    endpoint = _endpoint(platform, DCGM_METRICS_PORT, "/metrics")
    endpoint["relabelConfigs"] = [
        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"},
    ]
    return _service_scrape(platform, "dcgm-exporter", "gpu-metrics", DCGM_NAMESPACE, dcgm_selector(), endpoint)


def render_cert_manager_scrape(platform: PlatformConfig) -> dict:
    """cert-manager's controller (its Service `cert-manager`, port `http-metrics`, 9402): certificate
    expiry and readiness. honorLabels: the series' own `namespace` (the Certificate's) is kept, not
    replaced by the controller's."""
    endpoint = _endpoint(platform, "http-metrics", "/metrics")
    endpoint["honorLabels"] = True
    return _service_scrape(platform, "cert-manager", "tls-metrics", cert_manager.NAMESPACE,
                           {**cert_manager.CONTROLLER_SELECTOR, "app.kubernetes.io/component": "controller"}, endpoint)


def _service_scrape(platform: PlatformConfig, name: str, component: str, namespace: str, selector: dict[str, str],
                    endpoint: dict) -> dict:
    """A VMServiceScrape in the observability namespace of the Services with `selector` in `namespace`."""
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": metadata(name, platform.observability.namespace, observability_labels(component)),
        "spec": {
            "namespaceSelector": {"matchNames": [namespace]},
            "selector": {"matchLabels": dict(selector)},
            "endpoints": [endpoint],
        },
    }
