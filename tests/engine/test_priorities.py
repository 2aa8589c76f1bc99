"""Every long-running platform pod has a priority class the plan creates, over the real renders."""

from __future__ import annotations

import pytest

from infra.render.priority import SERVICES_PRIORITY_CLASS, SERVING_PRIORITY_CLASS, render_priority_classes
from infra.validation.k8s_schema import validate_object
from tests.conftest import REFERENCE_STACKS, reference_plan

from .test_helm_releases import applied_objects

_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
# Without one: charts with no priority class value (the AI Gateway controller, the semantic router),
# one-shot Jobs (certificate generation, the operator's cleanup hook, weight preloads: batch work that
# may wait), and per-node agents the platform leaves at the default (node exporter, the log shipper).
UNPRIORITISED = {"ai-gateway-controller", "semantic-router", "eg-gateway-helm-certgen",
                 "vm-victoria-metrics-operator-cleanup-hook", "vm-prometheus-node-exporter", "vl-vector"}


def _pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_long_running_platform_pods_have_a_priority_class_the_plan_creates(stack):
    plan = reference_plan(stack)
    created = {o["metadata"]["name"] for o in plan.kubernetes_objects() if o["kind"] == "PriorityClass"}
    assert created == {SERVICES_PRIORITY_CLASS, SERVING_PRIORITY_CLASS}
    namespaces = {o["metadata"]["name"] for o in plan.kubernetes_objects() if o["kind"] == "Namespace"}
    objects = applied_objects(stack)
    classes, missing = {}, set()
    for obj in objects:
        if obj["kind"] not in _WORKLOADS or obj["metadata"].get("namespace") not in namespaces:
            continue
        name = _pod_spec(obj).get("priorityClassName")
        if name is None:
            missing.add(obj["metadata"]["name"])
        else:
            classes[obj["metadata"]["name"]] = name
    preloads = {n for n in missing if n.startswith("preload-")}
    assert missing - preloads <= UNPRIORITISED, sorted(missing - preloads - UNPRIORITISED)
    # the pods operators create: from the VictoriaMetrics custom resources and the EnvoyProxy
    for obj in objects:
        if obj["kind"] in ("VMSingle", "VMAgent", "VMAlert", "VMAlertmanager"):
            classes[obj["kind"]] = obj["spec"]["priorityClassName"]
        if obj["kind"] == "EnvoyProxy":
            classes["envoy"] = obj["spec"]["provider"]["kubernetes"]["envoyDeployment"]["pod"]["priorityClassName"]
    assert {"VMSingle", "VMAgent", "VMAlert", "VMAlertmanager", "envoy"} <= classes.keys()
    assert set(classes.values()) <= created
    models = {m.name for m in plan.platform.resolved_models}
    assert {n for n, c in classes.items() if c == SERVING_PRIORITY_CLASS} == models
    assert len([c for c in classes.values() if c == SERVICES_PRIORITY_CLASS]) >= 10


def test_the_classes_are_valid_and_below_the_system_ones():
    for obj in render_priority_classes():
        assert validate_object(obj, "1.35") == []
        assert 0 < obj["value"] < 1_000_000_000 and obj["globalDefault"] is False
