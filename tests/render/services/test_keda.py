"""KEDA's namespace and chart values."""

from __future__ import annotations

import pytest

from infra.catalog.platform_versions import KEDA_CHART
from infra.render.services import keda
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform
from .charts import K8S, chart_file, pod_with, restricted_problems, unknown_keys

SECTIONS = ("operator", "metricServer", "webhooks")  # the chart's per-Deployment keys
FREE_FORM = [f"{ctx}.{s}" for ctx in ("securityContext", "podSecurityContext") for s in SECTIONS]


def values(*mutations) -> dict:
    return keda.chart_values(build_platform(*mutations))


def sized(cfg) -> None:
    cfg["services"] = {"keda": {"operator": {"replicas": 2, "resources": {"cpu": "250m", "memory": "512Mi"}},
                                "metricsServer": {"resources": {"cpu": "1", "memory": "1Gi"}}}}


def test_every_value_key_exists_upstream():
    # securityContext.* / podSecurityContext.* are Kubernetes SecurityContexts passed through whole;
    # they are checked as such below.
    assert unknown_keys(values(), "keda", free_form=FREE_FORM) == []
    assert unknown_keys(values(sized), "keda", free_form=FREE_FORM) == []


def test_crds_come_with_the_chart_and_the_metrics_server_runs():
    v = values()
    assert v["crds"] == {"install": True}
    assert v["metricsServer"]["replicaCount"] == 1
    assert "enabled" not in v["metricsServer"] and chart_file("keda")["metricsServer"]["enabled"] is True
    assert v["prometheus"] == {"metricServer": {"enabled": True}, "operator": {"enabled": True}}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_deployment_is_restricted(section):
    v = values()
    pod, container = v["podSecurityContext"][section], v["securityContext"][section]
    assert restricted_problems(pod, container) == []
    assert container["readOnlyRootFilesystem"] is True
    assert validate_object(pod_with(pod, container, keda.NAMESPACE), K8S) == []


def test_runs_on_system_nodes():
    v = values()
    assert v["nodeSelector"] == SYSTEM_NODE_SELECTOR == {"llm-platform.io/node-role": "system"}
    # the chart adds kubernetes.io/os itself; repeating it would duplicate the key in the manifest
    assert "kubernetes.io/os" not in v["nodeSelector"]
    upstream = chart_file("keda")
    assert all(upstream[s]["nodeSelector"] == {} for s in ("operator", "metricsServer", "webhooks"))


def test_sizes_come_from_the_config():
    v = values(sized)
    assert v["operator"]["replicaCount"] == 2
    # the null deletes the chart's CPU limit (rendered: tests/engine/test_rendered_intent.py)
    assert v["resources"]["operator"] == {"requests": {"cpu": "250m", "memory": "512Mi"},
                                          "limits": {"memory": "512Mi", "cpu": None}}
    assert v["resources"]["metricServer"]["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert v["resources"]["webhooks"]["requests"] == {"cpu": "50m", "memory": "128Mi"}


def test_disruption_budget_only_where_a_second_replica_exists():
    assert "podDisruptionBudget" not in values()
    assert values(sized)["podDisruptionBudget"] == {"operator": {"minAvailable": 1}}


def test_namespace_is_restricted_and_valid():
    ns = keda.render_namespace()
    assert ns["metadata"]["name"] == "keda"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert validate_object(ns, K8S) == []


def test_chart_is_pinned_to_the_vendored_version():
    vendored = chart_file("keda", "Chart.yaml")
    assert (KEDA_CHART.chart, KEDA_CHART.version) == (vendored["name"], vendored["version"]) == ("keda", "2.20.2")
    assert KEDA_CHART.repo == "https://kedacore.github.io/charts"
