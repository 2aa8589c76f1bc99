"""The VPC as plain data: the subnet layout per availability zone, NAT placement and tags.

Layout of a VPC of prefix /p (p from 16 to 20), by eighths of its address space:

    eighth 0..5   private subnet of zone 0..5   /p+3  (a /19 of a /16: 8,187 usable addresses)
    eighth 6      left free for later tiers
    eighth 7      public subnets, zone i in its eighth i   /p+6  (a /22 of a /16)

Private subnets are large because nodes and (with the VPC CNI) every pod take VPC addresses, and
GPU nodes keep warm pools of them; public subnets only hold NAT gateways and load balancers. Zone
i always gets the same blocks whatever the zone count, so adding a zone never moves a subnet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ...config.cluster import NetworkConfig

Tier = Literal["public", "private"]

PRIVATE_NEW_BITS = 3  # the VPC in eighths
PUBLIC_NEW_BITS = 3  # the public eighth in eighths again
STACK_TAG = "llm-platform:stack"
KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery"


@dataclass(frozen=True)
class SubnetSpec:
    """One subnet: its tier, zone, position of that zone and CIDR block."""

    tier: Tier
    zone: str
    zone_index: int
    cidr: str

    @property
    def suffix(self) -> str:
        """Stable resource-name suffix, e.g. `private-us-east-1a`."""
        return f"{self.tier}-{self.zone}"


def subnet_plan(vpc_cidr: str, zones: list[str]) -> list[SubnetSpec]:
    """Per zone, a private then a public subnet (in zone order), all inside `vpc_cidr`, none overlapping.

    `vpc_cidr` and the zone count are NetworkConfig's (validated there: an IPv4 /16 to /20, 2 to
    MAX_ZONES zones); the zones are the region's (choose_zones), so a repeat is the caller's bug.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr, strict=True)
    if len(set(zones)) != len(zones):
        raise ValueError(f"availability zones repeat: {', '.join(zones)}")
    eighths = list(vpc.subnets(prefixlen_diff=PRIVATE_NEW_BITS))
    public_blocks = list(eighths[-1].subnets(prefixlen_diff=PUBLIC_NEW_BITS))
    plan: list[SubnetSpec] = []
    for index, zone in enumerate(zones):
        plan.append(SubnetSpec("private", zone, index, str(eighths[index])))
        plan.append(SubnetSpec("public", zone, index, str(public_blocks[index])))
    return plan


def choose_zones(available: Sequence[str], count: int) -> list[str]:
    """The first `count` of the zones the region offers (AWS lists them in name order)."""
    if len(available) < count:
        offered = ", ".join(available) or "none"
        raise ValueError(f"network.availabilityZones asks for {count} zones but the region offers "
                         f"{len(available)} usable ones ({offered}); allowed: at most {len(available)}")
    return list(available[:count])


def nat_gateway_count(config: NetworkConfig) -> int:
    """One NAT gateway per zone with high-availability NAT, else one for the whole VPC."""
    return config.availability_zones if config.high_availability_nat else 1


def nat_index_for_zone(config: NetworkConfig, zone_index: int) -> int:
    """Which NAT gateway (by zone position) a zone's private subnets route through."""
    return zone_index if config.high_availability_nat else 0


def s3_gateway_service(region: str) -> str:
    """Service name of the S3 gateway endpoint: weight downloads stay off the NAT gateways."""
    return f"com.amazonaws.{region}.s3"


def resource_tags(cluster_name: str, stack: str, suffix: str) -> dict[str, str]:
    """Tags every network resource carries: a readable Name and the owning stack."""
    return {"Name": f"{cluster_name}-{suffix}", STACK_TAG: stack}


def discovery_tags(cluster_name: str) -> dict[str, str]:
    """What Karpenter's EC2NodeClass selects subnets and security groups by."""
    return {KARPENTER_DISCOVERY_TAG: cluster_name}


def subnet_tags(spec: SubnetSpec, cluster_name: str, stack: str) -> dict[str, str]:
    """Private subnets: internal load balancers and Karpenter nodes; public ones: internet-facing LBs."""
    tags = resource_tags(cluster_name, stack, spec.suffix)
    if spec.tier == "private":
        return tags | {"kubernetes.io/role/internal-elb": "1"} | discovery_tags(cluster_name)
    return tags | {"kubernetes.io/role/elb": "1"}
