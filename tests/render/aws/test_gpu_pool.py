"""GPU pools as data: Karpenter NodePool/EC2NodeClass, the managed node group alternative, and the
NVIDIA device plugin and DCGM exporter values."""

from __future__ import annotations

import re

import pytest

from infra.catalog.gpus import GPU_NAMES
from infra.catalog.platform_versions import (
    AL2023_AMI_VERSION,
    BOTTLEROCKET_AMI_VERSION,
    DCGM_EXPORTER,
    NVIDIA_DEVICE_PLUGIN,
    ami_alias,
)
from infra.config.gpu_pools import GpuPoolConfig
from infra.render.aws import gpu_pool
from infra.render.labels import GPU_POOL_LABEL
from infra.validation.k8s_schema import validate_object

from .test_karpenter import unknown_value_keys, upstream_values

CLUSTER = "llm-dev"
ROLE = "karpenter-node-role-1a2b3c"
K8S = "1.34"
FAMILIES = {"L4": ["g6"], "L40S": ["g6e"], "A10G": ["g5"], "A100": ["p4d"], "H100": ["p5"], "H200": ["p5e", "p5en"]}
CAPACITY_MIXES = (["spot", "on-demand"], ["on-demand"])


def pool(**fields) -> GpuPoolConfig:
    return GpuPoolConfig.model_validate({"gpu": "L4", "gpuLimit": 8, **fields})


def requirement(obj: dict, key: str) -> dict:
    (found,) = [r for r in obj["spec"]["template"]["spec"]["requirements"] if r["key"] == key]
    return found


def node_class(p: GpuPoolConfig, name: str = "l4") -> dict:
    return gpu_pool.ec2_node_class(name, p, CLUSTER, ROLE, K8S)


# ---- NodePool -----------------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", CAPACITY_MIXES, ids=["spot+on-demand", "on-demand"])
@pytest.mark.parametrize("gpu", GPU_NAMES)
def test_node_pool_and_node_class_are_schema_valid(gpu, capacity):
    p = pool(gpu=gpu, capacityTypes=capacity, gpuLimit=16)
    assert validate_object(gpu_pool.node_pool("main", p), K8S) == []
    assert validate_object(node_class(p, "main"), K8S) == []


@pytest.mark.parametrize("family", ["al2023", "bottlerocket"])
def test_node_class_is_schema_valid_for_both_ami_families(family):
    assert validate_object(node_class(pool(amiFamily=family)), K8S) == []


@pytest.mark.parametrize("gpu", GPU_NAMES)
def test_requirements_pin_the_family_and_the_gpu(gpu):
    p = pool(gpu=gpu, gpuLimit=16)
    obj = gpu_pool.node_pool("main", p)
    assert requirement(obj, "karpenter.k8s.aws/instance-family") == {
        "key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": FAMILIES[gpu]}
    assert requirement(obj, "karpenter.k8s.aws/instance-gpu-name")["values"] == [p.gpu_type.karpenter_name]
    assert requirement(obj, "kubernetes.io/arch")["values"] == ["amd64"]
    # unrestricted pools take every size of the family
    assert not [r for r in obj["spec"]["template"]["spec"]["requirements"]
                if r["key"] == "node.kubernetes.io/instance-type"]


def test_instance_types_restrict_the_pool_when_given():
    obj = gpu_pool.node_pool("l4", pool(instanceTypes=["g6.xlarge", "g6.12xlarge"]))
    assert requirement(obj, "node.kubernetes.io/instance-type")["values"] == ["g6.xlarge", "g6.12xlarge"]


@pytest.mark.parametrize("capacity", CAPACITY_MIXES)
def test_capacity_types(capacity):
    obj = gpu_pool.node_pool("l4", pool(capacityTypes=capacity))
    assert requirement(obj, "karpenter.sh/capacity-type")["values"] == capacity


def test_every_requirement_with_in_has_values():
    # a CEL rule of the CRD (not evaluated by the schema validator)
    for gpu in GPU_NAMES:
        for r in gpu_pool.node_pool("p", pool(gpu=gpu, gpuLimit=16))["spec"]["template"]["spec"]["requirements"]:
            assert r["operator"] != "In" or r["values"], r


@pytest.mark.parametrize("limit", [1, 4, 24])
def test_gpu_limit(limit):
    obj = gpu_pool.node_pool("l4", pool(gpuLimit=limit))
    assert obj["spec"]["limits"] == {"nvidia.com/gpu": limit}


