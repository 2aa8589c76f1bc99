"""The vLLM workload of one model: ServiceAccount, Deployment and PodDisruptionBudget."""

from __future__ import annotations

import hashlib
import json

from ..catalog.vllm import VLLM_PORT
from ..config import PlatformConfig, ResolvedModel
from ..config.serving import TOOLS_CONFIGMAP
from .labels import GPU_POOL_LABEL, WEIGHTS_ANNOTATION, metadata, model_labels, model_selector
from .priority import SERVING_PRIORITY_CLASS
from ..startup_budget import PROBE_PERIOD_SECONDS
from .vllm_args import ADAPTERS_PATH, vllm_args
from .weight_store import WeightRef, location

TOOLS_PATH = "/opt/llm-platform"
CACHE_PATH = "/cache"
UID = 1000

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}
WAIT_SCRIPT = "wait_for_weights.py"  # what the model pods run (their init container), from the tools ConfigMap


def weight_refs(model: ResolvedModel) -> list[WeightRef]:
    """The base weights, then each LoRA adapter: everything that must be preloaded first."""
    cfg = model.config
    return [WeightRef(cfg.repository, cfg.revision)] + [WeightRef(a.repository, a.revision) for a in cfg.lora_adapters]


def render_service_account(platform: PlatformConfig, model: ResolvedModel) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "automountServiceAccountToken": False,
    }


