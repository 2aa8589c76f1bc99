"""Names that land in AWS and Kubernetes are checked against the target's own rules at config time."""

from __future__ import annotations

import json

import pytest

from infra.config import ConfigError
from infra.catalog.s3_buckets import default_bucket_name
from infra.config.base import bucket_name_problem
from infra.stack_file import load_stack_file
from tests.conftest import ROOT, reference_config, reference_stack_file

WEIGHTS = json.loads(reference_stack_file("dev").values["llm-platform:weights"])


@pytest.mark.parametrize("name", ["ab", "a" * 64, "My-Bucket", "-bucket", "bucket-", "a..b", "192.168.1.10",
                                  "xn--bucket", "sthree-bucket", "amzn-s3-demo-bucket", "bucket-s3alias",
                                  "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3"])
def test_bucket_names_s3_refuses_are_refused(name):
    assert bucket_name_problem(name) is not None
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", weights=WEIGHTS | {"bucketName": name})
    (line,) = caught.value.lines
    assert "llm-platform:weights.bucketName: " in line and "allowed: 3-63 of a-z 0-9 . -" in line


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket-1", "llm-platform-prod-weights"])
def test_bucket_names_s3_accepts_are_accepted(name):
    assert bucket_name_problem(name) is None


@pytest.mark.parametrize("stack", ["Prod", "dev_1", "-dev", "dev-", "a" * 43, "dev.eu"])
def test_a_stack_name_that_cannot_name_its_objects_is_refused(tmp_path, stack):
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    with pytest.raises(ConfigError) as caught:
        load_stack_file(path)
    (line,) = caught.value.lines
    assert line.startswith(f"{path}: stack name {stack!r} cannot name") and "allowed: 1-42 lowercase" in line


def test_the_longest_stack_name_still_gives_a_valid_default_bucket(tmp_path):
    stack = "a" * 42
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    assert load_stack_file(path).stack == stack
    for region in ("us-east-1", "ap-southeast-2", "us-gov-west-1", "me-central-1"):
        assert bucket_name_problem(default_bucket_name(stack, "123456789012", region)) is None


@pytest.mark.parametrize(("name", "says"), [
    ("weights-123456789012-eu-west-1-an", "is an account regional name of region eu-west-1, but the stack deploys "
                                          "to us-east-1; allowed: a name ending in -<account id>-us-east-1-an"),
])
def test_an_account_regional_bucket_name_of_another_region_is_refused(name, says):
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", weights=WEIGHTS | {"bucketName": name})
    (line,) = caught.value.lines
    assert f"llm-platform:weights.bucketName: {name!r} {says}" in line


MODELS = json.loads(reference_stack_file("dev").values["llm-platform:models"])


@pytest.mark.parametrize("name", ["default-deny", "weight-preload", "weight-tools", "model-weights"])
def test_a_model_named_like_an_object_every_model_shares_is_refused(name):
    models = [MODELS[0] | {"name": name}]
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", models=models)
    lines = [line for line in caught.value.lines if "models[0].name" in line]
    assert lines and "is the name of an object every model shares in namespace 'llm'" in lines[0]


def test_a_model_named_like_a_preload_job_and_its_service_account_is_refused():
    models = [MODELS[0] | {"name": "preload-qwen2-5-coder-c03e6d35-385ca3"}]  # a Job name pattern, within 40
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", models=models)
    (line,) = [line for line in caught.value.lines if "models[0].name" in line]
    assert "starts like the preload Jobs and their service accounts" in line
    assert "allowed: a name not starting with 'preload-'" in line


@pytest.mark.parametrize("section", ["serving", "observability"])
@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_kubernetes_own_namespaces_are_never_created(section, namespace):
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", **{section: {"namespace": namespace}})
    assert any(f"llm-platform:{section}.namespace: {namespace!r} belongs to Kubernetes" in line
               for line in caught.value.lines), caught.value.lines


def test_one_namespace_is_not_created_twice():
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", serving={"namespace": "monitoring"})
    assert any("llm-platform:serving.namespace: 'monitoring' is also observability.namespace" in line
               for line in caught.value.lines)


@pytest.mark.parametrize("namespace", ["keda", "external-secrets", "envoy-gateway-system", "envoy-ai-gateway-system",
                                       "semantic-router"])
def test_a_fixed_service_namespace_is_not_taken_by_a_configurable_one(namespace):
    for section in ({"serving": {"namespace": namespace}}, {"services": {"logs": {"namespace": namespace}}}):
        with pytest.raises(ConfigError) as caught:
            reference_config("dev", **section)
        assert any(f"namespace: {namespace!r} is the namespace of " in line for line in caught.value.lines), \
            caught.value.lines


