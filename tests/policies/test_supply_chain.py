"""Supply-chain rules, each with a passing and a failing case built by hand."""

from __future__ import annotations

import json

import pytest

from tests.policies.helpers import (
    ADAPTER_SHA,
    DEPLOYMENT,
    HELM,
    JOB,
    NODE_CLASS,
    REPO,
    SHA,
    changed,
    violations,
    vllm_container,
    vllm_deployment,
)


def preload_job(revision: str = SHA) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "preload", "namespace": "llm",
                         "annotations": {"llm-platform.io/weights": f"{REPO}@{revision}"}},
            "spec": {"template": {"spec": {"containers": [{
                "name": "preload", "image": "python:3.12.14-slim-bookworm",
                "env": [{"name": "REPOSITORY", "value": REPO}, {"name": "REVISION", "value": revision}]}]}}}}


# ---- model-revision-pinned ------------------------------------------------------------------------


def test_model_revision_pinned_passes_for_a_commit():
    assert violations("model-revision-pinned", DEPLOYMENT, vllm_deployment()) == []
    assert violations("model-revision-pinned", JOB, preload_job()) == []


@pytest.mark.parametrize("broken, expected", [
    (lambda d: d["metadata"]["annotations"].update({"llm-platform.io/weights": f"{REPO}@main"}),
     "revision 'main' of Qwen/Qwen2.5-Coder-7B-Instruct is not a 40-character commit SHA"),
    (lambda d: d["spec"]["template"]["metadata"]["annotations"].update({"llm-platform.io/weights": f"{REPO}@v2"}),
     "revision 'v2' of Qwen/Qwen2.5-Coder-7B-Instruct"),
    (lambda d: vllm_container(d)["args"].__setitem__(0, REPO), "read from the Hugging Face Hub"),
    (lambda d: vllm_container(d)["args"].extend(["--revision", "v1.0"]), "--revision 'v1.0'"),
    (lambda d: vllm_container(d)["args"].__setitem__(0, f"/models/{REPO}/latest"), "not under a <repository>/<commit>"),
    (lambda d: vllm_container(d)["args"].__setitem__(0, f"/models/{REPO}/{'b' * 40}"), "annotation names revision"),
    (lambda d: (d["metadata"].pop("annotations"), d["spec"]["template"]["metadata"].pop("annotations")),
     "no llm-platform.io/weights annotation"),
])
def test_model_revision_pinned_fails_for_unpinned_weights(broken, expected):
    found = violations("model-revision-pinned", DEPLOYMENT, changed(vllm_deployment(), broken))
    assert any(expected in m for m in found), found


def test_model_revision_pinned_fails_for_a_preload_job_on_a_branch():
    found = violations("model-revision-pinned", JOB, preload_job("main"))
    assert any("downloads revision 'main'" in m for m in found), found


def test_model_revision_pinned_accepts_a_hub_model_with_a_commit_revision():
    d = vllm_deployment()
    vllm_container(d)["args"][0:1] = [REPO, "--revision", SHA]
    assert violations("model-revision-pinned", DEPLOYMENT, d) == []


# ---- lora-adapter-pinned --------------------------------------------------------------------------


def _with_adapter(path: str, want: str | None = None, copy_to: str | None = None) -> dict:
    d = vllm_deployment(args=["--enable-lora", "--lora-modules", f"sql={path}"])
    if want:
        checks = json.loads(d["spec"]["template"]["spec"]["initContainers"][0]["env"][0]["value"])
        checks.append({"want": want, "target": "s3://b/models/x", **({"copyTo": copy_to} if copy_to else {})})
        d["spec"]["template"]["spec"]["initContainers"][0]["env"][0]["value"] = json.dumps(checks)
    return d


def test_lora_adapter_pinned_passes_for_mounted_and_copied_commits():
    assert violations("lora-adapter-pinned", DEPLOYMENT, _with_adapter(f"/models/acme/sql/{ADAPTER_SHA}",
                                                                        f"acme/sql@{ADAPTER_SHA}")) == []
    assert violations("lora-adapter-pinned", DEPLOYMENT, _with_adapter("/adapters/sql", f"acme/sql@{ADAPTER_SHA}",
                                                                        "/adapters/sql")) == []


