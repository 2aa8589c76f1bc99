"""Model serving: every vLLM Deployment fits its GPUs, asks for them, lands on its pool, is probed,
and is covered by a PodDisruptionBudget and a NetworkPolicy.

The VRAM fit is recomputed from the Deployment itself with the same `infra.sizing.fit` the stack
file goes through: the GPU from the pool's NodePool (or node group), the architecture from the model
catalog by repository (or from the policy config for models the catalog does not know), and the
engine settings from vLLM's command line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra.catalog.gpus import GPU_TYPES
from infra.catalog.models import ModelArchitecture, catalog_model
from infra.catalog.vllm import KV_CACHE_DTYPE_BYTES, QUANTIZATION
from infra.render.aws.gpu_pool import GPU_RESOURCE
from infra.render.labels import GPU_POOL_LABEL, WEIGHTS_ANNOTATION
from infra.sizing import FitInput, explain_misfit, fit, tensor_parallel_problem

from .base import ResourceView, Rule, StackViolation, as_int, get, mappings
from .kube import (
    annotation,
    containers,
    env_value,
    gpu_pools,
    is_empty_selector,
    is_kind,
    is_vllm_deployment,
    model_name,
    namespace,
    object_name,
    parse_vllm_args,
    pod_spec,
    pod_template_metadata,
    scheduled_pool,
    selector_matches,
    split_weights_ref,
    tensor_parallel_size,
    tolerates,
    vllm_container,
)

VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9  # vLLM's own default when the flag is absent
# vLLM --quantization value -> the stack file's quantization (which the sizing keys on).
_QUANTIZATION_OF_FLAG = {flag: name for name, (flag, _) in QUANTIZATION.items() if flag}
_QUANTIZATION_OF_FLAG |= {"awq": "awq", "gptq": "gptq"}


def _deployments(resources: Sequence[ResourceView]) -> list[ResourceView]:
    return [r for r in resources if is_vllm_deployment(r.type, r.props)]


def _pod_labels(r: ResourceView) -> Mapping:
    found = get(pod_template_metadata(r.type, r.props), "labels")
    return found if isinstance(found, Mapping) else {}


def _where(r: ResourceView) -> str:
    return f"model {model_name(r.type, r.props)!r}"


# ---- resource rules -----------------------------------------------------------------------------


def check_gpu_limits(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not is_vllm_deployment(resource_type, props):
        return []
    container = vllm_container(resource_type, props)
    if container is None:
        return ["no vLLM container"]
    limits = get(container, "resources", "limits", GPU_RESOURCE)
    requests = get(container, "resources", "requests", GPU_RESOURCE)
    gpus = as_int(limits)
    tp = tensor_parallel_size(parse_vllm_args(container))
    if gpus is None or gpus < 1:
        return [f"container {container.get('name')!r} has no resources.limits[{GPU_RESOURCE!r}] (found {limits!r}): "
                "it would be scheduled without a GPU"]
    found = []
    if gpus != tp:
        found.append(f"limits {gpus} GPU(s) but vLLM runs --tensor-parallel-size {tp}")
    if requests is not None and as_int(requests) != gpus:
        found.append(f"requests {requests!r} GPU(s) but limits {gpus}")
    return found


_PROBES = ("startupProbe", "readinessProbe", "livenessProbe")


def check_probes(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not is_vllm_deployment(resource_type, props):
        return []
    container = vllm_container(resource_type, props)
    if container is None:
        return ["no vLLM container"]
    missing = [p for p in _PROBES if not isinstance(container.get(p), Mapping) or not container.get(p)]
    return [f"container {container.get('name')!r} has no {', '.join(missing)}"] if missing else []


def check_security_context(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    spec = pod_spec(resource_type, props)
    if spec is None or not is_kind(resource_type, "Deployment", "StatefulSet", "Job", "CronJob"):
        return []
    pod_non_root = get(spec, "securityContext", "runAsNonRoot") is True
    found = []
    for c in containers(spec):
        ctx = c.get("securityContext") or {}
        problems = []
        if not (ctx.get("runAsNonRoot") is True or (pod_non_root and ctx.get("runAsNonRoot") is not False)):
            problems.append("may run as root")
        if ctx.get("allowPrivilegeEscalation") is not False:
            problems.append("allows privilege escalation")
        if ctx.get("privileged") is True:
            problems.append("is privileged")
        if "ALL" not in [str(x) for x in (get(ctx, "capabilities", "drop") or [])]:
            problems.append("keeps Linux capabilities")
        if problems:
            found.append(f"container {c.get('name')!r} {', '.join(problems)}")
    return found


def check_hub_offline(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not is_vllm_deployment(resource_type, props):
        return []
    container = vllm_container(resource_type, props)
    if container is None or env_value(container, "HF_HUB_OFFLINE") == "1":
        return []
    return ["vLLM may reach the Hugging Face Hub at serve time (HF_HUB_OFFLINE is not 1)"]


def check_surge_rollout(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if not is_vllm_deployment(resource_type, props):
        return []
    strategy = get(props, "spec", "strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return [f"strategy {strategy.get('type')!r} stops every replica before starting new ones"]
    rolling = strategy.get("rollingUpdate") or {}
    unavailable = rolling.get("maxUnavailable", "25%")
    surge = rolling.get("maxSurge", "25%")
    found = []
    if as_int(unavailable) != 0 and str(unavailable) != "0%":
        found.append(f"rollingUpdate.maxUnavailable {unavailable!r} drops serving capacity during a rollout")
    if as_int(surge) != 1:
        found.append(f"rollingUpdate.maxSurge {surge!r}: the pool keeps room for exactly one surge replica")
    return found


# ---- stack rules --------------------------------------------------------------------------------


def check_pool_toleration(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    pools = gpu_pools(resources)
    found: list[StackViolation] = []
    for r in _deployments(resources):
        pool = scheduled_pool(r.type, r.props)
        if pool is None:
            found.append((f"{_where(r)} does not select a GPU pool (no nodeSelector {GPU_POOL_LABEL})", r.urn))
            continue
        facts = pools.get(pool)
        if facts is None:
            found.append((f"{_where(r)} selects GPU pool {pool!r}, which no NodePool or node group of this stack "
                          "provides", r.urn))
            continue
        tolerations = mappings(get(pod_spec(r.type, r.props), "tolerations"))
        for taint in facts.taints:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
                found.append((f"{_where(r)} does not tolerate pool {pool!r}'s taint "
                              f"{taint.get('key')}={taint.get('value', '')}:{taint.get('effect')}", r.urn))
    return found


def _covered(r: ResourceView, resources: Sequence[ResourceView], kind: str) -> list[ResourceView]:
    ns, pod_labels = namespace(r.props), _pod_labels(r)
    found = []
    for other in resources:
        if not is_kind(other.type, kind) or namespace(other.props) != ns:
            continue
        selector = get(other.props, "spec", "selector" if kind == "PodDisruptionBudget" else "podSelector")
        if not is_empty_selector(selector) and selector_matches(selector, pod_labels):
            found.append(other)
    return found


def check_pdb(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for r in _deployments(resources):
        budgets = _covered(r, resources, "PodDisruptionBudget")
        if not budgets:
            found.append((f"{_where(r)} has no PodDisruptionBudget selecting its pods", r.urn))
        for pdb in budgets:
            blocking = get(pdb.props, "spec", "maxUnavailable")
            if as_int(blocking) == 0 or blocking == "0%":
                found.append((f"PodDisruptionBudget {object_name(pdb.props)!r} of {_where(r)} has maxUnavailable 0: "
                              "no node drain can ever finish", pdb.urn))
    return found


def _restricts_ingress(policy: ResourceView) -> bool:
    types = get(policy.props, "spec", "policyTypes")
    return types is None or "Ingress" in [str(t) for t in types]


def check_network_policy(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for r in _deployments(resources):
        if not [p for p in _covered(r, resources, "NetworkPolicy") if _restricts_ingress(p)]:
            found.append((f"{_where(r)} has no NetworkPolicy of its own restricting ingress to its pods", r.urn))
    return found


def check_autoscaled(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    targets = set()
    for r in resources:
        if is_kind(r.type, "ScaledObject", "HorizontalPodAutoscaler"):
            ref = get(r.props, "spec", "scaleTargetRef") or {}
            if ref.get("kind", "Deployment") == "Deployment":
                targets.add((namespace(r.props), ref.get("name")))
    return [(f"{_where(r)} is not autoscaled (no ScaledObject or HorizontalPodAutoscaler targets it)", r.urn)
            for r in _deployments(resources) if (namespace(r.props), object_name(r.props)) not in targets]


def _architecture(repository: str, config: Mapping[str, Any]) -> ModelArchitecture | None:
    declared = get(config, "architectures", repository)
    if isinstance(declared, Mapping):
        return ModelArchitecture.model_validate({str(k): declared[k] for k in declared})
    entry = catalog_model(repository)
    return entry.architecture if entry else None


def check_fit(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    pools = gpu_pools(resources)
    found: list[StackViolation] = []
    for r in _deployments(resources):
        where = _where(r)
        container = vllm_container(r.type, r.props)
        if container is None:
            continue
        pool = scheduled_pool(r.type, r.props)
        gpu_name = pools[pool].gpu if pool in pools else None
        if gpu_name not in GPU_TYPES:
            what = "selects no GPU pool" if pool is None else f"runs on pool {pool!r}, whose GPU this stack does not tell"
            found.append((f"{where} {what}, so the fit cannot be checked", r.urn))
            continue
        ref = split_weights_ref(annotation(r.type, r.props, WEIGHTS_ANNOTATION))
        if ref is None:
            found.append((f"{where}: no {WEIGHTS_ANNOTATION} annotation, so the model's architecture is unknown",
                          r.urn))
            continue
        arch = _architecture(ref[0], config)
        if arch is None:
            found.append((f"{where}: {ref[0]} is not in the model catalog and the policy config declares no "
                          "architecture for it, so the fit cannot be checked", r.urn))
            continue
        args = parse_vllm_args(container)
        quantization_flag = args.value("--quantization")
        quantization = "none" if quantization_flag is None else _QUANTIZATION_OF_FLAG.get(quantization_flag)
        kv_dtype = args.value("--kv-cache-dtype") or "auto"
        if quantization is None or kv_dtype not in KV_CACHE_DTYPE_BYTES:
            found.append((f"{where}: cannot size --quantization {quantization_flag!r} / --kv-cache-dtype {kv_dtype!r}",
                          r.urn))
            continue
        tp = tensor_parallel_size(args)
        problem = tensor_parallel_problem(arch, tp)
        if problem:
            found.append((f"{where}: {problem}", r.urn))
            continue
        try:
            utilization = float(args.value("--gpu-memory-utilization") or VLLM_DEFAULT_GPU_MEMORY_UTILIZATION)
        except ValueError:
            utilization = VLLM_DEFAULT_GPU_MEMORY_UTILIZATION
        report = fit(FitInput(
            architecture=arch,
            gpu=GPU_TYPES[gpu_name],
            gpus=tp,
            quantization=quantization,
            kv_cache_dtype=kv_dtype,
            context_window=as_int(args.value("--max-model-len")) or arch.max_context,
            memory_utilization=utilization,
            lora=args.has("--enable-lora"),
        ))
        if not report.fits:
            found.append((f"{where} {explain_misfit(report)}", r.urn))
    return found


RULES = [
    Rule(
        name="model-fits-gpu",
        description="Every model holds its weights, runtime overhead and the KV cache of one full-context sequence "
                    "in the GPUs of one replica (the same arithmetic as the stack file check, infra/sizing.py).",
        remediation="Follow the misfit message: more GPUs per replica, a pool of a larger GPU, FP8 weights or KV "
                    "cache, or a shorter contextWindow.",
        enforcement="mandatory",
        kind="stack",
        check=check_fit,
        config_schema={"architectures": {
            "type": "object",
            "description": "by repository: the architecture (camelCase, as in the stack file) of models outside "
                           "the catalog",
        }},
    ),
    Rule(
        name="vllm-gpu-limits",
        description="Every vLLM container limits nvidia.com/gpu to its tensor-parallel size (and requests the same).",
        remediation="Render the container with resources.limits['nvidia.com/gpu'] = gpusPerReplica "
                    "(infra/render/model_workload.py).",
        enforcement="mandatory",
        kind="resource",
        check=check_gpu_limits,
    ),
    Rule(
        name="vllm-pool-toleration",
        description="Every vLLM Deployment selects one GPU pool of the stack and tolerates that pool's taints.",
        remediation="Give the pod spec nodeSelector llm-platform.io/gpu-pool=<pool> and a toleration for the pool's "
                    "nvidia.com/gpu NoSchedule taint; the model's `pool` must be one of `gpuPools`.",
        enforcement="mandatory",
        kind="stack",
        check=check_pool_toleration,
    ),
    Rule(
        name="vllm-probes",
        description="Every vLLM container has startup, readiness and liveness probes.",
        remediation="Probe vLLM's /health with a startupProbe sized to the load time, plus readiness and liveness "
                    "probes (infra/render/model_workload.py).",
        enforcement="mandatory",
        kind="resource",
        check=check_probes,
    ),
    Rule(
        name="vllm-pod-disruption-budget",
        description="Every vLLM Deployment's pods are covered by a PodDisruptionBudget that still lets a node drain.",
        remediation="Create a PodDisruptionBudget in the model's namespace selecting its pods, with maxUnavailable 1.",
        enforcement="mandatory",
        kind="stack",
        check=check_pdb,
    ),
    Rule(
        name="vllm-network-policy",
        description="Every vLLM Deployment's pods are selected by a NetworkPolicy of their own that restricts ingress.",
        remediation="Create a NetworkPolicy in the model's namespace selecting its pods, allowing ingress only from "
                    "the gateway and the metrics scraper (infra/render/model_network.py).",
        enforcement="mandatory",
        kind="stack",
        check=check_network_policy,
    ),
    Rule(
        name="workload-security-context",
        description="Containers of Deployments and Jobs run as non-root, without privilege escalation and with all "
                    "Linux capabilities dropped.",
        remediation="Set securityContext runAsNonRoot: true, allowPrivilegeEscalation: false and capabilities.drop: "
                    "[ALL] on every container.",
        enforcement="advisory",
        kind="resource",
        check=check_security_context,
    ),
    Rule(
        name="vllm-hub-offline",
        description="vLLM serves preloaded weights and never contacts the Hugging Face Hub at serve time.",
        remediation="Set HF_HUB_OFFLINE=1 in the vLLM container.",
        enforcement="advisory",
        kind="resource",
        check=check_hub_offline,
    ),
    Rule(
        name="vllm-surge-rollout",
        description="A model rollout brings one surge replica up before an old one leaves (maxSurge 1, "
                    "maxUnavailable 0), so serving capacity never drops.",
        remediation="Use strategy RollingUpdate with maxSurge: 1 and maxUnavailable: 0.",
        enforcement="advisory",
        kind="resource",
        check=check_surge_rollout,
    ),
    Rule(
        name="vllm-autoscaled",
        description="Every vLLM Deployment is scaled by a KEDA ScaledObject (or an HPA).",
        remediation="Render the model's ScaledObject (infra/render/model_autoscaling.py).",
        enforcement="advisory",
        kind="stack",
        check=check_autoscaled,
    ),
]
