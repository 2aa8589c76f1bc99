"""KEDA ScaledObject for one model, on vLLM's own metrics (read from the platform's VictoriaMetrics).

Three triggers, any of which adds replicas before the current ones saturate:
- running requests: AverageValue target of `targetRunningRatio x maxNumSeqs` per replica;
- waiting requests: AverageValue target of `waitingRequestsPerReplica` (requests queue once a
  replica is full, so this fires when the first one fires too late);
- KV-cache usage: Value target on the average across replicas (HPA scales by current/target).
Scale-down waits `cooldownSeconds` and removes one replica at a time; scale-up adds one a minute
(a replica needs minutes to start, adding several at once only queues them on Karpenter).
`cooldownSeconds` defaults to the model's startup budget and may not be shorter (config check):
removing a replica sooner than a new one can start only buys a cold start at the next burst.

Scale to zero (`replicas.min: 0` with `autoscaling.scaleToZero: true`): at zero replicas vLLM
exports nothing, so a fourth trigger counts the attempts the gateway routed to the model over the
last two minutes (Envoy's cluster counters, see observability/gateway_metrics.py: served, sent to a
fallback, or refused for want of a replica). KEDA wakes the model (0 -> 1) as soon as any trigger
is above its activationThreshold: any attempt in the window, or any running or waiting request.
KV-cache usage alone never keeps a model awake (its activation threshold is its target): without
running requests it is only leftover prefix cache. KEDA scales back to zero once no trigger has
been active for `cooldownSeconds`, i.e. about two minutes plus the cooldown after the last request;
above one replica the HPA decides as before. The gateway trigger's scaling target (`maxNumSeqs`
attempts a second per replica) is deliberately loose so the vLLM triggers size the model; it is
there to wake it. A new or re-created ScaledObject keeps the replica the Deployment starts with for
one cooldown (`initialCooldownPeriod`) instead of dropping it at once.
"""

from __future__ import annotations

from ..config import PlatformConfig, ResolvedModel
from .labels import metadata, model_labels
from .observability.gateway_metrics import WAKE_UP_WINDOW_SECONDS, gateway_attempts_query
from .promql import fmt, model_matchers

WAKE_UP_TRIGGER = "gateway-requests"


def scales_to_zero(model: ResolvedModel) -> bool:
    return model.config.autoscaling.scale_to_zero and model.config.replicas.min == 0


def cooldown_seconds(platform: PlatformConfig, model: ResolvedModel) -> int:
    """The stack's `cooldownSeconds`, or the model's startup budget when unset."""
    configured = model.config.autoscaling.cooldown_seconds
    return configured if configured is not None else platform.startup_budget_seconds(model)


def scaling_queries(platform: PlatformConfig, model: ResolvedModel) -> dict[str, str]:
    m = model_matchers(platform, model)
    queries = {
        "running-requests": f"sum(vllm:num_requests_running{m})",
        "waiting-requests": f"sum(vllm:num_requests_waiting{m})",
        "kv-cache-usage": f"avg(vllm:kv_cache_usage_perc{m})",
    }
    if scales_to_zero(model):
        queries[WAKE_UP_TRIGGER] = gateway_attempts_query(platform, model)
    return queries


def render_scaled_object(platform: PlatformConfig, model: ResolvedModel) -> dict:
    cfg = model.config
    auto = cfg.autoscaling
    cooldown = cooldown_seconds(platform, model)
    to_zero = scales_to_zero(model)
    queries = scaling_queries(platform, model)
    # name: (metricType, target, activationThreshold when scaling to zero)
    targets: dict[str, tuple[str, float, float]] = {
        "running-requests": ("AverageValue", auto.target_running_ratio * cfg.max_num_seqs, 0),
        "waiting-requests": ("AverageValue", float(auto.waiting_requests_per_replica), 0),
        "kv-cache-usage": ("Value", auto.kv_cache_usage_target, auto.kv_cache_usage_target),
    }
    if to_zero:
        # attempts over the two-minute window; target: maxNumSeqs attempts a second per replica
        targets[WAKE_UP_TRIGGER] = ("AverageValue", float(cfg.max_num_seqs * WAKE_UP_WINDOW_SECONDS), 0)
    triggers = []
    for name, (metric_type, threshold, activation) in targets.items():
        meta = {
            "serverAddress": platform.observability.metrics_url,
            "query": queries[name],
            "threshold": fmt(threshold),
            "ignoreNullValues": "true",  # no series (e.g. zero replicas) reads as 0, not as an error
        }
        if to_zero:
            meta["activationThreshold"] = fmt(activation)
        triggers.append({"type": "prometheus", "name": name, "metricType": metric_type, "metadata": meta})
    spec: dict = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": model.name},
        "minReplicaCount": cfg.replicas.min,
        "maxReplicaCount": cfg.replicas.max,
        "pollingInterval": auto.polling_interval_seconds,
        "cooldownPeriod": cooldown,
    }
    if to_zero:
        spec["initialCooldownPeriod"] = cooldown
    spec["advanced"] = {
        "horizontalPodAutoscalerConfig": {
            "name": model.name,
            "behavior": {
                "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
                "scaleDown": {"stabilizationWindowSeconds": cooldown, "selectPolicy": "Min",
                              "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}]},
            },
        }
    }
    spec["triggers"] = triggers
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "spec": spec,
    }
