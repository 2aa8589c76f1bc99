"""Supply chain: every byte a node or pod runs is pinned — weights and adapters to commits, images to
tags or digests (never `latest`), node AMIs to a release, charts and add-ons to exact versions."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from infra.config.serving import check_pinned_image
from infra.render.labels import WEIGHTS_ANNOTATION

from .base import Rule, get, is_list, mappings
from .kube import (
    COMMIT,
    annotation,
    commit_in_path,
    containers,
    env_value,
    is_kind,
    is_local_or_store_path,
    is_vllm_deployment,
    parse_vllm_args,
    pod_spec,
    pod_template_metadata,
    split_weights_ref,
    vllm_container,
)

_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")


def _pinned_ref(value: str) -> str | None:
    """Why `<repository>@<revision>` is not pinned, or None."""
    ref = split_weights_ref(value)
    if ref is None:
        return f"{value!r} is not <repository>@<revision>"
    if not COMMIT.match(ref[1]):
        return f"revision {ref[1]!r} of {ref[0]} is not a 40-character commit SHA"
    return None


def check_model_revision(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not is_kind(resource_type, *_WORKLOADS):
        return []
    found: list[str] = []
    weights = annotation(resource_type, props, WEIGHTS_ANNOTATION)
    annotated = [get(props, "metadata", "annotations", WEIGHTS_ANNOTATION),
                 get(pod_template_metadata(resource_type, props), "annotations", WEIGHTS_ANNOTATION)]
    for value in dict.fromkeys(v for v in annotated if isinstance(v, str)):
        if problem := _pinned_ref(value):
            found.append(f"annotation {WEIGHTS_ANNOTATION}: {problem}")
    for container in containers(pod_spec(resource_type, props)):
        revision = env_value(container, "REVISION")  # the preload Job's download revision
        if revision is not None and env_value(container, "REPOSITORY") is not None and not COMMIT.match(revision):
            found.append(f"container {container.get('name')!r} downloads revision {revision!r}, not a commit SHA")
    if not is_vllm_deployment(resource_type, props):
        return found
    if weights is None:
        found.append(f"no {WEIGHTS_ANNOTATION} annotation (<repository>@<commit>) naming the weights it serves")
    container = vllm_container(resource_type, props)
    if container is None:
        return found
    args = parse_vllm_args(container)
    revision = args.value("--revision")
    if revision is not None and not COMMIT.match(revision):
        found.append(f"--revision {revision!r} is not a 40-character commit SHA")
    model = args.model or args.value("--model")
    if model is None:
        found.append("vLLM is started without a model")
    elif is_local_or_store_path(model):
        commit = commit_in_path(model)
        annotated = split_weights_ref(weights)
        if commit is None:
            found.append(f"model path {model!r} is not under a <repository>/<commit> directory")
        elif annotated and COMMIT.match(annotated[1]) and annotated[1] != commit:
            found.append(f"serves {model!r} but its {WEIGHTS_ANNOTATION} annotation names revision {annotated[1]}")
    elif revision is None:
        found.append(f"model {model!r} is read from the Hugging Face Hub at whatever revision is current "
                     "(no --revision commit)")
    return found


def _weight_checks(container: Mapping) -> list[Mapping]:
    """The wait-for-weights init container's WEIGHTS: [{want: repo@rev, target, copyTo?}, ...]."""
    raw = env_value(container, "WEIGHTS")
    try:
        checks = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        return []
    return [c for c in checks if isinstance(c, dict)] if isinstance(checks, list) else []


def _lora_modules(values: list[str]) -> list[tuple[str, str]]:
    """--lora-modules items: `name=path` or vLLM's JSON form {"name": ..., "path": ...}."""
    found = []
    for item in values:
        if item.startswith("{"):
            try:
                doc = json.loads(item)
            except json.JSONDecodeError:
                found.append((item, ""))
                continue
            found.append((str(doc.get("name")), str(doc.get("path") or "")))
        else:
            name, _, path = item.partition("=")
            found.append((name, path))
    return found


