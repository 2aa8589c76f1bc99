"""VMServiceScrape and the per-model SLO alerts (VMRule)."""

from __future__ import annotations

import promql_parser
import pytest

from infra.render.model_monitoring import alert_rules, render_rule, render_service_scrape
from infra.render.model_network import render_service
from infra.validation.k8s_schema import validate_object

from .conftest import NAMESPACE, Variant, build_platform, promql_selectors, variant

ALERTS = [
    "LLMModelTimeToFirstTokenHigh",
    "LLMModelErrorRateHigh",
    "LLMModelKVCacheSaturated",
    "LLMModelQueueBacklog",
    "LLMModelUnavailable",
    "LLMModelColdStartBudgetExceeded",
]


def rules(v: Variant) -> dict[str, dict]:
    found = {r["alert"]: r for r in alert_rules(v.platform, v.model)}
    assert len(found) == len(alert_rules(v.platform, v.model))
    return found


def comparison(expr: str) -> tuple[str, float]:
    """The top-level comparison of an alert expression: (operator, threshold)."""
    tree = promql_parser.parse(expr)
    assert isinstance(tree, promql_parser.BinaryExpr), expr
    assert isinstance(tree.rhs, promql_parser.NumberLiteral), expr
    return str(tree.op), tree.rhs.val


def test_rule_names_and_group(any_variant: Variant):
    rule = render_rule(any_variant.platform, any_variant.model)
    assert rule["kind"] == "VMRule"
    assert rule["metadata"]["namespace"] == NAMESPACE
    (group,) = rule["spec"]["groups"]
    assert group["name"] == f"{any_variant.model.name}.slo"
    assert [r["alert"] for r in group["rules"]] == ALERTS


def test_every_rule_has_severity_runbook_and_model_labels(any_variant: Variant):
    for name, rule in rules(any_variant).items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["labels"]["model"] == any_variant.model.name
        assert rule["labels"]["namespace"] == NAMESPACE
        assert rule["labels"]["gpu_pool"] == any_variant.model.config.pool
        assert len(rule["annotations"]["runbook"]) > 20, name
        assert rule["annotations"]["summary"].startswith(f"{any_variant.model.name}: ")
        assert rule["for"]


def test_severities():
    r = rules(variant("s3files"))
    assert r["LLMModelErrorRateHigh"]["labels"]["severity"] == "critical"
    assert r["LLMModelUnavailable"]["labels"]["severity"] == "critical"
    for name in ("LLMModelTimeToFirstTokenHigh", "LLMModelKVCacheSaturated", "LLMModelQueueBacklog",
                 "LLMModelColdStartBudgetExceeded"):
        assert r[name]["labels"]["severity"] == "warning"


def test_dev_thresholds_from_the_slo_defaults():
    r = rules(variant("s3files"))
    assert comparison(r["LLMModelTimeToFirstTokenHigh"]["expr"]) == (">", 2.0)  # slo.ttftP95Seconds default
    assert comparison(r["LLMModelErrorRateHigh"]["expr"]) == (">", 0.02)  # slo.errorRatio default
    assert "more than 2% of requests" in r["LLMModelErrorRateHigh"]["annotations"]["summary"]
    assert comparison(r["LLMModelKVCacheSaturated"]["expr"]) == (">", 0.95)
    # 4 waiting per replica x replicas.max 2 = 8
    assert comparison(r["LLMModelQueueBacklog"]["expr"]) == (">", 8.0)
    assert comparison(r["LLMModelUnavailable"]["expr"]) == ("<", 1.0)
    assert r["LLMModelTimeToFirstTokenHigh"]["expr"].startswith("histogram_quantile(0.95, ")


def test_tp4_thresholds():
    r = rules(variant("tp4"))
    assert comparison(r["LLMModelTimeToFirstTokenHigh"]["expr"]) == (">", 4.0)  # slo.ttftP95Seconds: 4
    assert "above 4s" in r["LLMModelTimeToFirstTokenHigh"]["annotations"]["summary"]
    # cold-start budget of the 70B on 4 x H100 over S3 Files: 1440 s (see test_model_workload)
    assert r["LLMModelColdStartBudgetExceeded"]["for"] == "1440s"


def test_cold_start_alert_waits_for_the_startup_budget():
    assert rules(variant("s3files"))["LLMModelColdStartBudgetExceeded"]["for"] == "600s"


