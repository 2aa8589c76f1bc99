"""cert-manager (installed when the gateway has `tls`): namespace `cert-manager`, the pinned release
(CRDs included), the ClusterIssuer the gateway's certificate comes from, and with an ACME issuer an IAM
role bound to the controller's service account by EKS Pod Identity, allowed to write only the
hostname's `_acme-challenge` TXT record in the stack's hosted zone."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import CERT_MANAGER_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.aws.iam import partition
from infra.render.services import cert_manager as render

from ..aws.pod_identity import PodIdentityRoleArgs, pod_identity_role
from ..helm_release import helm_release
from ..k8s_object import register
from ._helm import namespace, network_policies, on_cluster


@dataclass(frozen=True)
class CertManagerArgs:
    platform: PlatformConfig  # with gateway.tls
    k8s_provider: k8s.Provider
    cluster_name: pulumi.Input[str]
    region: str
    depends_on: tuple[pulumi.Resource, ...] = ()  # e.g. the cluster's Pod Identity agent add-on
    tags: Mapping[str, str] = field(default_factory=dict)


class CertManager(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    pod_identity: aws.eks.PodIdentityAssociation | None
    release: k8s.helm.v3.Release
    issuer: pulumi.CustomResource  # the ClusterIssuer the gateway's Certificate names

    def __init__(self, name: str, args: CertManagerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.CERT_MANAGER, name, None, opts)
        tls = args.platform.gateway.tls
        if tls is None:
            raise ValueError("CertManager needs a platform whose gateway has tls")
        self.namespace = namespace(name, render.render_namespace(), self, args.k8s_provider, args.depends_on)
        self.network_policies = network_policies(name, platform_flows.cert_manager_policies(args.platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])
        self.pod_identity = self._route53_identity(name, args) if tls.issuer == "acme" else None
        # The controller starts with its Route 53 credentials in place: after the association.
        before = [*args.depends_on, self.namespace, *self.network_policies]
        if self.pod_identity is not None:
            before.append(self.pod_identity)
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, CERT_MANAGER_CHART, render.NAMESPACE,
                                    render.chart_values(args.platform), on_cluster(self, args.k8s_provider, before))
        previous: pulumi.Resource = self.release
        for obj in render.render_issuers(tls, args.region):  # each after the one it names
            kind = obj["kind"].lower()
            previous = register(f"{name}-{obj['metadata']['name']}-{kind}", obj,
                                on_cluster(self, args.k8s_provider, [previous]))
        self.issuer = previous
        self.register_outputs({"namespace": render.NAMESPACE, "issuer": render.issuer_name(tls)})

    def _route53_identity(self, name: str, args: CertManagerArgs) -> aws.eks.PodIdentityAssociation:
        tls = args.platform.gateway.tls
        assert tls is not None and tls.acme is not None
        return pod_identity_role(PodIdentityRoleArgs(
            cluster_name=args.cluster_name, namespace=render.NAMESPACE, service_account=render.SERVICE_ACCOUNT,
            policy=json.dumps(render.route53_policy(tls, partition(args.region))),
            description=f"cert-manager: answer ACME DNS-01 challenges for {tls.hostname} in Route 53",
            role_name=f"{name}-role", policy_name=f"{name}-route53", association_name=f"{name}-pod-identity",
            depends_on=args.depends_on, tags=args.tags), self)
