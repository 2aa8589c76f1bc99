"""The platform's Grafana dashboard, generated from the stack, and the ConfigMap that delivers it.

`dashboard(platform)` is a pure function returning the dashboard JSON model as a dict:

- a `model` variable (the stack's models, multi-select, All) filtering the fleet overview;
- Fleet: requests per second, time to first token p95 and ready replicas by model, and the
  gateway's responses by status class;
- one collapsed row per model of the stack: time to first token p50/p95, inter-token latency
  p50/p95, tokens per second in and out, running and waiting requests, KV-cache usage,
  prefix-cache hit rate, replicas (ready, desired and the ScaledObject's bounds) and the model's
  traffic at the gateway (routed, and refused for want of a ready replica);
- GPUs: utilisation, memory used and free, and temperature, per node (DCGM exporter);
- Tenants: input and output tokens per second, and tokens over 24 hours, by tenant (the AI
  Gateway's `gen_ai_client_token_usage`, with the client id mapped to the `tenant` label);
- Semantic router (only when the stack enables it): virtual-model requests by chosen model, the
  latency routing adds, and classification latency per signal.

Every query is plain PromQL with fixed windows (no `$__rate_interval`), so the tests parse each
one with a real PromQL parser; `$model` only appears inside a label matcher's string.

Delivery: the victoria-metrics-k8s-stack chart runs Grafana with the dashboard sidecar
(`grafana.sidecar.dashboards`: label `grafana_dashboard`, value "1", in Grafana's own namespace),
so the JSON goes in a ConfigMap with that label in the observability namespace. Every panel and
target names the chart's default Prometheus-type datasource, uid `VictoriaMetrics`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...config import PlatformConfig, ResolvedModel
from ..labels import metadata
from ..model_autoscaling import scales_to_zero
from ..promql import model_matchers
from ..services.semantic_router import NAMESPACE as SEMANTIC_ROUTER_NAMESPACE
from .gateway_metrics import TENANT_LABEL, model_cluster_matchers
from .rules import GATEWAY_LISTENERS
from .scrapes import observability_labels

DASHBOARD_UID = "llm-platform"
DASHBOARD_TITLE = "LLM platform"
SCHEMA_VERSION = 39
DATASOURCE_UID = "VictoriaMetrics"  # victoria-metrics-k8s-stack: defaultDatasources.victoriametrics (type prometheus)
DATASOURCE = {"type": "prometheus", "uid": DATASOURCE_UID}
SIDECAR_LABEL, SIDECAR_LABEL_VALUE = "grafana_dashboard", "1"  # the chart's grafana.sidecar.dashboards
CONFIG_MAP_NAME = "llm-platform-dashboard"
FILE_NAME = "llm-platform.json"

GRID_COLUMNS = 24
PANEL_WIDTH, PANEL_HEIGHT = 8, 8


@dataclass
class _Layout:
    """Assigns unique panel ids and grid positions, three panels to a line."""

    next_id: int = 1
    y: int = 0
    x: int = 0
    line_height: int = 0

    def take_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def row(self, title: str, collapsed: bool) -> dict:
        self.newline()
        row = {"id": self.take_id(), "type": "row", "title": title, "collapsed": collapsed,
               "gridPos": {"x": 0, "y": self.y, "w": GRID_COLUMNS, "h": 1}, "panels": []}
        self.y += 1
        return row

    def place(self, panel: dict, w: int = PANEL_WIDTH, h: int = PANEL_HEIGHT) -> dict:
        if self.x + w > GRID_COLUMNS:
            self.newline()
        panel = {"id": self.take_id(), **panel, "gridPos": {"x": self.x, "y": self.y, "w": w, "h": h}}
        self.x += w
        self.line_height = max(self.line_height, h)
        return panel

    def newline(self) -> None:
        if self.x:
            self.y += self.line_height
        self.x, self.line_height = 0, 0


def _target(ref: str, expr: str, legend: str, instant: bool = False) -> dict:
    target = {"refId": ref, "datasource": dict(DATASOURCE), "expr": expr, "legendFormat": legend}
    if instant:
        target.update(instant=True, range=False)
    return target


def _panel(title: str, targets: list[tuple[str, str]], unit: str, description: str = "", *,
           kind: str = "timeseries", minimum: float | None = None, maximum: float | None = None,
           instant: bool = False) -> dict:
    defaults: dict = {"unit": unit}
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    panel = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": dict(DATASOURCE),
        "targets": [_target(chr(ord("A") + i), expr, legend, instant) for i, (expr, legend) in enumerate(targets)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
    }
    if kind == "bargauge":
        panel["options"] = {"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
                            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
    return panel


def _quantiles(metric: str, m: str) -> list[tuple[str, str]]:
    return [(f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{m}[5m])))", f"p{int(q * 100)}")
            for q in (0.5, 0.95)]


def model_panels(platform: PlatformConfig, model: ResolvedModel) -> list[dict]:
    cfg = model.config
    m = model_matchers(platform, model)
    deployment = f'{{namespace="{platform.serving.namespace}",deployment="{model.name}"}}'
    cluster = model_cluster_matchers(platform, model)
    replicas = f"{cfg.replicas.min}-{cfg.replicas.max}" + (", scales to zero" if scales_to_zero(model) else "")
    return [
        _panel("Time to first token", _quantiles("vllm:time_to_first_token_seconds", m), "s",
               f"SLO: p95 under {cfg.slo.ttft_p95_seconds:g}s"),
        _panel("Inter-token latency", _quantiles("vllm:inter_token_latency_seconds", m), "s"),
        _panel("Tokens per second", [(f"sum(rate(vllm:prompt_tokens_total{m}[5m]))", "in (prompt)"),
                                     (f"sum(rate(vllm:generation_tokens_total{m}[5m]))", "out (generated)")],
               "short"),
        _panel("Requests running and waiting", [(f"sum(vllm:num_requests_running{m})", "running"),
                                                (f"sum(vllm:num_requests_waiting{m})", "waiting")],
               "short", f"maxNumSeqs {cfg.max_num_seqs} per replica"),
        _panel("KV-cache usage", [(f"avg(vllm:kv_cache_usage_perc{m})", "average"),
                                  (f"max(vllm:kv_cache_usage_perc{m})", "fullest replica")],
               "percentunit", f"autoscaling target {cfg.autoscaling.kv_cache_usage_target:g}",
               minimum=0, maximum=1),
        _panel("Prefix-cache hit rate", [(f"sum(rate(vllm:prefix_cache_hits_total{m}[5m])) / "
                                          f"sum(rate(vllm:prefix_cache_queries_total{m}[5m]))", "hit rate")],
               "percentunit", "share of prompt tokens served from the prefix cache", minimum=0, maximum=1),
        _panel("Replicas", [(f"sum(kube_deployment_status_replicas_available{deployment})", "ready"),
                            (f"sum(kube_deployment_spec_replicas{deployment})", "desired"),
                            (f"vector({cfg.replicas.min})", "min"), (f"vector({cfg.replicas.max})", "max")],
               "short", f"KEDA bounds {replicas}", minimum=0),
        _panel("Attempts at the gateway",
               [(f"sum(rate(envoy_cluster_upstream_rq_total{cluster}[5m]))", "sent (model or fallback)"),
                (f"sum(rate(envoy_cluster_upstream_rq_pending_failure_eject{cluster}[5m])) + "
                 f"sum(rate(envoy_cluster_upstream_cx_none_healthy{cluster}[5m]))", "refused: no ready replica")],
               "reqps", "what wakes a model that scales to zero"),
    ]


def fleet_panels(platform: PlatformConfig) -> list[dict]:
    ns, gw = platform.serving.namespace, platform.gateway.namespace
    selected = f'{{namespace="{ns}",model_name=~"$model"}}'
    return [
        _panel("Requests per second by model",
               [(f"sum by (model_name) (rate(vllm:request_success_total{selected}[5m]))", "{{model_name}}")], "reqps"),
        _panel("Time to first token p95 by model",
               [("histogram_quantile(0.95, sum by (le, model_name) "
                 f"(rate(vllm:time_to_first_token_seconds_bucket{selected}[5m])))", "{{model_name}}")], "s"),
        _panel("Ready replicas by model",
               [("sum by (deployment) (kube_deployment_status_replicas_available"
                 f'{{namespace="{ns}",deployment=~"$model"}})', "{{deployment}}")], "short", minimum=0),
        _panel("Gateway responses by status class",
               [("sum by (envoy_response_code_class) (rate(envoy_http_downstream_rq_xx"
                 f'{{namespace="{gw}",envoy_http_conn_manager_prefix=~"{GATEWAY_LISTENERS}"}}[5m]))',
                 "{{envoy_response_code_class}}xx")], "reqps"),
    ]


def gpu_panels() -> list[dict]:
    return [
        _panel("GPU utilisation per node", [("avg by (node) (DCGM_FI_DEV_GPU_UTIL)", "{{node}}")], "percent",
               minimum=0, maximum=100),
        _panel("GPU memory per node", [("sum by (node) (DCGM_FI_DEV_FB_USED)", "used {{node}}"),
                                       ("sum by (node) (DCGM_FI_DEV_FB_FREE)", "free {{node}}")], "mbytes",
               minimum=0),
        _panel("GPU temperature per node", [("max by (node) (DCGM_FI_DEV_GPU_TEMP)", "{{node}}")], "celsius"),
    ]


def tenant_panels(platform: PlatformConfig) -> list[dict]:
    usage = f'gen_ai_client_token_usage_sum{{namespace="{platform.gateway.namespace}",gen_ai_token_type='
    by = f"sum by ({TENANT_LABEL})"
    legend = "{{" + TENANT_LABEL + "}}"
    return [
        _panel("Input tokens per second by tenant", [(f'{by} (rate({usage}"input"}}[5m]))', legend)], "short"),
        _panel("Output tokens per second by tenant", [(f'{by} (rate({usage}"output"}}[5m]))', legend)], "short"),
        _panel("Tokens over 24 hours by tenant",
               [(f'sum by ({TENANT_LABEL}, gen_ai_token_type) (increase({usage}~"input|output"}}[24h]))',
                 legend + " {{gen_ai_token_type}}")],
               "short", kind="bargauge", instant=True),
    ]


def semantic_router_panels() -> list[dict]:
    """The router's own metrics (src/semantic-router/pkg/observability/metrics at v0.2.0)."""
    m = f'{{namespace="{SEMANTIC_ROUTER_NAMESPACE}"}}'
    return [
        _panel("Virtual model: requests by chosen model",
               [(f"sum by (target_model) (rate(llm_model_routing_modifications_total{m}[5m]))", "{{target_model}}")],
               "reqps", "Requests for the virtual model, by the model the router rewrote them to."),
        _panel("Routing latency", _quantiles("llm_model_routing_latency_seconds", m), "s",
               "Time the router adds to a request for the virtual model (classification and decision)."),
        _panel("Classification latency p95 by signal",
               [("histogram_quantile(0.95, sum by (le, signal_type) "
                 f"(rate(llm_signal_extraction_latency_seconds_bucket{m}[5m])))", "{{signal_type}}")],
               "s", "Every request through the gateway is classified (domain; jailbreak with the prompt guard)."),
    ]


