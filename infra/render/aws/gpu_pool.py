"""GPU capacity as plain data: Karpenter NodePool + EC2NodeClass per pool, the managed node group
alternative, and the values of the NVIDIA device plugin and DCGM exporter charts.

Model pods select GPU nodes by GPU_POOL_LABEL and tolerate the nvidia.com/gpu taint
(infra/render/model_workload.py), so every way of making a GPU node here sets both.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...catalog.platform_versions import ami_alias
from ...config.gpu_pools import GpuPoolConfig
from ..labels import GPU_POOL_LABEL, PART_OF
from .launch_template import launch_template_args as node_launch_template

GPU_LABEL = "llm-platform.io/gpu"  # the GPU type, e.g. "L4": handy for dashboards and ad-hoc selection
GPU_RESOURCE = "nvidia.com/gpu"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "true", "effect": "NoSchedule"}
GPU_TOLERATION = {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
DISCOVERY_TAG = "karpenter.sh/discovery"  # on the private subnets and the cluster security group

KARPENTER_GROUP = "karpenter.k8s.aws"
NODE_POOL_API = "karpenter.sh/v1"
NODE_CLASS_API = f"{KARPENTER_GROUP}/v1"

# GPU nodes take minutes to join and vLLM minutes more to load weights: replace them rarely, one at a time.
CONSOLIDATE_AFTER = "10m"  # an empty GPU node is released after 10 minutes (money, not churn)
EXPIRE_AFTER = "720h"  # at most 30 days old, so nodes pick up a newly pinned AMI without a manual roll
TERMINATION_GRACE_PERIOD = "1h"  # a drain blocked by a PDB is forced after an hour, not never
DISRUPTION_BUDGET = [{"nodes": "1"}]

# Bottlerocket keeps the OS on /dev/xvda and containers/images on the data volume /dev/xvdb.
_BOTTLEROCKET_OS_GIB = 4


def object_name(pool_name: str) -> str:
    """Name of the pool's NodePool and EC2NodeClass (the pool name is a PoolName: a DNS label of at
    most 30 characters, checked by the config)."""
    return f"gpu-{pool_name}"


def node_labels(pool_name: str, pool: GpuPoolConfig) -> dict[str, str]:
    return {GPU_POOL_LABEL: pool_name, GPU_LABEL: pool.gpu}


def _object_labels(pool_name: str) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi", GPU_POOL_LABEL: pool_name}


# ---- Karpenter ----------------------------------------------------------------------------------


def requirements(pool: GpuPoolConfig) -> list[dict]:
    found = [
        {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": list(pool.gpu_type.families)},
        {"key": "karpenter.k8s.aws/instance-gpu-name", "operator": "In", "values": [pool.gpu_type.karpenter_name]},
        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": list(pool.capacity_types)},
        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
        {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
    ]
    if pool.instance_types:
        found.insert(1, {"key": "node.kubernetes.io/instance-type", "operator": "In",
                         "values": [i.name for i in pool.instances]})
    return found


def node_pool(pool_name: str, pool: GpuPoolConfig) -> dict:
    """Karpenter v1 NodePool: the pool's GPU only, its capacity types, at most gpuLimit GPUs."""
    if pool.provisioner != "karpenter":
        raise ValueError(f"GPU pool {pool_name!r} is provisioned by {pool.provisioner}, not Karpenter")
    name = object_name(pool_name)
    return {
        "apiVersion": NODE_POOL_API,
        "kind": "NodePool",
        "metadata": {"name": name, "labels": _object_labels(pool_name)},
        "spec": {
            "template": {
                "metadata": {"labels": node_labels(pool_name, pool)},
                "spec": {
                    "nodeClassRef": {"group": KARPENTER_GROUP, "kind": "EC2NodeClass", "name": name},
                    "requirements": requirements(pool),
                    "taints": [dict(GPU_TAINT)],
                    "expireAfter": EXPIRE_AFTER,
                    "terminationGracePeriod": TERMINATION_GRACE_PERIOD,
                },
            },
            "limits": {GPU_RESOURCE: pool.gpu_limit},
            "disruption": {
                "consolidationPolicy": "WhenEmpty",
                "consolidateAfter": CONSOLIDATE_AFTER,
                "budgets": [dict(b) for b in DISRUPTION_BUDGET],
            },
        },
    }


def _ebs(gib: int) -> dict:
    return {"volumeSize": f"{gib}Gi", "volumeType": "gp3", "encrypted": True, "deleteOnTermination": True}


def block_device_mappings(pool: GpuPoolConfig) -> list[dict]:
    if pool.ami_family == "bottlerocket":
        return [
            {"deviceName": "/dev/xvda", "ebs": _ebs(_BOTTLEROCKET_OS_GIB)},
            {"deviceName": "/dev/xvdb", "ebs": _ebs(pool.root_volume_gib)},  # images, logs, kubelet
        ]
    return [{"deviceName": "/dev/xvda", "rootVolume": True, "ebs": _ebs(pool.root_volume_gib)}]


