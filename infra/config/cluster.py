"""Where the platform runs: the EKS cluster and its network."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from .base import K8sName, StackModel
from .issues import Issue

SUPPORTED_KUBERNETES = ("1.34", "1.35", "1.36", "1.37")


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR block ({exc})") from None
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]


# Address space that is not the internet (RFC 6890 special-purpose blocks): private, shared (CGNAT),
# loopback, link-local, multicast and reserved. An allow-list is measured on the rest.
_NOT_INTERNET = {
    4: tuple(ipaddress.ip_network(n) for n in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                                                "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
                                                "224.0.0.0/4", "240.0.0.0/4")),
    6: tuple(ipaddress.ip_network(n) for n in ("::/8", "fc00::/7", "fe80::/10", "ff00::/8")),
}
# The most of the public address space of either family one allow-list may cover: by default 1/256 (a
# little less than a /8 of IPv4), `network.maxInternetShare` in the stack, never more than 1/16.
# 0.0.0.0/1 plus 128.0.0.0/1 is the whole internet written in two lines, and is refused.
MAX_INTERNET_SHARE = 1 / 256
MAX_CONFIGURABLE_SHARE = 1 / 16


def internet_share(cidrs: list[str], version: int) -> float:
    """The share of the public address space of IP `version` the blocks cover, overlaps counted once."""
    nets = [ipaddress.ip_network(c) for c in cidrs if ipaddress.ip_network(c).version == version]
    total_bits = 32 if version == 4 else 128
    covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(nets))
    special = list(ipaddress.collapse_addresses(_NOT_INTERNET[version]))
    for net in ipaddress.collapse_addresses(nets):
        for block in special:
            if net.overlaps(block):
                inner = block if block.subnet_of(net) else net
                covered -= inner.num_addresses
    public = 2 ** total_bits - sum(b.num_addresses for b in special)
    return max(covered, 0) / public


def share_problem(cidrs: list[str], limit: float, allowed: str | None = None) -> str | None:
    """Why an allow-list covers too much of the internet (more than `limit` of either family), or None."""
    for version in (4, 6):
        share = internet_share(cidrs, version)
        if share > limit:
            return (f"the whole internet is not an allow-list (these blocks cover {share:.1%} of the public "
                    f"IPv{version} addresses); allowed: specific CIDR blocks covering at most "
                    f"{allowed or f'{limit:.2%} of them (network.maxInternetShare)'}")
    return None


def _not_the_whole_internet(value: list[str]) -> list[str]:
    """The hard limit, on the field alone; PlatformConfig also applies the stack's network.maxInternetShare."""
    problem = share_problem(value, MAX_CONFIGURABLE_SHARE, f"network.maxInternetShare of them (default "
                            f"{MAX_INTERNET_SHARE:.2%}, never more than {MAX_CONFIGURABLE_SHARE:.2%})")
    if problem:
        raise ValueError(problem)
    return value


# CIDR blocks allowed to reach something public: never 0.0.0.0/0, ::/0 or a union that amounts to them.
CidrAllowList = Annotated[list[Cidr], AfterValidator(_not_the_whole_internet)]


_INSTANCE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
# What an EKS access entry can name (CreateAccessEntry principalArn): an IAM role or an IAM user, with
# an optional path; never an STS session or the root user.
_ACCESS_ENTRY_PRINCIPAL = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]{1,128}$")


