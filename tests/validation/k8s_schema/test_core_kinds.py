"""Built-in kinds against the strict upstream schemas, and the Kubernetes versions accepted."""

from __future__ import annotations

from collections.abc import Callable

import kubernetes_validate
import pytest

from infra.validation.k8s_schema import UnsupportedKubernetesVersionError, validate_object
from tests.validation.k8s_schema.objects import (
    CORE_VALID,
    K8S,
    Obj,
    config_map,
    deployment,
    only_error,
    pod_disruption_budget,
    service,
)


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
    assert only_error(validate_object(obj, K8S)) == (
        "Deployment/llm/vllm-llama-3-8b: $.spec.template.spec.containers[0].imagePullPolicyy: unknown field"
    )


def test_deployment_wrong_type_names_its_path() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "3"
    error = only_error(validate_object(obj, K8S))
    assert error.startswith("Deployment/llm/vllm-llama-3-8b: $.spec.replicas: ")
    assert "expected integer" in error and "got string" in error


def test_deployment_missing_required_field_names_its_path() -> None:
    obj = deployment()
    del obj["spec"]["selector"]
    assert only_error(validate_object(obj, K8S)) == (
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
    error = only_error(validate_object(obj, K8S))
    assert "$.kind: Kubernetes 1.34 has no built-in kind PodDisruptionBudget in policy/v1beta1" in error


def test_misspelt_core_kind_fails() -> None:
    obj = deployment()
    obj["kind"] = "Deploymnet"
    assert "no built-in kind Deploymnet in apps/v1" in only_error(validate_object(obj, K8S))


def test_service_name_must_be_dns1035_label() -> None:
    obj = service()
    obj["metadata"]["name"] = "1-vllm"
    error = only_error(validate_object(obj, K8S))
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
    assert "$.metadata.name: invalid name" in only_error(validate_object(role, K8S))


@pytest.mark.parametrize("version", ["1.34", "v1.34", "1.34.2", "1.37"])
def test_supported_version_spellings(version: str) -> None:
    assert validate_object(deployment(), version) == []


@pytest.mark.parametrize("version", ["1.24", "1.99", "latest", ""])
def test_unsupported_kubernetes_version_raises(version: str) -> None:
    with pytest.raises(UnsupportedKubernetesVersionError):
        validate_object(deployment(), version)
