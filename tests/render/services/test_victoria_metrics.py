"""The victoria-metrics-k8s-stack values: keys, custom resource specs, names and the Grafana wiring."""

from __future__ import annotations

import re

import pytest

from infra.catalog.platform_versions import VICTORIA_METRICS_K8S_STACK_CHART
from infra.config.observability import VMSINGLE_PORT, ObservabilityConfig
from infra.render.services import victoria_logs, victoria_metrics
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object
from policies.rules.secrets import check_plain_secrets

from ..conftest import build_platform
from .charts import K8S, chart_file, helm_merged, unknown_keys

CHART = "victoria-metrics-k8s-stack"
SUBCHARTS = ("grafana", "kube-state-metrics", "prometheus-node-exporter", "victoria-metrics-operator")
# `<app>.spec` is the custom resource's spec, passed through whole: checked against the CRDs below.
CUSTOM_RESOURCES = {"vmsingle": "VMSingle", "vmagent": "VMAgent", "vmalert": "VMAlert",
                    "alertmanager": "VMAlertmanager"}
FREE_FORM = [*(f"{app}.spec" for app in CUSTOM_RESOURCES), "alertmanager.config",  # a whole Alertmanager config
             "victoria-metrics-operator.podSecurityContext"]  # a PodSecurityContext passed through
# grafana and kube-state-metrics document priorityClassName only as a comment in values.yaml
TEMPLATE_ONLY = ["grafana.priorityClassName", "kube-state-metrics.priorityClassName"]


def values(*mutations) -> dict:
    return victoria_metrics.chart_values(build_platform(*mutations))


def merged(*mutations) -> dict:
    return helm_merged(CHART, values(*mutations))


def tuned(cfg) -> None:
    cfg["observability"] = {"scrapeInterval": "30s"}
    cfg["services"] = {"metrics": {"retention": "90d", "storage": {"sizeGib": 200, "storageClass": "gp3"},
                                   "vmsingle": {"cpu": "2", "memory": "8Gi"}}}


def test_every_value_key_exists_upstream():
    for mutation in ((), (tuned,)):
        assert unknown_keys(values(*mutation), CHART, free_form=FREE_FORM, template_only=TEMPLATE_ONLY) == []


def test_key_check_reaches_into_subcharts():
    assert unknown_keys({"grafana": {"adminPasword": "x"}}, CHART) == ["grafana.adminPasword"]
    assert unknown_keys({"grafana": {"admin": {"existingSecret": "s"}}}, CHART) == []


def test_vendored_subcharts_are_the_versions_the_chart_depends_on():
    dependencies = {d["name"]: d["version"] for d in chart_file(CHART, "Chart.yaml")["dependencies"]}
    for sub in SUBCHARTS:
        version = chart_file(f"{CHART}/charts/{sub}", "Chart.yaml")["version"]
        assert re.fullmatch(dependencies[sub].replace(".", r"\.").replace("*", r"\d+"), version), (sub, version)


@pytest.mark.parametrize("app", list(CUSTOM_RESOURCES))
@pytest.mark.parametrize("mutation", [(), (tuned,)], ids=["defaults", "tuned"])
def test_custom_resource_specs_validate_against_the_operator_crds(app, mutation):
    spec = dict(merged(*mutation)[app]["spec"])
    # what the chart's templates add to the spec (vm.agent.spec, vm.alert.remotes): the VMSingle endpoints
    url = victoria_metrics.vmsingle_url(build_platform(*mutation))
    spec |= {"vmagent": {"remoteWrite": [{"url": f"{url}/api/v1/write"}]},
             "vmalert": {"datasource": {"url": url}, "remoteRead": {"url": url},
                         "remoteWrite": {"url": f"{url}/api/v1/write"}}}.get(app, {})
    obj = {"apiVersion": "operator.victoriametrics.com/v1beta1", "kind": CUSTOM_RESOURCES[app],
           "metadata": {"name": victoria_metrics.FULLNAME, "namespace": "monitoring"}, "spec": spec}
    assert validate_object(obj, K8S) == []
    assert spec["nodeSelector"] == SYSTEM_NODE_SELECTOR and spec["useStrictSecurity"] is True


def test_all_components_are_on():
    m = merged()
    for app in ("vmsingle", "vmagent", "vmalert", "alertmanager", "grafana", "kube-state-metrics",
                "prometheus-node-exporter", "victoria-metrics-operator"):
        assert m[app]["enabled"] is True, app
    assert not m["vmcluster"]["enabled"] and not m["vmdistributed"]["enabled"]


def test_retention_storage_and_sizes_come_from_the_config():
    spec = values(tuned)["vmsingle"]["spec"]
    assert spec["retentionPeriod"] == "90d"
    assert spec["storage"] == {"resources": {"requests": {"storage": "200Gi"}}, "storageClassName": "gp3"}
    assert spec["resources"] == {"requests": {"cpu": "2", "memory": "8Gi"}, "limits": {"memory": "8Gi"}}
    assert merged(tuned)["vmsingle"]["spec"]["storage"]["accessModes"] == ["ReadWriteOnce"]  # chart default kept
    defaults = values()["vmsingle"]["spec"]
    assert defaults["retentionPeriod"] == "30d" and "storageClassName" not in defaults["storage"]
    assert values(tuned)["vmagent"]["spec"]["scrapeInterval"] == "30s"
    assert values()["vmagent"]["spec"]["scrapeInterval"] == ObservabilityConfig().scrape_interval


