"""The semantic router's chart values, its own config (checked against the pinned router's config
keys) and the objects next to its release."""

from __future__ import annotations

import json

import pytest
import yaml

from infra.catalog.platform_versions import SEMANTIC_ROUTER_CHART, SEMANTIC_ROUTER_VERSION
from infra.catalog.semantic_router import unknown_keys as unknown_router_keys
from infra.config.gateway import served_names
from infra.render.gateway import semantic_router as gateway_patch
from infra.render.services import semantic_router as render
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.render.services.semantic_router_config import BLOCK_DECISION, keyword_rule_name, router_config
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform, lora, qwen3
from ..gateway.conftest import reference_platform, router_platform, semantic_router
from .charts import K8S, chart_file, one, pod_with, rendered, restricted_problems, unknown_keys

# Passed through whole by the chart's templates (toYaml): Kubernetes objects checked as such below, and
# the router's config, checked against the router's own keys.
FREE_FORM = ["podSecurityContext", "securityContext", "resources", "nodeSelector", "extraVolumes",
             "extraVolumeMounts", "env", "config", "toolsDb"]


def values(platform=None) -> dict:
    return render.chart_values(platform or router_platform())


def rendered_config(platform) -> dict:
    """The config.yaml the chart's ConfigMap carries (the Helm SDK over the vendored chart, with the values
    as the program sends them: one YAML file whose nulls delete chart defaults)."""
    objects = rendered("semantic-router", values(platform), render.RELEASE_NAME, render.NAMESPACE)
    return yaml.safe_load(one(objects, "ConfigMap")["data"]["config.yaml"])


def downloaded_models(config: dict) -> list[str]:
    """The `models/...` paths the router fetches at start-up: every `model_id` or `*_model_path` string,
    whether or not its feature is on (src/semantic-router/pkg/modeldownload/config_parser.go at v0.2.0)."""
    found: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and (key == "model_id" or key.endswith("_model_path")) \
                and node.startswith("models/"):
            found.append(node)

    walk(config)
    return sorted(set(found))


def test_every_value_key_exists_upstream():
    assert unknown_keys(values(), "semantic-router", free_form=FREE_FORM) == []
    assert unknown_keys(values(reference_platform("prod")), "semantic-router", free_form=FREE_FORM) == []


@pytest.mark.parametrize("platform", ["semantic-router", "prod"])
def test_every_router_config_key_exists_in_the_pinned_router(platform):
    config = router_config(router_platform() if platform == "semantic-router" else reference_platform("prod"))
    assert unknown_router_keys(config) == []


def test_the_router_key_check_finds_a_misspelt_key():
    config = router_config(router_platform())
    config["decisions"][1]["modelRefs"][0]["useReasoning"] = True
    config["keyword_rules"][0]["category"] = "sql"  # the key the upstream AI Gateway example misuses
    config["decisions"][0]["plugins"][0]["configuration"]["text"] = "no"
    assert sorted(unknown_router_keys(config)) == [
        "decisions[0].plugins[0].configuration.text",
        "decisions[1].modelRefs[0].useReasoning",
        "keyword_rules[0].category",
    ]


def test_the_image_and_chart_are_pinned_to_the_same_release():
    image = values()["image"]
    assert image["tag"] == SEMANTIC_ROUTER_VERSION == "v0.2.0"
    assert image["repository"] == "ghcr.io/vllm-project/semantic-router/extproc"
    assert SEMANTIC_ROUTER_CHART.version == "0.2.0" and SEMANTIC_ROUTER_CHART.repo is None  # OCI
    # the in-tree chart defaults to its appVersion, "latest": the tag must always be set
    assert chart_file("semantic-router", "Chart.yaml")["appVersion"] == "latest"
    assert chart_file("semantic-router")["image"]["tag"] == ""


