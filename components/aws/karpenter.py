"""Karpenter: node role and its access entry, controller role bound by Pod Identity, the interruption
queue fed by EventBridge, and the pinned Helm releases (CRDs, then the controller). Everything it
sets is rendered by infra.render.aws.karpenter; this only registers it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import KARPENTER, KARPENTER_CRD, check_karpenter_supports
from infra.render.aws import karpenter as render

from ..helm_release import helm_release


@dataclass(frozen=True)
class KarpenterArgs:
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    region: str
    account_id: str
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()  # e.g. the system node group and the Pod Identity agent
    kubernetes_version: str | None = None  # checked against what the pinned Karpenter supports
    tags: Mapping[str, str] = field(default_factory=dict)


class Karpenter(pulumi.ComponentResource):
    node_role_name: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.KARPENTER, name, None, opts)
        if args.kubernetes_version is not None:
            check_karpenter_supports(args.kubernetes_version)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        cluster_name = pulumi.Output.from_input(args.cluster_name)

        # Nodes: the role EC2NodeClasses name, and the access entry that lets its instances join.
        node_role = aws.iam.Role(f"{name}-node-role", assume_role_policy=json.dumps(render.node_role_trust()),
                                 tags=tags, opts=child)
        node_attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-node-role-{arn.rsplit('/', 1)[-1]}", role=node_role.name,
                                         policy_arn=arn, opts=child)
            for arn in render.node_role_policy_arns(args.region)
        ]
        node_access = aws.eks.AccessEntry(f"{name}-node-access", cluster_name=args.cluster_name,
                                          principal_arn=node_role.arn, type="EC2_LINUX", tags=tags,
                                          opts=pulumi.ResourceOptions(parent=self, depends_on=node_attachments))
        # What a NodePool/EC2NodeClass must wait for: a node launched earlier could not join the cluster.
        self.nodes_can_join: list[pulumi.Resource] = [node_access, *node_attachments]

        # Interruption queue: encrypted, short retention, TLS only; EventBridge delivers into it.
        queue = aws.sqs.Queue(f"{name}-interruption-queue", message_retention_seconds=render.QUEUE_RETENTION_SECONDS,
                              sqs_managed_sse_enabled=True, tags=tags, opts=child)
        queue_policy = aws.sqs.QueuePolicy(f"{name}-interruption-queue-policy", queue_url=queue.url,
                                           policy=queue.arn.apply(lambda arn: json.dumps(render.queue_policy(arn))),
                                           opts=child)
        targets = []
        for rule_name, pattern in render.event_patterns().items():
            rule = aws.cloudwatch.EventRule(f"{name}-{rule_name}", event_pattern=json.dumps(pattern),
                                            description=f"Karpenter interruption handling: {pattern['detail-type'][0]}",
                                            tags=tags, opts=child)
            targets.append(aws.cloudwatch.EventTarget(
                f"{name}-{rule_name}-target", rule=rule.name, arn=queue.arn, target_id=render.TARGET_ID,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[queue_policy])))

        # Controller: a role for Pod Identity with the scoped policies, bound to kube-system/karpenter.
        controller_role = aws.iam.Role(f"{name}-controller-role",
                                       assume_role_policy=json.dumps(render.controller_trust()), tags=tags, opts=child)
        documents = pulumi.Output.all(cluster_name, args.cluster_arn, node_role.arn, queue.arn).apply(
            lambda v: render.controller_policies(v[0], v[1], args.region, args.account_id, node_role_arn=v[2],
                                                 queue_arn=v[3]))
        controller_attachments = []
        for policy_name in ("node-lifecycle", "iam-integration", "eks-integration", "interruption",
                            "resource-discovery"):
            policy = aws.iam.Policy(f"{name}-controller-{policy_name}",
                                    description=f"Karpenter controller: {policy_name.replace('-', ' ')}",
                                    policy=documents.apply(lambda docs, k=policy_name: json.dumps(docs[k])),
                                    tags=tags, opts=child)
            controller_attachments.append(aws.iam.RolePolicyAttachment(
                f"{name}-controller-{policy_name}", role=controller_role.name, policy_arn=policy.arn, opts=child))
        pod_identity = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=args.cluster_name, namespace=render.NAMESPACE,
            service_account=render.SERVICE_ACCOUNT, role_arn=controller_role.arn, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.depends_on, *controller_attachments]))

        # Helm: the CRD chart (upgraded with the version, unlike a chart's crds/), then the controller.
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on))
        crds = helm_release(f"{name}-crd", release_name=f"{render.RELEASE_NAME}-crd", chart=KARPENTER_CRD,
                            namespace=render.NAMESPACE, values=None, opts=on_cluster)
        values = pulumi.Output.all(cluster_name, queue.name).apply(lambda v: render.chart_values(v[0], v[1]))
        self.release = helm_release(
            f"{name}-release", release_name=render.RELEASE_NAME, chart=KARPENTER, namespace=render.NAMESPACE,
            values=values, skip_crds=True,
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                        depends_on=[*args.depends_on, crds, pod_identity, queue_policy, *targets]))

        self.node_role_name = node_role.name
        self.node_role_arn = node_role.arn
        self.queue_name = queue.name
        self.register_outputs({"node_role_name": self.node_role_name, "node_role_arn": self.node_role_arn,
                               "queue_name": self.queue_name})
