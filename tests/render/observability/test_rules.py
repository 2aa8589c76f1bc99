"""Platform-wide alert rules: gateway, GPUs and missing metrics, each with a runbook line."""

from __future__ import annotations

import re

import promql_parser
import pytest

from infra.render.gateway import render_gateway
from infra.render.model_workload import weight_refs
from infra.render.observability.rules import platform_alert_groups, render_platform_rule
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform, promql_selectors
from .helpers import STACKS, stack_platform, zero_platform

GATEWAY = ["LLMGatewayErrorRateHigh", "LLMGatewayTimeToFirstTokenHigh", "LLMGatewayMetricsMissing",
           "LLMGatewayGenAITelemetryMissing"]
GPU = ["LLMGPUXidError", "LLMGPUTemperatureHigh", "LLMGPUUncorrectableMemoryError", "LLMGPURowRemapFailure",
       "LLMGPUMetricsMissing"]
MODELS = ["LLMModelMetricsMissing", "LLMWeightPreloadFailed"]
TLS = ["LLMGatewayCertificateNotReady", "LLMGatewayCertificateExpiring", "LLMGatewayCertificateMetricsMissing"]


def rules(platform) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for group in platform_alert_groups(platform):
        for rule in group["rules"]:
            found.setdefault(rule["alert"], []).append(rule)
    return found


def one(platform, alert: str) -> dict:
    (rule,) = rules(platform)[alert]
    return rule


def comparison(expr: str) -> tuple[str, float]:
    tree = promql_parser.parse(expr)
    assert isinstance(tree, promql_parser.BinaryExpr), expr
    assert isinstance(tree.rhs, promql_parser.NumberLiteral), expr
    return str(tree.op), tree.rhs.val


@pytest.mark.parametrize("stack", STACKS)
def test_groups_and_alert_names(stack):
    platform = stack_platform(stack)
    groups = platform_alert_groups(platform)
    router = platform.gateway.semantic_router.enabled  # prod: yes, dev: no
    tls = platform.gateway.tls is not None  # both
    assert [g["name"] for g in groups] == ["llm-platform.gateway", "llm-platform.gpu", "llm-platform.models",
                                           *(["llm-platform.semantic-router"] if router else []),
                                           *(["llm-platform.tls"] if tls else [])]
    names = [[r["alert"] for r in g["rules"]] for g in groups]
    per_model = ["LLMGatewayTimeToFirstTokenHigh"] * len(platform.resolved_models)
    assert names == [["LLMGatewayErrorRateHigh", *per_model, "LLMGatewayMetricsMissing",
                      "LLMGatewayGenAITelemetryMissing"], GPU, MODELS,
                     *([["LLMSemanticRouterDown", "LLMSemanticRouterSlow"]] if router else []),
                     *([TLS] if tls else [])]


@pytest.mark.parametrize("stack", STACKS)
def test_every_rule_has_severity_component_summary_and_runbook(stack):
    for group in platform_alert_groups(stack_platform(stack)):
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
            assert rule["labels"]["component"] in ("gateway", "gpu", "models", "semantic-router", "tls")
            assert rule["annotations"]["summary"]
            runbook = rule["annotations"]["runbook"]
            assert len(runbook) > 40 and "\n" not in runbook, rule["alert"]
            promql_parser.parse(rule["expr"])


def test_the_router_down_alert_names_what_the_virtual_model_falls_back_to():
    platform = stack_platform("prod")
    (down, slow) = [g for g in platform_alert_groups(platform) if g["name"] == "llm-platform.semantic-router"][0][
        "rules"]
    assert down["expr"] == 'absent(up{namespace="semantic-router",service="semantic-router-metrics"} == 1)'
    assert "'auto' all go to qwen3-8b" in down["annotations"]["summary"]
    assert "llm_model_routing_latency_seconds_bucket" in slow["expr"] and slow["expr"].endswith("> 0.5")


@pytest.mark.parametrize("stack", STACKS)
def test_rule_object_is_schema_valid_in_the_observability_namespace(stack):
    obj = render_platform_rule(stack_platform(stack))
    assert obj["kind"] == "VMRule"
    assert obj["metadata"]["namespace"] == "monitoring"
    assert validate_object(obj, "1.35") == []


def test_gateway_error_ratio_on_data_listeners():
    rule = one(stack_platform("dev"), "LLMGatewayErrorRateHigh")
    assert comparison(rule["expr"]) == (">", 0.05)  # observability.alerts.gatewayErrorRatio default
    assert rule["labels"]["severity"] == "critical" and rule["for"] == "10m"
    (errors, errors_matchers), (total, total_matchers) = promql_selectors(rule["expr"])
    assert (errors, total) == ("envoy_http_downstream_rq_xx", "envoy_http_downstream_rq_completed")
    assert errors_matchers["envoy_response_code_class"] == ("Equal", "5")
    for matchers in (errors_matchers, total_matchers):
        assert matchers["namespace"] == ("Equal", "envoy-gateway-system")
        # Envoy Gateway's listeners are http-<port>/https-<port>; its stats listener (eg-stats-http) is not traffic
        assert matchers["envoy_http_conn_manager_prefix"] == ("Re", "https?-[0-9]+")


def test_thresholds_come_from_the_stack():
    base = stack_platform("dev")
    tuned = base.model_copy(update={"observability": base.observability.model_copy(update={
        "alerts": base.observability.alerts.model_copy(update={"gateway_error_ratio": 0.01,
                                                               "gpu_temperature_celsius": 80})})})
    assert comparison(one(tuned, "LLMGatewayErrorRateHigh")["expr"]) == (">", 0.01)
    assert "more than 1% of" in one(tuned, "LLMGatewayErrorRateHigh")["annotations"]["summary"]
    assert comparison(one(tuned, "LLMGPUTemperatureHigh")["expr"]) == (">", 80.0)


