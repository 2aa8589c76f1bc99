"""Tests for infra.validation.k8s_schema and for the integrity of the vendored schemas/."""

from __future__ import annotations

import copy
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from infra.validation.k8s_schema import (
    SCHEMAS_DIR,
    UnsupportedKubernetesVersionError,
    validate_object,
    validate_objects,
)

K8S = "1.34"

Obj = dict[str, Any]


# --------------------------------------------------------------------------------------
# Valid objects (factories, so each test may mutate its own copy)
# --------------------------------------------------------------------------------------


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


def _only_error(errors: list[str]) -> str:
    assert len(errors) == 1, errors
    return errors[0]


# --------------------------------------------------------------------------------------
# Built-in kinds
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", CORE_VALID.values(), ids=CORE_VALID.keys())
def test_valid_core_objects_pass(factory: Callable[[], Obj]) -> None:
    assert validate_object(factory(), K8S) == []


@pytest.mark.parametrize("factory", CORE_VALID.values(), ids=CORE_VALID.keys())
def test_core_verdict_agrees_with_kubernetes_validate(factory: Callable[[], Obj]) -> None:
    """Our cached validator must judge like kubernetes_validate.validate(strict=True)."""
    good = factory()
    kubernetes_validate.validate(good, K8S, strict=True)  # raises if upstream disagrees
    bad = factory()
    bad["metadata"]["notAField"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S, strict=True)
    assert validate_object(bad, K8S) != []


def test_deployment_unknown_field_names_its_path() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert _only_error(validate_object(obj, K8S)) == (
        "Deployment/llm/vllm-llama-3-8b: $.spec.template.spec.containers[0].imagePullPolicyy: unknown field"
    )


def test_deployment_wrong_type_names_its_path() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "3"
    error = _only_error(validate_object(obj, K8S))
    assert error.startswith("Deployment/llm/vllm-llama-3-8b: $.spec.replicas: ")
    assert "expected integer" in error and "got string" in error


def test_deployment_missing_required_field_names_its_path() -> None:
    obj = deployment()
    del obj["spec"]["selector"]
    assert _only_error(validate_object(obj, K8S)) == (
        "Deployment/llm/vllm-llama-3-8b: $.spec.selector: required field is missing"
    )


def test_every_error_is_reported_not_just_the_first() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "3"
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8000"
    obj["spec"]["paused"] = "no"
    paths = {error.split(": ")[1] for error in validate_object(obj, K8S)}
    assert paths == {
        "$.spec.replicas",
        "$.spec.paused",
        "$.spec.template.spec.containers[0].ports[0].containerPort",
    }


def test_unknown_top_level_and_metadata_fields_fail() -> None:
    obj = config_map()
    obj["metadata"]["lables"] = {"a": "b"}
    obj["spce"] = {}
    errors = validate_object(obj, K8S)
    assert "ConfigMap/llm/vllm-config: $.metadata.lables: unknown field" in errors
    assert "ConfigMap/llm/vllm-config: $.spce: unknown field" in errors


def test_api_version_removed_from_kubernetes_fails() -> None:
    obj = pod_disruption_budget()
    obj["apiVersion"] = "policy/v1beta1"
    error = _only_error(validate_object(obj, K8S))
    assert "$.kind: Kubernetes 1.34 has no built-in kind PodDisruptionBudget in policy/v1beta1" in error


def test_misspelt_core_kind_fails() -> None:
    obj = deployment()
    obj["kind"] = "Deploymnet"
    assert "no built-in kind Deploymnet in apps/v1" in _only_error(validate_object(obj, K8S))


def test_service_name_must_be_dns1035_label() -> None:
    obj = service()
    obj["metadata"]["name"] = "1-vllm"
    error = _only_error(validate_object(obj, K8S))
    assert error.startswith("Service/llm/1-vllm: $.metadata.name: invalid name '1-vllm'")


