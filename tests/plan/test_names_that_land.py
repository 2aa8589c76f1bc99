"""Every name the plan produces fits where it lands: AWS names, what Pulumi auto-names (the logical
name, a dash and 7 random hex characters, pulumi-terraform-bridge's autonaming) and what the program
names itself, against the service's own limit; and Helm release names."""

import re

import pytest

from infra.plan.mocks import HELM_RELEASE
from tests.conftest import REFERENCE_STACKS, reference_plan

AUTONAME_SUFFIX = 8  # "-" + 7 hex
PREFIXED_UNIQUE_SUFFIX = 26  # terraform-plugin-sdk id.PrefixedUniqueId: a timestamp and a counter
# Name length limits (AWS API references: IAM CreateRole/CreatePolicy, EventBridge PutRule, SQS
# CreateQueue, EC2 CreateLaunchTemplate/CreateSecurityGroup, EKS CreateCluster, CloudWatch Logs
# CreateLogGroup, KMS CreateAlias).
LIMITS = {
    "aws:iam/role:Role": 64,
    "aws:iam/policy:Policy": 128,
    "aws:iam/rolePolicy:RolePolicy": 128,
    "aws:cloudwatch/eventRule:EventRule": 64,
    "aws:sqs/queue:Queue": 80,
    "aws:ec2/launchTemplate:LaunchTemplate": 128,
    "aws:ec2/securityGroup:SecurityGroup": 255,
    "aws:eks/cluster:Cluster": 100,
    "aws:cloudwatch/logGroup:LogGroup": 512,
    "aws:kms/alias:Alias": 256,
}


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_aws_name_fits_its_services_limit(stack):
    checked, too_long = 0, []
    for r in reference_plan(stack).resources:
        limit = LIMITS.get(r.type)
        if not r.custom or limit is None:
            continue
        name, prefix = r.inputs.get("name"), r.inputs.get("namePrefix")
        if isinstance(name, str):
            length = len(name)
        elif isinstance(prefix, str):  # the provider appends a unique 26-character suffix (id.PrefixedUniqueId)
            length = len(prefix) + PREFIXED_UNIQUE_SUFFIX
        else:
            length = len(r.name) + AUTONAME_SUFFIX
        checked += 1
        if length > limit:
            too_long.append(f"{r.type} {r.name}: {length} > {limit}")
    assert checked >= 10
    assert not too_long


HELM_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")  # helm's chartutil


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_helm_release_name_is_one_helm_accepts(stack):
    names = [r.inputs["name"] for r in reference_plan(stack).resources if r.type == HELM_RELEASE]
    assert len(names) >= 8
    assert all(len(n) <= 53 and HELM_RELEASE_NAME.match(n) for n in names), names  # Helm's release name limit