def _wait_for_weights(platform: PlatformConfig, bucket: str, model: ResolvedModel) -> dict:
    """Init container: refuse to start vLLM until every weight set carries its completion marker."""
    checks = [{"want": ref.key, "target": location(platform, bucket, ref)} for ref in weight_refs(model)]
    if platform.weights.loader == "streamer":
        for check, adapter in zip(checks[1:], model.config.lora_adapters):
            check["copyTo"] = f"{ADAPTERS_PATH}/{adapter.name}"
    return {
        "name": "wait-for-weights",
        "image": platform.serving.images.vllm,  # already on the node for the main container
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", f"{TOOLS_PATH}/{WAIT_SCRIPT}"],
        "env": [
            {"name": "WEIGHTS", "value": json.dumps(checks, separators=(",", ":"))},
            {"name": "TIMEOUT_SECONDS", "value": "7200"},
        ],
        "resources": {"requests": {"cpu": "50m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": RESTRICTED_CONTAINER,
        "volumeMounts": _weight_mounts(platform) + [
            {"name": "tools", "mountPath": TOOLS_PATH, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ] + ([{"name": "adapters", "mountPath": ADAPTERS_PATH}] if _copies_adapters(platform, model) else []),
    }


def _copies_adapters(platform: PlatformConfig, model: ResolvedModel) -> bool:
    return platform.weights.loader == "streamer" and bool(model.config.lora_adapters)


def _weight_mounts(platform: PlatformConfig) -> list[dict]:
    if platform.weights.loader != "s3files":
        return []
    return [{"name": "weights", "mountPath": "/models", "readOnly": True}]


def _env(platform: PlatformConfig, model: ResolvedModel, budget: int) -> list[dict]:
    env = [
        {"name": "HOME", "value": f"{CACHE_PATH}/home"},
        {"name": "USER", "value": "vllm"},  # vLLM >= 0.20 looks the user up; uid 1000 has no passwd entry
        {"name": "XDG_CACHE_HOME", "value": CACHE_PATH},
        {"name": "HF_HOME", "value": f"{CACHE_PATH}/huggingface"},
        {"name": "HF_HUB_OFFLINE", "value": "1"},  # weights are preloaded: never reach the Hub at serve time
        {"name": "VLLM_CACHE_ROOT", "value": f"{CACHE_PATH}/vllm"},
        {"name": "TRITON_CACHE_DIR", "value": f"{CACHE_PATH}/triton"},
        {"name": "VLLM_NO_USAGE_STATS", "value": "1"},
        {"name": "DO_NOT_TRACK", "value": "1"},
        {"name": "VLLM_ENGINE_READY_TIMEOUT_S", "value": str(budget)},
    ]
    if model.config.lora_adapters:
        env.append({"name": "VLLM_ALLOW_RUNTIME_LORA_UPDATING", "value": "False"})
    return env


def _volumes(platform: PlatformConfig, model: ResolvedModel) -> list[dict]:
    volumes = [
        {"name": "cache", "emptyDir": {"sizeLimit": "20Gi"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "4Gi"}},
        {"name": "tools", "configMap": {"name": TOOLS_CONFIGMAP, "defaultMode": 0o444}},
    ]
    if platform.weights.loader == "s3files":
        volumes.append({"name": "weights", "persistentVolumeClaim": {"claimName": platform.weights.volume_claim_name, "readOnly": True}})
    if _copies_adapters(platform, model):
        volumes.append({"name": "adapters", "emptyDir": {"sizeLimit": "8Gi"}})
    if model.gpus > 1:
        # NCCL and vLLM's shared-memory broadcast between tensor-parallel workers.
        volumes.append({"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{4 * model.gpus}Gi"}})
    return volumes


def render_deployment(platform: PlatformConfig, bucket: str, model: ResolvedModel, tools_digest: str) -> dict:
    budget = platform.startup_budget_seconds(model)
    labels = model_labels(model)
    gpus = str(model.gpus)
    mounts = _weight_mounts(platform) + [
        {"name": "cache", "mountPath": CACHE_PATH},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    if _copies_adapters(platform, model):
        mounts.append({"name": "adapters", "mountPath": ADAPTERS_PATH, "readOnly": True})
    if model.gpus > 1:
        mounts.append({"name": "shm", "mountPath": "/dev/shm"})
    health = {"path": "/health", "port": "http"}
    container = {
        "name": "vllm",
        "image": platform.serving.images.vllm,
        "imagePullPolicy": "IfNotPresent",
        "args": vllm_args(platform, bucket, model),
        "ports": [{"name": "http", "containerPort": VLLM_PORT, "protocol": "TCP"}],
        "env": _env(platform, model, budget),
        "resources": {
            "requests": {"cpu": model.cpu_request, "memory": model.memory_request, "nvidia.com/gpu": gpus},
            "limits": {"memory": model.memory_request, "nvidia.com/gpu": gpus},
        },
        # vLLM binds its port only once the engine is ready, so /health cannot pass early.
        "startupProbe": {"httpGet": health, "periodSeconds": PROBE_PERIOD_SECONDS, "timeoutSeconds": 5,
                         "failureThreshold": budget // PROBE_PERIOD_SECONDS},
        "readinessProbe": {"httpGet": health, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": health, "periodSeconds": 30, "timeoutSeconds": 10, "failureThreshold": 5},
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "10"]}}},  # let endpoints drop the pod first
        "securityContext": RESTRICTED_CONTAINER,
        "volumeMounts": mounts,
    }
    weights_key = WeightRef(model.config.repository, model.config.revision).key
    pod_spec = {
        "serviceAccountName": model.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 60,
        "nodeSelector": {GPU_POOL_LABEL: model.config.pool},
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": {"matchLabels": model_selector(model)}},
        ],
        "securityContext": {
            "runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "priorityClassName": SERVING_PRIORITY_CLASS,
        "initContainers": [_wait_for_weights(platform, bucket, model)],
        "containers": [container],
        "volumes": _volumes(platform, model),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(model.name, platform.serving.namespace, labels, {WEIGHTS_ANNOTATION: weights_key}),
        "spec": {
            # No replicas: KEDA owns the count. A surge replica comes up before an old one leaves,
            # so a model swap never drops capacity (the pool keeps one replica's GPUs free for it).
            "selector": {"matchLabels": model_selector(model)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "revisionHistoryLimit": 3,
            "progressDeadlineSeconds": budget + 900,
            "template": {
                "metadata": {"labels": labels, "annotations": {
                    WEIGHTS_ANNOTATION: weights_key,
                    "llm-platform.io/tools-digest": tools_digest,  # a new wait script rolls the pods (not a new preload one)
                    # Karpenter never disrupts a node voluntarily (consolidation, drift) while a
                    # replica runs on it, so no replica is evicted while it loads or serves. GPU nodes
                    # move to a new AMI on the next rollout, or at the NodePool's expireAfter.
                    "karpenter.sh/do-not-disrupt": "true",
                }},
                "spec": pod_spec,
            },
        },
    }


def render_pod_disruption_budget(platform: PlatformConfig, model: ResolvedModel) -> dict:
    """At most one replica down at a time for voluntary disruptions (node drains, consolidation)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": model_selector(model)}},
    }


def digest(*texts: str) -> str:
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
