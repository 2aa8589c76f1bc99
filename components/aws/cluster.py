"""The EKS cluster: KMS-encrypted secrets, API authentication with explicit access entries,
private endpoint by default, control-plane logs, pinned add-ons and a small system node group."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.catalog import component_types
from infra.catalog.eks_addons import ADDONS
from infra.config import PlatformConfig
from infra.config.cluster import SYSTEM_NODE_GROUP_SUFFIX
from infra.render.aws import cluster as render
from infra.render.aws.iam import pod_identity_trust_policy, trust_policy
from infra.render.aws.launch_template import launch_template_args


@dataclass(frozen=True)
class ClusterArgs:
    platform: PlatformConfig
    stack: str
    private_subnet_ids: pulumi.Input[list[str]]
    addon_versions: dict[str, str]


class Cluster(pulumi.ComponentResource):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    certificate_authority: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    ebs_csi_driver: aws.eks.Addon

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.CLUSTER, name, None, opts)
        cfg = args.platform.cluster
        child = pulumi.ResourceOptions(parent=self)
        tags = {"llm-platform:stack": args.stack, "llm-platform:cluster": cfg.name}

        key = aws.kms.Key(f"{name}-secrets-key", description=f"EKS secrets envelope encryption for {cfg.name}",
                          enable_key_rotation=True, deletion_window_in_days=30, tags=tags, opts=child)
        aws.kms.Alias(f"{name}-secrets-key-alias", name=f"alias/{cfg.name}-eks-secrets", target_key_id=key.key_id,
                      opts=child)
        role, attachments = self._role(f"{name}-role", f"{name}-role", render.cluster_role_trust(),
                                       render.CLUSTER_ROLE_POLICIES, tags)
        # The control plane's audit trail and the cluster itself are protected like the weights bucket:
        # `pulumi destroy` stops at them until they are unprotected (README: Destroying an environment).
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=render.log_group_name(cfg.name),
                                       retention_in_days=render.LOG_RETENTION_DAYS, tags=tags,
                                       opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=cfg.name,
            version=cfg.kubernetes_version,
            role_arn=role.arn,
            vpc_config={"subnet_ids": args.private_subnet_ids, **render.endpoint_access(cfg)},
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": key.arn}},
            enabled_cluster_log_types=list(cfg.log_types),
            bootstrap_self_managed_addons=False,  # every add-on is a pinned managed add-on below
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, *attachments], protect=True),
        )
        # The private endpoint answers inside the VPC only where the cluster security group lets a caller in:
        # the deployer's runner or VPN, by CIDR.
        for i, cidr in enumerate(cfg.private_access_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-from-{i}", security_group_id=cluster.vpc_config.cluster_security_group_id,
                cidr_ipv4=cidr, ip_protocol="tcp", from_port=443, to_port=443,
                description=f"Kubernetes API (private endpoint) from {cidr}", tags=tags, opts=child)
        # API authentication without creator admin: only these entries reach the cluster. The Kubernetes
        # provider depends on this component, so nothing is applied before the deployer's access exists.
        deployer = None
        if cfg.deployer_access:
            caller = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
            session = aws.iam.get_session_context(arn=caller.arn, opts=pulumi.InvokeOptions(parent=self))
            deployer = render.deployer_principal(caller.arn, session.issuer_arn)
        for suffix, arn in render.admin_principals(cfg, deployer):
            entry = aws.eks.AccessEntry(f"{name}-{suffix}", cluster_name=cluster.name, principal_arn=arn,
                                        type="STANDARD", tags=tags, opts=child)
            aws.eks.AccessPolicyAssociation(
                f"{name}-{suffix}-policy", cluster_name=cluster.name, principal_arn=arn,
                policy_arn=render.CLUSTER_ADMIN_POLICY, access_scope={"type": "cluster"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]))

        def addon(addon_name: str, after: list[pulumi.Resource], **extra) -> aws.eks.Addon:
            return aws.eks.Addon(
                f"{name}-{addon_name}", cluster_name=cluster.name, addon_name=addon_name,
                addon_version=args.addon_versions[addon_name],
                resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
                opts=pulumi.ResourceOptions(parent=self, depends_on=after), **extra,
            )

        early = [addon(n, [cluster], **({"configuration_values": json.dumps(render.VPC_CNI_CONFIGURATION)}
                                        if n == "vpc-cni" else {}))
                 for n, before_nodes in ADDONS if before_nodes]
        node_role, node_attachments = self._role(f"{name}-system-node-role", f"{name}-system-node",
                                                 trust_policy("ec2.amazonaws.com"),
                                                 render.NODE_ROLE_POLICIES, tags)
        nodes = cfg.system_nodes
        # IMDSv2 with one hop, as on the GPU nodes: pods off the host network cannot reach the node role.
        template = aws.ec2.LaunchTemplate(
            f"{name}-system-launch-template", **launch_template_args(nodes.disk_gib),
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in ("instance", "volume")],
            update_default_version=True, tags=tags, opts=child)
        system = aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=cluster.name,
            node_group_name_prefix=f"{cfg.name}{SYSTEM_NODE_GROUP_SUFFIX}",
            node_role_arn=node_role.arn,
            subnet_ids=args.private_subnet_ids,
            instance_types=list(nodes.instance_types),
            capacity_type="ON_DEMAND",
            ami_type="AL2023_x86_64_STANDARD",
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            scaling_config={"min_size": nodes.min, "max_size": nodes.max, "desired_size": nodes.min},
            update_config={"max_unavailable": 1},
            labels=dict(render.SYSTEM_NODE_LABEL),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*early, *node_attachments],
                                        ignore_changes=["scalingConfig.desiredSize"]),
        )
        efs_role, efs_attachments = self._role(f"{name}-efs-csi-role", f"{name}-efs-csi", pod_identity_trust_policy(),
                                               render.EFS_CSI_POLICIES, tags)
        # Block storage (EBS) for PersistentVolumeClaims, e.g. VMSingle's and VictoriaLogs'.
        ebs_role, ebs_attachments = self._role(f"{name}-ebs-csi-role", f"{name}-ebs-csi", pod_identity_trust_policy(),
                                               render.EBS_CSI_POLICIES, tags)
        addon("coredns", [system])
        addon("aws-efs-csi-driver", [system, *efs_attachments],
              pod_identity_associations=[{"role_arn": efs_role.arn, "service_account": sa}
                                         for sa in render.EFS_CSI_SERVICE_ACCOUNTS])
        ebs_csi_driver = addon(
            "aws-ebs-csi-driver", [system, *ebs_attachments],
            pod_identity_associations=[{"role_arn": ebs_role.arn, "service_account": sa}
                                       for sa in render.EBS_CSI_SERVICE_ACCOUNTS])

        self.name = cluster.name
        self.arn = cluster.arn
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.data
        self.security_group_id = cluster.vpc_config.cluster_security_group_id
        self.system_node_group = system
        self.node_role_arn = node_role.arn  # also used by GPU pools that are managed node groups
        self.efs_csi_role_name = efs_role.name  # the weight store grants it read access to the weights
        # What the default StorageClass (infra/render/storage_class.py) and every PersistentVolumeClaim wait for.
        self.ebs_csi_driver = ebs_csi_driver
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "arn": self.arn})

    def _role(self, role_name: str, attachment_prefix: str, trust: dict, policy_arns: tuple[str, ...],
              tags: dict[str, str]) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        """A role with AWS managed policies attached, each attachment named `<prefix>-<policy name>`."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(role_name, assume_role_policy=json.dumps(trust), tags=tags, opts=child)
        attachments = [
            aws.iam.RolePolicyAttachment(f"{attachment_prefix}-{arn.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn,
                                         opts=child)
            for arn in policy_arns
        ]
        return role, attachments

