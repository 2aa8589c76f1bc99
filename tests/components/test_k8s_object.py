"""Every Kubernetes object goes through the class the provider expects for it."""

from __future__ import annotations

import pulumi
import pytest

from components.k8s_object import built_in_groups, register, typed_kinds

def test_the_typed_table_comes_from_the_sdk_and_covers_core_and_named_groups():
    table = typed_kinds()
    assert len(table) > 300  # every group/version/kind of pulumi_kubernetes 4.x, not a hand list
    for api_version, kind in (("v1", "PersistentVolume"), ("v1", "Secret"), ("apps/v1", "StatefulSet"),
                              ("rbac.authorization.k8s.io/v1", "ClusterRole"),
                              ("apiextensions.k8s.io/v1", "CustomResourceDefinition")):
        assert (api_version, kind) in table
    assert not any(kind.endswith("Patch") for _, kind in table)
    assert ("karpenter.sh/v1", "NodePool") not in table


@pytest.mark.parametrize(("obj", "token"), [
    ({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "weights"}, "spec": {}},
     "kubernetes:core/v1:PersistentVolume"),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}},
     "kubernetes:core/v1:Secret"),
    ({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu"}, "spec": {}},
     "kubernetes:karpenter.sh/v1:NodePool"),
])
def test_register_picks_the_typed_class_or_a_custom_resource(pulumi_mocks, obj, token):
    pulumi.runtime.test(lambda: register("thing", obj, pulumi.ResourceOptions()))()
    assert pulumi_mocks.named("thing").type == token


def test_a_built_in_kind_at_a_version_the_sdk_lacks_is_refused(pulumi_mocks):
    obj = {"apiVersion": "apps/v9", "kind": "Deployment", "metadata": {"name": "x"}}
    with pytest.raises(ValueError, match="built-in kind .* allowed: a version it has, e.g. apps/v1"):
        pulumi.runtime.test(lambda: register("x", obj, pulumi.ResourceOptions()))()


def _sdk_token(api_version: str, kind: str) -> str:
    return f"kubernetes:{'core/' if '/' not in api_version else ''}{api_version}:{kind}"


def test_no_built_in_kind_is_a_custom_resource_and_every_token_has_a_group_and_version(any_reference_plan):
    """The provider's Check rejects `kubernetes:v1:Kind` ("apiVersion does not have both a group and a version")."""
    objects = [r for r in any_reference_plan.resources if r.custom and r.type.startswith("kubernetes:")]
    assert len(objects) > 30
    for r in objects:
        _, api, _ = r.type.split(":")
        group, _, version = api.rpartition("/")
        assert group and version, f"{r.name}: token {r.type} lacks a group or a version"
        if "kind" not in r.inputs:  # Helm releases
            continue
        api_version, kind = r.inputs["apiVersion"], r.inputs["kind"]
        if (api_version.rpartition("/")[0], kind) in built_in_groups():
            assert r.type == _sdk_token(api_version, kind), f"{r.name}: built-in {kind} registered as {r.type}"
        else:
            assert r.type == f"kubernetes:{api_version}:{kind}", r.name
