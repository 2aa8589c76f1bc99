"""The Grafana dashboard generated from the stack: what Grafana needs to import it, the rows and
panels the platform promises, and its delivery to the Grafana sidecar of the metrics stack."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml

from infra.render.observability.dashboard import (
    CONFIG_MAP_NAME,
    DASHBOARD_UID,
    DATASOURCE_UID,
    FILE_NAME,
    dashboard,
    render_dashboard_config_map,
)
from infra.stack_file import REPO_ROOT
from infra.validation.k8s_schema import validate_object

from .helpers import STACKS, bench_platform, stack_platform, zero_platform

MODEL_PANELS = ["Time to first token", "Inter-token latency", "Tokens per second", "Requests running and waiting",
                "KV-cache usage", "Prefix-cache hit rate", "Replicas", "Attempts at the gateway"]
PANEL_TYPES = {"row", "timeseries", "bargauge"}


def all_panels(panels: list[dict]) -> Iterator[dict]:
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def platforms():
    return [stack_platform(s) for s in STACKS] + [zero_platform("prod"), bench_platform(50)]


@pytest.fixture(params=["dev", "prod", "prod-scale-to-zero", "bench-50"])
def any_platform(request):
    return dict(zip(["dev", "prod", "prod-scale-to-zero", "bench-50"], platforms()))[request.param]


# ---- what Grafana needs to import it -----------------------------------------------------------


def test_top_level_fields_grafana_requires(any_platform):
    d = dashboard(any_platform)
    assert d["title"] == "LLM platform"
    assert d["uid"] == DASHBOARD_UID and 1 <= len(d["uid"]) <= 40
    assert all(c.isalnum() or c in "-_" for c in d["uid"])
    assert isinstance(d["schemaVersion"], int) and d["schemaVersion"] >= 36
    assert "id" not in d  # Grafana assigns the database id; a provisioned dashboard must not carry one
    assert isinstance(d["panels"], list) and d["panels"]
    assert isinstance(d["templating"]["list"], list)
    assert set(d["time"]) == {"from", "to"}


def test_uid_is_stable_across_stacks():
    assert {dashboard(p)["uid"] for p in platforms()} == {DASHBOARD_UID}


def test_round_trips_through_json(any_platform):
    d = dashboard(any_platform)
    assert json.loads(json.dumps(d)) == d


def test_panel_ids_are_unique_including_collapsed_rows(any_platform):
    ids = [p["id"] for p in all_panels(dashboard(any_platform)["panels"])]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(ids) == len(set(ids))


def test_every_panel_has_a_type_and_a_grid_position_within_24_columns(any_platform):
    for panel in all_panels(dashboard(any_platform)["panels"]):
        assert panel["type"] in PANEL_TYPES, panel
        assert panel["title"]
        pos = panel["gridPos"]
        assert set(pos) == {"x", "y", "w", "h"}
        assert all(isinstance(v, int) for v in pos.values())
        assert pos["x"] >= 0 and pos["y"] >= 0 and pos["w"] >= 1 and pos["h"] >= 1
        assert pos["x"] + pos["w"] <= 24, panel["title"]


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_panels_do_not_overlap(any_platform):
    top = [p["gridPos"] for p in dashboard(any_platform)["panels"]]
    groups = [top] + [[r["gridPos"]] + [p["gridPos"] for p in r["panels"]]
                      for r in dashboard(any_platform)["panels"] if r["type"] == "row" and r["collapsed"]]
    for positions in groups:
        for i, a in enumerate(positions):
            for b in positions[i + 1:]:
                assert not _overlap(a, b), (a, b)


def test_every_target_has_a_ref_id_an_expr_and_the_victoriametrics_datasource(any_platform):
    for panel in all_panels(dashboard(any_platform)["panels"]):
        if panel["type"] == "row":
            assert "targets" not in panel
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(refs) == len(set(refs))
        for target in panel["targets"]:
            assert target["expr"].strip()
            assert target["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}


def test_datasource_uid_is_the_metrics_stacks_default_datasource():
    values = yaml.safe_load((REPO_ROOT / "schemas/charts/victoria-metrics-k8s-stack/values.yaml").read_text())
    sources = {d["uid"]: d for d in values["defaultDatasources"]["victoriametrics"]["datasources"]}
    assert sources[DATASOURCE_UID]["type"] == "prometheus"
    assert sources[DATASOURCE_UID]["isDefault"] is True


# ---- what the platform promises ----------------------------------------------------------------


def test_model_variable_lists_the_stacks_models(any_platform):
    (variable,) = dashboard(any_platform)["templating"]["list"]
    names = [m.name for m in any_platform.resolved_models]
    assert variable["name"] == "model" and variable["type"] == "custom"
    assert variable["query"].split(",") == names
    assert variable["multi"] and variable["includeAll"]
    assert [o["value"] for o in variable["options"]] == ["$__all", *names]


def test_one_collapsed_row_per_model_with_the_model_panels(any_platform):
    rows = [p for p in dashboard(any_platform)["panels"] if p["type"] == "row" and p["title"].startswith("Model ")]
    assert [r["title"] for r in rows] == [f"Model {m.name}" for m in any_platform.resolved_models]
    for row, model in zip(rows, any_platform.resolved_models):
        assert row["collapsed"] is True
        assert [p["title"] for p in row["panels"]] == MODEL_PANELS
        for panel in row["panels"]:
            for target in panel["targets"]:
                if "vllm:" in target["expr"]:
                    assert f'model_name="{model.name}"' in target["expr"], target["expr"]
        assert row["panels"][0]["gridPos"]["y"] == row["gridPos"]["y"] + 1


def test_model_row_queries():
    prod = stack_platform("prod")
    rows = {p["title"]: p for p in dashboard(prod)["panels"] if p["type"] == "row"}
    panels = {p["title"]: p for p in rows["Model llama-70b"]["panels"]}
    m = 'namespace="llm",model_name="llama-70b"'
    assert [t["expr"] for t in panels["Time to first token"]["targets"]] == [
        f"histogram_quantile(0.5, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{{{m}}}[5m])))",
        f"histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{{{m}}}[5m])))",
    ]
    assert [t["legendFormat"] for t in panels["Inter-token latency"]["targets"]] == ["p50", "p95"]
    assert "vllm:inter_token_latency_seconds_bucket" in panels["Inter-token latency"]["targets"][1]["expr"]
    assert [t["expr"] for t in panels["Tokens per second"]["targets"]] == [
        f"sum(rate(vllm:prompt_tokens_total{{{m}}}[5m]))", f"sum(rate(vllm:generation_tokens_total{{{m}}}[5m]))"]
    assert [t["expr"] for t in panels["Requests running and waiting"]["targets"]] == [
        f"sum(vllm:num_requests_running{{{m}}})", f"sum(vllm:num_requests_waiting{{{m}}})"]
    assert panels["KV-cache usage"]["targets"][0]["expr"] == f"avg(vllm:kv_cache_usage_perc{{{m}}})"
    assert panels["KV-cache usage"]["fieldConfig"]["defaults"]["unit"] == "percentunit"
    assert panels["Prefix-cache hit rate"]["targets"][0]["expr"] == (
        f"sum(rate(vllm:prefix_cache_hits_total{{{m}}}[5m])) / sum(rate(vllm:prefix_cache_queries_total{{{m}}}[5m]))")
    replicas = [t["expr"] for t in panels["Replicas"]["targets"]]
    assert replicas[0] == 'sum(kube_deployment_status_replicas_available{namespace="llm",deployment="llama-70b"})'
    assert replicas[2:] == ["vector(1)", "vector(2)"]  # the stack's replicas.min / max
    assert "gpu_cache_usage_perc" not in json.dumps(panels)


def test_gpu_row_per_node():
    rows = {p["title"]: p for p in dashboard(stack_platform("dev"))["panels"] if p["type"] == "row"}
    assert rows["GPUs"]["collapsed"] is False
    panels = [p for p in dashboard(stack_platform("dev"))["panels"]
              if p["type"] != "row" and p["gridPos"]["y"] > rows["GPUs"]["gridPos"]["y"]
              and p["gridPos"]["y"] < rows["Tenants"]["gridPos"]["y"]]
    exprs = {p["title"]: [t["expr"] for t in p["targets"]] for p in panels}
    assert exprs["GPU utilisation per node"] == ["avg by (node) (DCGM_FI_DEV_GPU_UTIL)"]
    assert exprs["GPU memory per node"] == ["sum by (node) (DCGM_FI_DEV_FB_USED)", "sum by (node) (DCGM_FI_DEV_FB_FREE)"]
    assert "DCGM_FI_DEV_GPU_TEMP" in exprs["GPU temperature per node"][0]


def test_tenant_row_token_usage():
    d = dashboard(stack_platform("dev"))
    tenants_y = next(p for p in d["panels"] if p["title"] == "Tenants")["gridPos"]["y"]
    panels = {p["title"]: p for p in d["panels"] if p["type"] != "row" and p["gridPos"]["y"] > tenants_y}
    assert set(panels) == {"Input tokens per second by tenant", "Output tokens per second by tenant",
                           "Tokens over 24 hours by tenant"}
    expr = panels["Input tokens per second by tenant"]["targets"][0]["expr"]
    assert expr == ('sum by (tenant_id) (rate(gen_ai_client_token_usage_sum{namespace="envoy-gateway-system",'
                    'gen_ai_token_type="input"}[5m]))')
    assert panels["Tokens over 24 hours by tenant"]["targets"][0]["instant"] is True


def test_semantic_router_row_only_with_the_router():
    prod = dashboard(stack_platform("prod"))
    rows = [p["title"] for p in prod["panels"] if p["type"] == "row"]
    assert rows[-1] == "Semantic router"
    assert "Semantic router" not in [p["title"] for p in dashboard(stack_platform("dev"))["panels"]]
    router_y = next(p for p in prod["panels"] if p["title"] == "Semantic router")["gridPos"]["y"]
    panels = {p["title"]: p for p in prod["panels"] if p["type"] != "row" and p["gridPos"]["y"] > router_y}
    assert set(panels) == {"Virtual model: requests by chosen model", "Routing latency",
                           "Classification latency p95 by signal"}
    assert panels["Virtual model: requests by chosen model"]["targets"][0]["expr"] == (
        'sum by (target_model) (rate(llm_model_routing_modifications_total{namespace="semantic-router"}[5m]))')


def test_fleet_panels_follow_the_model_variable():
    d = dashboard(stack_platform("prod"))
    assert d["panels"][0]["title"] == "Fleet" and d["panels"][0]["gridPos"]["y"] == 0
    fleet = []
    for panel in d["panels"][1:]:
        if panel["type"] == "row":
            break
        fleet.append(panel)
    assert [p["title"] for p in fleet] == ["Requests per second by model", "Time to first token p95 by model",
                                           "Ready replicas by model", "Gateway responses by status class"]
    vllm = [t["expr"] for p in fleet for t in p["targets"] if "vllm:" in t["expr"] or "kube_deployment" in t["expr"]]
    assert len(vllm) == 3 and all('=~"$model"' in e for e in vllm)


def test_scale_to_zero_shows_in_the_replicas_panel():
    d = dashboard(zero_platform("dev"))
    row = next(p for p in d["panels"] if p["title"] == "Model qwen-coder")
    replicas = next(p for p in row["panels"] if p["title"] == "Replicas")
    assert replicas["description"] == "KEDA bounds 0-2, scales to zero"


# ---- delivery ------------------------------------------------------------------------------------


def test_config_map_carries_the_sidecar_label_of_the_metrics_stack_chart():
    values = yaml.safe_load((REPO_ROOT / "schemas/charts/victoria-metrics-k8s-stack/values.yaml").read_text())
    sidecar = values["grafana"]["sidecar"]["dashboards"]
    assert sidecar["enabled"] is True
    platform = stack_platform("dev")
    cm = render_dashboard_config_map(platform)
    assert cm["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"] == "1"
    # the sidecar watches Grafana's own namespace: the observability namespace
    assert cm["metadata"]["namespace"] == platform.observability.namespace == "monitoring"
    assert cm["metadata"]["name"] == CONFIG_MAP_NAME
    assert list(cm["data"]) == [FILE_NAME] and FILE_NAME.endswith(".json")
    assert json.loads(cm["data"][FILE_NAME]) == dashboard(platform)


@pytest.mark.parametrize("stack", STACKS)
def test_config_map_is_schema_valid(stack):
    assert validate_object(render_dashboard_config_map(stack_platform(stack)), "1.35") == []


def test_fifty_model_dashboard_fits_a_config_map():
    size = len(render_dashboard_config_map(bench_platform(50))["data"][FILE_NAME].encode())
    assert size < 1024 * 1024 * 0.9, size  # the API server's limit is 1 MiB per object


def test_dashboard_is_a_pure_function_of_the_stack():
    platform = stack_platform("prod")
    assert dashboard(platform) == dashboard(platform)
    assert render_dashboard_config_map(platform) == render_dashboard_config_map(platform)
