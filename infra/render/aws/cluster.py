"""What the EKS cluster is made of, as plain data: roles, endpoint access, logging, add-ons."""

from __future__ import annotations

from ...config.cluster import ClusterConfig
from .iam import managed_policy_arn, trust_policy

SYSTEM_NODE_LABEL = {"llm-platform.io/node-role": "system"}
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# EFS CSI driver service accounts (the S3 Files mount goes through this driver).
EFS_CSI_SERVICE_ACCOUNTS = ("efs-csi-controller-sa", "efs-csi-node-sa")
# EBS CSI driver: only its controller calls the EC2 API (create, attach, resize volumes); the node plugin
# mounts what is already attached and needs no AWS identity.
EBS_CSI_SERVICE_ACCOUNTS = ("ebs-csi-controller-sa",)
LOG_RETENTION_DAYS = 30


def cluster_role_trust() -> dict:
    return trust_policy("eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession"))


CLUSTER_ROLE_POLICIES = (managed_policy_arn("AmazonEKSClusterPolicy"),)

NODE_ROLE_POLICIES = tuple(
    managed_policy_arn(name)
    for name in (
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonSSMManagedInstanceCore",
    )
)

EFS_CSI_POLICIES = (
    managed_policy_arn("service-role/AmazonEFSCSIDriverPolicy"),
    managed_policy_arn("AmazonS3FilesCSIDriverPolicy"),
)

EBS_CSI_POLICIES = (managed_policy_arn("service-role/AmazonEBSCSIDriverPolicy"),)


def endpoint_access(config: ClusterConfig) -> dict:
    """Private endpoint always; public only when the stack says so, and then only for its CIDRs.
    Keys are the aws.eks.Cluster vpc_config argument names."""
    access = {"endpoint_private_access": True, "endpoint_public_access": config.endpoint_public_access}
    if config.endpoint_public_access:
        access["public_access_cidrs"] = list(config.public_access_cidrs)
    return access


def log_group_name(cluster_name: str) -> str:
    """EKS writes control-plane logs here; creating it first lets us set the retention."""
    return f"/aws/eks/{cluster_name}/cluster"

