"""The VPC the cluster runs in: created over N availability zones, or an existing one given by id.

The layout, NAT placement and tags come from infra.render.aws.network; this only registers them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.catalog import component_types
from infra.catalog.aws_zones import EKS_UNSUPPORTED_ZONE_IDS
from infra.config.cluster import NetworkConfig
from infra.render.aws import network as render

ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class NetworkArgs:
    config: NetworkConfig
    cluster_name: str  # names and Karpenter discovery tags
    stack: str
    region: str  # for the S3 gateway endpoint's service name


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.NETWORK, name, None, opts)
        config = args.config
        if config.existing_vpc_id is not None:
            self.vpc_id = pulumi.Output.from_input(config.existing_vpc_id)
            self.private_subnet_ids = pulumi.Output.from_input(list(config.existing_private_subnet_ids))
            self.public_subnet_ids = pulumi.Output.from_input([])
        else:
            self._create(name, args)
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "private_subnet_ids": self.private_subnet_ids,
            "public_subnet_ids": self.public_subnet_ids,
        })

    def _create(self, name: str, args: NetworkArgs) -> None:
        config, cluster, stack = args.config, args.cluster_name, args.stack
        child = pulumi.ResourceOptions(parent=self)

        def tags(suffix: str) -> dict[str, str]:
            return render.resource_tags(cluster, stack, suffix)

        zones = render.choose_zones(self._usable_zones(), config.availability_zones)
        plan = render.subnet_plan(config.vpc_cidr, zones)

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=config.vpc_cidr, enable_dns_support=True,
                          enable_dns_hostnames=True, tags=tags("vpc"), opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags("igw"), opts=child)
        subnets = {
            (spec.tier, spec.zone_index): aws.ec2.Subnet(
                f"{name}-{spec.suffix}", vpc_id=vpc.id, cidr_block=spec.cidr, availability_zone=spec.zone,
                map_public_ip_on_launch=False,  # public subnets hold NAT gateways and load balancers only
                tags=render.subnet_tags(spec, cluster, stack), opts=child,
            )
            for spec in plan
        }

        public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc.id, tags=tags("public-rt"), opts=child)
        aws.ec2.Route(f"{name}-public-default-route", route_table_id=public_rt.id,
                      destination_cidr_block=ANYWHERE, gateway_id=igw.id, opts=child)

        after_igw = pulumi.ResourceOptions(parent=self, depends_on=[igw])
        nats: list[aws.ec2.NatGateway] = []
        for index in range(render.nat_gateway_count(config)):
            zone = zones[index]
            eip = aws.ec2.Eip(f"{name}-nat-eip-{zone}", domain="vpc", tags=tags(f"nat-eip-{zone}"), opts=after_igw)
            nats.append(aws.ec2.NatGateway(
                f"{name}-nat-{zone}", allocation_id=eip.id, subnet_id=subnets[("public", index)].id,
                connectivity_type="public", tags=tags(f"nat-{zone}"), opts=after_igw,
            ))

        private_rts: list[aws.ec2.RouteTable] = []
        for index, zone in enumerate(zones):
            aws.ec2.RouteTableAssociation(f"{name}-public-rta-{zone}", route_table_id=public_rt.id,
                                          subnet_id=subnets[("public", index)].id, opts=child)
            rt = aws.ec2.RouteTable(f"{name}-private-rt-{zone}", vpc_id=vpc.id, tags=tags(f"private-rt-{zone}"),
                                    opts=child)
            aws.ec2.Route(f"{name}-private-default-route-{zone}", route_table_id=rt.id,
                          destination_cidr_block=ANYWHERE,
                          nat_gateway_id=nats[render.nat_index_for_zone(config, index)].id, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-rta-{zone}", route_table_id=rt.id,
                                          subnet_id=subnets[("private", index)].id, opts=child)
            private_rts.append(rt)

        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint", vpc_id=vpc.id, service_name=render.s3_gateway_service(args.region),
            vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in private_rts],
            tags=tags("s3-endpoint"), opts=child,
        )

        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*[subnets[("private", i)].id for i in range(len(zones))])
        self.public_subnet_ids = pulumi.Output.all(*[subnets[("public", i)].id for i in range(len(zones))])

    def _usable_zones(self) -> list[str]:
        """Zones of the region that need no opt-in (no Local or Wavelength Zones) and can host EKS."""
        found = aws.get_availability_zones(
            state="available",
            exclude_zone_ids=list(EKS_UNSUPPORTED_ZONE_IDS),
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self),
        )
        return list(found.names)
