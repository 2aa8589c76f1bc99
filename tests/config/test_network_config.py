"""The network section: a VPC the subnet layout can hold and a zone count it has subnets for, refused
at config time with one line naming the field (the renderer relies on it and does not check again)."""

from __future__ import annotations

import json

import pytest

from infra.config import ConfigError
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

DEV = load_stack_file(REPO_ROOT / "stacks" / "Pulumi.dev.yaml")


def errors_with(network: dict) -> list[str]:
    values = dict(DEV.values) | {"llm-platform:network": json.dumps(network)}
    try:
        platform_config(values, DEV.display_path, DEV.project)
    except ConfigError as exc:
        return exc.lines
    return []


@pytest.mark.parametrize(("vpc_cidr", "says"), [
    ("10.0.0.0/8", "allowed: an IPv4 block from /16"),
    ("10.40.0.0/21", "to /20"),
    ("10.40.0.0/28", "to /20"),
    ("fd00::/56", "allowed: an IPv4 block"),
    ("10.40.0.1/16", "10.40.0.1/16"),
])
def test_a_vpc_the_layout_cannot_hold_is_one_line(vpc_cidr, says):
    (line,) = errors_with({"vpcCidr": vpc_cidr, "availabilityZones": 3})
    assert line.startswith(f"{DEV.display_path}: llm-platform:network.vpcCidr: ") and says in line, line


@pytest.mark.parametrize("zones", [0, 1, 7])
def test_a_zone_count_outside_the_layout_is_one_line(zones):
    (line,) = errors_with({"availabilityZones": zones})
    assert line.startswith(f"{DEV.display_path}: llm-platform:network.availabilityZones: "), line


@pytest.mark.parametrize("vpc_cidr", ["10.40.0.0/16", "10.40.0.0/20"])
def test_the_allowed_range_is_accepted(vpc_cidr):
    assert errors_with({"vpcCidr": vpc_cidr, "availabilityZones": 5}) == []  # us-east-1: 5 zones hold EKS
