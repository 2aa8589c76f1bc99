"""Scrape config and per-model SLO alerts (VictoriaMetrics operator CRs).

Per model: time to first token p95 and error ratio against its `slo`, KV-cache saturation, a queue
beyond what `replicas.max` absorbs, no replica serving, and a replica starting for longer than its
cold-start budget. A model that scales to zero has no replica when idle by design, so its
"unavailable" alert fires only while the gateway routes requests to it and no replica has come up
within the cold-start budget. Platform-wide alerts (gateway, GPUs, missing metrics) are in
observability/rules.py.
"""

from __future__ import annotations

from ..config import PlatformConfig, ResolvedModel
from .labels import metadata, model_labels, model_selector
from .model_autoscaling import scales_to_zero
from .observability.gateway_metrics import gateway_attempts_query
from .promql import fmt, model_matchers

def render_service_scrape(platform: PlatformConfig, model: ResolvedModel) -> dict:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "spec": {
            "selector": {"matchLabels": model_selector(model)},
            "namespaceSelector": {"matchNames": [platform.serving.namespace]},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": platform.observability.scrape_interval,
                           "scrapeTimeout": "10s"}],
        },
    }


def alert_rules(platform: PlatformConfig, model: ResolvedModel) -> list[dict]:
    cfg = model.config
    m = model_matchers(platform, model)
    failed = model_matchers(platform, model, finished_reason="~error|abort")
    ns = platform.serving.namespace
    deployment = f'{{namespace="{ns}",deployment="{model.name}"}}'
    labels = {"model": model.name, "namespace": ns, "gpu_pool": cfg.pool}
    budget = platform.startup_budget_seconds(model)
    capacity = cfg.autoscaling.waiting_requests_per_replica * cfg.replicas.max

    def rule(alert: str, expr: str, for_: str, severity: str, summary: str, runbook: str) -> dict:
        return {
            "alert": alert,
            "expr": expr,
            "for": for_,
            "labels": {**labels, "severity": severity},
            "annotations": {"summary": summary, "runbook": runbook},
        }

    return [
        rule("LLMModelTimeToFirstTokenHigh",
             f"histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{m}[5m]))) "
             f"> {fmt(cfg.slo.ttft_p95_seconds)}",
             "10m", "warning",
             f"{model.name}: p95 time to first token above {fmt(cfg.slo.ttft_p95_seconds)}s",
             "Check the waiting queue and KV-cache usage; if replicas are at max, raise replicas.max or the pool's gpuLimit."),
        rule("LLMModelErrorRateHigh",
             f"sum(rate(vllm:request_success_total{failed}[10m])) / sum(rate(vllm:request_success_total{m}[10m])) "
             f"> {fmt(cfg.slo.error_ratio)}",
             "10m", "critical",
             f"{model.name}: more than {fmt(cfg.slo.error_ratio * 100)}% of requests end in error or abort",
             "Read the vllm container logs for engine errors; aborts usually mean client timeouts under load."),
        rule("LLMModelKVCacheSaturated",
             f"avg(vllm:kv_cache_usage_perc{m}) > 0.95",
             "15m", "warning",
             f"{model.name}: KV cache above 95% for 15 minutes",
             "Requests are being preempted; lower maxNumSeqs or contextWindow, use kvCacheDtype fp8, or add replicas."),
        rule("LLMModelQueueBacklog",
             f"sum(vllm:num_requests_waiting{m}) > {capacity}",
             "10m", "warning",
             f"{model.name}: request queue beyond what {cfg.replicas.max} replicas absorb",
             "Autoscaling is at its ceiling: raise replicas.max (and the pool's gpuLimit) or route traffic elsewhere."),
        unavailable(rule, model, platform, deployment, budget),
        rule("LLMModelColdStartBudgetExceeded",
             f"sum(kube_deployment_status_replicas_unavailable{deployment}) > 0",
             f"{budget}s", "warning",
             f"{model.name}: a replica has been starting for longer than its {budget}s cold-start budget",
             "Look at the pod's events and the wait-for-weights init container; slow starts usually mean slow weight loading."),
    ]


def unavailable(rule, model: ResolvedModel, platform: PlatformConfig, deployment: str, budget: int) -> dict:
    no_replica = f"(sum(kube_deployment_status_replicas_available{deployment}) or on() vector(0)) < 1"
    runbook = ("kubectl describe the pods: Pending means no GPU capacity (Karpenter, quotas); Init means weights "
               "are not preloaded.")
    if not scales_to_zero(model):
        return rule("LLMModelUnavailable", no_replica, "5m", "critical", f"{model.name}: no replica is serving",
                    runbook)
    return rule("LLMModelUnavailable",
                f"({no_replica}) and on() ({gateway_attempts_query(platform, model, '5m')}) > 0",
                f"{budget}s", "critical",
                f"{model.name}: requests arrive but no replica has come up within its {budget}s cold-start budget",
                "Scaled to zero and not waking: check the ScaledObject's gateway-requests trigger (kubectl describe "
                "scaledobject), then " + runbook[0].lower() + runbook[1:])


def render_rule(platform: PlatformConfig, model: ResolvedModel) -> dict:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMRule",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "spec": {"groups": [{"name": f"{model.name}.slo", "interval": "1m", "rules": alert_rules(platform, model)}]},
    }