def test_decisions_follow_the_stack_routes_with_the_prompt_guard_first():
    config = router_config(router_platform())
    decisions = config["decisions"]
    assert [d["name"] for d in decisions] == [BLOCK_DECISION, "sql", "math", "humanities"]
    priorities = [d["priority"] for d in decisions]
    assert priorities == sorted(priorities, reverse=True) and len(set(priorities)) == len(priorities)
    block = decisions[0]
    assert block["rules"]["conditions"] == [{"type": "jailbreak", "name": config["jailbreak"][0]["name"]}]
    assert block["plugins"][0]["type"] == "fast_response" and "modelRefs" not in block
    # every modelRef states use_reasoning (the router refuses to start otherwise)
    refs = {d["name"]: d["modelRefs"] for d in decisions[1:]}
    assert refs == {"sql": [{"model": "sql", "use_reasoning": False}],
                    "math": [{"model": "qwen3-8b", "use_reasoning": True}],
                    "humanities": [{"model": "docs", "use_reasoning": False}]}
    assert config["auto_model_name"] == "auto" and config["default_model"] == "qwen3-8b"
    assert config["strategy"] == "priority"


def test_every_condition_names_a_signal_the_config_defines():
    config = router_config(router_platform())
    keyword_rules = {r["name"] for r in config["keyword_rules"]}
    categories = {c["name"] for c in config["categories"]}
    jailbreak = {j["name"] for j in config["jailbreak"]}
    for decision in config["decisions"]:
        assert decision["rules"]["operator"] == "OR"
        for condition in decision["rules"]["conditions"]:
            assert condition["name"] in {"keyword": keyword_rules, "domain": categories,
                                         "jailbreak": jailbreak}[condition["type"]], condition
    assert {r["operator"] for r in config["keyword_rules"]} == {"OR"}
    assert [r["name"] for r in config["keyword_rules"]] == ["sql-keywords", "humanities-keywords"]
    assert config["keyword_rules"][0]["keywords"] == ["SELECT", "join", "sql"]
    assert keyword_rule_name(router_platform().gateway.semantic_router.routes[0]) == "sql-keywords"


def test_thinking_is_switched_only_for_models_with_a_known_reasoning_family():
    config = router_config(router_platform())  # qwen3-8b and its adapters: parser qwen3
    assert config["model_config"] == {n: {"reasoning_family": "qwen3"} for n in ("qwen3-8b", "sql", "docs")}
    assert config["reasoning_families"] == {"qwen3": {"type": "chat_template_kwargs", "parameter": "enable_thinking"}}
    prod = router_config(reference_platform("prod"))
    assert prod["model_config"] == {"qwen-coder": {}, "qwen3-8b": {"reasoning_family": "qwen3"},
                                    "qwen3-coder-30b": {}, "llama-70b": {}}


def test_the_model_list_the_router_answers_has_every_served_name():
    # GET /v1/models is answered by the router: the virtual model plus the model_config keys
    for platform in (router_platform(), reference_platform("prod")):
        config = router_config(platform)
        assert config["include_config_models_in_list"] is True
        assert set(config["model_config"]) == set(served_names(platform))


@pytest.mark.parametrize("prompt_guard", [True, False])
def test_the_router_downloads_only_the_classifiers_it_uses(prompt_guard):
    def guard(cfg):
        cfg["gateway"]["semanticRouter"]["promptGuard"] = prompt_guard

    platform = build_platform(qwen3, lora, semantic_router, guard)
    config = rendered_config(platform)
    expected = ["models/mom-domain-classifier"] + (["models/mom-jailbreak-classifier"] if prompt_guard else [])
    assert downloaded_models(config) == expected
    # the chart's default config alone would fetch more (PII, embeddings): the nulls are what remove them
    assert len(downloaded_models(chart_file("semantic-router")["config"])) > 2
    assert "bert_model" not in config and "pii_model" not in config["classifier"]
    assert config["semantic_cache"]["enabled"] is False and config["tools"]["enabled"] is False
    assert "jaeger" not in json.dumps(config) and config["observability"] == {"tracing": {}}  # no exporter