def check_lora_adapters(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not is_vllm_deployment(resource_type, props):
        return []
    container = vllm_container(resource_type, props)
    if container is None:
        return []
    found: list[str] = []
    args = parse_vllm_args(container)
    weights = annotation(resource_type, props, WEIGHTS_ANNOTATION)
    init = mappings(get(pod_spec(resource_type, props), "initContainers"))
    checks = [c for ic in init for c in _weight_checks(ic)]
    for check in checks:
        want = str(check.get("want"))
        if want != weights and (problem := _pinned_ref(want)):
            found.append(f"adapter weights {want!r}: {problem}")
    copies = {str(c.get("copyTo")): str(c.get("want")) for c in checks if c.get("copyTo")}
    for name, path in _lora_modules(args.flags.get("--lora-modules", [])):
        if not is_local_or_store_path(path):
            found.append(f"LoRA adapter {name!r} is loaded from {path!r}: downloaded from the Hub at whatever "
                         "revision is current")
        elif commit_in_path(path) is None and (path not in copies or _pinned_ref(copies[path])):
            found.append(f"LoRA adapter {name!r} is loaded from {path!r}, which no pinned <repository>@<commit> "
                         "provides")
    if str(env_value(container, "VLLM_ALLOW_RUNTIME_LORA_UPDATING") or "").lower() in ("1", "true"):
        found.append("VLLM_ALLOW_RUNTIME_LORA_UPDATING lets clients load unpinned adapters at runtime")
    return found


def _image_problem(image: Any) -> str | None:
    if not isinstance(image, str) or not image:
        return "has no image"
    try:
        check_pinned_image(image)  # the same check the stack file's images go through
    except ValueError as exc:
        return str(exc).split(";")[0]
    return None


def _helm_value_images(values: Any, path: str = "values") -> list[str]:
    """`latest` in chart values: an `image: repo:latest` string or an image block with `tag: latest`."""
    found: list[str] = []
    if isinstance(values, Mapping):
        tag = values.get("tag")
        if isinstance(tag, str) and tag.strip() == "latest" and ("repository" in values or "image" in values):
            found.append(f"{path}.tag is 'latest'")
        for key, value in values.items():
            if isinstance(value, str) and key.lower() == "image" and value.endswith(":latest"):
                found.append(f"{path}.{key} is {value!r}")
            else:
                found += _helm_value_images(value, f"{path}.{key}")
    elif is_list(values):
        for i, value in enumerate(values):
            found += _helm_value_images(value, f"{path}[{i}]")
    return found


def check_images(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if is_kind(resource_type, *_WORKLOADS):
        found = []
        for container in containers(pod_spec(resource_type, props)):
            problem = _image_problem(container.get("image"))
            if problem:
                found.append(f"container {container.get('name')!r}: {problem}")
        return found
    if resource_type == "kubernetes:helm.sh/v3:Release":
        return _helm_value_images(props.get("values"))
    return []


_ALIAS = re.compile(r"^(?P<family>[a-z0-9]+)@(?P<version>.+)$")
_RELEASE = re.compile(r"^v?\d+(\.\d+)*$")


def check_ami_alias(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not (resource_type.startswith("kubernetes:karpenter.k8s.aws/") and is_kind(resource_type, "EC2NodeClass")):
        return []
    terms = mappings(get(props, "spec", "amiSelectorTerms"))
    if not terms:
        return ["no amiSelectorTerms: the node AMI is not pinned"]
    found = []
    for i, term in enumerate(terms):
        alias, ami_id = term.get("alias"), term.get("id")
        if alias is not None:
            match = _ALIAS.match(str(alias))
            if not match or not _RELEASE.match(match["version"]):
                found.append(f"amiSelectorTerms[{i}].alias {alias!r} is not pinned to a release "
                             "(`latest` re-resolves on every AMI release and replaces every node)")
        elif not (isinstance(ami_id, str) and ami_id.startswith("ami-")):
            found.append(f"amiSelectorTerms[{i}] selects AMIs by name or tags: the newest match wins, so nodes drift")
    return found


HELM_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart")
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def check_helm_chart(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if resource_type not in HELM_TYPES:
        return []
    version = props.get("version")
    chart = props.get("chart")
    if isinstance(chart, str) and chart.startswith(("https://", "http://")) and chart.endswith(".tgz"):
        return []  # a chart archive URL names exactly one version
    if not isinstance(version, str) or not _EXACT_VERSION.match(version):
        return [f"chart {chart!r} version {version!r} is not an exact version (Helm would pick the newest)"]
    return []


_ADDON_VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")


def check_addon_version(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if resource_type != "aws:eks/addon:Addon":
        return []
    version = props.get("addonVersion")
    if not isinstance(version, str) or not _ADDON_VERSION.match(version):
        return [f"add-on {props.get('addonName')!r} version {version!r} is not pinned (EKS would install its default "
                "and the version would change with the cluster)"]
    return []


RULES = [
    Rule(
        name="model-revision-pinned",
        description="Model weights are served and preloaded from a 40-character commit of their repository, "
                    "never a branch, tag or the Hub's current revision.",
        remediation="Set the model's `revision` in the stack file to a full commit SHA from the model's Hugging Face "
                    "history (huggingface.co/<repository>/commits/main).",
        enforcement="mandatory",
        kind="resource",
        check=check_model_revision,
    ),
    Rule(
        name="lora-adapter-pinned",
        description="LoRA adapters are loaded only from preloaded weights at a 40-character commit, and clients "
                    "cannot load adapters at runtime.",
        remediation="List adapters under the model's `loraAdapters` with a commit `revision` (not in engineArgs) and "
                    "leave VLLM_ALLOW_RUNTIME_LORA_UPDATING unset.",
        enforcement="mandatory",
        kind="resource",
        check=check_lora_adapters,
    ),
    Rule(
        name="image-pinned",
        description="Every container image has an exact tag or an @sha256 digest, never `latest` or no tag; chart "
                    "values do not override an image to `latest`.",
        remediation="Use an exact version tag or a digest (`serving.images` in the stack file for the platform's "
                    "own images).",
        enforcement="mandatory",
        kind="resource",
        check=check_images,
    ),
    Rule(
        name="ami-alias-pinned",
        description="Karpenter EC2NodeClasses select their AMI by a pinned alias (`<family>@v<release>`) or an AMI "
                    "id, never `@latest` or a name pattern.",
        remediation="Pin the AMI release in infra/catalog/platform_versions.py (AMI_VERSIONS) or give an "
                    "amiSelectorTerms alias with an exact release.",
        enforcement="mandatory",
        kind="resource",
        check=check_ami_alias,
    ),
    Rule(
        name="helm-chart-pinned",
        description="Every Helm release installs an exact chart version.",
        remediation="Set `version` to an exact chart version (pins live in infra/catalog/platform_versions.py).",
        enforcement="mandatory",
        kind="resource",
        check=check_helm_chart,
    ),
    Rule(
        name="eks-addon-version-pinned",
        description="Every EKS add-on is installed at an exact `vX.Y.Z-eksbuild.N` version.",
        remediation="Pin it in infra/catalog/eks_addons.py or the stack's `cluster.addonVersions`.",
        enforcement="mandatory",
        kind="resource",
        check=check_addon_version,
    ),
]
