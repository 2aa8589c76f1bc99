"""Every problem reported as one line, in input order, without raising or mutating."""

from __future__ import annotations

import copy

from infra.validation.k8s_schema import validate_object, validate_objects
from tests.validation.k8s_schema.objects import K8S, config_map, node_pool, scaled_object, service, vm_rule


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