def ec2_node_class(pool_name: str, pool: GpuPoolConfig, cluster_name: str, node_role_name: str,
                   kubernetes_version: str) -> dict:
    """Karpenter v1 EC2NodeClass: pinned AMI alias, the node role, discovery by tag, encrypted gp3,
    local NVMe as RAID0 (every GPU family in the catalog has it), IMDSv2 only and one hop (pods use
    Pod Identity, not the node's credentials)."""
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": "EC2NodeClass",
        "metadata": {"name": object_name(pool_name), "labels": _object_labels(pool_name)},
        "spec": {
            "amiSelectorTerms": [{"alias": ami_alias(pool.ami_family, kubernetes_version)}],
            "role": node_role_name,
            "subnetSelectorTerms": [{"tags": {DISCOVERY_TAG: cluster_name}}],
            "securityGroupSelectorTerms": [{"tags": {DISCOVERY_TAG: cluster_name}}],
            "associatePublicIPAddress": False,
            "blockDeviceMappings": block_device_mappings(pool),
            "instanceStorePolicy": "RAID0",
            "metadataOptions": {
                "httpEndpoint": "enabled",
                "httpProtocolIPv6": "disabled",
                "httpPutResponseHopLimit": 1,
                "httpTokens": "required",
            },
            "tags": {"llm-platform:cluster": cluster_name, "llm-platform:gpu-pool": pool_name},
        },
    }


# ---- managed node group -------------------------------------------------------------------------

_NODE_GROUP_AMI = {"al2023": "AL2023_x86_64_NVIDIA", "bottlerocket": "BOTTLEROCKET_x86_64_NVIDIA"}
_NODE_GROUP_CAPACITY = {("on-demand",): "ON_DEMAND", ("spot",): "SPOT"}


def node_group_size(pool_name: str, pool: GpuPoolConfig) -> int:
    """A fixed node group: as many of its largest nodes as gpuLimit holds (never more GPUs than gpuLimit)."""
    return pool.gpu_limit // pool.max_gpus_per_node  # at least one: GpuPoolConfig checks gpuLimit >= one node


def node_group_args(pool_name: str, pool: GpuPoolConfig) -> dict:
    """Arguments of aws.eks.NodeGroup (Python names) that follow from the pool alone."""
    if pool.provisioner != "nodeGroup":
        raise ValueError(f"GPU pool {pool_name!r} is provisioned by {pool.provisioner}, not a node group")
    capacity = _NODE_GROUP_CAPACITY[tuple(pool.capacity_types)]  # one type: GpuPoolConfig checks it
    size = node_group_size(pool_name, pool)
    return {
        "ami_type": _NODE_GROUP_AMI[pool.ami_family],
        "capacity_type": capacity,
        "instance_types": [i.name for i in pool.instances],
        "labels": node_labels(pool_name, pool),
        "taints": [{"key": GPU_TAINT["key"], "value": GPU_TAINT["value"], "effect": "NO_SCHEDULE"}],
        "scaling_config": {"min_size": size, "max_size": size, "desired_size": size},
        "update_config": {"max_unavailable": 1},
    }


def launch_template_args(pool: GpuPoolConfig) -> dict:
    """Arguments of the node group's aws.ec2.LaunchTemplate (launch_template.py), with the capacity
    reservation when the pool has one."""
    return node_launch_template(pool.root_volume_gib,
                                _BOTTLEROCKET_OS_GIB if pool.ami_family == "bottlerocket" else None,
                                pool.capacity_reservation_id)


# ---- NVIDIA charts ------------------------------------------------------------------------------


def _pool_affinity(pool_names: list[str]) -> dict:
    expression = {"key": GPU_POOL_LABEL, "operator": "In", "values": sorted(pool_names)}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [expression]}]}}}


def device_plugin_pools(pools: Mapping[str, GpuPoolConfig]) -> list[str]:
    """Pools whose nodes need the device plugin: the AL2023 NVIDIA AMI has the driver but no device
    plugin; Bottlerocket's NVIDIA variants run their own (a second one would fight it)."""
    return sorted(name for name, pool in pools.items() if pool.ami_family == "al2023")


# The device plugin's container: a few tens of MiB in use; no CPU limit (no throttling).
DEVICE_PLUGIN_RESOURCES = {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}


def device_plugin_values(pools: Mapping[str, GpuPoolConfig]) -> dict | None:
    """Values of the nvidia-device-plugin chart, or None when no pool needs it. The chart's default
    affinity waits for node-feature-discovery labels; ours selects the AL2023 pools' nodes directly."""
    names = device_plugin_pools(pools)
    if not names:
        return None
    return {
        "devicePlugin": {"enabled": True},
        "gfd": {"enabled": False},  # no GPU feature discovery, hence no node-feature-discovery subchart
        "affinity": _pool_affinity(names),
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}, dict(GPU_TOLERATION)],
        "resources": dict(DEVICE_PLUGIN_RESOURCES),  # both DaemonSets (plugin, MPS control daemon)
    }


def dcgm_exporter_values(pools: Mapping[str, GpuPoolConfig]) -> dict:
    """Values of the dcgm-exporter chart: a DaemonSet on every GPU node and a Service. No
    ServiceMonitor: VictoriaMetrics scrapes the Service with its own VMServiceScrape."""
    return {
        "affinity": _pool_affinity(list(pools)),
        "tolerations": [dict(GPU_TOLERATION)],
        "serviceMonitor": {"enabled": False},
        "service": {"enable": True},
    }
