"""What the EKS cluster is made of, as plain data: roles, endpoint access, logging, add-ons."""

from __future__ import annotations

import json

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
# The VPC CNI add-on enforces NetworkPolicy only when its configuration says so (EKS User Guide,
# "Restrict Pod network traffic with Kubernetes network policies": the add-on's configuration value
# `"enableNetworkPolicy": "true"`, VPC CNI 1.14 or newer, which starts the network policy agent). Without it
# every NetworkPolicy the platform renders is accepted by the API server and ignored on the nodes.
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}


def enforces_network_policy(configuration_values: str | None) -> bool:
    """Whether a VPC CNI add-on's configuration (a JSON string, as EKS returns it) enforces NetworkPolicy."""
    try:
        found = json.loads(configuration_values or "{}")
    except ValueError:
        return False
    return isinstance(found, dict) and str(found.get("enableNetworkPolicy", "")).lower() == "true"


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


def deployer_principal(caller_arn: str, issuer_arn: str) -> str:
    """The IAM principal an access entry can name for whoever runs `pulumi up`: the role behind an
    assumed-role session (`arn:aws:sts::<acct>:assumed-role/<role>/<session>` is not a principal EKS
    accepts; iam.get_session_context's issuer is the role), or the IAM user itself."""
    if ":assumed-role/" in caller_arn:
        return issuer_arn
    if caller_arn.endswith(":root"):
        raise ValueError("the deployer is the account root user, which EKS access entries cannot name; allowed: "
                         "run as an IAM role or user, or set cluster.deployerAccess: false and list adminRoleArns")
    return caller_arn


def admin_principals(config: ClusterConfig, deployer: str | None) -> list[tuple[str, str]]:
    """(resource suffix, principal ARN) of every cluster-admin access entry: `adminRoleArns` as
    `admin-<i>` (their names unchanged), then the deployer as `deployer` unless already listed."""
    entries = [(f"admin-{i}", arn) for i, arn in enumerate(config.admin_role_arns)]
    if deployer is not None and deployer not in config.admin_role_arns:
        entries.append(("deployer", deployer))
    return entries


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