def model_variable(platform: PlatformConfig) -> dict:
    names = [m.name for m in platform.resolved_models]
    options = [{"selected": True, "text": "All", "value": "$__all"}]
    options += [{"selected": False, "text": n, "value": n} for n in names]
    return {
        "name": "model", "label": "Model", "type": "custom", "query": ",".join(names),
        "multi": True, "includeAll": True, "hide": 0,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "options": options,
    }


def dashboard(platform: PlatformConfig) -> dict:
    layout = _Layout()
    panels: list[dict] = []

    def expanded_row(title: str, contents: list[dict]) -> None:
        panels.append(layout.row(title, collapsed=False))
        panels.extend(layout.place(p) for p in contents)

    expanded_row("Fleet", fleet_panels(platform))
    for model in platform.resolved_models:
        row = layout.row(f"Model {model.name}", collapsed=True)
        # a collapsed row carries its panels; Grafana lays them out below it when expanded
        row["panels"] = [layout.place(p) for p in model_panels(platform, model)]
        layout.newline()
        layout.y = row["gridPos"]["y"] + 1  # collapsed: the next row follows directly
        panels.append(row)
    expanded_row("GPUs", gpu_panels())
    expanded_row("Tenants", tenant_panels(platform))
    if platform.gateway.semantic_router.enabled:
        expanded_row("Semantic router", semantic_router_panels())
    return {
        "uid": DASHBOARD_UID,
        "title": DASHBOARD_TITLE,
        "description": f"Generated by llm-platform from the stack of cluster {platform.cluster.name}; edits in "
                       "Grafana are overwritten.",
        "tags": ["llm-platform", "vllm", "gpu"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": False,
        "graphTooltip": 1,
        "timezone": "browser",
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [model_variable(platform)]},
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def render_dashboard_config_map(platform: PlatformConfig) -> dict:
    labels = {**observability_labels("dashboards"), SIDECAR_LABEL: SIDECAR_LABEL_VALUE}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(CONFIG_MAP_NAME, platform.observability.namespace, labels),
        "data": {FILE_NAME: json.dumps(dashboard(platform), sort_keys=True, separators=(",", ":"))},
    }
