"""The offline Pod Security Admission checks refuse what the admission plugin refuses."""

from __future__ import annotations

import copy

import pytest

from infra.validation.pod_security import violations

RESTRICTED_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
                        "seccompProfile": {"type": "RuntimeDefault"}}


def deployment(container_ctx=None, pod=None, volumes=None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {**(pod or {}), "volumes": volumes or [],
                                           "containers": [{"name": "c", "image": "i:1",
                                                           "securityContext": container_ctx or {}}]}}}}


def test_a_restricted_pod_is_admitted_everywhere():
    for level in ("privileged", "baseline", "restricted"):
        assert violations(deployment(RESTRICTED_CONTAINER, volumes=[{"name": "t", "emptyDir": {}}]), level) == []


@pytest.mark.parametrize(("change", "found"), [
    (lambda d: d["spec"]["template"]["spec"].update(hostNetwork=True), "hostNetwork"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"].update(privileged=True), "privileged"),
    (lambda d: d["spec"]["template"]["spec"]["volumes"].append({"name": "h", "hostPath": {"path": "/"}}), "hostPath"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"].update(
        add=["SYS_ADMIN"]), "capabilities"),
    (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(ports=[{"containerPort": 80, "hostPort": 80}]),
     "hostPort"),
])
def test_baseline_refuses_host_access_and_privilege(change, found):
    obj = deployment(copy.deepcopy(RESTRICTED_CONTAINER))
    change(obj)
    assert any(found in v for v in violations(obj, "baseline"))
    assert violations(obj, "privileged") == []


@pytest.mark.parametrize("key", ["allowPrivilegeEscalation", "capabilities", "runAsNonRoot", "seccompProfile"])
def test_restricted_needs_each_hardening_setting(key):
    ctx = {k: v for k, v in RESTRICTED_CONTAINER.items() if k != key}
    assert violations(deployment(ctx), "baseline") == []
    assert violations(deployment(ctx), "restricted")


def test_restricted_takes_pod_level_settings_and_refuses_other_volume_types():
    pod = {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}}
    ctx = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert violations(deployment(ctx, pod), "restricted") == []
    nfs = [{"name": "n", "nfs": {"server": "x", "path": "/"}}]
    assert any("volume" in v for v in violations(deployment(ctx, pod, nfs), "restricted"))
    assert violations(deployment({**ctx, "runAsUser": 0}, pod), "restricted")


def test_objects_without_pods_have_nothing_to_admit():
    assert violations({"kind": "ConfigMap", "metadata": {"name": "c"}}, "restricted") == []
    with pytest.raises(ValueError, match="allowed"):
        violations(deployment(), "strict")
