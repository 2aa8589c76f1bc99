"""Valid objects (factories, so each test may mutate its own copy) and helpers the schema tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


K8S = "1.34"

Obj = dict[str, Any]


def deployment() -> Obj:
    labels = {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "llama-3-8b"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "vllm-llama-3-8b", "namespace": "llm", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"labels": labels, "annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "serviceAccountName": "vllm",
                    "containers": [
                        {
                            "name": "vllm",
                            "image": "vllm/vllm-openai:v0.11.0",
                            "args": ["--model", "/models/llama-3-8b", "--port", "8000"],
                            "ports": [{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
                            "resources": {
                                "requests": {"cpu": "4", "memory": "32Gi", "nvidia.com/gpu": 1},
                                "limits": {"nvidia.com/gpu": 1},
                            },
                            "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 5},
                            "volumeMounts": [{"name": "shm", "mountPath": "/dev/shm"}],
                        }
                    ],
                    "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}],
                    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                },
            },
        },
    }


def service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "vllm-llama-3-8b", "namespace": "llm"},
        "spec": {
            "selector": {"app.kubernetes.io/name": "vllm"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def network_policy() -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "vllm-ingress", "namespace": "llm"},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "vllm"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway"}}}],
                    "ports": [{"port": 8000, "protocol": "TCP"}],
                }
            ],
        },
    }


def pod_disruption_budget() -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "vllm", "namespace": "llm"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "vllm"}}},
    }


def job() -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "model-download", "namespace": "llm"},
        "spec": {
            "backoffLimit": 3,
            "ttlSecondsAfterFinished": 600,
            "template": {
                "spec": {
                    "restartPolicy": "OnFailure",
                    "containers": [
                        {"name": "download", "image": "amazon/aws-cli:2.17.0", "command": ["aws", "s3", "sync"]}
                    ],
                }
            },
        },
    }


def service_account() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "vllm",
            "namespace": "llm",
            "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/vllm"},
        },
    }


def config_map() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "vllm-config", "namespace": "llm"},
        "data": {"chat-template.jinja": "{{ messages }}"},
    }


def scaled_object() -> Obj:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "vllm-llama-3-8b", "namespace": "llm"},
        "spec": {
            "scaleTargetRef": {"name": "vllm-llama-3-8b"},
            "minReplicaCount": 1,
            "maxReplicaCount": 4,
            "cooldownPeriod": 300,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600}},
                }
            },
            "triggers": [
                {
                    "type": "prometheus",
                    "metricType": "AverageValue",
                    "metadata": {
                        "serverAddress": "http://vmsingle-vm.monitoring.svc:8428",
                        "query": 'sum(vllm:num_requests_waiting{model_name="llama-3-8b"})',
                        "threshold": "5",
                    },
                }
            ],
        },
    }


def vm_service_scrape() -> Obj:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "vllm", "namespace": "llm", "labels": {"app.kubernetes.io/part-of": "llm-platform"}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "vllm"}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "15s"}],
        },
    }


def vm_rule() -> Obj:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMRule",
        "metadata": {"name": "vllm-alerts", "namespace": "monitoring"},
        "spec": {
            "groups": [
                {
                    "name": "vllm",
                    "interval": "30s",
                    "rules": [
                        {
                            "alert": "VLLMQueueBacklog",
                            "expr": "sum(vllm:num_requests_waiting) > 50",
                            "for": "5m",
                            "labels": {"severity": "warning"},
                            "annotations": {"summary": "vLLM requests are queueing"},
                        },
                        {"record": "vllm:requests_waiting:sum", "expr": "sum(vllm:num_requests_waiting)"},
                    ],
                }
            ]
        },
    }


def node_pool() -> Obj:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "gpu-g6"},
        "spec": {
            "template": {
                "metadata": {"labels": {"llm-platform/pool": "gpu-g6"}},
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu"},
                    "requirements": [
                        {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g6"]},
                        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
                    ],
                    "taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}],
                    "expireAfter": "720h",
                },
            },
            "limits": {"cpu": 1000, "memory": "4000Gi", "nvidia.com/gpu": 16},
            "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "10m"},
        },
    }


def ai_gateway_route() -> Obj:
    return {
        "apiVersion": "aigateway.envoyproxy.io/v1beta1",
        "kind": "AIGatewayRoute",
        "metadata": {"name": "llm", "namespace": "envoy-gateway"},
        "spec": {
            "parentRefs": [{"name": "llm-gateway", "kind": "Gateway", "group": "gateway.networking.k8s.io"}],
            "rules": [
                {
                    "matches": [{"headers": [{"type": "Exact", "name": "x-ai-eg-model", "value": "llama-3-8b"}]}],
                    "backendRefs": [{"name": "vllm-llama-3-8b"}],
                }
            ],
            "llmRequestCosts": [{"metadataKey": "llm_total_token", "type": "TotalToken"}],
        },
    }


CORE_VALID: dict[str, Callable[[], Obj]] = {
    "Deployment": deployment,
    "Service": service,
    "NetworkPolicy": network_policy,
    "PodDisruptionBudget": pod_disruption_budget,
    "Job": job,
    "ServiceAccount": service_account,
    "ConfigMap": config_map,
}

CUSTOM_VALID: dict[str, Callable[[], Obj]] = {
    "ScaledObject": scaled_object,
    "VMServiceScrape": vm_service_scrape,
    "VMRule": vm_rule,
    "NodePool": node_pool,
    "AIGatewayRoute": ai_gateway_route,
}


def only_error(errors: list[str]) -> str:
    assert len(errors) == 1, errors
    return errors[0]
