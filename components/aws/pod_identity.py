"""An AWS identity for one Kubernetes service account through EKS Pod Identity: a role whose trust is
narrowed (by the session tags EKS sets) to that account of that cluster, its inline policy, and the
association, which waits for the policy so the pods never start with a role that cannot act yet."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.render.aws.iam import pod_identity_role_trust


@dataclass(frozen=True)
class PodIdentityRoleArgs:
    cluster_name: pulumi.Input[str]
    namespace: str
    service_account: str
    policy: pulumi.Input[str]  # the inline policy document (JSON)
    description: str
    role_name: str  # Pulumi resource names of the role, its policy and the association
    policy_name: str
    association_name: str
    role_name_prefix: str | None = None  # IAM name_prefix (else Pulumi auto-names the role)
    depends_on: Sequence[pulumi.Resource] = ()  # what the association waits for besides the policy
    tags: Mapping[str, str] | None = None  # on the role and the association


def pod_identity_role(args: PodIdentityRoleArgs, parent: pulumi.Resource) -> aws.eks.PodIdentityAssociation:
    child = pulumi.ResourceOptions(parent=parent)
    tags = dict(args.tags) if args.tags is not None else None
    role = aws.iam.Role(
        args.role_name, name_prefix=args.role_name_prefix,
        assume_role_policy=pulumi.Output.from_input(args.cluster_name).apply(
            lambda cluster: json.dumps(pod_identity_role_trust(cluster, args.namespace, args.service_account))),
        description=args.description, tags=tags, opts=child)
    grant = aws.iam.RolePolicy(args.policy_name, role=role.id, policy=args.policy, opts=child)
    return aws.eks.PodIdentityAssociation(
        args.association_name, cluster_name=args.cluster_name, namespace=args.namespace,
        service_account=args.service_account, role_arn=role.arn, tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[*args.depends_on, grant]))
