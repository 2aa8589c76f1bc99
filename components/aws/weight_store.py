"""The weight store: an S3 bucket kept across destroys, the S3 Files file system pods mount it
through (loader `s3files`), and the Pod Identity roles that read and write the weights.

Every policy and the PersistentVolume come from infra.render.aws.weight_store; this registers them.
The volume handle is built from the file system's and access point's outputs: nothing is copied by
hand between `pulumi up` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.config import PlatformConfig
from infra.render.aws import weight_store as render
from infra.catalog.s3_buckets import ACCOUNT_REGIONAL, namespace_of

from ..k8s_object import register


@dataclass(frozen=True)
class WeightStoreArgs:
    platform: PlatformConfig
    stack: str
    bucket: str  # its name (explicit, or the stack's default)
    region: str
    account_id: str
    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    node_security_group_id: pulumi.Input[str]
    k8s_provider: k8s.Provider | None = None  # for the PersistentVolume; None: the default provider
    file_client_role_name: pulumi.Input[str] | None = None  # the EFS CSI driver's role (reads S3 directly)


def _subnet(ids: Sequence[str], index: int, expected: int) -> str:
    if len(ids) != expected:
        raise ValueError(f"the weight store expects {expected} private subnets (one S3 Files mount target "
                         f"each, at most one per availability zone), got {len(ids)}: {list(ids)}")
    return ids[index]


class WeightStore(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    file_system_id: pulumi.Output[str] | None
    access_point_id: pulumi.Output[str] | None
    volume_handle: pulumi.Output[str] | None
    hf_token_secret_arn: str | None  # what the preload Jobs read the Hugging Face token from
    hf_token_secret_resource: str | None  # ... and the IAM resource that grants it

    def __init__(self, name: str, args: WeightStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.WEIGHT_STORE, name, None, opts)
        platform = args.platform
        weights = platform.weights
        child = pulumi.ResourceOptions(parent=self)
        # Weights are data: the bucket, its key and its settings outlive the stack.
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)

        adopt = weights.adopt
        # Adopting what an earlier stack kept: the next `pulumi up` imports the key and the bucket under this
        # component instead of creating them. An import must match the real resource, so the key's
        # description (it names the old stack) and deletion window (AWS does not report it) are left as found.
        key_opts = guarded if adopt is None else pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(
            import_=adopt.kms_key_arn.rsplit("/", 1)[1], ignore_changes=["description", "deletionWindowInDays"]))
        bucket_opts = guarded if adopt is None else pulumi.ResourceOptions.merge(
            guarded, pulumi.ResourceOptions(import_=args.bucket))
        key = aws.kms.Key(f"{name}-key", description=f"llm-platform {args.stack}: model weights bucket",
                          enable_key_rotation=True, deletion_window_in_days=30, opts=key_opts)
        # A name in the account regional format can only be created in that namespace; others stay global
        # (left unset, as buckets created before the account regional default were).
        namespace = ACCOUNT_REGIONAL if namespace_of(args.bucket) == ACCOUNT_REGIONAL else None
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args.bucket, bucket_namespace=namespace, opts=bucket_opts)
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id,
            versioning_configuration={"status": "Enabled"}, opts=kept)
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": key.arn},
                    "bucket_key_enabled": True}],
            opts=kept)
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=kept)
        aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=bucket.id,
                                       rule={"object_ownership": "BucketOwnerEnforced"}, opts=kept)
        aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id,
                            policy=bucket.arn.apply(render.tls_only_bucket_policy),
                            # S3 rejects concurrent changes to a bucket's access settings
                            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=[public_access])))
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, rules=render.lifecycle_rules(),
            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=[versioning])))

        # ---- identities: serving only when vLLM reads S3 itself (each preload Job has its own) ----
        self.hf_token_secret_arn = render.hf_token_secret_arn(weights, args.region, args.account_id)
        self.hf_token_secret_resource = render.hf_token_secret_resource(weights, args.region, args.account_id)
        namespace = platform.serving.namespace
        # What a preload Job needs before it writes: a bucket that encrypts with the key.
        self.preload_needs = (encryption, versioning, public_access)
        self.serving_identities: dict[str, pulumi.Resource] = {}  # model -> its Pod Identity association
        if weights.loader == "streamer":
            for model in platform.resolved_models:
                prefixes = render.model_prefixes(platform, model)
                _, self.serving_identities[model.name] = self._pod_role(
                    f"{name}-serving-{model.name}", args, model.name,
                    pulumi.Output.all(bucket.arn, key.arn).apply(
                        lambda a, p=prefixes: render.serving_policy(a[0], p, kms_key_arn=a[1])),
                    namespace)

        # ---- S3 Files ---------------------------------------------------------------------------
        self.file_system_id = self.access_point_id = self.volume_handle = self.volume = None
        if weights.loader == "s3files":
            self._s3files(name, args, bucket, versioning, encryption, key, child)
            if args.file_client_role_name is not None:
                aws.iam.RolePolicy(
                    f"{name}-file-client-read", role=args.file_client_role_name,
                    policy=pulumi.Output.all(bucket.arn, key.arn).apply(
                        lambda a: render.file_client_policy(a[0], weights.prefix, kms_key_arn=a[1])),
                    opts=child)

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.kms_key_arn = key.arn
        self.register_outputs({
            "bucket_name": self.bucket_name,
            "bucket_arn": self.bucket_arn,
            "kms_key_arn": self.kms_key_arn,
            "file_system_id": self.file_system_id,
            "access_point_id": self.access_point_id,
            "volume_handle": self.volume_handle,
        })

    def _pod_role(self, prefix: str, args: WeightStoreArgs, service_account: str,
                  policy: pulumi.Output[str], namespace: str) -> tuple[pulumi.Output[str], pulumi.Resource]:
        """A role assumed through EKS Pod Identity by one service account of the serving namespace:
        its ARN, and the association (the pods get credentials once it exists)."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{prefix}-role", assume_role_policy=render.pod_identity_trust_policy(),
                            description=f"Pod Identity of {namespace}/{service_account}", opts=child)
        role_policy = aws.iam.RolePolicy(f"{prefix}-role-policy", role=role.id, policy=policy, opts=child)
        association = aws.eks.PodIdentityAssociation(
            f"{prefix}-pod-identity", cluster_name=args.cluster_name, namespace=namespace,
            service_account=service_account, role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]))
        return role.arn, association

    def _s3files(self, name: str, args: WeightStoreArgs, bucket: aws.s3.Bucket,
                 versioning: aws.s3.BucketVersioning, encryption: aws.s3.BucketServerSideEncryptionConfiguration,
                 key: aws.kms.Key, child: pulumi.ResourceOptions) -> None:
        platform = args.platform
        security_group = aws.ec2.SecurityGroup(
            f"{name}-mount-targets", vpc_id=args.vpc_id,
            description="S3 Files mount targets of the model weights: NFS from the cluster nodes", opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-nfs-from-nodes", security_group_id=security_group.id,
            referenced_security_group_id=args.node_security_group_id, ip_protocol="tcp",
            from_port=render.NFS_PORT, to_port=render.NFS_PORT, description="NFS from the cluster nodes", opts=child)

        role = aws.iam.Role(f"{name}-files-role",
                            assume_role_policy=render.files_trust_policy(args.region, args.account_id),
                            description="S3 Files: keeps the weights file system and bucket in sync", opts=child)
        role_policy = aws.iam.RolePolicy(
            f"{name}-files-role-policy", role=role.id,
            policy=pulumi.Output.all(bucket.arn, key.arn).apply(
                lambda a: render.files_role_policy(a[0], a[1], args.region, args.account_id)),
            opts=child)
        # Depending on the bucket and its versioning deletes the file system first on destroy
        # (S3 refuses to drop a bucket's settings while a file system is attached).
        file_system = aws.s3.FilesFileSystem(
            f"{name}-file-system", bucket=bucket.arn, role_arn=role.arn, accept_bucket_warning=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket, versioning, encryption, role_policy]))

        count = render.mount_target_count(platform)
        subnets = pulumi.Output.from_input(args.private_subnet_ids)
        mount_targets = [
            aws.s3.FilesMountTarget(
                f"{name}-mount-target-{i}", file_system_id=file_system.id,
                subnet_id=subnets.apply(lambda ids, i=i: _subnet(ids, i, count)),
                security_groups=[security_group.id], opts=child)
            for i in range(count)
        ]
        access_point = aws.s3.FilesAccessPoint(
            f"{name}-access-point", file_system_id=file_system.id,
            posix_users=[render.access_point_posix_user()],
            root_directories=[render.access_point_root_directory(platform)], opts=child)

        self.file_system_id = file_system.id
        self.access_point_id = access_point.id
        self.volume_handle = pulumi.Output.all(file_system.id, access_point.id).apply(
            lambda ids: render.volume_handle(ids[0], ids[1]))
        self.volume = register(
            f"{name}-volume",
            render.render_weights_volume(platform, self.volume_handle),
            pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                   depends_on=[access_point, *mount_targets]),
        )
