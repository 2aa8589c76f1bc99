"""The scan's policy itself: what it accepts and refuses, every allowance with a reason, and no
exemption for an object that no stack applies any more (checkov itself runs in `make checkov`)."""

from __future__ import annotations

import pytest

from tests.conftest import REFERENCE_STACKS
from tests.engine.test_helm_releases import applied_objects
from tests.scan.policy import EXEMPT, SOFT, Finding, required_failures, resource_id


def test_a_finding_is_accepted_only_on_a_soft_check_or_an_exempted_objects_listed_check():
    plugin = "DaemonSet.kube-system.nvidia-device-plugin"
    findings = [Finding("CKV_K8S_43", "Deployment.llm.qwen-coder", "digest"),  # soft, anywhere
                Finding("CKV_K8S_23", plugin, "root"),  # exempted for this object
                Finding("CKV_K8S_16", plugin, "privileged"),  # not among its exemptions
                Finding("CKV_K8S_23", "Deployment.llm.qwen-coder", "root")]  # not exempted there
    assert [f.line for f in required_failures(findings)] == [
        f"CKV_K8S_16 {plugin}: privileged", "CKV_K8S_23 Deployment.llm.qwen-coder: root"]


def test_every_allowance_says_why():
    assert all(len(reason) > 40 for reason in SOFT.values())
    assert all(len(e.reason) > 40 and e.checks for e in EXEMPT.values())
    assert not any(set(e.checks) & set(SOFT) for e in EXEMPT.values())  # no double allowance


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_the_ids_are_checkovs_for_the_objects_applied(stack):
    ids = {resource_id(o) for o in applied_objects(stack)}
    assert "Deployment.llm.qwen-coder" in ids and "ClusterRole.default.cert-manager-cainjector" in ids


def test_no_exemption_outlives_its_object():
    applied = {resource_id(o) for stack in REFERENCE_STACKS for o in applied_objects(stack)}
    assert sorted(set(EXEMPT) - applied) == []