def test_rbac_names_may_contain_colons() -> None:
    role: Obj = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "llm-platform:metrics-reader"},
        "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
    }
    assert validate_object(role, K8S) == []
    role["metadata"]["name"] = "llm/platform"
    assert "$.metadata.name: invalid name" in _only_error(validate_object(role, K8S))


# --------------------------------------------------------------------------------------
# Kubernetes versions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.34", "v1.34", "1.34.2", "1.37"])
def test_supported_version_spellings(version: str) -> None:
    assert validate_object(deployment(), version) == []


@pytest.mark.parametrize("version", ["1.24", "1.99", "latest", ""])
def test_unsupported_kubernetes_version_raises(version: str) -> None:
    with pytest.raises(UnsupportedKubernetesVersionError):
        validate_object(deployment(), version)


# --------------------------------------------------------------------------------------
# Custom resources
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", CUSTOM_VALID.values(), ids=CUSTOM_VALID.keys())
def test_valid_custom_resources_pass(factory: Callable[[], Obj]) -> None:
    assert validate_object(factory(), K8S) == []


def test_scaled_object_unknown_trigger_field_fails() -> None:
    obj = scaled_object()
    obj["spec"]["triggers"][0]["metricsType"] = "Value"
    assert _only_error(validate_object(obj, K8S)) == (
        "ScaledObject/llm/vllm-llama-3-8b: $.spec.triggers[0].metricsType: unknown field"
    )


def test_scaled_object_trigger_metadata_is_an_open_string_map() -> None:
    obj = scaled_object()
    obj["spec"]["triggers"][0]["metadata"]["activationThreshold"] = "1"
    assert validate_object(obj, K8S) == []
    obj["spec"]["triggers"][0]["metadata"]["threshold"] = 5
    error = _only_error(validate_object(obj, K8S))
    assert '$.spec.triggers[0].metadata.threshold: expected string, got integer' in error


def test_scaled_object_wrong_type_fails() -> None:
    obj = scaled_object()
    obj["spec"]["maxReplicaCount"] = "4"
    assert _only_error(validate_object(obj, K8S)) == (
        "ScaledObject/llm/vllm-llama-3-8b: $.spec.maxReplicaCount: expected integer, got string"
    )


def test_custom_resource_missing_required_field_fails() -> None:
    obj = scaled_object()
    del obj["spec"]["scaleTargetRef"]
    assert "$.spec.scaleTargetRef: required field is missing" in _only_error(validate_object(obj, K8S))


def test_custom_resource_enum_is_enforced() -> None:
    obj = node_pool()
    obj["spec"]["disruption"]["consolidationPolicy"] = "Sometimes"
    error = _only_error(validate_object(obj, K8S))
    assert error.startswith("NodePool/-/gpu-g6: $.spec.disruption.consolidationPolicy: unsupported value")


def test_wrong_api_version_version_fails() -> None:
    obj = scaled_object()
    obj["apiVersion"] = "keda.sh/v1"
    error = _only_error(validate_object(obj, K8S))
    assert "$.apiVersion: keda.sh/ScaledObject has no version 'v1'" in error
    assert "served versions: v1alpha1" in error


def test_unserved_version_fails() -> None:
    secret: Obj = {
        "apiVersion": "external-secrets.io/v1beta1",
        "kind": "ExternalSecret",
        "metadata": {"name": "hf-token", "namespace": "llm"},
        "spec": {},
    }
    assert "is not served" in _only_error(validate_object(secret, K8S))
    secret["apiVersion"] = "external-secrets.io/v1"
    assert validate_object(secret, K8S) == []


def test_unknown_kind_in_vendored_group_fails() -> None:
    obj = scaled_object()
    obj["kind"] = "ScaledWidget"
    assert "no schema for group/kind keda.sh/ScaledWidget" in _only_error(validate_object(obj, K8S))


def test_kind_of_unvendored_group_fails() -> None:
    obj = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "vllm"}}
    error = _only_error(validate_object(obj, K8S))
    assert "no schema for group/kind monitoring.coreos.com/ServiceMonitor" in error
    assert "vendor its CRD into schemas/crds" in error


