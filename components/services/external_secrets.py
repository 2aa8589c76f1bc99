"""External Secrets Operator: an IAM role bound to its service account by EKS Pod Identity, allowed to
read only the given Secrets Manager secrets; namespace `external-secrets`; the pinned release (CRDs
included); and the ClusterSecretStore `aws-secrets-manager` once the release is up."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import EXTERNAL_SECRETS_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.services import external_secrets as render

from ..k8s_object import register
from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster


@dataclass(frozen=True)
class ExternalSecretsArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    cluster_name: pulumi.Input[str]
    region: str
    account_id: str
    # Full ARNs of the secrets the platform may read; empty: the role gets no permission at all.
    secret_arns: Sequence[pulumi.Input[str]] = ()
    depends_on: tuple[pulumi.Resource, ...] = ()  # e.g. the cluster's Pod Identity agent add-on
    tags: Mapping[str, str] = field(default_factory=dict)


class ExternalSecrets(pulumi.ComponentResource):
    role: aws.iam.Role
    policy: aws.iam.Policy | None
    pod_identity: aws.eks.PodIdentityAssociation
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    release: k8s.helm.v3.Release
    cluster_secret_store: pulumi.CustomResource
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ExternalSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.EXTERNAL_SECRETS, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        for arn in args.secret_arns:  # known ARNs are checked now; the others when they resolve
            if isinstance(arn, str) and (problem := render.secret_arn_problem(arn, args.region, args.account_id)):
                raise ValueError(f"secret_arns: {problem}")

        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pulumi.Output.from_input(args.cluster_name).apply(
                lambda cluster: json.dumps(render.role_trust(cluster))),
            description="External Secrets Operator: read the platform's Secrets Manager secrets",
            tags=tags, opts=child)
        grants: list[pulumi.Resource] = []
        self.policy = None
        if args.secret_arns:
            self.policy = aws.iam.Policy(
                f"{name}-read-secrets",
                description="Read only the Secrets Manager secrets the platform names",
                policy=pulumi.Output.all(*args.secret_arns).apply(
                    lambda arns: json.dumps(render.read_policy(self._checked(arns, args)))),
                tags=tags, opts=child)
            grants.append(aws.iam.RolePolicyAttachment(f"{name}-read-secrets", role=self.role.name,
                                                       policy_arn=self.policy.arn, opts=child))
        self.pod_identity = aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity", cluster_name=args.cluster_name, namespace=render.NAMESPACE,
            service_account=render.SERVICE_ACCOUNT, role_arn=self.role.arn, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*args.depends_on, *grants]))

        self.namespace = namespace(name, render.render_namespace(), self, args.k8s_provider, args.depends_on)
        self.network_policies = network_policies(name, platform_flows.external_secrets_policies(args.platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])
        # The controller starts with its credentials in place: after the association (and its grant).
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, EXTERNAL_SECRETS_CHART, render.NAMESPACE,
                                    render.chart_values(args.platform),
                                    on_cluster(self, args.k8s_provider,
                                               [*args.depends_on, self.namespace, self.pod_identity,
                                                *self.network_policies]))
        self.cluster_secret_store = register(f"{name}-cluster-secret-store",
                                             render.cluster_secret_store(
                                                 args.region, render.secret_namespaces(args.platform)),
                                             on_cluster(self, args.k8s_provider, [self.release]))
        self.role_arn = self.role.arn
        self.register_outputs({"role_arn": self.role_arn, "namespace": render.NAMESPACE,
                               "cluster_secret_store": render.STORE_NAME})

    @staticmethod
    def _checked(arns: Sequence[str], args: ExternalSecretsArgs) -> list[str]:
        for arn in arns:
            if problem := render.secret_arn_problem(arn, args.region, args.account_id):
                raise ValueError(f"secret_arns: {problem}")
        return list(arns)
