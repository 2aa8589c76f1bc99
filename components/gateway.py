"""The OpenAI-compatible gateway: every object infra.render.gateway renders, registered in order,
plus (with Bedrock fallbacks) the IAM role the proxies use through EKS Pod Identity.

Needs on the cluster, installed by the platform services: Envoy Gateway with the Backend API and the
AI Gateway extension enabled (and a global rate limit backend when a tenant has a token limit),
the Envoy AI Gateway controller, External Secrets with the ClusterSecretStore `aws-secrets-manager`
allowed to read `gateway_secret_names(platform)`. Pass those releases in `depends_on`.

`endpoint` is the in-cluster base URL (`http://<gateway>.<namespace>.svc.cluster.local/v1`); the
NLB's DNS name appears in the Gateway's `status.addresses` once AWS has created it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.catalog import component_types
from infra.config import PlatformConfig
from infra.render.aws.iam import pod_identity_trust_policy
from infra.render.gateway import bedrock_invoke_policy, gateway_secret_names, render_gateway_objects
from infra.render.gateway.names import service_account_name
from infra.render.gateway.proxy import endpoint

from .k8s_object import register

__all__ = ["LlmGateway", "LlmGatewayArgs", "gateway_secret_names"]


@dataclass(frozen=True)
class LlmGatewayArgs:
    platform: PlatformConfig
    region: str = "us-east-1"  # the stack's region: default Bedrock region
    # For Bedrock fallbacks: the Pod Identity association of the proxies' service account. Without
    # them no AWS resource is created (and Bedrock fallbacks cannot sign their requests).
    cluster_name: pulumi.Input[str] | None = None
    account_id: pulumi.Input[str] | None = None
    depends_on: tuple[pulumi.Resource, ...] = ()  # Envoy Gateway, AI Gateway and External Secrets releases


class LlmGateway(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: LlmGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.LLM_GATEWAY, name, None, opts)
        platform = args.platform
        proxy_prerequisites = list(args.depends_on)
        identity = self._bedrock_identity(name, args)
        if identity is not None:
            proxy_prerequisites.append(identity)

        created: dict[str, pulumi.Resource] = {}
        for item in render_gateway_objects(platform, args.region):
            deps = [created[key] for key in item.after]
            if item.key in ("envoy-proxy", "gateway"):
                deps += proxy_prerequisites  # the proxy pods start with their AWS identity in place
            else:
                deps += list(args.depends_on)
            created[item.key] = register(f"{name}-{item.key}", item.obj,
                                         pulumi.ResourceOptions(parent=self, depends_on=deps))

        self.endpoint = pulumi.Output.from_input(endpoint(platform))
        self.secret_names = gateway_secret_names(platform)
        self.register_outputs({"endpoint": self.endpoint, "secret_names": self.secret_names})

    def _bedrock_identity(self, name: str, args: LlmGatewayArgs) -> pulumi.Resource | None:
        """Role + policy + Pod Identity association for the proxies, when Bedrock fallbacks exist."""
        if args.cluster_name is None or args.account_id is None:
            return None
        if not any(f.provider == "bedrock" for f in args.platform.gateway.fallbacks):
            return None
        gateway = args.platform.gateway
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-bedrock-role", assume_role_policy=json.dumps(pod_identity_trust_policy()),
                            description=f"Pod Identity of {gateway.namespace}/{service_account_name(args.platform)}: "
                                        "invoke the Bedrock fallback models", opts=child)
        policy = pulumi.Output.from_input(args.account_id).apply(
            lambda account: json.dumps(bedrock_invoke_policy(args.platform, args.region, account)))
        role_policy = aws.iam.RolePolicy(f"{name}-bedrock-role-policy", role=role.id, policy=policy, opts=child)
        return aws.eks.PodIdentityAssociation(
            f"{name}-bedrock-pod-identity", cluster_name=args.cluster_name, namespace=gateway.namespace,
            service_account=service_account_name(args.platform), role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]))