def test_nodes_carry_the_pool_label_the_models_select_and_the_gpu_taint_they_tolerate():
    obj = gpu_pool.node_pool("l4", pool())
    template = obj["spec"]["template"]
    assert template["metadata"]["labels"] == {GPU_POOL_LABEL: "l4", "llm-platform.io/gpu": "L4"}
    assert template["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]


def test_pool_labels_avoid_karpenters_restricted_domains():
    # CEL rules of the CRD (not evaluated by the schema validator)
    labels = gpu_pool.node_pool("l4", pool())["spec"]["template"]["metadata"]["labels"]
    for key in labels:
        domain = key.split("/", 1)[0]
        assert not domain.endswith(("karpenter.sh", "karpenter.k8s.aws")) and key != "kubernetes.io/hostname"


def test_disruption_is_gentle():
    obj = gpu_pool.node_pool("l4", pool())
    disruption = obj["spec"]["disruption"]
    assert disruption["consolidationPolicy"] == "WhenEmpty"
    assert disruption["consolidateAfter"] == "10m"
    assert disruption["budgets"] == [{"nodes": "1"}]
    spec = obj["spec"]["template"]["spec"]
    assert spec["expireAfter"] == "720h" and spec["terminationGracePeriod"] == "1h"


def test_node_pool_references_its_node_class():
    obj = gpu_pool.node_pool("l4", pool())
    assert obj["metadata"]["name"] == "gpu-l4"
    assert obj["spec"]["template"]["spec"]["nodeClassRef"] == {
        "group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": node_class(pool())["metadata"]["name"]}


def test_node_group_pool_is_not_a_node_pool():
    with pytest.raises(ValueError, match="not Karpenter"):
        gpu_pool.node_pool("res", pool(provisioner="nodeGroup"))


def test_pool_objects_are_named_after_the_pool():
    assert gpu_pool.node_pool("l4", pool())["metadata"]["name"] == "gpu-l4"  # pool names: config.base.PoolName


# ---- EC2NodeClass -------------------------------------------------------------------------------


def test_ami_alias_is_pinned_never_latest():
    for family in ("al2023", "bottlerocket"):
        (term,) = node_class(pool(amiFamily=family))["spec"]["amiSelectorTerms"]
        assert set(term) == {"alias"}
        alias = term["alias"]
        assert "latest" not in alias
        assert re.match(r"^[a-zA-Z0-9]+@v\d[\d.]*$", alias) and len(alias) <= 30  # the CRD's rules
    assert node_class(pool())["spec"]["amiSelectorTerms"] == [{"alias": f"al2023@{AL2023_AMI_VERSION}"}]
    assert AL2023_AMI_VERSION == "v20261119"
    assert node_class(pool(amiFamily="bottlerocket"))["spec"]["amiSelectorTerms"] == [
        {"alias": f"bottlerocket@{BOTTLEROCKET_AMI_VERSION}"}]


def test_bottlerocket_pin_has_no_kubernetes_137_variant():
    assert ami_alias("al2023", "1.37") == f"al2023@{AL2023_AMI_VERSION}"
    with pytest.raises(ValueError, match="no Kubernetes 1.37 variant"):
        gpu_pool.ec2_node_class("l4", pool(amiFamily="bottlerocket"), CLUSTER, ROLE, "1.37")


def test_unknown_ami_family_is_refused():
    with pytest.raises(ValueError, match="no pinned AMI release"):
        ami_alias("al2", K8S)


def test_node_class_uses_the_node_role_and_discovers_by_tag():
    spec = node_class(pool())["spec"]
    assert spec["role"] == ROLE
    assert spec["subnetSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": CLUSTER}}]
    assert spec["securityGroupSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": CLUSTER}}]
    assert spec["associatePublicIPAddress"] is False


def test_node_class_tags_avoid_the_restricted_keys():
    # CEL rules of the CRD (not evaluated by the schema validator)
    for key in node_class(pool())["spec"]["tags"]:
        assert key not in ("eks:eks-cluster-name", "karpenter.sh/nodepool", "karpenter.sh/nodeclaim",
                           "karpenter.k8s.aws/ec2nodeclass") and not key.startswith("kubernetes.io/cluster")


def test_volumes_are_encrypted_gp3_of_the_configured_size():
    al2023 = node_class(pool(rootVolumeGib=300))["spec"]["blockDeviceMappings"]
    assert al2023 == [{"deviceName": "/dev/xvda", "rootVolume": True,
                       "ebs": {"volumeSize": "300Gi", "volumeType": "gp3", "encrypted": True,
                               "deleteOnTermination": True}}]
    bottlerocket = node_class(pool(amiFamily="bottlerocket", rootVolumeGib=300))["spec"]["blockDeviceMappings"]
    assert [m["deviceName"] for m in bottlerocket] == ["/dev/xvda", "/dev/xvdb"]
    assert bottlerocket[1]["ebs"]["volumeSize"] == "300Gi"
    assert all(m["ebs"]["encrypted"] and m["ebs"]["volumeType"] == "gp3" for m in bottlerocket)


@pytest.mark.parametrize("gpu", GPU_NAMES)
def test_local_nvme_becomes_raid0(gpu):
    p = pool(gpu=gpu, gpuLimit=16)
    assert all(i.local_nvme_gb > 0 for i in p.instances)
    assert node_class(p)["spec"]["instanceStorePolicy"] == "RAID0"


