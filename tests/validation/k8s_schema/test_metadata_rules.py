"""Names, namespaces, labels: the rules the OpenAPI schemas cannot express."""

from __future__ import annotations

import pytest

from infra.validation.k8s_schema import validate_object
from tests.validation.k8s_schema.objects import K8S, only_error, scaled_object, vm_rule, vm_service_scrape


@pytest.mark.parametrize("name", ["Vllm", "vllm_llama", "-vllm", "vllm.", "a" * 254, ""])
def test_bad_custom_resource_name_fails(name: str) -> None:
    obj = scaled_object()
    obj["metadata"]["name"] = name
    assert "$.metadata.name: " in only_error(validate_object(obj, K8S))


def test_missing_name_fails() -> None:
    obj = vm_rule()
    del obj["metadata"]["name"]
    assert only_error(validate_object(obj, K8S)) == (
        "VMRule/monitoring/<unnamed>: $.metadata.name: required field is missing or empty"
    )


def test_bad_namespace_fails() -> None:
    obj = vm_rule()
    obj["metadata"]["namespace"] = "Monitoring"
    assert "$.metadata.namespace: invalid namespace 'Monitoring'" in only_error(validate_object(obj, K8S))


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
    assert fragment in only_error(validate_object(obj, K8S))
