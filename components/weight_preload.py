"""The preload Job of one repository@revision, with an identity of its own: a service account named
like the Job and, when the Job needs AWS (the streamer loader writes to S3; a Hugging Face token is
read from Secrets Manager), a role bound to that account by EKS Pod Identity that may write only
this weight set's keys. Pulumi waits for the Job to succeed before any model that needs these
weights is rolled out."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.catalog import component_types
from infra.config import PlatformConfig
from infra.render.aws.weight_store import preload_policy
from infra.render.weight_preload import render_preload_job, render_preload_service_account, service_account_name
from infra.render.weight_store import WeightRef, object_prefix

from .aws.pod_identity import PodIdentityRoleArgs, pod_identity_role
from .k8s_object import register

# IAM's limit on a role's name_prefix (the provider appends a 26-character unique suffix; 64 in all).
ROLE_NAME_PREFIX_MAX = 38


@dataclass(frozen=True)
class WeightPreloadArgs:
    platform: PlatformConfig
    bucket: str  # the weights bucket
    weights: WeightRef
    weights_gib: float
    hf_token_secret_arn: str | None = None  # Secrets Manager secret with the Hugging Face token
    hf_token_secret_resource: str | None = None  # the IAM resource granting it (WeightStore)
    # For the Job's role: the cluster its association is in, the weights bucket and its KMS key.
    cluster_name: pulumi.Input[str] | None = None
    bucket_arn: pulumi.Input[str] | None = None
    kms_key_arn: pulumi.Input[str] | None = None
    depends_on: tuple[pulumi.Resource, ...] = ()


def role_name_prefix(ref: WeightRef) -> str:
    """Readable in the IAM console, unique through the provider's suffix."""
    return ref.job_name[:ROLE_NAME_PREFIX_MAX - 1].rstrip("-") + "-"


class WeightPreload(pulumi.ComponentResource):
    service_account: pulumi.CustomResource
    pod_identity: aws.eks.PodIdentityAssociation | None
    job: pulumi.CustomResource

    def __init__(self, name: str, args: WeightPreloadArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.WEIGHT_PRELOAD, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        self.service_account = register(f"{name}-service-account",
                                        render_preload_service_account(args.platform, args.weights), child)
        self.pod_identity = self._identity(name, args)
        job = render_preload_job(args.platform, args.bucket, args.weights, args.weights_gib, args.hf_token_secret_arn)
        deadline_minutes = job["spec"]["activeDeadlineSeconds"] // 60 + 5
        needs = [*args.depends_on, self.service_account, *([self.pod_identity] if self.pod_identity else [])]
        self.job = register(
            f"{name}-job",
            job,
            pulumi.ResourceOptions(
                parent=self,
                depends_on=needs,  # the pod starts with its credentials in place
                delete_before_replace=True,  # the Job is explicitly named
                replace_on_changes=["spec"],  # the API refuses to change a Job's spec: a changed Job is a new one
                custom_timeouts=pulumi.CustomTimeouts(create=f"{deadline_minutes}m", update=f"{deadline_minutes}m"),
            ),
        )
        self.register_outputs({"weights": args.weights.key})

    def _identity(self, name: str, args: WeightPreloadArgs) -> aws.eks.PodIdentityAssociation | None:
        platform, ref = args.platform, args.weights
        uploads = platform.weights.loader == "streamer"
        if not uploads and not args.hf_token_secret_resource:
            return None  # S3 Files without a token: the Job needs no AWS access at all
        if args.cluster_name is None or (uploads and args.bucket_arn is None):
            raise ValueError(f"preload {ref.key}: its role needs cluster_name (and bucket_arn for the streamer)")
        namespace, account = platform.serving.namespace, service_account_name(ref)
        policy = pulumi.Output.all(args.bucket_arn or "", args.kms_key_arn or "").apply(
            lambda a: preload_policy(a[0], object_prefix(platform, ref) if uploads else None,
                                     kms_key_arn=a[1] or None, hf_token_secret=args.hf_token_secret_resource))
        return pod_identity_role(PodIdentityRoleArgs(
            cluster_name=args.cluster_name, namespace=namespace, service_account=account, policy=policy,
            description=f"Pod Identity of {namespace}/{account}: preload {ref.key}"[:1000],
            role_name=f"{name}-role", role_name_prefix=role_name_prefix(ref), policy_name=f"{name}-role-policy",
            association_name=f"{name}-pod-identity", depends_on=args.depends_on), self)