@pytest.mark.parametrize("deployment, expected", [
    (lambda: _with_adapter("acme/sql"), "downloaded from the Hub"),
    (lambda: _with_adapter("/adapters/sql"), "no pinned <repository>@<commit> provides"),
    (lambda: _with_adapter("/adapters/sql", "acme/sql@main", "/adapters/sql"), "adapter weights 'acme/sql@main'"),
    (lambda: changed(vllm_deployment(), lambda d: vllm_container(d)["env"].append(
        {"name": "VLLM_ALLOW_RUNTIME_LORA_UPDATING", "value": "True"})), "load unpinned adapters at runtime"),
])
def test_lora_adapter_pinned_fails_for_unpinned_adapters(deployment, expected):
    found = violations("lora-adapter-pinned", DEPLOYMENT, deployment())
    assert any(expected in m for m in found), found


# ---- image-pinned ---------------------------------------------------------------------------------


def test_image_pinned_passes_for_tags_and_digests():
    digest = "vllm/vllm-openai@sha256:" + "0" * 64
    d = changed(vllm_deployment(), lambda d: vllm_container(d).update(image=digest))
    assert violations("image-pinned", DEPLOYMENT, d) == []
    chart = {"chart": "x", "version": "1.0.0", "values": {"image": {"tag": "1.2.3"}}}
    assert violations("image-pinned", HELM, chart) == []


@pytest.mark.parametrize("image, expected", [
    ("vllm/vllm-openai:latest", "uses 'latest'"),
    ("vllm/vllm-openai", "is not pinned"),
    (None, "has no image"),
])
def test_image_pinned_fails_for_latest_or_untagged(image, expected):
    d = changed(vllm_deployment(), lambda d: vllm_container(d).update(image=image))
    found = violations("image-pinned", DEPLOYMENT, d)
    assert found and expected in found[0] and "'vllm'" in found[0], found


def test_image_pinned_fails_for_latest_in_chart_values():
    found = violations("image-pinned", HELM, {"chart": "x", "version": "1.0.0",
                                              "values": {"controller": {"image": {"repository": "r", "tag": "latest"}}}})
    assert found == ["values.controller.image.tag is 'latest'"]


# ---- ami-alias-pinned -----------------------------------------------------------------------------


def node_class(terms: list[dict]) -> dict:
    return {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "gpu-l4"},
            "spec": {"amiSelectorTerms": terms, "role": "node-role"}}


def test_ami_alias_pinned_passes_for_a_release_or_an_ami_id():
    assert violations("ami-alias-pinned", NODE_CLASS, node_class([{"alias": "al2023@v20261119"}])) == []
    assert violations("ami-alias-pinned", NODE_CLASS, node_class([{"alias": "bottlerocket@v1.64.0"}])) == []
    assert violations("ami-alias-pinned", NODE_CLASS, node_class([{"id": "ami-0123456789abcdef0"}])) == []


@pytest.mark.parametrize("terms, expected", [
    ([{"alias": "al2023@latest"}], "is not pinned to a release"),
    ([{"name": "amazon-eks-node-al2023-*"}], "by name or tags"),
    ([], "no amiSelectorTerms"),
])
def test_ami_alias_pinned_fails_for_latest_or_patterns(terms, expected):
    found = violations("ami-alias-pinned", NODE_CLASS, node_class(terms))
    assert found and expected in found[0], found


# ---- helm-chart-pinned / eks-addon-version-pinned -------------------------------------------------


def test_helm_chart_pinned():
    assert violations("helm-chart-pinned", HELM, {"chart": "nvidia-device-plugin", "version": "0.20.0"}) == []
    assert violations("helm-chart-pinned", HELM, {"chart": "nvidia-device-plugin"})
    assert violations("helm-chart-pinned", HELM, {"chart": "nvidia-device-plugin", "version": "^0.20"})


def test_eks_addon_version_pinned():
    addon = "aws:eks/addon:Addon"
    pinned = {"addonName": "coredns", "addonVersion": "v1.14.3-eksbuild.3"}
    assert violations("eks-addon-version-pinned", addon, pinned) == []
    found = violations("eks-addon-version-pinned", addon, {"addonName": "coredns"})
    assert found and "'coredns'" in found[0]
