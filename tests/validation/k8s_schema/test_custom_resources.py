"""Custom resources against their vendored CRDs, with the Kubernetes semantics added."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from infra.validation.k8s_schema import SCHEMAS_DIR, validate_object
from tests.validation.k8s_schema.objects import (
    CUSTOM_VALID,
    K8S,
    Obj,
    node_pool,
    only_error,
    scaled_object,
    vm_rule,
    vm_service_scrape,
)


@pytest.mark.parametrize("factory", CUSTOM_VALID.values(), ids=CUSTOM_VALID.keys())
def test_valid_custom_resources_pass(factory: Callable[[], Obj]) -> None:
    assert validate_object(factory(), K8S) == []


def test_scaled_object_unknown_trigger_field_fails() -> None:
    obj = scaled_object()
    obj["spec"]["triggers"][0]["metricsType"] = "Value"
    assert only_error(validate_object(obj, K8S)) == (
        "ScaledObject/llm/vllm-llama-3-8b: $.spec.triggers[0].metricsType: unknown field"
    )


def test_scaled_object_trigger_metadata_is_an_open_string_map() -> None:
    obj = scaled_object()
    obj["spec"]["triggers"][0]["metadata"]["activationThreshold"] = "1"
    assert validate_object(obj, K8S) == []
    obj["spec"]["triggers"][0]["metadata"]["threshold"] = 5
    error = only_error(validate_object(obj, K8S))
    assert '$.spec.triggers[0].metadata.threshold: expected string, got integer' in error


def test_scaled_object_wrong_type_fails() -> None:
    obj = scaled_object()
    obj["spec"]["maxReplicaCount"] = "4"
    assert only_error(validate_object(obj, K8S)) == (
        "ScaledObject/llm/vllm-llama-3-8b: $.spec.maxReplicaCount: expected integer, got string"
    )


def test_custom_resource_missing_required_field_fails() -> None:
    obj = scaled_object()
    del obj["spec"]["scaleTargetRef"]
    assert "$.spec.scaleTargetRef: required field is missing" in only_error(validate_object(obj, K8S))


def test_custom_resource_enum_is_enforced() -> None:
    obj = node_pool()
    obj["spec"]["disruption"]["consolidationPolicy"] = "Sometimes"
    error = only_error(validate_object(obj, K8S))
    assert error.startswith("NodePool/-/gpu-g6: $.spec.disruption.consolidationPolicy: unsupported value")


def test_wrong_api_version_version_fails() -> None:
    obj = scaled_object()
    obj["apiVersion"] = "keda.sh/v1"
    error = only_error(validate_object(obj, K8S))
    assert "$.apiVersion: keda.sh/ScaledObject has no version 'v1'" in error
    assert "served versions: v1alpha1" in error


def test_unserved_version_fails() -> None:
    secret: Obj = {
        "apiVersion": "external-secrets.io/v1beta1",
        "kind": "ExternalSecret",
        "metadata": {"name": "hf-token", "namespace": "llm"},
        "spec": {},
    }
    assert "is not served" in only_error(validate_object(secret, K8S))
    secret["apiVersion"] = "external-secrets.io/v1"
    assert validate_object(secret, K8S) == []


def test_unknown_kind_in_vendored_group_fails() -> None:
    obj = scaled_object()
    obj["kind"] = "ScaledWidget"
    assert "no schema for group/kind keda.sh/ScaledWidget" in only_error(validate_object(obj, K8S))


def test_kind_of_unvendored_group_fails() -> None:
    obj = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "vllm"}}
    error = only_error(validate_object(obj, K8S))
    assert "no schema for group/kind monitoring.coreos.com/ServiceMonitor" in error
    assert "vendor its CRD into schemas/crds" in error


def test_custom_resource_metadata_is_checked_against_object_meta() -> None:
    obj = node_pool()
    obj["metadata"]["annotation"] = {"a": "b"}
    assert only_error(validate_object(obj, K8S)) == "NodePool/-/gpu-g6: $.metadata.annotation: unknown field"


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
    assert "$.spec.limits.cpu: " in only_error(validate_object(obj, K8S))


def test_nullable_accepts_null_and_non_nullable_rejects_it() -> None:
    obj = vm_service_scrape()
    obj["spec"]["endpoints"][0]["bearerTokenSecret"] = None  # nullable: true upstream
    assert validate_object(obj, K8S) == []
    obj["spec"]["endpoints"][0]["path"] = None
    assert "$.spec.endpoints[0].path: expected string, got null" in only_error(validate_object(obj, K8S))


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
    assert only_error(validate_object(policy, K8S)).endswith("$.spec.http3.enabled: unknown field")


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
    assert only_error(validate_object(agent, K8S)).endswith("$.spec.extraEnvz: unknown field")


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
