"""The offline plan's mocks answer as the real providers would, in shape if not in value."""

from __future__ import annotations

import re

import pytest

from infra.catalog.aws_zones import zones_of
from infra.plan.aws_shapes import ACCOUNT, physical_name, resource_id
from infra.plan.mocks import PlanMocks, existing_cluster, fake_outputs, random_string
from tests.conftest import reference_plan

RANDOM = "random:index/randomPassword:RandomPassword"


@pytest.mark.parametrize("inputs", [{"length": 48, "special": False}, {"length": 7}, {"length": 32, "upper": False,
                                    "numeric": False, "special": False}, {"length": 12, "overrideSpecial": "_%"}])
def test_random_strings_have_the_configured_length_and_alphabet(inputs):
    value = random_string("seed", inputs)
    assert len(value) == inputs["length"]
    if inputs.get("special") is False:
        assert value.isalnum()
    if inputs.get("upper") is False:
        assert value == value.lower()
    if "overrideSpecial" in inputs:
        assert set(value) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_%")


def test_random_strings_differ_per_resource_and_are_stable():
    a, b = (random_string(n, {"length": 32}) for n in ("a", "b"))
    assert a != b and a == random_string("a", {"length": 32})
    assert fake_outputs(RANDOM, "a", {"length": 32})["result"] == a


def test_random_minimums_are_honoured():
    value = random_string("m", {"length": 8, "minNumeric": 3, "minUpper": 2})
    assert sum(c.isdigit() for c in value) >= 3 and sum(c.isupper() for c in value) >= 2


def test_iam_arns_have_no_region_and_regional_arns_do():
    role = fake_outputs("aws:iam/role:Role", "r", {}, "eu-west-1")["arn"]
    policy = fake_outputs("aws:iam/policy:Policy", "p", {}, "eu-west-1")["arn"]
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/r-[0-9a-f]{{7}}", role)
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:policy/p-[0-9a-f]{{7}}", policy)
    queue = fake_outputs("aws:sqs/queue:Queue", "q", {"name": "named"}, "eu-west-1")
    assert queue["arn"] == f"arn:aws:sqs:eu-west-1:{ACCOUNT}:named"
    assert queue["url"] == f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/named"
    assert fake_outputs("aws:s3/bucket:Bucket", "b", {"bucket": "x"})["arn"] == "arn:aws:s3:::x"
    key = fake_outputs("aws:kms/key:Key", "k", {}, "eu-west-1")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key["keyId"])
    assert key["arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key['keyId']}"


def test_auto_names_get_pulumis_random_suffix_and_set_names_are_kept():
    assert re.fullmatch(r"karpenter-node-role-[0-9a-f]{7}", physical_name("aws:iam/role:Role", "karpenter-node-role", {}))
    assert physical_name("aws:iam/role:Role", "r", {"name": "fixed"}) == "fixed"
    assert re.fullmatch(r"weights-[0-9a-f]{7}", physical_name("aws:s3/bucket:Bucket", "Weights", {}))
    assert physical_name("aws:eks/addon:Addon", "coredns", {}) == "coredns"  # not auto-named


@pytest.mark.parametrize(("typ", "pattern"), [
    ("aws:ec2/vpc:Vpc", r"vpc-0[0-9a-f]{16}"), ("aws:ec2/subnet:Subnet", r"subnet-0[0-9a-f]{16}"),
    ("aws:ec2/securityGroup:SecurityGroup", r"sg-0[0-9a-f]{16}"), ("aws:ec2/natGateway:NatGateway", r"nat-0[0-9a-f]{16}"),
    ("aws:ec2/eip:Eip", r"eipalloc-0[0-9a-f]{16}"), ("aws:ec2/launchTemplate:LaunchTemplate", r"lt-0[0-9a-f]{16}"),
])
def test_ec2_ids_have_awss_format(typ, pattern):
    assert re.fullmatch(pattern, resource_id(typ, "x", {}))


def test_zones_are_the_regions_own_and_exclusions_apply():
    mocks = PlanMocks(region="ap-northeast-1")
    from pulumi.runtime import MockCallArgs

    found = mocks.call(MockCallArgs("aws:index/getAvailabilityZones:getAvailabilityZones",
                                    {"excludeZoneIds": ["apne1-az1"]}, ""))
    assert found["names"] == ["ap-northeast-1a", "ap-northeast-1d"]  # there is no ap-northeast-1b
    assert all(name.startswith("ap-northeast-1") for name, _ in zones_of("ap-northeast-1"))
    assert [n for n, _ in zones_of("sa-east-1")] == ["sa-east-1a", "sa-east-1b", "sa-east-1c"]


def test_the_caller_is_an_assumed_role_session_and_its_context_names_the_role():
    from pulumi.runtime import MockCallArgs

    mocks = PlanMocks()
    caller = mocks.call(MockCallArgs("aws:index/getCallerIdentity:getCallerIdentity", {}, ""))
    assert caller["arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")
    context = mocks.call(MockCallArgs("aws:iam/getSessionContext:getSessionContext", {"arn": caller["arn"]}, ""))
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/[\w+=,.@-]+", context["issuerArn"])


def test_an_existing_cluster_reports_its_vpc_and_subnets():
    found = existing_cluster("shared", "us-west-2")
    assert found["endpoint"].endswith(".gr7.us-west-2.eks.amazonaws.com")
    assert len(found["vpcConfig"]["subnetIds"]) == 2 and found["vpcConfig"]["vpcId"].startswith("vpc-0")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_generated_secrets_come_from_random_resources_in_the_plan(stack):
    plan = reference_plan(stack)
    randoms = {r.urn: r for r in plan.resources if r.type == RANDOM}
    secret = next(r for r in plan.resources if r.type == "kubernetes:core/v1:Secret"
                  and "admin-password" in r.inputs.get("stringData", {}))
    assert set(secret.property_dependencies["stringData"]) & set(randoms)
    assert secret.inputs["stringData"]["admin-password"] == "[secret]"  # never printed
    seed = next(r for r in randoms.values() if r.name.endswith("mcp-session-seed"))
    assert len(plan.mocks.output(seed.name, "result", RANDOM)) == seed.inputs["length"] == 48
    ai_gateway = next(r for r in plan.resources if r.name == "ai-gateway-release")
    assert seed.urn in ai_gateway.dependencies


def test_kubernetes_ids_are_namespace_slash_name():
    deployment = {"metadata": {"name": "vllm", "namespace": "llm"}}
    assert resource_id("kubernetes:apps/v1:Deployment", "x", deployment) == "llm/vllm"
    assert resource_id("kubernetes:core/v1:Namespace", "x", {"metadata": {"name": "llm"}}) == "llm"
    assert resource_id("kubernetes:helm.sh/v3:Release", "x", {"name": "keda", "namespace": "keda"}) == "keda/keda"