def test_client_observed_ttft_per_model_uses_each_models_slo():
    prod = stack_platform("prod")
    by_model = {r["labels"]["model"]: r for r in rules(prod)["LLMGatewayTimeToFirstTokenHigh"]}
    assert set(by_model) == {m.name for m in prod.resolved_models}
    assert comparison(by_model["llama-70b"]["expr"]) == (">", 4.0)  # slo.ttftP95Seconds: 4
    assert comparison(by_model["qwen-coder"]["expr"]) == (">", 2.0)
    ((name, matchers),) = promql_selectors(by_model["llama-70b"]["expr"])
    assert name == "gen_ai_server_time_to_first_token_seconds_bucket"
    assert matchers["gen_ai_original_model"] == ("Equal", "llama-70b")


def test_gpu_rules_read_dcgm_default_counters_by_node():
    dev = stack_platform("dev")
    xid = one(dev, "LLMGPUXidError")
    assert xid["expr"] == "max by (node, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0"
    assert xid["labels"]["severity"] == "critical" and "XID" in xid["annotations"]["runbook"]
    assert comparison(one(dev, "LLMGPUTemperatureHigh")["expr"]) == (">", 85.0)
    assert "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS" in one(dev, "LLMGPUUncorrectableMemoryError")["expr"]
    assert "for" not in one(dev, "LLMGPURowRemapFailure")  # a failed remap does not heal by waiting
    assert one(dev, "LLMGPURowRemapFailure")["labels"]["severity"] == "critical"


def test_gpu_metrics_missing_compares_gpu_nodes_with_dcgm_series():
    expr = one(stack_platform("dev"), "LLMGPUMetricsMissing")["expr"]
    tree = promql_parser.parse(expr)
    assert str(tree.op) == "unless"
    names = [n for n, _ in promql_selectors(expr)]
    assert names == ["kube_node_status_capacity", "DCGM_FI_DEV_GPU_UTIL"]
    assert promql_selectors(expr)[0][1]["resource"] == ("Equal", "nvidia_com_gpu")


def test_model_metrics_missing_covers_exactly_the_stacks_models():
    expr = one(stack_platform("prod"), "LLMModelMetricsMissing")["expr"]
    (deployments, matchers), (vllm, _) = promql_selectors(expr)
    assert deployments == "kube_deployment_status_replicas_available"
    assert matchers["deployment"] == ("Re", "qwen-coder|qwen3-8b|qwen3-coder-30b|llama-70b")
    assert vllm == "vllm:num_requests_running"


def test_gateway_telemetry_rules():
    dev = stack_platform("dev")
    assert one(dev, "LLMGatewayMetricsMissing")["expr"] == 'absent(envoy_server_live{namespace="envoy-gateway-system"})'
    expr = one(dev, "LLMGatewayGenAITelemetryMissing")["expr"]
    assert [n for n, _ in promql_selectors(expr)] == ["vllm:request_success_total",
                                                      "gen_ai_server_request_duration_seconds_count"]


def test_rules_for_a_scale_to_zero_stack_are_valid():
    obj = render_platform_rule(zero_platform("prod"))
    assert validate_object(obj, "1.35") == []
    for group in obj["spec"]["groups"]:
        for rule in group["rules"]:
            promql_parser.parse(rule["expr"])


def test_a_failed_preload_job_alerts_at_once_naming_its_logs():
    platform = stack_platform("dev")
    (rule,) = [r for g in platform_alert_groups(platform) for r in g["rules"] if r["alert"] == "LLMWeightPreloadFailed"]
    # kube-state-metrics' Job-level failure (backoff, podFailurePolicy or deadline), for the preload Jobs only
    assert rule["expr"] == 'kube_job_failed{namespace="llm",job_name=~"preload-.+",condition="true"} == 1'
    assert "for" not in rule and rule["labels"]["severity"] == "critical"
    job_names = [r.job_name for m in platform.resolved_models for r in weight_refs(m)]
    assert job_names and all(re.fullmatch("preload-.+", name) for name in job_names)
    assert "kubectl -n llm logs job/{{ $labels.job_name }}" in rule["annotations"]["runbook"]


def test_the_certificate_alerts_watch_the_gateways_certificate_by_cert_managers_metric_names():
    platform = stack_platform("prod")
    (certificate,) = [o for o in render_gateway(platform, "us-east-1") if o["kind"] == "Certificate"]
    where = {"namespace": certificate["metadata"]["namespace"], "name": certificate["metadata"]["name"]}
    found = rules(platform)
    for alert in TLS:
        (rule,) = found[alert]
        (metric, labels), = promql_selectors(rule["expr"])
        # cert-manager v1.21.1 pkg/metrics/certificates.go: the Certificate's namespace and name as labels
        # (kept as they are by the scrape's honorLabels)
        assert metric in ("certmanager_certificate_ready_status",
                          "certmanager_certificate_expiration_timestamp_seconds")
        assert {k: labels[k] for k in where} == {k: ("Equal", v) for k, v in where.items()}, alert
    op, seconds = comparison(found["LLMGatewayCertificateExpiring"][0]["expr"])
    assert op == "<" and seconds == 14 * 86400
    assert "llm.example.com" in found["LLMGatewayCertificateNotReady"][0]["annotations"]["summary"]


def test_without_tls_there_are_no_certificate_alerts():
    platform = build_platform(lambda c: c["gateway"].pop("tls"))
    assert not set(TLS) & set(rules(platform))
