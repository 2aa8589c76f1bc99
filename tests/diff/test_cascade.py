"""Replacements that follow from replacements: what `pulumi preview` would show, and the offline plans
alone cannot (the mocks give a new resource the old one's id)."""

from __future__ import annotations

import pytest

from infra.diff.compare import diff_plans
from infra.diff.text_output import render_text
from infra.plan.runner import Plan
from tests.conftest import reference_plan, reference_stack_file
from tests.diff.conftest import plan_of, reg


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """prod with its cluster renamed and its VPC on another CIDR."""
    def move(config):
        config["llm-platform:cluster"]["name"] = "llm-prod-2"
        config["llm-platform:network"]["vpcCidr"] = "10.60.0.0/16"

    base = reference_plan("prod")
    return base, diff_plans(base, plan_of(tmp_path_factory.mktemp("moved"), move), cost=False)


def _actions(diff) -> dict[str, str]:
    return {c.name: c.action for c in diff.resources}


def test_a_cluster_rename_replaces_what_is_named_after_it_and_everything_on_it(moved):
    base, diff = moved
    actions = _actions(diff)
    assert actions["cluster-eks"] == "replace"
    # named after the cluster: a new alias and log group name (the old log group is retained)
    assert actions["cluster-secrets-key-alias"] == actions["cluster-logs"] == "replace"
    # take the cluster's name in a property the provider cannot change in place
    assert actions["cluster-system"] == actions["cluster-deployer"] == actions["cluster-vpc-cni"] == "replace"
    # the Kubernetes provider now points at another cluster: every object it manages is created again
    assert actions["cluster"] == "replace"
    objects = [r.name for r in base.resources if r.custom and r.type.startswith("kubernetes:")]
    assert len(objects) > 100 and all(actions.get(name) == "replace" for name in objects)
    provider = next(c for c in diff.resources if c.name == "keda-namespace")
    assert [ch.path for ch in provider.changes if ch.replaces] == ["provider"]


def test_a_vpc_cidr_change_cascades_to_what_lives_in_the_vpc(moved):
    _, diff = moved
    actions = _actions(diff)
    assert actions["network-vpc"] == "replace"
    for name in ("network-private-us-east-1a", "network-public-rt", "network-private-rta-us-east-1a",
                 "network-nat-us-east-1a"):
        assert actions.get(name) == "replace", name
    subnet = next(c for c in diff.resources if c.name == "network-public-us-east-1b")
    assert any(ch.path == "cidrBlock" and ch.replaces for ch in subnet.changes)  # its own CIDR moved too
    rta = next(c for c in diff.resources if c.name == "network-private-rta-us-east-1a")
    (why,) = [ch for ch in rta.changes if ch.replaces]
    assert why.path == "subnetId" and "aws:ec2/subnet:Subnet network-private-us-east-1a is replaced" in why.new
    assert "network-private-rta-us-east-1a" in render_text(diff)


def test_a_replacement_cascades_only_through_properties_that_force_it(platform):
    vpc_old = reg("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    vpc_new = reg("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.1.0.0/16"})
    subnet = reg("aws:ec2/subnet:Subnet", "subnet", {"vpcId": "vpc-1", "cidrBlock": "10.1.0.0/24"},
                 property_dependencies={"vpcId": [vpc_new.urn]})
    tag = reg("aws:ec2/tag:Tag", "tag", {"resourceId": "vpc-1", "key": "a", "value": "b"},
              property_dependencies={"value": [vpc_new.urn]})  # a value the provider updates in place
    old_subnet = reg("aws:ec2/subnet:Subnet", "subnet", {"vpcId": "vpc-1", "cidrBlock": "10.1.0.0/24"})
    old_tag = reg("aws:ec2/tag:Tag", "tag", {"resourceId": "vpc-1", "key": "a", "value": "b"})
    stack = reference_stack_file("dev")
    diff = diff_plans(Plan(stack, platform, [vpc_old, old_subnet, old_tag]), Plan(stack, platform, [vpc_new, subnet, tag]),
                      cost=False)
    assert _actions(diff) == {"vpc": "replace", "subnet": "replace"}
    assert diff.unchanged == 1  # the tag


def test_replacing_protected_or_retained_resources_is_warned(moved):
    _, diff = moved
    protected = [w for w in diff.warnings if w.startswith("PROTECTED:")]
    assert len(protected) == 1 and "cluster-eks (aws:eks/cluster:Cluster)" in protected[0]
    assert "`pulumi up` stops there" in protected[0]
    retained = [w for w in diff.warnings if w.startswith("RETAINED:")]
    assert len(retained) == 1 and "cluster-logs (aws:cloudwatch/logGroup:LogGroup)" in retained[0]

