"""KEDA ScaledObject for one model, on vLLM's own metrics.

Three triggers, any of which adds replicas before the current ones saturate:
- running requests: AverageValue target of `targetRunningRatio x maxNumSeqs` per replica;
- waiting requests: AverageValue target of `waitingRequestsPerReplica` (requests queue once a
  replica is full, so this fires when the first one fires too late);
- KV-cache usage: Value target on the average across replicas (HPA scales by current/target).
Scale-down waits `cooldownSeconds` and removes one replica at a time; scale-up adds one a minute
(a replica needs minutes to start, adding several at once only queues them on Karpenter).
"""

from __future__ import annotations

from ..config import PlatformConfig, ResolvedModel
from .labels import metadata, model_labels
from .promql import fmt, model_matchers


def scaling_queries(platform: PlatformConfig, model: ResolvedModel) -> dict[str, str]:
    m = model_matchers(platform, model)
    return {
        "running-requests": f"sum(vllm:num_requests_running{m})",
        "waiting-requests": f"sum(vllm:num_requests_waiting{m})",
        "kv-cache-usage": f"avg(vllm:kv_cache_usage_perc{m})",
    }


def render_scaled_object(platform: PlatformConfig, model: ResolvedModel) -> dict:
    cfg = model.config
    auto = cfg.autoscaling
    queries = scaling_queries(platform, model)
    targets = {
        "running-requests": ("AverageValue", auto.target_running_ratio * cfg.max_num_seqs),
        "waiting-requests": ("AverageValue", float(auto.waiting_requests_per_replica)),
        "kv-cache-usage": ("Value", auto.kv_cache_usage_target),
    }
    triggers = [
        {
            "type": "prometheus",
            "name": name,
            "metricType": metric_type,
            "metadata": {
                "serverAddress": platform.observability.metrics_url,
                "query": queries[name],
                "threshold": fmt(threshold),
                "ignoreNullValues": "true",
            },
        }
        for name, (metric_type, threshold) in targets.items()
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name},
            "minReplicaCount": cfg.replicas.min,
            "maxReplicaCount": cfg.replicas.max,
            "pollingInterval": auto.polling_interval_seconds,
            "cooldownPeriod": auto.cooldown_seconds,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "name": model.name,
                    "behavior": {
                        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                                    "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
                        "scaleDown": {"stabilizationWindowSeconds": auto.cooldown_seconds, "selectPolicy": "Min",
                                      "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}]},
                    },
                }
            },
            "triggers": triggers,
        },
    }
