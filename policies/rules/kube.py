"""Readers of Kubernetes objects as Pulumi registers them (`kubernetes:<group>/<version>:<Kind>`),
the vLLM command line, and the GPU pools a stack defines (Karpenter NodePools or EKS node groups).

Label names come from the renderers (infra/render), so the rules follow what the program emits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.catalog.gpus import GPU_TYPES
from infra.render.aws.gpu_pool import GPU_LABEL, GPU_RESOURCE
from infra.render.labels import GPU_POOL_LABEL, MODEL_LABEL

from .base import ResourceView, as_int, get, is_list, mappings

COMMIT = re.compile(r"^[0-9a-f]{40}$")
_COMMIT_SEGMENT = re.compile(r"(?:^|/)([0-9a-f]{40})(?:/|$)")

# Pulumi type token suffix -> where the pod template's spec sits in the object.
_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


def kind_of(resource_type: str) -> str | None:
    """`kubernetes:apps/v1:Deployment` -> "Deployment"; None for anything not Kubernetes."""
    if not resource_type.startswith("kubernetes:"):
        return None
    return resource_type.rsplit(":", 1)[-1]


def is_kind(resource_type: str, *kinds: str) -> bool:
    return kind_of(resource_type) in kinds


def pod_spec(resource_type: str, props: Mapping[str, Any]) -> Mapping | None:
    path = _POD_SPEC_PATHS.get(kind_of(resource_type) or "")
    if path is None:
        return None
    spec = get(props, *path)
    return spec if isinstance(spec, Mapping) else None


def pod_template_metadata(resource_type: str, props: Mapping[str, Any]) -> Mapping:
    path = _POD_SPEC_PATHS.get(kind_of(resource_type) or "")
    if path is None:
        return {}
    meta = get(props, *path[:-1], "metadata") if len(path) > 1 else get(props, "metadata")
    return meta if isinstance(meta, Mapping) else {}


def containers(spec: Mapping | None, init: bool = True) -> list[Mapping]:
    if spec is None:
        return []
    found = mappings(spec.get("containers"))
    if init:
        found = mappings(spec.get("initContainers")) + found
    return found


def labels(props: Mapping[str, Any]) -> Mapping:
    found = get(props, "metadata", "labels")
    return found if isinstance(found, Mapping) else {}


def annotation(resource_type: str, props: Mapping[str, Any], key: str) -> str | None:
    """An annotation of the object, or else of its pod template."""
    value = get(props, "metadata", "annotations", key)
    if value is None:
        value = get(pod_template_metadata(resource_type, props), "annotations", key)
    return value if isinstance(value, str) else None


def namespace(props: Mapping[str, Any]) -> str:
    return get(props, "metadata", "namespace", default="default")


def object_name(props: Mapping[str, Any]) -> str | None:
    return get(props, "metadata", "name")


def env_value(container: Mapping, name: str) -> str | None:
    for item in mappings(container.get("env")):
        if item.get("name") == name:
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


# ---- vLLM ---------------------------------------------------------------------------------------


def _is_vllm_container(container: Mapping) -> bool:
    image = container.get("image")
    return container.get("name") == "vllm" or (isinstance(image, str) and "vllm-openai" in image)


def is_vllm_deployment(resource_type: str, props: Mapping[str, Any]) -> bool:
    if not is_kind(resource_type, "Deployment"):
        return False
    if labels(props).get("app.kubernetes.io/name") == "vllm":
        return True
    return any(_is_vllm_container(c) for c in containers(pod_spec(resource_type, props), init=False))


def vllm_container(resource_type: str, props: Mapping[str, Any]) -> Mapping | None:
    found = [c for c in containers(pod_spec(resource_type, props), init=False) if _is_vllm_container(c)]
    return found[0] if found else None


@dataclass(frozen=True)
class VllmArgs:
    model: str | None  # the positional model (a local path, an s3:// URI, or a Hub repository)
    flags: Mapping[str, list[str]]  # --flag -> its values ([] for a switch); short aliases expanded

    def value(self, flag: str) -> str | None:
        values = self.flags.get(flag)
        return values[-1] if values else None

    def has(self, flag: str) -> bool:
        return flag in self.flags


_SHORT = {"-tp": "--tensor-parallel-size", "-q": "--quantization", "-pp": "--pipeline-parallel-size"}


def parse_vllm_args(container: Mapping) -> VllmArgs:
    """`vllm serve` arguments: the positional model, `--flag value [value...]` and `--flag=value`."""
    tokens = [str(t) for t in (container.get("args") or [])] if is_list(container.get("args")) else []
    command = container.get("command")
    if is_list(command) and "serve" in [str(c) for c in command]:  # e.g. command: [vllm, serve, <model>, ...]
        command = [str(c) for c in command]
        tokens = command[command.index("serve") + 1:] + tokens
    model: str | None = None
    flags: dict[str, list[str]] = {}
    current: str | None = None
    for token in tokens:
        if token.startswith("-") and not _is_number(token):
            flag, _, value = token.partition("=")
            flag = _SHORT.get(flag, flag)
            if flag.startswith("--"):
                flag = "--" + flag[2:].replace("_", "-")
            flags.setdefault(flag, [])
            if value:
                flags[flag].append(value)
                current = None
            else:
                current = flag
        elif current is not None:
            flags[current].append(token)
        elif model is None:
            model = token
    return VllmArgs(model=model, flags=flags)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def tensor_parallel_size(args: VllmArgs) -> int:
    return as_int(args.value("--tensor-parallel-size")) or 1


def split_weights_ref(value: str | None) -> tuple[str, str] | None:
    """`<repository>@<revision>` -> (repository, revision)."""
    if not value or "@" not in value:
        return None
    repository, _, revision = value.rpartition("@")
    return (repository, revision) if repository else None


def commit_in_path(path: str) -> str | None:
    """The 40-hex commit a weights path or URI is pinned to (…/<repository>/<revision>/…)."""
    match = _COMMIT_SEGMENT.search(path.split("://", 1)[-1])
    return match.group(1) if match else None


def is_local_or_store_path(path: str) -> bool:
    return path.startswith("/") or "://" in path


# ---- GPU pools ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuPoolFacts:
    name: str
    gpu: str | None  # catalog GPU name ("L4"), None when the resource does not tell
    gpu_limit: int | None  # most GPUs the pool may run at once
    taints: tuple[Mapping, ...]
    resource: ResourceView


def _gpu_from_karpenter_name(names: Sequence[str]) -> str | None:
    known = [g for g in GPU_TYPES.values() if g.karpenter_name in names]
    return min(known, key=lambda g: g.memory_mib).name if known else None  # several: the smallest decides


def _gpu_from_instances(instance_types: Sequence[str]) -> tuple[str | None, int | None]:
    gpus, per_node = set(), []
    for gpu in GPU_TYPES.values():
        for instance in gpu.instances:
            if instance.name in instance_types:
                gpus.add(gpu.name)
                per_node.append(instance.gpus)
    gpu = min(gpus, key=lambda g: GPU_TYPES[g].memory_mib) if gpus else None
    return gpu, (max(per_node) if per_node and len(per_node) == len(instance_types) else None)


_NODE_GROUP_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def gpu_pools(resources: Sequence[ResourceView]) -> dict[str, GpuPoolFacts]:
    """The GPU pools of a stack, by pool name (the `llm-platform.io/gpu-pool` node label)."""
    found: dict[str, GpuPoolFacts] = {}
    for r in resources:
        if is_kind(r.type, "NodePool") and r.type.startswith("kubernetes:karpenter.sh/"):
            template = get(r.props, "spec", "template")
            node_labels = get(template, "metadata", "labels", default={})
            pool = node_labels.get(GPU_POOL_LABEL) or labels(r.props).get(GPU_POOL_LABEL)
            if not pool:
                continue
            gpu = node_labels.get(GPU_LABEL)
            if gpu not in GPU_TYPES:
                gpu_names = [v for req in mappings(get(template, "spec", "requirements"))
                             if req.get("key") == "karpenter.k8s.aws/instance-gpu-name" and req.get("operator") == "In"
                             for v in (req.get("values") or [])]
                gpu = _gpu_from_karpenter_name(gpu_names)
            limit = as_int(get(r.props, "spec", "limits", GPU_RESOURCE))
            found[pool] = GpuPoolFacts(pool, gpu, limit, tuple(mappings(get(template, "spec", "taints"))), r)
        elif r.type == "aws:eks/nodeGroup:NodeGroup":
            node_labels = get(r.props, "labels", default={})
            pool = node_labels.get(GPU_POOL_LABEL)
            if not pool:
                continue
            instance_gpu, per_node = _gpu_from_instances([str(i) for i in (r.props.get("instanceTypes") or [])])
            gpu = node_labels.get(GPU_LABEL) if node_labels.get(GPU_LABEL) in GPU_TYPES else instance_gpu
            max_size = as_int(get(r.props, "scalingConfig", "maxSize"))
            limit = max_size * per_node if max_size is not None and per_node else None
            taints = tuple({**t, "effect": _NODE_GROUP_EFFECTS.get(str(t.get("effect")), t.get("effect"))}
                           for t in mappings(r.props.get("taints")))
            found[pool] = GpuPoolFacts(pool, gpu, limit, taints, r)
    return found


def scheduled_pool(resource_type: str, props: Mapping[str, Any]) -> str | None:
    """The GPU pool a workload's pods are scheduled to: nodeSelector, or a required node affinity
    naming one pool. Labels alone do not count: they do not move a pod onto the pool's nodes."""
    spec = pod_spec(resource_type, props) or {}
    pool = get(spec, "nodeSelector", GPU_POOL_LABEL)
    if pool is not None:
        return pool
    terms = get(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    for term in mappings(terms):
        for expr in mappings(term.get("matchExpressions")):
            values = list(expr.get("values") or [])
            if expr.get("key") == GPU_POOL_LABEL and expr.get("operator") == "In" and len(values) == 1:
                return values[0]
    return None


def model_name(resource_type: str, props: Mapping[str, Any]) -> str:
    return labels(props).get(MODEL_LABEL) or object_name(props) or "?"


def tolerates(tolerations: Sequence[Mapping], taint: Mapping) -> bool:
    """Kubernetes toleration matching (k8s.io/api core/v1 Toleration.ToleratesTaint)."""
    for t in tolerations:
        effect = t.get("effect")
        if effect and effect != taint.get("effect"):
            continue
        key, operator = t.get("key"), t.get("operator") or "Equal"
        if not key:
            if operator == "Exists":
                return True
            continue
        if key != taint.get("key"):
            continue
        if operator == "Exists" or (operator == "Equal" and str(t.get("value") or "") == str(taint.get("value") or "")):
            return True
    return False


def selector_matches(selector: Mapping | None, pod_labels: Mapping) -> bool:
    """A LabelSelector against labels; an empty selector matches everything."""
    if not isinstance(selector, Mapping):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if pod_labels.get(key) != value:
            return False
    for expr in mappings(selector.get("matchExpressions")):
        key, operator, values = expr.get("key"), expr.get("operator"), list(expr.get("values") or [])
        if operator == "In" and pod_labels.get(key) not in values:
            return False
        if operator == "NotIn" and pod_labels.get(key) in values:
            return False
        if operator == "Exists" and key not in pod_labels:
            return False
        if operator == "DoesNotExist" and key in pod_labels:
            return False
    return True


def is_empty_selector(selector: Any) -> bool:
    return isinstance(selector, Mapping) and not selector.get("matchLabels") and not selector.get("matchExpressions")