@pytest.mark.parametrize("name", ["Vllm", "vllm_llama", "-vllm", "vllm.", "a" * 254, ""])
def test_bad_custom_resource_name_fails(name: str) -> None:
    obj = scaled_object()
    obj["metadata"]["name"] = name
    assert "$.metadata.name: " in _only_error(validate_object(obj, K8S))


def test_missing_name_fails() -> None:
    obj = vm_rule()
    del obj["metadata"]["name"]
    assert _only_error(validate_object(obj, K8S)) == (
        "VMRule/monitoring/<unnamed>: $.metadata.name: required field is missing or empty"
    )


def test_bad_namespace_fails() -> None:
    obj = vm_rule()
    obj["metadata"]["namespace"] = "Monitoring"
    assert "$.metadata.namespace: invalid namespace 'Monitoring'" in _only_error(validate_object(obj, K8S))


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("app.kubernetes.io/name", "-bad", "invalid label value"),
        ("app.kubernetes.io/name", "x" * 64, "invalid label value"),
        ("Bad_Prefix/name", "ok", "invalid label key"),
        ("trailing-", "ok", "invalid label key"),
    ],
)
def test_bad_labels_fail(key: str, value: str, fragment: str) -> None:
    obj = vm_service_scrape()
    obj["metadata"]["labels"] = {key: value}
    assert fragment in _only_error(validate_object(obj, K8S))


def test_custom_resource_metadata_is_checked_against_object_meta() -> None:
    obj = node_pool()
    obj["metadata"]["annotation"] = {"a": "b"}
    assert _only_error(validate_object(obj, K8S)) == "NodePool/-/gpu-g6: $.metadata.annotation: unknown field"


def test_unknown_top_level_custom_resource_field_fails() -> None:
    obj = vm_rule()
    obj["sepc"] = obj.pop("spec")
    errors = validate_object(obj, K8S)
    assert "VMRule/monitoring/vllm-alerts: $.sepc: unknown field" in errors


def test_int_or_string_accepts_both_and_nothing_else() -> None:
    obj = node_pool()
    obj["spec"]["limits"] = {"cpu": 1000, "memory": "4000Gi"}
    assert validate_object(obj, K8S) == []
    obj["spec"]["limits"]["cpu"] = True
    assert "$.spec.limits.cpu: " in _only_error(validate_object(obj, K8S))


def test_nullable_accepts_null_and_non_nullable_rejects_it() -> None:
    obj = vm_service_scrape()
    obj["spec"]["endpoints"][0]["bearerTokenSecret"] = None  # nullable: true upstream
    assert validate_object(obj, K8S) == []
    obj["spec"]["endpoints"][0]["path"] = None
    assert "$.spec.endpoints[0].path: expected string, got null" in _only_error(validate_object(obj, K8S))


def test_object_without_properties_rejects_fields() -> None:
    """``http3: {type: object}`` is a marker: the API server prunes any field put inside it."""
    policy: Obj = {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "ClientTrafficPolicy",
        "metadata": {"name": "llm", "namespace": "envoy-gateway"},
        "spec": {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "llm"}], "http3": {}},
    }
    assert validate_object(policy, K8S) == []
    policy["spec"]["http3"]["enabled"] = True
    assert _only_error(validate_object(policy, K8S)).endswith("$.spec.http3.enabled: unknown field")


def test_preserve_unknown_fields_is_open() -> None:
    agent: Obj = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMAgent",
        "metadata": {"name": "vmagent", "namespace": "monitoring"},
        "spec": {
            "remoteWrite": [{"url": "http://vmsingle-vm.monitoring.svc:8428/api/v1/write"}],
            "extraEnvs": [{"name": "GOMAXPROCS", "value": "2", "anythingGoes": {"x": 1}}],
        },
    }
    assert validate_object(agent, K8S) == []
    agent["spec"]["extraEnvz"] = []
    assert _only_error(validate_object(agent, K8S)).endswith("$.spec.extraEnvz: unknown field")


