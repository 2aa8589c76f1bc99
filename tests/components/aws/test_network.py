"""Network under Pulumi mocks: what it registers for a new VPC, and nothing for an existing one."""

from __future__ import annotations

from collections import Counter

import pulumi
import pytest

from components.aws.network import Network, NetworkArgs
from infra.config.cluster import NetworkConfig
from infra.plan.mocks import PlanMonitor, Registration

CLUSTER, STACK, REGION = "llm-dev", "dev", "us-east-1"
TAGGED = ("Vpc", "InternetGateway", "Subnet", "Eip", "NatGateway", "RouteTable", "VpcEndpoint")


def build(config: NetworkConfig) -> dict:
    """Construct a Network named `network` as a Pulumi program; returns its resolved outputs."""
    outputs: dict = {}

    def construct():
        network = Network("network", NetworkArgs(config=config, cluster_name=CLUSTER, stack=STACK, region=REGION))
        for key in ("vpc_id", "private_subnet_ids", "public_subnet_ids"):
            getattr(network, key).apply(lambda value, key=key: outputs.__setitem__(key, value))

    pulumi.runtime.test(construct)()
    return outputs


def resource_id(monitor: PlanMonitor, r: Registration) -> str:
    return monitor.resources[r.urn].id


TWO_SINGLE = NetworkConfig(availability_zones=2, high_availability_nat=False)
THREE_HA = NetworkConfig(availability_zones=3, high_availability_nat=True)


@pytest.mark.parametrize(("config", "expected"), [
    (TWO_SINGLE, {"Subnet": 4, "Eip": 1, "NatGateway": 1, "RouteTable": 3, "Route": 3, "RouteTableAssociation": 4}),
    (THREE_HA, {"Subnet": 6, "Eip": 3, "NatGateway": 3, "RouteTable": 4, "Route": 4, "RouteTableAssociation": 6}),
])
def test_resource_counts(pulumi_mocks, config, expected):
    build(config)
    counts = Counter(r.kind for r in pulumi_mocks.registrations)
    assert counts == {"Network": 1, "Vpc": 1, "InternetGateway": 1, "VpcEndpoint": 1, **expected}


def test_vpc_has_dns_and_the_configured_cidr(pulumi_mocks):
    build(TWO_SINGLE)
    (vpc,) = pulumi_mocks.of_kind("Vpc")
    assert vpc.inputs["cidrBlock"] == "10.40.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True


