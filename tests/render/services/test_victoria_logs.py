"""victoria-logs-single values: keys, retention, names, the vector shipper and Grafana's dashboards."""

from __future__ import annotations

from infra.catalog.platform_versions import VICTORIA_LOGS_SINGLE_CHART
from infra.render.aws.gpu_pool import GPU_TAINT
from infra.render.services import victoria_logs, victoria_metrics
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform
from .charts import K8S, chart_file, helm_merged, unknown_keys

CHART = "victoria-logs-single"
FREE_FORM = ["server.podSecurityContext"]  # a PodSecurityContext passed through (the chart adds `enabled`)


def values(*mutations) -> dict:
    return victoria_logs.chart_values(build_platform(*mutations))


def tuned(cfg) -> None:
    cfg["services"] = {"logs": {"namespace": "logs", "retention": "8w", "storage": {"sizeGib": 500,
                                "storageClass": "gp3"}, "server": {"cpu": "1", "memory": "4Gi"}}}


def no_shipper(cfg) -> None:
    cfg["services"] = {"logs": {"shipper": False}}


def _tolerates(toleration: dict, taint: dict) -> bool:
    """Kubernetes' matching rule for one toleration and one taint."""
    if toleration.get("effect") and toleration["effect"] != taint["effect"]:
        return False
    if toleration.get("operator") == "Exists":
        return not toleration.get("key") or toleration["key"] == taint["key"]
    return toleration.get("key") == taint["key"] and toleration.get("value") == taint.get("value")


def test_every_value_key_exists_upstream():
    for mutation in ((), (tuned,), (no_shipper,)):
        assert unknown_keys(values(*mutation), CHART, free_form=FREE_FORM) == []


def test_key_check_reaches_into_the_vector_subchart():
    assert unknown_keys({"vector": {"tolerations": []}}, CHART) == []
    assert unknown_keys({"vector": {"toleration": []}}, CHART) == ["vector.toleration"]


def test_vendored_vector_is_the_version_the_chart_locks():
    (dependency,) = [d for d in chart_file(CHART, "Chart.yaml")["dependencies"] if d["name"] == "vector"]
    assert dependency["version"] == "0.57.*"
    assert chart_file(f"{CHART}/charts/vector", "Chart.yaml")["version"] == "0.57.0"  # Chart.lock at the tag


def test_retention_storage_and_size_come_from_the_config():
    server = values(tuned)["server"]
    assert server["retentionPeriod"] == "8w"
    assert server["persistentVolume"] == {"enabled": True, "size": "500Gi", "storageClassName": "gp3"}
    assert server["resources"] == {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}}
    assert values()["server"]["retentionPeriod"] == "14d"


def test_service_name_and_read_url():
    platform = build_platform()
    assert values()["server"]["fullnameOverride"] == victoria_logs.SERVER_NAME
    listener = next(h for h in chart_file(CHART)["server"]["http"] if h["primary"])
    assert listener["value"] == f":{victoria_logs.PORT}"
    assert victoria_logs.read_url(platform) == "http://victoria-logs.logging.svc:9428"
    assert victoria_logs.read_url(build_platform(tuned)) == "http://victoria-logs.logs.svc:9428"


def test_server_on_system_nodes_shipper_on_every_node():
    v = values()
    assert v["server"]["nodeSelector"] == SYSTEM_NODE_SELECTOR
    vector = helm_merged(CHART, v)["vector"]
    assert vector["enabled"] is True and vector["role"] == "Agent"  # a DaemonSet
    assert vector["nodeSelector"] == {}
    assert any(_tolerates(t, GPU_TAINT) for t in vector["tolerations"])
    # the chart points vector's sink at the server (vector-vl-config): that ConfigMap is the one mounted
    assert vector["customConfigName"] in vector["existingConfigMaps"]


def test_without_the_shipper_the_namespace_is_restricted():
    assert values(no_shipper)["vector"]["enabled"] is False
    assert victoria_logs.render_namespace(build_platform(no_shipper))["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"] == "restricted"
    ns = victoria_logs.render_namespace(build_platform())
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"  # vector's hostPaths
    assert validate_object(ns, K8S) == []


def test_scraped_by_vmagent_and_dashboards_in_grafana():
    platform = build_platform()
    v = values()
    assert v["server"]["vmServiceScrape"] == {"enabled": True}
    sidecar = helm_merged("victoria-metrics-k8s-stack", victoria_metrics.chart_values(platform))["grafana"]["sidecar"]["dashboards"]
    assert v["dashboards"] == {"enabled": True, "namespace": platform.observability.namespace,
                               "labels": {sidecar["label"]: sidecar["labelValue"]}}


def test_chart_is_pinned_to_the_vendored_version():
    vendored = chart_file(CHART, "Chart.yaml")
    assert (VICTORIA_LOGS_SINGLE_CHART.chart, VICTORIA_LOGS_SINGLE_CHART.version) == \
        (vendored["name"], vendored["version"]) == (CHART, "0.13.9")
    assert VICTORIA_LOGS_SINGLE_CHART.repo == "https://victoriametrics.github.io/helm-charts/"
