"""One GPU pool: a Karpenter NodePool + EC2NodeClass, or a fixed EKS managed node group (e.g. for an
On-Demand Capacity Reservation). Everything it sets is rendered by infra.render.aws.gpu_pool."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import ami_alias
from infra.config.gpu_pools import GpuPoolConfig
from infra.render.aws import gpu_pool as render

from ..k8s_object import register


@dataclass(frozen=True)
class GpuPoolArgs:
    pool_name: str
    pool: GpuPoolConfig
    cluster_name: pulumi.Input[str]
    node_role_name: pulumi.Input[str]  # Karpenter: the EC2NodeClass role
    node_role_arn: pulumi.Input[str]  # node group: a role with the managed node group policies
    private_subnet_ids: pulumi.Input[list[str]]  # node group only (Karpenter discovers subnets by tag)
    kubernetes_version: str  # the cluster's minor: the pinned AMI release must have a variant for it
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()  # Karpenter: its Helm release (the CRDs and controller)
    tags: Mapping[str, str] = field(default_factory=dict)


class GpuPool(pulumi.ComponentResource):
    provisioner: str
    node_pool: pulumi.CustomResource | None
    node_group: aws.eks.NodeGroup | None

    def __init__(self, name: str, args: GpuPoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.GPU_POOL, name, None, opts)
        pool = args.pool
        self.provisioner = pool.provisioner
        self.node_pool = None
        self.node_group = None
        if pool.provisioner == "karpenter":
            self.node_pool = self._karpenter(name, args)
            self.schedulable: pulumi.CustomResource = self.node_pool  # what a model's pods wait for
            outputs = {"node_pool": self.node_pool.metadata["name"]}
        else:
            self.node_group = self._node_group(name, args)
            self.schedulable = self.node_group
            outputs = {"node_group": self.node_group.node_group_name}
        self.register_outputs({"provisioner": self.provisioner, **outputs})

    def _karpenter(self, name: str, args: GpuPoolArgs) -> pulumi.CustomResource:
        pool, pool_name = args.pool, args.pool_name
        ami_alias(pool.ami_family, args.kubernetes_version)  # fail at plan time, not inside an apply
        node_pool = render.node_pool(pool_name, pool)
        node_class = pulumi.Output.all(args.cluster_name, args.node_role_name).apply(
            lambda v: render.ec2_node_class(pool_name, pool, v[0], v[1], args.kubernetes_version))
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on))
        node_class_resource = register(
            f"{name}-node-class",
            {"apiVersion": render.NODE_CLASS_API, "kind": "EC2NodeClass",
             "metadata": node_class["metadata"], "spec": node_class["spec"]},
            on_cluster,
        )
        return register(f"{name}-node-pool", node_pool, pulumi.ResourceOptions(
            parent=self, provider=args.k8s_provider, depends_on=[*args.depends_on, node_class_resource]))

    def _node_group(self, name: str, args: GpuPoolArgs) -> aws.eks.NodeGroup:
        pool, pool_name = args.pool, args.pool_name
        group = render.node_group_args(pool_name, pool)
        tags = {**args.tags, "llm-platform:gpu-pool": pool_name}
        child = pulumi.ResourceOptions(parent=self)
        template = aws.ec2.LaunchTemplate(
            f"{name}-launch-template", **render.launch_template_args(pool),
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in ("instance", "volume")],
            update_default_version=True, tags=tags, opts=child)
        return aws.eks.NodeGroup(
            f"{name}-node-group",
            cluster_name=args.cluster_name,
            node_group_name_prefix=f"{render.object_name(pool_name)}-",
            node_role_arn=args.node_role_arn,
            subnet_ids=args.private_subnet_ids,
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
            **group,
        )
