"""GpuPool and GpuNodeSoftware under mocks: Karpenter pools register a NodePool and an EC2NodeClass,
node-group pools an EKS managed node group; the NVIDIA charts are pinned releases."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.aws.gpu_node_software import GpuNodeSoftware, GpuNodeSoftwareArgs
from components.aws.gpu_pool import GpuPool, GpuPoolArgs
from infra.config.gpu_pools import GpuPoolConfig
from infra.plan.mocks import ACCOUNT
from infra.plan.runner import kubernetes_object, normalize
from infra.render.labels import GPU_POOL_LABEL
from infra.validation.k8s_schema import validate_object

CLUSTER = "llm-dev"
NODE_ROLE_NAME = "karpenter-node-role"
NODE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/gpu-node-role"
SUBNETS = ["subnet-0offline000000a", "subnet-0offline000000b"]


def pool(**fields) -> GpuPoolConfig:
    return GpuPoolConfig.model_validate({"gpu": "L4", "capacityTypes": ["spot", "on-demand"], "gpuLimit": 4,
                                         **fields})


def build(pool_name: str, config: GpuPoolConfig, kubernetes_version: str = "1.34") -> None:
    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        karpenter = pulumi.CustomResource("test:index:KarpenterRelease", "karpenter-release")
        GpuPool(pool_name, GpuPoolArgs(
            pool_name=pool_name, pool=config, cluster_name=CLUSTER, node_role_name=NODE_ROLE_NAME,
            node_role_arn=NODE_ROLE_ARN, private_subnet_ids=SUBNETS, kubernetes_version=kubernetes_version,
            k8s_provider=provider, depends_on=(karpenter,), tags={"llm-platform:stack": "dev"}))

    pulumi.runtime.test(construct)()


def as_object(registration) -> dict:
    return normalize(kubernetes_object(registration))  # integral floats back to ints (protobuf round trip)


def test_karpenter_pool_registers_node_class_and_node_pool(pulumi_mocks):
    build("l4", pool())
    component = pulumi_mocks.named("l4")
    assert component.type == "llm-platform:aws:GpuPool" and not component.custom
    node_class = pulumi_mocks.named("l4-node-class")
    node_pool = pulumi_mocks.named("l4-node-pool")
    assert node_class.type == "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
    assert node_pool.type == "kubernetes:karpenter.sh/v1:NodePool"
    assert node_class.parent == node_pool.parent == component.urn
    assert not pulumi_mocks.of_type("aws:eks/nodeGroup:NodeGroup")
    # what the engine receives is schema-valid
    assert validate_object(as_object(node_class), "1.34") == []
    assert validate_object(as_object(node_pool), "1.34") == []


def test_karpenter_pool_wiring(pulumi_mocks):
    build("l4", pool())
    node_class = pulumi_mocks.named("l4-node-class")
    node_pool = pulumi_mocks.named("l4-node-pool")
    spec = node_class.inputs["spec"]
    assert spec["role"] == NODE_ROLE_NAME
    assert spec["subnetSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": CLUSTER}}]
    assert spec["amiSelectorTerms"] == [{"alias": "al2023@v20261119"}]
    assert node_pool.inputs["spec"]["template"]["metadata"]["labels"][GPU_POOL_LABEL] == "l4"
    assert node_pool.inputs["spec"]["limits"] == {"nvidia.com/gpu": 4}
    karpenter = pulumi_mocks.named("karpenter-release")
    assert karpenter.urn in node_class.dependencies and karpenter.urn in node_pool.dependencies
    assert node_class.urn in node_pool.dependencies
    provider = pulumi_mocks.named("cluster")
    assert node_pool.provider.startswith(provider.urn) and node_class.provider.startswith(provider.urn)


def test_bottlerocket_on_a_cluster_newer_than_the_pinned_release_fails_at_plan_time(pulumi_mocks):
    with pytest.raises(ValueError, match="no Kubernetes 1.37 variant"):
        build("l4", pool(amiFamily="bottlerocket"), kubernetes_version="1.37")


def test_node_group_pool_registers_a_node_group_and_no_node_pool(pulumi_mocks):
    build("h100", pool(gpu="H100", capacityTypes=["on-demand"], gpuLimit=16, provisioner="nodeGroup",
                       instanceTypes=["p5.48xlarge"], capacityReservationId="cr-0123456789abcdef0"))
    assert not pulumi_mocks.of_type("kubernetes:karpenter.sh/v1:NodePool")
    assert not pulumi_mocks.of_type("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")
    (group,) = pulumi_mocks.of_type("aws:eks/nodeGroup:NodeGroup")
    inputs = group.inputs
    assert inputs["amiType"] == "AL2023_x86_64_NVIDIA"
    assert inputs["capacityType"] == "ON_DEMAND"
    assert inputs["instanceTypes"] == ["p5.48xlarge"]
    assert inputs["labels"][GPU_POOL_LABEL] == "h100"
    assert inputs["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert inputs["scalingConfig"] == {"minSize": 2, "maxSize": 2, "desiredSize": 2}
    assert inputs["nodeRoleArn"] == NODE_ROLE_ARN and inputs["subnetIds"] == SUBNETS
    assert inputs["clusterName"] == CLUSTER
    (template,) = pulumi_mocks.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["capacityReservationSpecification"] == {
        "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}}
    assert template.inputs["metadataOptions"]["httpTokens"] == "required"
    assert template.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    assert inputs["launchTemplate"]["id"] == pulumi_mocks.mocks.id_of("h100-launch-template")
    assert inputs["launchTemplate"]["id"].startswith("lt-0")
    assert "diskSize" not in inputs  # the disk is in the launch template
    assert group.parent == template.parent == pulumi_mocks.named("h100").urn


def build_software(pools: dict[str, GpuPoolConfig]) -> None:
    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        GpuNodeSoftware("gpu-software", GpuNodeSoftwareArgs(pools=pools, k8s_provider=provider))

    pulumi.runtime.test(construct)()


def test_gpu_node_software_installs_pinned_charts(pulumi_mocks):
    build_software({"l4": pool(), "br": pool(amiFamily="bottlerocket")})
    component = pulumi_mocks.named("gpu-software")
    assert component.type == "llm-platform:aws:GpuNodeSoftware"
    plugin = pulumi_mocks.named("gpu-software-device-plugin")
    dcgm = pulumi_mocks.named("gpu-software-dcgm-exporter")
    assert (plugin.inputs["chart"], plugin.inputs["version"]) == ("nvidia-device-plugin", "0.20.0")
    assert plugin.inputs["repositoryOpts"] == {"repo": "https://nvidia.github.io/k8s-device-plugin"}
    assert (dcgm.inputs["chart"], dcgm.inputs["version"]) == ("dcgm-exporter", "4.8.2")
    assert dcgm.inputs["repositoryOpts"] == {"repo": "https://nvidia.github.io/dcgm-exporter/helm-charts"}
    assert dcgm.inputs["values"]["serviceMonitor"] == {"enabled": False}
    # only the AL2023 pool gets the plugin; Bottlerocket brings its own
    term = plugin.inputs["values"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["l4"]
    assert plugin.parent == dcgm.parent == component.urn


def test_no_device_plugin_when_every_pool_is_bottlerocket(pulumi_mocks):
    build_software({"br": pool(amiFamily="bottlerocket")})
    releases = pulumi_mocks.of_type("kubernetes:helm.sh/v3:Release")
    assert [r.name for r in releases] == ["gpu-software-dcgm-exporter"]