def test_sent_the_way_pulumi_used_to_send_them_the_defaults_come_back():
    """Why the values travel as a file: as a `values` input the SDK drops every None, and Helm then
    keeps the chart's defaults (pulumi-kubernetes #2034), here the PII and embedding models."""
    sent_as_input = _without_none(values(router_platform()))
    objects = rendered("semantic-router", sent_as_input, render.RELEASE_NAME, render.NAMESPACE)
    config = yaml.safe_load(one(objects, "ConfigMap")["data"]["config.yaml"])
    assert "bert_model" in config and len(downloaded_models(config)) > 2


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def test_the_pod_is_restricted_with_writable_volumes_only_where_the_router_writes():
    v = values()
    pod, container = v["podSecurityContext"], v["securityContext"]
    assert restricted_problems(pod, container) == [] and container["readOnlyRootFilesystem"] is True
    assert validate_object(pod_with(pod, container, render.NAMESPACE), K8S) == []
    mounts = {m["mountPath"] for m in v["extraVolumeMounts"]}
    assert mounts == {"/app/models", "/app/hf-home", "/tmp"}
    assert {m["name"] for m in v["extraVolumeMounts"]} == {vol["name"] for vol in v["extraVolumes"]}
    assert all("emptyDir" in vol for vol in v["extraVolumes"])
    assert {"name": "HF_HOME", "value": "/app/hf-home"} in v["env"] and {"name": "HOME", "value": "/tmp"} in v["env"]
    assert {"name": "LD_LIBRARY_PATH", "value": "/app/lib"} in chart_file("semantic-router")["env"]  # kept
    assert not any("valueFrom" in e for e in v["env"])  # no Hugging Face token: the classifiers are public
    assert v["persistence"] == {"enabled": False} and v["rbac"] == {"create": False}
    assert chart_file("semantic-router")["persistence"]["enabled"] is True  # the default we turn off


def test_runs_on_system_nodes_sized_by_the_stack():
    v = values()
    assert v["nodeSelector"] == SYSTEM_NODE_SELECTOR
    assert v["resources"] == {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi", "cpu": None}}
    assert v["replicaCount"] == 1


def test_network_policy_admits_only_the_gateway_and_vmagent():
    platform = router_platform()
    policy = render.render_network_policy(platform)
    assert validate_object(policy, K8S) == []
    grpc, metrics = policy["spec"]["ingress"]
    assert grpc["ports"] == [{"protocol": "TCP", "port": 50051}]
    (gateway,) = grpc["from"]
    assert gateway["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": platform.gateway.namespace}
    assert gateway["podSelector"]["matchLabels"]["gateway.envoyproxy.io/owning-gateway-name"] == platform.gateway.name
    assert metrics["ports"] == [{"protocol": "TCP", "port": 9190}]
    assert metrics["from"][0]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "vmagent"}
    assert policy["spec"]["podSelector"]["matchLabels"] == render.SELECTOR
    egress_ports = [p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]]
    assert sorted(egress_ports) == [53, 53, 443]


def test_the_patch_reaches_the_service_the_chart_creates():
    # the chart names its Service after the release when the release name contains the chart name
    assert "semantic-router" in render.RELEASE_NAME
    host, port = render.grpc_address()
    assert host == f"{render.RELEASE_NAME}.{render.NAMESPACE}.svc.cluster.local" and port == 50051
    assert chart_file("semantic-router")["service"]["grpc"]["port"] == port
    assert chart_file("semantic-router")["service"]["metrics"]["port"] == render.METRICS_PORT
    assert gateway_patch.cluster()["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"][
        "address"]["socket_address"] == {"address": host, "port_value": port}


def test_a_second_replica_gets_a_disruption_budget():
    assert render.render_pod_disruption_budget(router_platform()) is None

    def two(cfg):
        cfg["gateway"]["semanticRouter"]["replicas"] = 2

    pdb = render.render_pod_disruption_budget(build_platform(qwen3, lora, semantic_router, two))
    assert validate_object(pdb, K8S) == []
    assert pdb["spec"] == {"minAvailable": 1, "selector": {"matchLabels": render.SELECTOR}}


def test_objects_next_to_the_release_validate():
    objs = render.render_objects(router_platform())
    assert [o["kind"] for o in objs] == ["VMServiceScrape"]  # the NetworkPolicy goes before the release
    for obj in [render.render_namespace(), render.render_network_policy(router_platform()), *objs]:
        assert validate_object(obj, K8S) == [], obj["kind"]
    scrape = objs[-1]
    assert scrape["spec"]["selector"]["matchLabels"] == {**render.SELECTOR, "service": "metrics"}
    assert scrape["spec"]["endpoints"][0]["port"] == "metrics"
    assert render.render_namespace()["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"

