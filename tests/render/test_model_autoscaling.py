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
    # cooldownSeconds unset: the model's startup budget (600 s for the 7B over S3 Files), never less
    assert spec["cooldownPeriod"] == 600
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
        "stabilizationWindowSeconds"] == 600
    assert "initialCooldownPeriod" not in spec  # only for models that scale to zero


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


# ---- scale to zero -------------------------------------------------------------------------------


def to_zero(cfg):
    cfg["models"][0].update(replicas={"min": 0, "max": 2}, autoscaling={"scaleToZero": True})


def to_zero_with_adapters(cfg):
    to_zero(cfg)
    cfg["models"][0]["loraAdapters"] = [
        {"name": "sql", "repository": "acme/qwen-coder-sql-lora", "revision": "0123456789abcdef0123456789abcdef01234567"}]


def zero_scaled_object(*mutations) -> dict:
    platform = build_platform(*mutations)
    return render_scaled_object(platform, platform.resolved_models[0])


def test_scale_to_zero_sets_min_zero_and_keeps_the_vllm_triggers():
    spec = zero_scaled_object(to_zero)["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, 2)
    t = {x["name"]: x for x in spec["triggers"]}
    assert list(t) == ["running-requests", "waiting-requests", "kv-cache-usage", "gateway-requests"]
    # above zero the vLLM triggers keep their targets
    assert t["running-requests"]["metadata"]["threshold"] == "22.4"
    assert t["waiting-requests"]["metadata"]["threshold"] == "4"
    assert t["kv-cache-usage"]["metadata"]["threshold"] == "0.75"


def test_scale_to_zero_activation_thresholds():
    t = {x["name"]: x["metadata"] for x in zero_scaled_object(to_zero)["spec"]["triggers"]}
    # any routed, running or waiting request wakes (or keeps awake) the model
    assert t["gateway-requests"]["activationThreshold"] == "0"
    assert t["running-requests"]["activationThreshold"] == "0"
    assert t["waiting-requests"]["activationThreshold"] == "0"
    # KV-cache usage alone (leftover prefix cache) never keeps an idle model awake
    assert t["kv-cache-usage"]["activationThreshold"] == "0.75"
    # at zero replicas the vLLM queries return nothing: that must read as 0, not as a scaler error
    assert all(m["ignoreNullValues"] == "true" for m in t.values())


def test_activation_thresholds_only_when_scaling_to_zero(any_variant: Variant):
    for trigger in scaled_object(any_variant)["spec"]["triggers"]:
        assert "activationThreshold" not in trigger["metadata"]


def test_wake_up_trigger_counts_attempts_at_the_models_envoy_cluster():
    (trigger,) = [x for x in zero_scaled_object(to_zero)["spec"]["triggers"] if x["name"] == "gateway-requests"]
    assert trigger["type"] == "prometheus" and trigger["metricType"] == "AverageValue"
    assert trigger["metadata"]["serverAddress"] == "http://vmsingle-vm.monitoring.svc:8428"
    # loose scaling target: maxNumSeqs (32) attempts a second per replica over the 2-minute window
    assert trigger["metadata"]["threshold"] == "3840"
    query = trigger["metadata"]["query"]
    selectors = promql_selectors(query)
    # served (model or fallback), refused by the Service with no endpoints, no healthy host at all
    assert [name for name, _ in selectors] == ["envoy_cluster_upstream_rq_total",
                                               "envoy_cluster_upstream_rq_pending_failure_eject",
                                               "envoy_cluster_upstream_cx_none_healthy"]
    for _, matchers in selectors:
        assert matchers["namespace"] == ("Equal", "envoy-gateway-system")
        assert matchers["envoy_cluster_name"] == ("Re", "httproute/[^/]+/[^/]+/rule/(qwen-coder)")
    # increase(), not rate(): the first attempt after a proxy restart creates the series
    assert query.count("increase(") == 3 and "rate(" not in query
    assert query.count("[2m]") == 3


def test_wake_up_trigger_counts_lora_adapter_traffic():
    (trigger,) = [x for x in zero_scaled_object(to_zero_with_adapters)["spec"]["triggers"]
                  if x["name"] == "gateway-requests"]
    for _, matchers in promql_selectors(trigger["metadata"]["query"]):
        assert matchers["envoy_cluster_name"] == ("Re", "httproute/[^/]+/[^/]+/rule/(qwen-coder|sql)")


def test_wake_up_cluster_pattern_matches_the_stat_name_the_gateway_is_told_to_use():
    import re

    from infra.render.observability.gateway_metrics import CLUSTER_STAT_NAME

    (trigger,) = [x for x in zero_scaled_object(to_zero)["spec"]["triggers"] if x["name"] == "gateway-requests"]
    (_, matchers), *_ = promql_selectors(trigger["metadata"]["query"])
    # Envoy Gateway expands the pattern per route rule; %ROUTE_KIND% is lower-case "httproute"
    stat_name = (CLUSTER_STAT_NAME.replace("%ROUTE_KIND%", "httproute").replace("%ROUTE_NAMESPACE%", "llm-gateway")
                 .replace("%ROUTE_NAME%", "models").replace("%ROUTE_RULE_NAME%", "qwen-coder"))
    assert re.fullmatch(matchers["envoy_cluster_name"][1], stat_name)
    # Envoy Gateway's default (rule index, not name) would not match: the contract is needed
    assert not re.fullmatch(matchers["envoy_cluster_name"][1], "httproute/llm-gateway/models/rule/0")


def test_scale_to_zero_waits_one_cooldown_before_the_first_scale_down():
    spec = zero_scaled_object(to_zero)["spec"]
    assert spec["cooldownPeriod"] == spec["initialCooldownPeriod"] == 600


def test_explicit_cooldown_is_used_for_idle_and_scale_down():
    def longer(cfg):
        to_zero(cfg)
        cfg["models"][0]["autoscaling"]["cooldownSeconds"] = 1800

    spec = zero_scaled_object(longer)["spec"]
    assert spec["cooldownPeriod"] == spec["initialCooldownPeriod"] == 1800
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
        "stabilizationWindowSeconds"] == 1800


def test_tp4_cooldown_defaults_to_its_longer_startup_budget():
    # the 70B on 4 x H100 over S3 Files: 1440 s (see test_model_monitoring)
    assert scaled_object(variant("tp4"))["spec"]["cooldownPeriod"] == 1440


def test_scale_to_zero_scaled_object_is_schema_valid():
    assert validate_object(zero_scaled_object(to_zero_with_adapters), "1.35") == []
