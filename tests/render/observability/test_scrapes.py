"""Scrapes of the gateway (Envoy stats and the AI Gateway's GenAI metrics) and of the GPUs (DCGM)."""

from __future__ import annotations

import pytest
import yaml

from infra.render.aws.gpu_pool import dcgm_exporter_values
from infra.render.model_network import render_network_policy
from infra.render.observability.scrapes import render_dcgm_service_scrape, render_gateway_pod_scrape
from infra.stack_file import REPO_ROOT
from infra.validation.k8s_schema import validate_object

from .helpers import STACKS, stack_platform


@pytest.mark.parametrize("stack", STACKS)
def test_scrapes_are_schema_valid_in_the_observability_namespace(stack):
    platform = stack_platform(stack)
    for obj in (render_gateway_pod_scrape(platform), render_dcgm_service_scrape(platform)):
        assert obj["metadata"]["namespace"] == "monitoring"
        assert validate_object(obj, "1.35") == []


def test_gateway_scrape_selects_the_envoy_proxies_of_the_platforms_gateway():
    platform = stack_platform("dev")
    spec = render_gateway_pod_scrape(platform)["spec"]
    assert spec["namespaceSelector"] == {"matchNames": ["envoy-gateway-system"]}
    # Envoy Gateway v1.9 EnvoyAppLabel(), plus the Gateway the proxies belong to
    assert spec["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "envoy",
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
        "gateway.envoyproxy.io/owning-gateway-name": "llm-gateway",
    }


def test_gateway_scrape_is_the_same_set_of_pods_the_models_admit():
    platform = stack_platform("dev")
    selector = render_gateway_pod_scrape(platform)["spec"]["selector"]["matchLabels"]
    policy = render_network_policy(platform, platform.resolved_models[0])
    gateway_peer = policy["spec"]["ingress"][0]["from"][0]
    assert gateway_peer["podSelector"]["matchLabels"].items() <= selector.items()


def test_gateway_scrape_reads_envoy_stats_and_the_ai_gateway_genai_metrics():
    endpoints = render_gateway_pod_scrape(stack_platform("dev"))["spec"]["podMetricsEndpoints"]
    assert [(e["port"], e["path"]) for e in endpoints] == [("metrics", "/stats/prometheus"), ("aigw-admin", "/metrics")]
    assert all(e["interval"] == "15s" and e["scrapeTimeout"] == "10s" for e in endpoints)


def test_dcgm_scrape_selects_the_exporter_service_the_gpu_node_software_installs():
    from components.aws.gpu_node_software import NAMESPACE

    spec = render_dcgm_service_scrape(stack_platform("dev"))["spec"]
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    # chart 4.8.2 _helpers.tpl selector labels: name = chart name, instance = release name (= chart name here)
    assert spec["selector"]["matchLabels"] == {"app.kubernetes.io/name": "dcgm-exporter",
                                               "app.kubernetes.io/instance": "dcgm-exporter"}
    chart = yaml.safe_load((REPO_ROOT / "schemas/charts/dcgm-exporter/Chart.yaml").read_text())
    assert chart["name"] == "dcgm-exporter"
    # the Service exists (its port is named "metrics" in the chart's service.yaml) and no ServiceMonitor
    values = dcgm_exporter_values(stack_platform("dev").gpu_pools)
    assert values["service"]["enable"] is True and values["serviceMonitor"]["enabled"] is False


def test_dcgm_series_get_the_node_label():
    (endpoint,) = render_dcgm_service_scrape(stack_platform("dev"))["spec"]["endpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert endpoint["relabelConfigs"] == [
        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}]


def test_chart_defaults_export_the_counters_the_dashboard_and_alerts_read():
    values = yaml.safe_load((REPO_ROOT / "schemas/charts/dcgm-exporter/values.yaml").read_text())
    # default-counters.csv (etc/ in NVIDIA/dcgm-exporter 4.5.3-4.8.2) carries GPU_UTIL, FB_USED/FREE,
    # GPU_TEMP, XID_ERRORS, UNCORRECTABLE_REMAPPED_ROWS and ROW_REMAP_FAILURE
    assert values["arguments"] == ["-f", "/etc/dcgm-exporter/default-counters.csv"]
    assert values["service"]["port"] == 9400