def test_the_logs_namespace_is_not_another_configured_one():
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", services={"logs": {"namespace": "llm"}})
    assert any("llm-platform:serving.namespace: 'llm' is also services.logs.namespace" in line
               for line in caught.value.lines), caught.value.lines


def test_the_gateway_lives_where_envoy_gateway_runs_its_proxies():
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", gateway={"namespace": "gateway"})
    assert any("llm-platform:gateway.namespace: 'gateway' is not where Envoy Gateway runs" in line
               and "allowed: 'envoy-gateway-system'" in line for line in caught.value.lines), caught.value.lines


def test_a_created_clusters_name_leaves_room_for_the_system_node_group_name():
    from infra.config.cluster import MAX_CREATED_CLUSTER_NAME, NODE_GROUP_PREFIX_MAX, SYSTEM_NODE_GROUP_SUFFIX

    cluster = json.loads(reference_stack_file("dev").values["llm-platform:cluster"])
    longest = "c" * MAX_CREATED_CLUSTER_NAME
    assert len(longest + SYSTEM_NODE_GROUP_SUFFIX) == NODE_GROUP_PREFIX_MAX == 37
    assert reference_config("dev", cluster={**cluster, "name": longest}).cluster.name == longest
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", cluster={**cluster, "name": longest + "c"})
    assert caught.value.lines == [
        f"stacks/Pulumi.dev.yaml: llm-platform:cluster.name: '{longest}c' is 30 characters; the system node group is "
        f"named '{longest}c-system-' plus 26 characters, over EKS's 63; allowed: at most 29 characters for a "
        "cluster the platform creates"]
    # an existing cluster's name is AWS's; the platform derives no node group from it
    existing = {**cluster, "name": longest + "c" * 20, "existing": True}
    assert reference_config("dev", cluster=existing).cluster.existing


def test_gpu_node_group_prefixes_fit_for_the_longest_pool_name():
    from infra.config.cluster import NODE_GROUP_PREFIX_MAX
    from infra.render.aws.gpu_pool import object_name

    assert len(object_name("p" * 30) + "-") <= NODE_GROUP_PREFIX_MAX  # PoolName: at most 30 characters


def test_more_zones_than_the_region_has_is_refused_per_region():
    from infra.stack_file import platform_config

    values = dict(reference_stack_file("dev").values)
    network = json.loads(values["llm-platform:network"])
    def check(region: str, zones: int):
        return platform_config({**values, "aws:region": region,
                                "llm-platform:network": json.dumps({**network, "availabilityZones": zones})},
                               "stacks/Pulumi.dev.yaml", "llm-platform")

    with pytest.raises(ConfigError) as caught:
        check("us-west-1", 3)
    assert caught.value.lines == ["stacks/Pulumi.dev.yaml: llm-platform:network.availabilityZones: 3 zones, but "
                                  "us-west-1 has 2 that can hold an EKS cluster (us-west-1a, us-west-1c); allowed: 2 "
                                  "in us-west-1"]
    assert check("us-east-1", 5).network.availability_zones == 5  # six zones, one (use1-az3) without EKS
    with pytest.raises(ConfigError) as caught:
        check("us-east-1", 6)
    assert "allowed: 2 to 5 in us-east-1" in caught.value.lines[0]
    assert check("sa-east-1", 4).network.availability_zones == 4  # not listed: pulumi up looks its zones up


KEY = "arn:aws:kms:us-east-1:123456789012:key/0b5c4e7e-2f4a-4a8e-9d51-8a3c1b6f0e11"


@pytest.mark.parametrize(("weights", "says"), [
    ({"adopt": {"kmsKeyArn": KEY}}, "llm-platform:weights: adopt needs bucketName"),
    ({"bucketName": "kept", "adopt": {"kmsKeyArn": KEY.replace("us-east-1", "eu-west-1")}},
     "llm-platform:weights.adopt.kmsKeyArn: 'arn:aws:kms:eu-west-1:"),
    ({"bucketName": "kept", "adopt": {"kmsKeyArn": "alias/weights"}}, "llm-platform:weights.adopt.kmsKeyArn: "),
])
def test_adopting_needs_the_bucket_name_and_a_key_of_the_region(weights, says):
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", weights=WEIGHTS | weights)
    (line,) = caught.value.lines
    assert says in line