def test_subnets_carry_their_tier_tags(pulumi_mocks):
    build(THREE_HA)
    private = pulumi_mocks.named("network-private-us-east-1b")
    public = pulumi_mocks.named("network-public-us-east-1b")
    assert private.inputs["cidrBlock"] == "10.40.32.0/19" and private.inputs["availabilityZone"] == "us-east-1b"
    assert public.inputs["cidrBlock"] == "10.40.228.0/22" and public.inputs["mapPublicIpOnLaunch"] is False
    assert private.inputs["tags"] == {"Name": "llm-dev-private-us-east-1b", "llm-platform:stack": "dev",
                                      "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "llm-dev"}
    assert public.inputs["tags"] == {"Name": "llm-dev-public-us-east-1b", "llm-platform:stack": "dev",
                                     "kubernetes.io/role/elb": "1"}
    vpc_id = resource_id(pulumi_mocks, pulumi_mocks.named("network-vpc"))
    assert all(s.inputs["vpcId"] == vpc_id for s in pulumi_mocks.of_kind("Subnet"))


def test_every_taggable_resource_has_a_name_and_the_stack(pulumi_mocks):
    build(THREE_HA)
    tagged = [r for r in pulumi_mocks.registrations if r.kind in TAGGED]
    assert len(tagged) == 1 + 1 + 6 + 3 + 3 + 4 + 1
    for r in tagged:
        assert r.inputs["tags"]["llm-platform:stack"] == "dev", r.name
        assert r.inputs["tags"]["Name"].startswith("llm-dev-"), r.name
    assert len({r.inputs["tags"]["Name"] for r in tagged}) == len(tagged)


def test_single_nat_serves_every_private_route(pulumi_mocks):
    build(TWO_SINGLE)
    (nat,) = pulumi_mocks.of_kind("NatGateway")
    assert nat.name == "network-nat-us-east-1a"
    assert nat.inputs["subnetId"] == resource_id(pulumi_mocks, pulumi_mocks.named("network-public-us-east-1a"))
    (eip,) = pulumi_mocks.of_kind("Eip")
    assert nat.inputs["allocationId"] == resource_id(pulumi_mocks, eip) and eip.inputs["domain"] == "vpc"
    private_routes = [r for r in pulumi_mocks.of_kind("Route") if "private" in r.name]
    assert len(private_routes) == 2
    for route in private_routes:
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert route.inputs["natGatewayId"] == resource_id(pulumi_mocks, nat)
        assert "gatewayId" not in route.inputs


def test_high_availability_nat_keeps_each_zone_on_its_own_nat(pulumi_mocks):
    build(THREE_HA)
    for zone in ("us-east-1a", "us-east-1b", "us-east-1c"):
        nat = pulumi_mocks.named(f"network-nat-{zone}")
        public = pulumi_mocks.named(f"network-public-{zone}")
        assert nat.inputs["subnetId"] == resource_id(pulumi_mocks, public)
        route = pulumi_mocks.named(f"network-private-default-route-{zone}")
        table = pulumi_mocks.named(f"network-private-rt-{zone}")
        assert route.inputs["natGatewayId"] == resource_id(pulumi_mocks, nat)
        assert route.inputs["routeTableId"] == resource_id(pulumi_mocks, table)
        association = pulumi_mocks.named(f"network-private-rta-{zone}")
        assert association.inputs == {"routeTableId": resource_id(pulumi_mocks, table),
                                      "subnetId": resource_id(pulumi_mocks,
                                                              pulumi_mocks.named(f"network-private-{zone}"))}


def test_nat_waits_for_the_internet_gateway(pulumi_mocks):
    build(TWO_SINGLE)
    igw = pulumi_mocks.named("network-igw")
    assert all(igw.urn in r.dependencies for r in pulumi_mocks.of_kind("NatGateway") + pulumi_mocks.of_kind("Eip"))


def test_public_subnets_route_to_the_internet_gateway(pulumi_mocks):
    build(TWO_SINGLE)
    route = pulumi_mocks.named("network-public-default-route")
    public_rt = resource_id(pulumi_mocks, pulumi_mocks.named("network-public-rt"))
    assert route.inputs == {"routeTableId": public_rt, "destinationCidrBlock": "0.0.0.0/0",
                            "gatewayId": resource_id(pulumi_mocks, pulumi_mocks.named("network-igw"))}
    public_subnets = {resource_id(pulumi_mocks, r) for r in pulumi_mocks.of_kind("Subnet") if "public" in r.name}
    associated = {r.inputs["subnetId"] for r in pulumi_mocks.of_kind("RouteTableAssociation")
                  if r.inputs["routeTableId"] == public_rt}
    assert associated == public_subnets


def test_s3_gateway_endpoint_on_the_private_route_tables(pulumi_mocks):
    build(THREE_HA)
    (endpoint,) = pulumi_mocks.of_kind("VpcEndpoint")
    private_tables = [resource_id(pulumi_mocks, r) for r in pulumi_mocks.of_kind("RouteTable") if "private" in r.name]
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert sorted(endpoint.inputs["routeTableIds"]) == sorted(private_tables) and len(private_tables) == 3


def test_every_child_is_named_after_and_parented_by_the_component(pulumi_mocks):
    build(THREE_HA)
    component = pulumi_mocks.named("network")
    assert component.type == "llm-platform:aws:Network" and not component.custom
    children = [r for r in pulumi_mocks.registrations if r is not component]
    assert children and all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("network-") for r in children)


def test_outputs_list_the_subnets_in_zone_order(pulumi_mocks):
    outputs = build(TWO_SINGLE)
    ids = {r.name: resource_id(pulumi_mocks, r) for r in pulumi_mocks.registrations if r.custom}
    assert outputs == {
        "vpc_id": ids["network-vpc"],
        "private_subnet_ids": [ids["network-private-us-east-1a"], ids["network-private-us-east-1b"]],
        "public_subnet_ids": [ids["network-public-us-east-1a"], ids["network-public-us-east-1b"]],
    }


def test_zone_lookup_skips_opt_in_zones_and_those_eks_cannot_use(pulumi_mocks):
    calls = []
    answer = pulumi_mocks.mocks.call

    def record(args):
        calls.append((args.token, dict(args.args)))
        return answer(args)

    pulumi_mocks.mocks.call = record
    build(TWO_SINGLE)
    ((token, args),) = calls
    assert token == "aws:index/getAvailabilityZones:getAvailabilityZones"
    assert args["state"] == "available"
    assert "use1-az3" in args["excludeZoneIds"]
    assert args["filters"] == [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]


def test_existing_network_registers_only_the_component(pulumi_mocks):
    config = NetworkConfig(existing_vpc_id="vpc-0123456789abcdef0",
                           existing_private_subnet_ids=["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"])
    outputs = build(config)
    assert [(r.type, r.name) for r in pulumi_mocks.registrations] == [("llm-platform:aws:Network", "network")]
    assert outputs == {
        "vpc_id": "vpc-0123456789abcdef0",
        "private_subnet_ids": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
        "public_subnet_ids": [],
    }
