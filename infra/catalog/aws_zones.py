"""Facts per AWS region: its availability zones (the ones the offline plan's mocks answer with, and how
many of them can hold an EKS cluster, so a stack asking for more zones than its region has is refused at
config time) and its ARN partition.

Zone names and ids from AWS's "Regions and Zones" pages (ids are what stays the same across accounts;
which name maps to which id varies by account). A region not listed is answered with three zones a-c
in the plan and is not checked: `pulumi up` looks its zones up.
"""

from __future__ import annotations

ZONES: dict[str, tuple[tuple[str, str], ...]] = {
    "us-east-1": tuple((f"us-east-1{z}", f"use1-az{i}") for z, i in zip("abcdef", (6, 1, 2, 4, 3, 5))),
    "us-east-2": tuple((f"us-east-2{z}", f"use2-az{i}") for z, i in zip("abc", (1, 2, 3))),
    "us-west-1": (("us-west-1a", "usw1-az1"), ("us-west-1c", "usw1-az3")),
    "us-west-2": tuple((f"us-west-2{z}", f"usw2-az{i}") for z, i in zip("abcd", (1, 2, 3, 4))),
    "eu-west-1": tuple((f"eu-west-1{z}", f"euw1-az{i}") for z, i in zip("abc", (1, 2, 3))),
    "eu-central-1": tuple((f"eu-central-1{z}", f"euc1-az{i}") for z, i in zip("abc", (1, 2, 3))),
    "ap-northeast-1": (("ap-northeast-1a", "apne1-az4"), ("ap-northeast-1c", "apne1-az1"),
                       ("ap-northeast-1d", "apne1-az2")),
}

# Availability zone ids where EKS cannot place a cluster (excluded when the program looks zones up).
EKS_UNSUPPORTED_ZONE_IDS = ("use1-az3", "usw1-az2", "cac1-az3")


def zones_of(region: str) -> tuple[tuple[str, str], ...]:
    """(name, id) of the region's zones; three zones a-c for a region not listed."""
    prefix = "".join(part[0] for part in region.split("-")[:-1]) + region.rsplit("-", 1)[-1]
    return ZONES.get(region, tuple((f"{region}{z}", f"{prefix}-az{i}") for i, z in enumerate("abc", 1)))


def eks_zones(region: str) -> list[str] | None:
    """Names of the region's zones that can hold an EKS cluster; None for a region not listed."""
    if region not in ZONES:
        return None
    return [name for name, zone_id in ZONES[region] if zone_id not in EKS_UNSUPPORTED_ZONE_IDS]


def partition(region: str) -> str:
    """The ARN partition of a region (China and GovCloud differ)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