def test_imds_v2_only_with_one_hop():
    assert node_class(pool())["spec"]["metadataOptions"] == {
        "httpEndpoint": "enabled", "httpProtocolIPv6": "disabled", "httpPutResponseHopLimit": 1,
        "httpTokens": "required"}


# ---- managed node group -------------------------------------------------------------------------


def reserved(**fields) -> GpuPoolConfig:
    return pool(**{"gpu": "H100", "gpuLimit": 16, "provisioner": "nodeGroup", "instanceTypes": ["p5.48xlarge"],
                   "capacityReservationId": "cr-0123456789abcdef0", **fields})


def test_node_group_args():
    args = gpu_pool.node_group_args("h100", reserved())
    assert args["ami_type"] == "AL2023_x86_64_NVIDIA"
    assert args["capacity_type"] == "ON_DEMAND"
    assert args["instance_types"] == ["p5.48xlarge"]
    assert args["labels"] == {GPU_POOL_LABEL: "h100", "llm-platform.io/gpu": "H100"}
    assert args["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    assert args["scaling_config"] == {"min_size": 2, "max_size": 2, "desired_size": 2}  # 16 GPUs / 8 per node


def test_node_group_never_exceeds_the_gpu_limit():
    p = reserved(gpuLimit=20)
    assert gpu_pool.node_group_size("h100", p) * p.max_gpus_per_node <= p.gpu_limit
    with pytest.raises(ValueError, match="less than one node"):  # refused by the config, before any render
        reserved(gpuLimit=4)


def test_node_group_has_one_capacity_type():
    args = gpu_pool.node_group_args("l4", pool(provisioner="nodeGroup", capacityTypes=["spot"]))
    assert args["capacity_type"] == "SPOT"
    with pytest.raises(ValueError, match="one capacity type"):  # refused by the config, before any render
        pool(provisioner="nodeGroup", capacityTypes=["spot", "on-demand"])


def test_bottlerocket_node_group():
    args = gpu_pool.node_group_args("l4", pool(provisioner="nodeGroup", amiFamily="bottlerocket"))
    assert args["ami_type"] == "BOTTLEROCKET_x86_64_NVIDIA"


def test_launch_template_targets_the_capacity_reservation():
    lt = gpu_pool.launch_template_args(reserved())
    assert lt["capacity_reservation_specification"] == {
        "capacity_reservation_target": {"capacity_reservation_id": "cr-0123456789abcdef0"}}
    assert lt["metadata_options"] == {"http_endpoint": "enabled", "http_tokens": "required",
                                      "http_put_response_hop_limit": 1}
    (root,) = lt["block_device_mappings"]
    assert root["ebs"]["encrypted"] == "true" and root["ebs"]["volume_size"] == 200
    assert "capacity_reservation_specification" not in gpu_pool.launch_template_args(pool(provisioner="nodeGroup"))


def test_karpenter_pool_is_not_a_node_group():
    with pytest.raises(ValueError, match="not a node group"):
        gpu_pool.node_group_args("l4", pool())


# ---- NVIDIA charts ------------------------------------------------------------------------------


def test_device_plugin_only_for_al2023_pools():
    pools = {"l4": pool(), "br": pool(amiFamily="bottlerocket"), "h100": reserved()}
    values = gpu_pool.device_plugin_values(pools)
    (term,) = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term == {"matchExpressions": [{"key": GPU_POOL_LABEL, "operator": "In", "values": ["h100", "l4"]}]}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    assert values["gfd"] == {"enabled": False}
    assert gpu_pool.device_plugin_values({"br": pool(amiFamily="bottlerocket")}) is None


def test_dcgm_exporter_on_every_gpu_node_without_service_monitor():
    pools = {"l4": pool(), "br": pool(amiFamily="bottlerocket")}
    values = gpu_pool.dcgm_exporter_values(pools)
    (term,) = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term["matchExpressions"][0]["values"] == ["br", "l4"]
    assert values["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert values["serviceMonitor"] == {"enabled": False}


def test_nvidia_chart_value_keys_exist_upstream():
    pools = {"l4": pool()}
    assert unknown_value_keys(gpu_pool.device_plugin_values(pools), upstream_values("nvidia-device-plugin")) == []
    assert unknown_value_keys(gpu_pool.dcgm_exporter_values(pools), upstream_values("dcgm-exporter")) == []


def test_nvidia_charts_are_pinned_to_the_vendored_versions():
    import yaml

    from .test_karpenter import SCHEMAS

    for chart, folder in ((NVIDIA_DEVICE_PLUGIN, "nvidia-device-plugin"), (DCGM_EXPORTER, "dcgm-exporter")):
        vendored = yaml.safe_load((SCHEMAS / "charts" / folder / "Chart.yaml").read_text())
        assert (chart.chart, chart.version) == (vendored["name"], vendored["version"])
        assert chart.repo.startswith("https://nvidia.github.io/")
