"""What the platform reads from the gateway's metrics, and what the gateway layer must set for it.

Sources, read at the pinned releases (envoyproxy/ai-gateway v1.1.0, envoyproxy/gateway v1.9.0, Envoy):

- Envoy proxy pods (labels `app.kubernetes.io/{name: envoy, component: proxy, managed-by: envoy-gateway}`,
  gateway `internal/infrastructure/kubernetes/proxy/resource.go`) serve Envoy's stats on container
  port `metrics` (19001) at `/stats/prometheus`.
- The AI Gateway's ext_proc sidecar, which the AI Gateway injects into those pods, serves the GenAI
  metrics on container port `aigw-admin` (1064) at `/metrics` (ai-gateway
  `internal/controller/extproc_builder.go`): `gen_ai_client_token_usage_{sum,count,bucket}`,
  `gen_ai_server_request_duration_seconds_*`, `gen_ai_server_time_to_first_token_seconds_*` and
  `gen_ai_server_time_per_output_token_seconds_*`, labelled `gen_ai_original_model` (as requested),
  `gen_ai_request_model` (after overrides), `gen_ai_token_type`, plus any request header mapped
  with the chart's `controller.requestHeaderAttributes` or `controller.metricsRequestHeaderAttributes`.

Why scale-from-zero does not use the GenAI metrics: they are recorded by the ext_proc *upstream*
filter (`internal/extproc/processor_impl.go`, `upstreamProcessor`) when a response completes. A
request for a model with no ready replica never gets a response from it (the connection to the
model's Service is refused, or Envoy finds no healthy host) and, without a fallback, leaves no
GenAI metric at all. The wake-up signal is therefore Envoy's per-cluster counters of the model's
route rule, which count every attempt, served or not:

- `envoy_cluster_upstream_rq_total`: attempts sent on a connection (to the model's replicas, or
  to a hosted fallback in the same rule);
- `envoy_cluster_upstream_rq_pending_failure_eject`: attempts that failed while waiting for a
  connection. The gateway reaches each model through a Backend on the Service's DNS name, so with
  zero replicas Envoy connects to the Service IP and is refused: every attempt lands here;
- `envoy_cluster_upstream_cx_none_healthy`: attempts that found no healthy host at all (Envoy
  counts them in `ClusterEntry::httpConnPoolImpl`), e.g. with endpoint-based backends.

Envoy Gateway creates cluster stats lazily (`enableDeferredCreationStats`), so after a proxy
restart these series appear with the first attempt. The queries use `increase()`, which
VictoriaMetrics counts from zero for a new series with a small first value (MetricsQL
`rollupDelta`), so that first attempt is not lost; `rate()` would need a second sample.

Contract with the gateway layer (it owns the objects; these constants are what it must use):

1. the AIGatewayRoute rule that serves a model (or one of its LoRA adapters) is named after it
   (`spec.rules[].name`; the AI Gateway copies it to the generated HTTPRoute rule). The gateway
   layer does this (infra/render/gateway/routing.py); the semantic router's virtual-model rule
   counts for the model serving `defaultModel` (`rule_names`);
2. its EnvoyProxy sets `spec.telemetry.metrics.clusterStatName` to `CLUSTER_STAT_NAME`, so the
   cluster's stats carry the rule name instead of its index (Envoy Gateway's default is
   `%ROUTE_KIND%/%ROUTE_NAMESPACE%/%ROUTE_NAME%/rule/%ROUTE_RULE_NUMBER%`, which would tie the
   queries to rule positions that move when models are added);
3. the AI Gateway maps the tenant header to the OTel attribute `tenant.id`
   (`controller.requestHeaderAttributes: "x-tenant-id:tenant.id"`, infra/render/gateway/names.py),
   which the Prometheus exposition names `tenant_id` (`TENANT_LABEL`).
"""

from __future__ import annotations

from ...config import PlatformConfig, ResolvedModel

ENVOY_PROXY_LABELS = {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
}
ENVOY_METRICS_PORT = "metrics"  # 19001
ENVOY_METRICS_PATH = "/stats/prometheus"
AI_GATEWAY_METRICS_PORT = "aigw-admin"  # 1064, the ext_proc sidecar's admin server
AI_GATEWAY_METRICS_PATH = "/metrics"

CLUSTER_STAT_NAME = "%ROUTE_KIND%/%ROUTE_NAMESPACE%/%ROUTE_NAME%/rule/%ROUTE_RULE_NAME%"
TENANT_LABEL = "tenant_id"  # OTel attribute tenant.id, dots become underscores in the exposition

# Counters of the model's Envoy cluster that, summed, count every attempt routed to it.
ATTEMPT_COUNTERS = (
    "envoy_cluster_upstream_rq_total",
    "envoy_cluster_upstream_rq_pending_failure_eject",
    "envoy_cluster_upstream_cx_none_healthy",
)
WAKE_UP_WINDOW, WAKE_UP_WINDOW_SECONDS = "2m", 120


def rule_names(platform: PlatformConfig, model: ResolvedModel) -> list[str]:
    """The gateway rules that send requests to this model: its served names, and the semantic router's
    virtual model when this model serves `defaultModel` (that rule serves it while the router is down)."""
    names = list(model.config.served_names)
    router = platform.gateway.semantic_router
    if router.enabled and router.default_model in names:
        names.append(router.virtual_model)
    return names


def model_cluster_matchers(platform: PlatformConfig, model: ResolvedModel) -> str:
    """Envoy cluster stats of the gateway rule(s) serving this model, under `CLUSTER_STAT_NAME`."""
    names = "|".join(rule_names(platform, model))
    return (f'{{namespace="{platform.gateway.namespace}",'
            f'envoy_cluster_name=~"httproute/[^/]+/[^/]+/rule/({names})"}}')


def gateway_attempts_query(platform: PlatformConfig, model: ResolvedModel, window: str = WAKE_UP_WINDOW) -> str:
    """Attempts the gateway routed to this model over `window`: served, sent to a fallback, or
    refused for want of a ready replica. Non-zero means somebody wants the model."""
    m = model_cluster_matchers(platform, model)
    return " + ".join(f"sum(increase({counter}{m}[{window}]))" for counter in ATTEMPT_COUNTERS)
