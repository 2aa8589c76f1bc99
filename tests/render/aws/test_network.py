"""Subnet layout, NAT placement and tags of the VPC: pure functions, hand-checked CIDRs."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from infra.config.cluster import NetworkConfig
from infra.render.aws.network import (
    SubnetSpec,
    choose_zones,
    discovery_tags,
    nat_gateway_count,
    nat_index_for_zone,
    resource_tags,
    s3_gateway_service,
    subnet_plan,
    subnet_tags,
)

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]


def cidrs(plan: list[SubnetSpec], tier: str) -> list[str]:
    return [s.cidr for s in plan if s.tier == tier]


def test_two_zones_in_a_16():
    plan = subnet_plan("10.40.0.0/16", ZONES[:2])
    assert cidrs(plan, "private") == ["10.40.0.0/19", "10.40.32.0/19"]
    assert cidrs(plan, "public") == ["10.40.224.0/22", "10.40.228.0/22"]
    assert [(s.tier, s.zone, s.zone_index) for s in plan] == [
        ("private", "us-east-1a", 0), ("public", "us-east-1a", 0),
        ("private", "us-east-1b", 1), ("public", "us-east-1b", 1),
    ]


def test_three_zones_in_a_16():
    plan = subnet_plan("10.40.0.0/16", ZONES[:3])
    assert cidrs(plan, "private") == ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"]
    assert cidrs(plan, "public") == ["10.40.224.0/22", "10.40.228.0/22", "10.40.232.0/22"]
    assert [s.suffix for s in plan][:2] == ["private-us-east-1a", "public-us-east-1a"]


def test_a_20_gets_23_private_and_26_public_subnets():
    plan = subnet_plan("10.40.16.0/20", ZONES[:3])
    assert cidrs(plan, "private") == ["10.40.16.0/23", "10.40.18.0/23", "10.40.20.0/23"]
    assert cidrs(plan, "public") == ["10.40.30.0/26", "10.40.30.64/26", "10.40.30.128/26"]


def test_adding_a_zone_moves_no_existing_subnet():
    assert subnet_plan("10.40.0.0/16", ZONES[:3])[:4] == subnet_plan("10.40.0.0/16", ZONES[:2])


@pytest.mark.parametrize("vpc_cidr", ["10.40.0.0/16", "172.16.0.0/17", "192.168.0.0/18", "10.1.0.0/19",
                                      "10.40.16.0/20"])
@pytest.mark.parametrize("zone_count", range(1, 7))
def test_subnets_are_inside_the_vpc_and_disjoint(vpc_cidr: str, zone_count: int):
    vpc = ipaddress.ip_network(vpc_cidr)
    plan = subnet_plan(vpc_cidr, ZONES[:zone_count])
    networks = [ipaddress.ip_network(s.cidr) for s in plan]
    assert len(plan) == 2 * zone_count
    assert all(n.subnet_of(vpc) for n in networks)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(networks, 2))
    private = [n for s, n in zip(plan, networks) if s.tier == "private"]
    public = [n for s, n in zip(plan, networks) if s.tier == "public"]
    assert all(n.prefixlen == vpc.prefixlen + 3 for n in private)
    assert all(n.prefixlen == vpc.prefixlen + 6 for n in public)
    assert min(n.num_addresses for n in private) >= 512 and min(n.num_addresses for n in public) >= 64


def test_repeated_zones_are_refused():
    with pytest.raises(ValueError, match="repeat"):
        subnet_plan("10.40.0.0/16", ["us-east-1a", "us-east-1a"])


def test_private_subnets_are_for_internal_load_balancers_and_karpenter():
    private, public = subnet_plan("10.40.0.0/16", ZONES[:1])
    assert subnet_tags(private, "llm-dev", "dev") == {
        "Name": "llm-dev-private-us-east-1a",
        "llm-platform:stack": "dev",
        "kubernetes.io/role/internal-elb": "1",
        "karpenter.sh/discovery": "llm-dev",
    }
    assert subnet_tags(public, "llm-dev", "dev") == {
        "Name": "llm-dev-public-us-east-1a",
        "llm-platform:stack": "dev",
        "kubernetes.io/role/elb": "1",
    }


def test_resource_and_discovery_tags():
    assert resource_tags("llm-prod", "prod", "vpc") == {"Name": "llm-prod-vpc", "llm-platform:stack": "prod"}
    assert discovery_tags("llm-prod") == {"karpenter.sh/discovery": "llm-prod"}


@pytest.mark.parametrize(("zones", "ha", "count", "routes"), [
    (2, False, 1, [0, 0]),
    (3, False, 1, [0, 0, 0]),
    (2, True, 2, [0, 1]),
    (3, True, 3, [0, 1, 2]),
])
def test_nat_gateways_per_zone_only_with_high_availability(zones: int, ha: bool, count: int, routes: list[int]):
    config = NetworkConfig(availability_zones=zones, high_availability_nat=ha)
    assert nat_gateway_count(config) == count
    assert [nat_index_for_zone(config, i) for i in range(zones)] == routes


def test_zones_are_the_first_ones_offered():
    assert choose_zones(ZONES, 3) == ZONES[:3]
    with pytest.raises(ValueError, match=r"asks for 4 zones but the region offers 3 usable ones \(a, b, c\)"):
        choose_zones(["a", "b", "c"], 4)


def test_s3_gateway_service_is_regional():
    assert s3_gateway_service("eu-west-1") == "com.amazonaws.eu-west-1.s3"