def _vendored_crds() -> list[tuple[str, str, str]]:
    """(group, served version, kind) of every vendored CRD, read straight from the YAML."""
    found = []
    for path in sorted((SCHEMAS_DIR / "crds").rglob("*.yaml")):
        crd = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                found.append((crd["spec"]["group"], version["name"], crd["spec"]["names"]["kind"]))
    return found


def test_every_vendored_crd_version_is_found_and_strict() -> None:
    crds = _vendored_crds()
    assert len(crds) >= 40
    for group, version, kind in crds:
        obj = {
            "apiVersion": f"{group}/{version}",
            "kind": kind,
            "metadata": {"name": "probe", "namespace": "default"},
            "spec": {"notAField": 1},
        }
        errors = validate_object(obj, K8S)
        assert f"{kind}/default/probe: $.spec.notAField: unknown field" in errors, (group, version, errors)


def test_non_object_inputs_are_reported_not_raised() -> None:
    assert validate_object({"kind": "ConfigMap", "metadata": {"name": "x"}}, K8S) == [
        "ConfigMap/-/x: $.apiVersion: required string field is missing or empty"
    ]
    assert validate_object({"apiVersion": "v1", "kind": "ConfigMap"}, K8S) == [
        "ConfigMap/-/<unnamed>: $.metadata: required object field is missing"
    ]


def test_validate_objects_concatenates_in_order() -> None:
    bad_service = service()
    bad_service["spec"]["ports"][0]["port"] = "80"
    bad_rule = vm_rule()
    bad_rule["spec"]["groups"][0]["interval"] = 30
    errors = validate_objects([config_map(), bad_service, node_pool(), bad_rule], K8S)
    prefixes = [error.split(": ")[0] for error in errors]
    assert prefixes == ["Service/llm/vllm-llama-3-8b", "VMRule/monitoring/vllm-alerts"]


def test_validation_does_not_mutate_the_input() -> None:
    obj = scaled_object()
    obj["spec"]["triggers"][0]["bogus"] = 1
    before = copy.deepcopy(obj)
    validate_object(obj, K8S)
    assert obj == before


# --------------------------------------------------------------------------------------
# Vendored data integrity
# --------------------------------------------------------------------------------------

_INDEX_FILES = {"SHA256SUMS", "SOURCES.md"}


def checksum_problems(root: Path) -> list[str]:
    """Mismatches between ``root/SHA256SUMS`` and the files under ``root``."""
    listed: dict[str, str] = {}
    for line in (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        listed[rel] = digest
    problems = []
    for rel, digest in sorted(listed.items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}: listed but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{rel}: checksum mismatch")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel not in listed and rel not in _INDEX_FILES:
            problems.append(f"{rel}: not listed in SHA256SUMS")
    return problems


def test_vendored_schemas_match_sha256sums() -> None:
    assert len((SCHEMAS_DIR / "SHA256SUMS").read_text().splitlines()) > 0
    assert checksum_problems(SCHEMAS_DIR) == []


def test_checksum_check_detects_tampering(tmp_path: Path) -> None:
    copy_root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, copy_root)
    target = copy_root / "crds" / "keda" / "keda.sh_scaledobjects.yaml"
    target.write_bytes(target.read_bytes().replace(b"minReplicaCount", b"minReplicaCounts", 1))
    (copy_root / "crds" / "keda" / "extra.yaml").write_text("{}\n")
    assert checksum_problems(copy_root) == [
        "crds/keda/keda.sh_scaledobjects.yaml: checksum mismatch",
        "crds/keda/extra.yaml: not listed in SHA256SUMS",
    ]


def test_every_vendored_file_has_provenance() -> None:
    sources = (SCHEMAS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    listed = [line.split("  ", 1)[1] for line in (SCHEMAS_DIR / "SHA256SUMS").read_text().splitlines()]
    missing = [rel for rel in listed if f"| `{rel}` |" not in sources]
    assert missing == []