def test_vmsingle_is_served_at_the_observability_metrics_url():
    platform = build_platform()
    # the chart names the VMSingle after fullnameOverride; the operator's Service is vmsingle-<name>
    assert values()["fullnameOverride"] == victoria_metrics.FULLNAME == "vm"
    assert merged()["vmsingle"]["spec"]["port"] == str(VMSINGLE_PORT)
    assert victoria_metrics.vmsingle_url(platform) == "http://vmsingle-vm.monitoring.svc:8428"
    assert victoria_metrics.vmsingle_url(platform) == ObservabilityConfig().metrics_url == \
        platform.observability.metrics_url


def test_namespace_follows_the_observability_config():
    platform = build_platform(lambda cfg: cfg.update(observability={"namespace": "observability",
                                                                    "metricsUrl": "http://x"}))
    assert victoria_metrics.vmsingle_url(platform) == "http://vmsingle-vm.observability.svc:8428"
    ns = victoria_metrics.render_namespace(platform)
    assert ns["metadata"]["name"] == "observability"
    assert victoria_metrics.grafana_admin_secret_metadata(platform)["namespace"] == "observability"


def test_namespace_is_privileged_for_node_exporter_only_and_valid():
    ns = victoria_metrics.render_namespace(build_platform())
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    node_exporter = chart_file(f"{CHART}/charts/prometheus-node-exporter")
    assert node_exporter["hostNetwork"] and node_exporter["hostPID"]  # why "baseline" would reject it
    assert validate_object(ns, K8S) == []


def test_grafana_admin_comes_from_the_generated_secret():
    grafana = values()["grafana"]
    assert grafana["admin"] == {"existingSecret": "grafana-admin", "userKey": "admin-user",
                                "passwordKey": "admin-password"}
    assert "adminPassword" not in grafana and "adminPassword" not in merged()["grafana"]
    meta = victoria_metrics.grafana_admin_secret_metadata(build_platform())
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
              "stringData": {"admin-user": "admin", "admin-password": "generated"}}
    assert validate_object(secret, K8S) == []


def test_grafana_has_the_victoriametrics_and_victorialogs_datasources():
    platform = build_platform()
    m = merged()
    types = {ds["type"] for ds in m["defaultDatasources"]["victoriametrics"]["datasources"]}
    assert types == {"prometheus", "victoriametrics-metrics-datasource"}  # the chart adds VMSingle's URL
    default = next(ds for ds in m["defaultDatasources"]["victoriametrics"]["datasources"] if ds.get("isDefault"))
    assert (default["uid"], default["type"]) == ("VictoriaMetrics", "prometheus")  # what dashboards name
    (logs,) = m["defaultDatasources"]["extra"]
    assert logs["type"] == "victoriametrics-logs-datasource"
    assert logs["url"] == victoria_logs.read_url(platform) == "http://victoria-logs.logging.svc:9428"
    assert m["grafana"]["sidecar"]["datasources"]["enabled"] is True


def test_grafana_plugins_are_pinned_and_cover_every_datasource_type():
    plugins = values()["grafana"]["plugins"]
    assert all(re.fullmatch(r"[a-z0-9-]+@\d+\.\d+\.\d+", p) for p in plugins)
    m = merged()
    needed = {ds["type"] for ds in m["defaultDatasources"]["victoriametrics"]["datasources"]
              + m["defaultDatasources"]["extra"]} - {"prometheus"}
    assert needed <= {p.split("@")[0] for p in plugins}


def test_system_components_run_on_system_nodes_and_node_exporter_everywhere():
    v = values()
    for app in ("grafana", "kube-state-metrics", "victoria-metrics-operator"):
        assert v[app]["nodeSelector"] == SYSTEM_NODE_SELECTOR, app
    assert "nodeSelector" not in v["prometheus-node-exporter"]  # tolerations on the rendered DaemonSet:
    # tests/engine/test_rendered_intent.py


def test_nothing_is_fetched_unpinned_at_install():
    assert values()["syncJob"] == {"enabled": False}  # it downloads dashboards and rules from GitHub master


def test_control_plane_jobs_eks_hides_are_off():
    m = merged()
    for job in ("kubeControllerManager", "kubeScheduler", "kubeEtcd"):
        assert m[job]["enabled"] is False
    assert m["kubeApiServer"]["enabled"] and m["kubelet"]["enabled"] and m["coreDns"]["enabled"]


def test_no_credential_in_values():
    # the policy pack's secrets rule, on the release as the engine would see it
    assert check_plain_secrets("kubernetes:helm.sh/v3:Release", {"values": values()}, "urn") == []
    assert check_plain_secrets("kubernetes:helm.sh/v3:Release", {"values": {"grafana": {"adminPassword": "x"}}},
                               "urn") != []


def test_chart_is_pinned_to_the_vendored_version():
    vendored = chart_file(CHART, "Chart.yaml")
    assert (VICTORIA_METRICS_K8S_STACK_CHART.chart, VICTORIA_METRICS_K8S_STACK_CHART.version) == \
        (vendored["name"], vendored["version"]) == (CHART, "0.91.2")
    assert VICTORIA_METRICS_K8S_STACK_CHART.repo == "https://victoriametrics.github.io/helm-charts/"