def test_custom_slo_and_queue_capacity():
    def custom(cfg):
        cfg["models"][0].update(slo={"ttftP95Seconds": 1.5, "errorRatio": 0.005}, replicas={"min": 1, "max": 3},
                                autoscaling={"waitingRequestsPerReplica": 6})

    platform = build_platform(custom)
    r = {x["alert"]: x for x in alert_rules(platform, platform.resolved_models[0])}
    assert comparison(r["LLMModelTimeToFirstTokenHigh"]["expr"]) == (">", 1.5)
    assert comparison(r["LLMModelErrorRateHigh"]["expr"]) == (">", 0.005)
    assert "more than 0.5% of requests" in r["LLMModelErrorRateHigh"]["annotations"]["summary"]
    # 6 x 3 = 18
    assert comparison(r["LLMModelQueueBacklog"]["expr"]) == (">", 18.0)


@pytest.mark.parametrize("alert", ALERTS)
def test_every_expr_parses_and_selects_this_model(any_variant: Variant, alert: str):
    expr = rules(any_variant)[alert]["expr"]
    selectors = promql_selectors(expr)
    assert selectors
    for name, matchers in selectors:
        assert matchers["namespace"] == ("Equal", NAMESPACE), (alert, name)
        if name.startswith("vllm:"):
            assert matchers["model_name"] == ("Equal", any_variant.model.name), (alert, name)
        else:
            assert name.startswith("kube_deployment_status_replicas_"), (alert, name)
            assert matchers["deployment"] == ("Equal", any_variant.model.name)
        assert "gpu_cache_usage_perc" not in name


def test_kv_cache_alert_uses_the_current_metric_name():
    names = {n for n, _ in promql_selectors(rules(variant("s3files"))["LLMModelKVCacheSaturated"]["expr"])}
    assert names == {"vllm:kv_cache_usage_perc"}


def test_error_rate_divides_failed_by_all_requests():
    expr = rules(variant("s3files"))["LLMModelErrorRateHigh"]["expr"]
    failed, total = promql_selectors(expr)
    assert failed[0] == total[0] == "vllm:request_success_total"
    assert failed[1]["finished_reason"] == ("Re", "error|abort")
    assert "finished_reason" not in total[1]


def test_unavailable_alert_fires_without_any_series():
    # `or on() vector(0)`: a missing deployment metric must count as zero replicas, not silence
    assert "or on() vector(0)" in rules(variant("s3files"))["LLMModelUnavailable"]["expr"]


def test_service_scrape_targets_the_model_service(any_variant: Variant):
    scrape = render_service_scrape(any_variant.platform, any_variant.model)
    service = render_service(any_variant.platform, any_variant.model)
    assert scrape["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert scrape["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = scrape["spec"]["endpoints"]
    assert endpoint["port"] == service["spec"]["ports"][0]["name"] == "http"
    assert endpoint["path"] == "/metrics"
    assert endpoint["interval"] == "15s"


def test_monitoring_objects_are_schema_valid(any_variant: Variant):
    p, m = any_variant.platform, any_variant.model
    for obj in (render_service_scrape(p, m), render_rule(p, m)):
        assert validate_object(obj, "1.34") == []


def test_scaled_to_zero_model_is_unavailable_only_when_requests_wait_past_the_budget():
    def to_zero(cfg):
        cfg["models"][0].update(replicas={"min": 0, "max": 2}, autoscaling={"scaleToZero": True})

    platform = build_platform(to_zero)
    r = {x["alert"]: x for x in alert_rules(platform, platform.resolved_models[0])}
    rule = r["LLMModelUnavailable"]
    tree = promql_parser.parse(rule["expr"])
    assert isinstance(tree, promql_parser.BinaryExpr) and str(tree.op) == "and"
    names = [name for name, _ in promql_selectors(rule["expr"])]
    assert names == ["kube_deployment_status_replicas_available", "envoy_cluster_upstream_rq_total",
                     "envoy_cluster_upstream_rq_pending_failure_eject", "envoy_cluster_upstream_cx_none_healthy"]
    # idle at zero is normal; requests without a replica for the whole cold-start budget are not
    assert rule["for"] == "600s"
    assert rule["labels"]["severity"] == "critical"
    assert "cold-start budget" in rule["annotations"]["summary"]
    assert "gateway-requests" in rule["annotations"]["runbook"]
    assert [x["alert"] for x in alert_rules(platform, platform.resolved_models[0])] == ALERTS
    assert validate_object(render_rule(platform, platform.resolved_models[0]), "1.35") == []
