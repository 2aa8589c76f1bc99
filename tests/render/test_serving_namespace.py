"""What every model of the namespace shares, and schema validation of everything rendered."""

from __future__ import annotations

from collections import Counter

import pytest

from infra.render.model_workload import render_deployment
from infra.render.serving_namespace import (
    ASSETS,
    render_default_deny,
    render_namespace,
    render_preload_network_policy,
    render_tools_config_map,
    render_weights_claim,
)
from infra.render.weight_preload import render_preload_job, render_preload_service_account
from infra.render.weight_store import WeightRef
from infra.validation.k8s_schema import validate_object

from .conftest import (
    NAMESPACE,
    QWEN_REPO,
    QWEN_REV,
    bucket_of,
    TOOLS_DIGEST,
    Variant,
    build_platform,
    render_everything,
    variant,
)


def test_namespace_enforces_restricted_pod_security():
    ns = render_namespace(variant("s3files").platform)
    assert ns["kind"] == "Namespace"
    assert ns["metadata"]["name"] == NAMESPACE
    assert "namespace" not in ns["metadata"]
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_default_deny_selects_every_pod_and_allows_nothing():
    policy = render_default_deny(variant("s3files").platform)
    assert policy["metadata"]["namespace"] == NAMESPACE
    assert policy["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_each_preload_job_runs_as_its_own_service_account_without_a_token():
    p = variant("s3files").platform
    ref = WeightRef(QWEN_REPO, QWEN_REV)
    sa = render_preload_service_account(p, ref)
    assert sa["automountServiceAccountToken"] is False
    job = render_preload_job(p, bucket_of(p), ref, 7.0)
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"] == ref.job_name
    other = render_preload_service_account(p, WeightRef(QWEN_REPO, "0" * 40))
    assert other["metadata"]["name"] != sa["metadata"]["name"]  # one identity per weight set


def test_preload_network_policy_selects_the_job_pods_and_allows_only_egress():
    p = variant("s3files").platform
    policy = render_preload_network_policy(p)
    job = render_preload_job(p, bucket_of(p), WeightRef(QWEN_REPO, QWEN_REV), 7.0)
    pod_labels = job["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policy["spec"]["ingress"] == []
    dns, https, identity = policy["spec"]["egress"]
    assert {p_["port"] for p_ in dns["ports"]} == {53}
    assert https["ports"] == [{"protocol": "TCP", "port": 443}]
    assert identity["to"] == [{"ipBlock": {"cidr": "169.254.170.23/32"}}]


def test_preload_policy_does_not_select_model_pods():
    v = variant("s3files")
    selector = render_preload_network_policy(v.platform)["spec"]["podSelector"]["matchLabels"]
    labels = render_deployment(v.platform, bucket_of(v.platform), v.model, TOOLS_DIGEST)["spec"]["template"]["metadata"]["labels"]
    assert not selector.items() <= labels.items()


def test_tools_config_map_ships_both_scripts_verbatim():
    cm = render_tools_config_map(variant("s3files").platform)
    assert cm["metadata"]["name"] == "weight-tools"
    assert set(cm["data"]) == {"preload.py", "wait_for_weights.py"}
    assert cm["data"]["preload.py"] == (ASSETS / "preload.py").read_text()
    assert cm["data"]["wait_for_weights.py"] == (ASSETS / "wait_for_weights.py").read_text()
    assert ASSETS.name == "assets" and (ASSETS / "preload.py").is_file()


def test_weights_claim_for_s3files_is_the_one_the_pods_mount():
    v = variant("s3files")
    claim = render_weights_claim(v.platform)
    assert claim is not None
    assert claim["metadata"]["name"] == "model-weights"
    assert claim["metadata"]["namespace"] == NAMESPACE
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["storageClassName"] == ""  # statically bound, no provisioner
    assert claim["spec"]["volumeName"] == "llm-platform-weights"
    volumes = render_deployment(v.platform, bucket_of(v.platform), v.model, TOOLS_DIGEST)["spec"]["template"]["spec"]["volumes"]
    (weights,) = [vol for vol in volumes if vol["name"] == "weights"]
    assert weights["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]


def test_no_weights_claim_for_the_streamer():
    assert render_weights_claim(variant("streamer").platform) is None


def test_serving_namespace_setting_moves_everything():
    def moved(cfg):
        cfg["serving"] = {"namespace": "inference"}

    platform = build_platform(moved)
    v = Variant("moved", platform, platform.resolved_models[0])
    objects = render_everything(v)
    assert render_namespace(platform)["metadata"]["name"] == "inference"
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "inference", obj["kind"]


def test_object_names_are_unique_per_kind(any_variant: Variant):
    counts = Counter((o["kind"], o["metadata"]["name"]) for o in render_everything(any_variant))
    assert [k for k, n in counts.items() if n > 1] == []


def test_everything_is_labelled_part_of_the_platform(any_variant: Variant):
    for obj in render_everything(any_variant):
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "llm-platform", obj["kind"]


@pytest.mark.parametrize("name", ["s3files", "streamer", "lora", "lora-streamer", "tp4", "tp4-streamer", "qwen3"])
def test_every_rendered_object_is_schema_valid(name: str):
    objects = render_everything(variant(name))
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "NetworkPolicy", "ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget",
            "Service", "ScaledObject", "VMServiceScrape", "VMRule", "Job"} <= kinds
    problems = {f'{o["kind"]}/{o["metadata"]["name"]}': validate_object(o, "1.34") for o in objects}
    assert {k: v for k, v in problems.items() if v} == {}