class SystemNodesConfig(StackModel):
    """A small on-demand managed node group for the controllers (Karpenter cannot run on its own nodes)."""

    instance_types: list[str] = Field(default_factory=lambda: ["m7i.large", "m6i.large"], min_length=1)
    min: int = Field(default=2, ge=1, le=20)
    max: int = Field(default=4, ge=1, le=20)
    disk_gib: int = Field(default=50, ge=20, le=1000)

    @field_validator("instance_types")
    @classmethod
    def _instance_types(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _INSTANCE.match(name):
                raise ValueError(f"{name!r} is not an EC2 instance type; allowed: e.g. m7i.large")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "SystemNodesConfig":
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must be <= max ({self.max})")
        return self


# The system node group is named `<cluster>-system-<26 characters>`: the AWS provider appends a unique
# suffix (terraform-provider-aws internal/create: id.UniqueIDSuffixLength = 26) to node_group_name_prefix,
# and a node group name has at most 63 characters, so the provider refuses a prefix over 37.
SYSTEM_NODE_GROUP_SUFFIX = "-system-"
NODE_GROUP_PREFIX_MAX = 63 - 26
MAX_CREATED_CLUSTER_NAME = NODE_GROUP_PREFIX_MAX - len(SYSTEM_NODE_GROUP_SUFFIX)


class ClusterConfig(StackModel):
    """The EKS cluster: created by the platform, or an existing one to install into."""

    name: K8sName
    kubernetes_version: str = "1.35"
    existing: bool = Field(default=False, description="install into an existing cluster named `name`")
    endpoint_public_access: bool = False
    public_access_cidrs: CidrAllowList = Field(default_factory=list)
    private_access_cidrs: CidrAllowList = Field(
        default_factory=list, description="networks inside or peered with the VPC (a self-hosted CI runner, a VPN) "
                                          "that may reach the private API endpoint on 443")
    # IAM roles or users given cluster-admin access entries (the key keeps its name; users are accepted too)
    admin_role_arns: list[str] = Field(default_factory=list)
    deployer_access: bool = Field(
        default=True, description="give the identity running `pulumi up` (the role behind its session) "
                                  "cluster-admin through an access entry; without it, nobody can reach the cluster")
    system_nodes: SystemNodesConfig = Field(default_factory=SystemNodesConfig)
    addon_versions: dict[Literal["vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-efs-csi-driver",
                                 "aws-ebs-csi-driver"], str] = Field(
        default_factory=dict, description="pin EKS add-on versions (defaults: infra/catalog/eks_addons.py)"
    )
    log_types: list[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]] = Field(
        default_factory=lambda: ["api", "audit", "authenticator"]
    )

    def name_issues(self) -> list[Issue]:
        """A created cluster's name must leave room for the names derived from it."""
        if self.existing or len(self.name) <= MAX_CREATED_CLUSTER_NAME:
            return []
        return [Issue(("cluster", "name"), f"{self.name!r} is {len(self.name)} characters; the system node group "
                      f"is named '{self.name}{SYSTEM_NODE_GROUP_SUFFIX}' plus 26 characters, over EKS's 63; allowed: "
                      f"at most {MAX_CREATED_CLUSTER_NAME} characters for a cluster the platform creates")]

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in SUPPORTED_KUBERNETES:
            raise ValueError(f"{value!r} is not supported; allowed: {', '.join(SUPPORTED_KUBERNETES)}")
        return value

    @field_validator("addon_versions")
    @classmethod
    def _addon_versions(cls, value: dict[str, str]) -> dict[str, str]:
        for name, version in value.items():
            if not re.match(r"^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$", version):
                raise ValueError(f"{name}: {version!r} is not an EKS add-on version; allowed: e.g. v1.20.4-eksbuild.1")
        return value

    @model_validator(mode="after")
    def _public_needs_allow_list(self) -> "ClusterConfig":
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ValueError("a public endpoint needs publicAccessCidrs (the CIDR blocks allowed to reach it)")
        return self

    @field_validator("admin_role_arns")
    @classmethod
    def _arns(cls, value: list[str]) -> list[str]:
        for arn in value:
            if not _ACCESS_ENTRY_PRINCIPAL.match(arn):
                session = " (an assumed-role session: name its role instead)" if ":assumed-role/" in arn else ""
                raise ValueError(f"{arn!r} is not an IAM role or user ARN{session}; allowed: "
                                 "arn:aws:iam::<account>:role/<name> or arn:aws:iam::<account>:user/<name>")
        if len(set(value)) != len(value):
            raise ValueError("an ARN is listed twice; allowed: each principal once (one access entry each)")
        return value


MIN_VPC_PREFIX = 16  # the largest VPC AWS allows
MAX_VPC_PREFIX = 20  # smaller VPCs leave private subnets too small for GPU nodes and their pods
MAX_ZONES = 6  # the subnet layout gives zones eighths 0..5 of the VPC (infra/render/aws/network.py)


class NetworkConfig(StackModel):
    """The VPC: created over N availability zones, or an existing one given by id."""

    vpc_cidr: Cidr = "10.40.0.0/16"
    availability_zones: int = Field(default=3, ge=2, le=MAX_ZONES)
    high_availability_nat: bool = Field(default=False, description="one NAT gateway per AZ instead of one")
    max_internet_share: float = Field(
        default=MAX_INTERNET_SHARE, gt=0, le=MAX_CONFIGURABLE_SHARE,
        description="the most of the public address space (per IP family) an allow-list may cover (EKS endpoint, "
                    "gateway sources)")
    existing_vpc_id: str | None = None
    existing_private_subnet_ids: list[str] = Field(default_factory=list)

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_size(cls, value: str) -> str:
        network = ipaddress.ip_network(value)
        if network.version != 4 or not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
            raise ValueError(f"{value!r} cannot hold the subnets; allowed: an IPv4 block from /{MIN_VPC_PREFIX} "
                             f"(the largest VPC AWS allows) to /{MAX_VPC_PREFIX} (smaller leaves too few addresses "
                             "per zone for GPU nodes and their pods)")
        return value

    @model_validator(mode="after")
    def _existing_complete(self) -> "NetworkConfig":
        if bool(self.existing_vpc_id) != bool(self.existing_private_subnet_ids):
            raise ValueError("an existing network needs both existingVpcId and existingPrivateSubnetIds")
        for subnet in self.existing_private_subnet_ids:
            if not re.match(r"^subnet-[0-9a-f]{8,17}$", subnet):
                raise ValueError(f"{subnet!r} is not a subnet id; allowed: subnet-<hex>")
        if self.existing_vpc_id and not re.match(r"^vpc-[0-9a-f]{8,17}$", self.existing_vpc_id):
            raise ValueError(f"{self.existing_vpc_id!r} is not a VPC id; allowed: vpc-<hex>")
        return self
