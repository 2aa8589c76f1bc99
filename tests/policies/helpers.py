"""Hand-built, camelCase engine props for the policy tests (deliberately not produced by the renderers,
so a renderer bug cannot make a rule test pass), and small runners for one rule."""

from __future__ import annotations

import copy
import json
from typing import Any

from policies.rules import BY_NAME, ResourceView

SHA = "c03e6d358207e414f1eca0bb1891e29f1db0e242"
ADAPTER_SHA = "a" * 40
REPO = "Qwen/Qwen2.5-Coder-7B-Instruct"  # in the model catalog: 7.61B params, 28 layers, 4 KV heads x 128

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
HELM = "kubernetes:helm.sh/v3:Release"
BUCKET = "aws:s3/bucket:Bucket"
CLUSTER = "aws:eks/cluster:Cluster"


def urn(typ: str, name: str, parent_type: str | None = None) -> str:
    chain = f"{parent_type}${typ}" if parent_type else typ
    return f"urn:pulumi:dev::llm-platform::{chain}::{name}"


def view(typ: str, name: str, props: dict, parent_type: str | None = None, **options: Any) -> ResourceView:
    return ResourceView(urn=urn(typ, name, parent_type), type=typ, name=name, props=props, **options)


def violations(rule: str, typ: str, props: dict) -> list[str]:
    found = BY_NAME[rule]
    assert found.kind == "resource"
    return found.check(typ, props, urn(typ, "x"))


def stack_violations(rule: str, resources: list[ResourceView], config: dict | None = None) -> list:
    found = BY_NAME[rule]
    assert found.kind == "stack"
    return found.check(resources, config or {})


def changed(props: dict, mutate) -> dict:
    """A deep copy of `props` after `mutate(copy)`."""
    other = copy.deepcopy(props)
    mutate(other)
    return other


# ---- a vLLM model, by hand ------------------------------------------------------------------------


def vllm_container(d: dict) -> dict:
    return d["spec"]["template"]["spec"]["containers"][0]


def vllm_deployment(name: str = "coder", pool: str = "l4", gpus: int = 1, args: list[str] | None = None,
                    repository: str = REPO, revision: str = SHA) -> dict:
    model_path = f"/models/{repository}/{revision}"
    labels = {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": name,
              "llm-platform.io/model": name, "llm-platform.io/gpu-pool": pool}
    probe = {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10}
    base_args = [model_path, "--served-model-name", name, "--max-model-len", "32768",
                 "--gpu-memory-utilization", "0.92", "--quantization", "fp8"]
    if gpus > 1:
        base_args += ["--tensor-parallel-size", str(gpus)]
    weights = json.dumps([{"want": f"{repository}@{revision}", "target": model_path}])
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "llm", "labels": labels,
                     "annotations": {"llm-platform.io/weights": f"{repository}@{revision}"}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": labels, "annotations": {"llm-platform.io/weights": f"{repository}@{revision}"}},
                "spec": {
                    "nodeSelector": {"llm-platform.io/gpu-pool": pool},
                    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
                    "initContainers": [{
                        "name": "wait-for-weights",
                        "image": "vllm/vllm-openai:v0.33.0",
                        "env": [{"name": "WEIGHTS", "value": weights}],
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    }],
                    "containers": [{
                        "name": "vllm",
                        "image": "vllm/vllm-openai:v0.33.0",
                        "args": base_args + (args or []),
                        "env": [{"name": "HF_HUB_OFFLINE", "value": "1"}],
                        "resources": {"requests": {"cpu": "4", "nvidia.com/gpu": str(gpus)},
                                      "limits": {"memory": "16Gi", "nvidia.com/gpu": str(gpus)}},
                        "startupProbe": dict(probe, failureThreshold=120),
                        "readinessProbe": probe,
                        "livenessProbe": probe,
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    }],
                },
            },
        },
    }


def node_pool(pool: str = "l4", gpu: str = "L4", limit: int | str = 4) -> dict:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": f"gpu-{pool}", "labels": {"llm-platform.io/gpu-pool": pool}},
        "spec": {
            "template": {
                "metadata": {"labels": {"llm-platform.io/gpu-pool": pool, "llm-platform.io/gpu": gpu}},
                "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                         "requirements": [{"key": "karpenter.k8s.aws/instance-gpu-name", "operator": "In",
                                           "values": [gpu.lower()]}]},
            },
            "limits": {"nvidia.com/gpu": limit},
        },
    }


def pdb(name: str = "coder", max_unavailable: int = 1) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "namespace": "llm"},
            "spec": {"maxUnavailable": max_unavailable,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": name}}}}


def network_policy(name: str = "coder") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "llm"},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": name}},
                     "policyTypes": ["Ingress", "Egress"],
                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                         "kubernetes.io/metadata.name": "envoy-gateway-system"}}}],
                                  "ports": [{"port": 8000, "protocol": "TCP"}]}]}}


def scaled_object(name: str = "coder", low: int | None = 1, high: int | None = 2) -> dict:
    spec: dict = {"scaleTargetRef": {"name": name}, "triggers": [{"type": "prometheus", "metadata": {}}]}
    if low is not None:
        spec["minReplicaCount"] = low
    if high is not None:
        spec["maxReplicaCount"] = high
    return {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": name, "namespace": "llm"}, "spec": spec}


def model_stack(deployment: dict | None = None, pool: dict | None = None, scaler: dict | None = None,
                with_pdb: bool = True, with_network_policy: bool = True) -> list[ResourceView]:
    """One model's resources next to its pool: what the stack rules need to see."""
    d = deployment or vllm_deployment()
    name = d["metadata"]["name"]
    found = [view(DEPLOYMENT, f"{name}-deployment", d, "llm-platform:serving:ModelRelease"),
             view(NODE_POOL, "gpu-pool-node-pool", pool or node_pool(), "llm-platform:aws:GpuPool")]
    found.append(view(SCALED_OBJECT, f"{name}-scaled-object", scaler or scaled_object(name)))
    if with_pdb:
        found.append(view(PDB, f"{name}-pdb", pdb(name)))
    if with_network_policy:
        found.append(view(NETWORK_POLICY, f"{name}-network-policy", network_policy(name)))
    return found


def messages(found: list[tuple[str, str | None]]) -> list[str]:
    return [m for m, _ in found]
