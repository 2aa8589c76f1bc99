"""KEDA ScaledObject on vLLM's own metrics."""

from __future__ import annotations

import pytest

from infra.render.model_autoscaling import render_scaled_object, scaling_queries
from infra.validation.k8s_schema import validate_object

from .conftest import NAMESPACE, Variant, build_platform, promql_selectors, variant


def scaled_object(v: Variant) -> dict:
    return render_scaled_object(v.platform, v.model)


def triggers(v: Variant) -> dict[str, dict]:
    found = {t["name"]: t for t in scaled_object(v)["spec"]["triggers"]}
    assert len(found) == len(scaled_object(v)["spec"]["triggers"])
    return found


def custom_autoscaling(cfg):
    cfg["models"][0].update(maxNumSeqs=48, replicas={"min": 1, "max": 3}, autoscaling={
        "targetRunningRatio": 0.5, "kvCacheUsageTarget": 0.8, "waitingRequestsPerReplica": 6,
        "pollingIntervalSeconds": 30, "cooldownSeconds": 600})


def test_targets_the_model_deployment(any_variant: Variant):
    so = scaled_object(any_variant)
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    assert so["metadata"]["name"] == any_variant.model.name
    assert so["metadata"]["namespace"] == NAMESPACE
    assert so["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": any_variant.model.name}


def test_dev_thresholds_and_bounds():
    v = variant("s3files")
    t = triggers(v)
    assert set(t) == {"running-requests", "waiting-requests", "kv-cache-usage"}
    # running: 0.7 x maxNumSeqs 32 = 22.4 per replica; waiting: 4 per replica; KV: 0.75 average
    assert t["running-requests"]["metadata"]["threshold"] == "22.4"
    assert t["waiting-requests"]["metadata"]["threshold"] == "4"
    assert t["kv-cache-usage"]["metadata"]["threshold"] == "0.75"
    assert t["running-requests"]["metricType"] == "AverageValue"
    assert t["waiting-requests"]["metricType"] == "AverageValue"
    assert t["kv-cache-usage"]["metricType"] == "Value"
    spec = scaled_object(v)["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 2)
    assert spec["pollingInterval"] == 15
    assert spec["cooldownPeriod"] == 300
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
        "stabilizationWindowSeconds"] == 300


def test_tp4_running_threshold():
    # 0.7 x 64 = 44.8
    assert triggers(variant("tp4"))["running-requests"]["metadata"]["threshold"] == "44.8"


def test_custom_autoscaling_settings():
    platform = build_platform(custom_autoscaling)
    so = render_scaled_object(platform, platform.resolved_models[0])
    t = {x["name"]: x for x in so["spec"]["triggers"]}
    # 0.5 x 48 = 24
    assert t["running-requests"]["metadata"]["threshold"] == "24"
    assert t["waiting-requests"]["metadata"]["threshold"] == "6"
    assert t["kv-cache-usage"]["metadata"]["threshold"] == "0.8"
    spec = so["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 3)
    assert spec["pollingInterval"] == 30
    assert spec["cooldownPeriod"] == 600
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 600


def test_scaling_is_one_replica_at_a_time(any_variant: Variant):
    behavior = scaled_object(any_variant)["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleUp"]["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 60}]
    assert behavior["scaleDown"]["policies"][0]["value"] == 1
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0


def test_triggers_query_the_metrics_store(any_variant: Variant):
    for trigger in scaled_object(any_variant)["spec"]["triggers"]:
        assert trigger["type"] == "prometheus"
        assert trigger["metadata"]["serverAddress"] == "http://vmsingle-vm.monitoring.svc:8428"
        assert isinstance(trigger["metadata"]["threshold"], str)
        assert trigger["metadata"]["ignoreNullValues"] == "true"


@pytest.mark.parametrize(("trigger", "metric"), [
    ("running-requests", "vllm:num_requests_running"),
    ("waiting-requests", "vllm:num_requests_waiting"),
    ("kv-cache-usage", "vllm:kv_cache_usage_perc"),
])
def test_queries_parse_and_select_this_model_only(any_variant: Variant, trigger: str, metric: str):
    query = triggers(any_variant)[trigger]["metadata"]["query"]
    assert query == scaling_queries(any_variant.platform, any_variant.model)[trigger]
    (selector,) = promql_selectors(query)
    name, matchers = selector
    assert name == metric
    assert matchers == {"namespace": ("Equal", NAMESPACE), "model_name": ("Equal", any_variant.model.name)}
    assert "gpu_cache_usage_perc" not in query


def test_queries_name_the_model_not_the_repository():
    query = scaling_queries(variant("tp4").platform, variant("tp4").model)["kv-cache-usage"]
    assert 'model_name="llama-70b"' in query


def test_scaled_object_is_schema_valid(any_variant: Variant):
    assert validate_object(scaled_object(any_variant), "1.34") == []
