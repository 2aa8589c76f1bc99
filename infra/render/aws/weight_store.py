"""The AWS side of the weight store, rendered as plain data: bucket policy and lifecycle, the IAM
documents of the identities that touch the weights, and the PersistentVolume over S3 Files.

Nothing here imports Pulumi. Functions take resolved strings (ARNs, ids) and return JSON strings
(IAM documents) or dicts; the WeightStore component feeds them its resources' outputs.

Who gets what:
  * each model's serving identity (loader `streamer` only, vLLM reads S3 itself): read-only, exactly
    on the `<prefix>/<repository>/<revision>/` trees of its base weights and LoRA adapters;
  * the preload identity: read-write under `<prefix>/`, plus the Hugging Face token secret;
  * the S3 Files service role (loader `s3files`): read/write/delete on the bucket's objects, since an
    NFS unlink is an S3 delete; bucket versioning keeps the previous version as the safety net, and
    the role gets no s3:DeleteObjectVersion, so only the lifecycle rule ever removes versions.
"""

from __future__ import annotations

import json

from ...config import PlatformConfig, ResolvedModel
from ...config.weights import WeightsConfig
from ..labels import PART_OF, metadata
from ..model_workload import UID, weight_refs
from ..serving_namespace import WEIGHTS_VOLUME
from .iam import partition

VERSION = "2012-10-17"
NONCURRENT_VERSION_DAYS = 30  # how long an overwritten or deleted object stays recoverable
ABORT_MULTIPART_DAYS = 7
NFS_PORT = 2049
CSI_DRIVER = "efs.csi.aws.com"  # S3 Files mounts through the EFS CSI driver on EKS
NOMINAL_CAPACITY = "1Ti"  # S3 Files is elastic; Kubernetes wants a number
ROOT_PERMISSIONS = "0775"
S3_FILES_EVENT_RULES = "DO-NOT-DELETE-S3-Files*"  # EventBridge rules S3 Files creates and manages



def _service_host(service: str, region: str) -> str:
    return f"{service}.{region}.amazonaws.com" + (".cn" if region.startswith("cn-") else "")


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


# ---- bucket ----------------------------------------------------------------------------------


def tls_only_bucket_policy(bucket_arn: str) -> str:
    """Refuse every request on the bucket and its objects that does not come over TLS."""
    return json.dumps({
        "Version": VERSION,
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })


def lifecycle_rules(noncurrent_days: int = NONCURRENT_VERSION_DAYS) -> list[dict]:
    """BucketLifecycleConfiguration rules (Pulumi input shape): old versions expire after
    `noncurrent_days`, then their lone delete markers; abandoned multipart uploads after 7 days."""
    return [
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {},
            "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
            "expiration": {"expired_object_delete_marker": True},
        },
        {
            "id": "abort-incomplete-multipart-uploads",
            "status": "Enabled",
            "filter": {},
            "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
        },
    ]


# ---- Hugging Face token ----------------------------------------------------------------------


def hf_token_secret_arn(weights: WeightsConfig, region: str, account_id: str) -> str | None:
    """The secret the preload Job reads (`HF_TOKEN_SECRET_ARN`), or None when none is configured.

    `weights.huggingFaceTokenSecret` is a full ARN (used as is) or a secret name, which becomes the
    partial ARN `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`; GetSecretValue
    resolves a partial ARN to the secret (the name without the 6-character suffix AWS appends).
    """
    secret = weights.hugging_face_token_secret
    if not secret:
        return None
    if secret.startswith("arn:"):  # WeightsConfig checked its shape (config.base.SecretsManagerSecret)
        return secret
    return f"arn:{partition(region)}:secretsmanager:{region}:{account_id}:secret:{secret}"


def hf_token_secret_resource(weights: WeightsConfig, region: str, account_id: str) -> str | None:
    """The IAM Resource for exactly that secret: a configured ARN as is; for a name the partial ARN
    plus `-??????` (the random suffix), so `name-other-abcdef` is not matched as `name-*` would."""
    arn = hf_token_secret_arn(weights, region, account_id)
    if arn is None or (weights.hugging_face_token_secret or "").startswith("arn:"):
        return arn
    return f"{arn}-??????"


# ---- identities of the pods ------------------------------------------------------------------


def pod_identity_trust_policy() -> str:
    """Trust policy of a role assumed through EKS Pod Identity."""
    return json.dumps({
        "Version": VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }],
    })


def model_prefixes(platform: PlatformConfig, model: ResolvedModel) -> list[str]:
    """The key prefixes a model reads: its base weights, then each LoRA adapter."""
    return [f"{platform.weights.prefix}/{ref.relative_path}" for ref in weight_refs(model)]


def _list_under(bucket_arn: str, prefixes: list[str]) -> dict:
    """ListBucket only for listings under the given prefixes (`<p>` itself and below `<p>/`)."""
    return {
        "Sid": "ListWeights",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": bucket_arn,
        "Condition": {"StringLike": {"s3:prefix": [v for p in prefixes for v in (p, f"{p}/*")]}},
    }


def _kms_via_s3(kms_key_arn: str, actions: list[str]) -> dict:
    """The bucket's SSE-KMS key, usable only through S3 in the key's region."""
    return {
        "Sid": "BucketKeyThroughS3",
        "Effect": "Allow",
        "Action": actions,
        "Resource": kms_key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": _service_host("s3", _region_of(kms_key_arn))}},
    }


def serving_policy(bucket_arn: str, prefixes: list[str], kms_key_arn: str | None = None) -> str:
    """Read-only on exactly `prefixes` (see `model_prefixes`): what vLLM's S3 streamer and the
    wait-for-weights init container of one model need."""
    statements = [
        {
            "Sid": "ReadWeights",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"{bucket_arn}/{p}/*" for p in prefixes],
        },
        _list_under(bucket_arn, prefixes),
    ]
    if kms_key_arn:
        statements.append(_kms_via_s3(kms_key_arn, ["kms:Decrypt"]))
    return json.dumps({"Version": VERSION, "Statement": statements})


def file_client_policy(bucket_arn: str, prefix: str, kms_key_arn: str | None = None) -> str:
    """For the S3 Files client (the EFS CSI driver's identity): S3 Files lets mounted clients read
    file data straight from the bucket, so the client role needs read access to the weights."""
    statements = [
        {
            "Sid": "ReadWeightsDirectly",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": f"{bucket_arn}/{prefix}/*",
        },
    ]
    if kms_key_arn:
        statements.append(_kms_via_s3(kms_key_arn, ["kms:Decrypt"]))
    return json.dumps({"Version": VERSION, "Statement": statements})


def preload_policy(bucket_arn: str, weights_prefix: str | None, kms_key_arn: str | None = None,
                   hf_token_secret: str | None = None) -> str | None:
    """One preload Job's permissions: read-write under its own weight set's keys
    (`<prefix>/<repository>/<revision>/`, `weights_prefix`) when it uploads to S3 (the streamer
    loader; with S3 Files it writes through the mount and gets no S3 access at all), and the Hugging
    Face token secret when one is configured (`hf_token_secret`: see `hf_token_secret_resource`).
    None when it needs nothing (S3 Files without a token): then it gets no role."""
    statements = []
    if weights_prefix is not None:
        statements += [
            {
                "Sid": "ReadWriteThisWeightSet",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                           "s3:ListMultipartUploadParts"],
                "Resource": f"{bucket_arn}/{weights_prefix}/*",
            },
            # Unconditioned list on this bucket only: S3 answers a missing key with 404 (not 403) only
            # to callers allowed to list it, and a GetObject request carries no s3:prefix to match a
            # prefix condition. The preload checks for its marker before the first download.
            {"Sid": "ListWeightBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        ]
        if kms_key_arn:
            statements.append(_kms_via_s3(kms_key_arn, ["kms:Decrypt", "kms:GenerateDataKey"]))
    if hf_token_secret:
        statements.append({
            "Sid": "ReadHuggingFaceToken",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": hf_token_secret,
        })
    return json.dumps({"Version": VERSION, "Statement": statements}) if statements else None


# ---- S3 Files --------------------------------------------------------------------------------


def files_trust_policy(region: str, account_id: str) -> str:
    """S3 Files runs on EFS and assumes its role as elasticfilesystem.amazonaws.com, for file
    systems of this account and region only (confused-deputy guard)."""
    return json.dumps({
        "Version": VERSION,
        "Statement": [{
            "Sid": "S3FilesAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "elasticfilesystem.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition(region)}:s3files:{region}:{account_id}:file-system/*"},
            },
        }],
    })


def files_role_policy(bucket_arn: str, kms_key_arn: str, region: str, account_id: str) -> str:
    """What S3 Files needs to keep the file system and the bucket in sync."""
    rules = f"arn:{partition(region)}:events:{region}:{account_id}:rule"
    in_account = {"StringEquals": {"aws:ResourceAccount": account_id}}
    return json.dumps({
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "Bucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads",
                           "s3:GetBucketLocation"],
                "Resource": bucket_arn,
                "Condition": in_account,
            },
            {
                # Read, write and delete: an NFS write or unlink is an S3 put or delete. Versioning
                # keeps the previous version; s3:DeleteObjectVersion is deliberately not granted.
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes",
                           "s3:GetObjectVersionAttributes", "s3:GetObjectTagging", "s3:GetObjectVersionTagging",
                           "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectTagging",
                           "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                "Resource": f"{bucket_arn}/*",
                "Condition": in_account,
            },
            _kms_via_s3(kms_key_arn, ["kms:Decrypt", "kms:GenerateDataKey"]),
            {
                "Sid": "ManageSyncRules",
                "Effect": "Allow",
                "Action": ["events:PutRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule",
                           "events:PutTargets", "events:RemoveTargets"],
                "Resource": f"{rules}/{S3_FILES_EVENT_RULES}",
                "Condition": {"StringEquals": {"events:ManagedBy": "elasticfilesystem.amazonaws.com"}},
            },
            {
                "Sid": "ReadSyncRules",
                "Effect": "Allow",
                "Action": ["events:DescribeRule", "events:ListRuleNamesByTarget", "events:ListRules",
                           "events:ListTargetsByRule"],
                "Resource": f"{rules}/*",
            },
        ],
    })


def mount_target_count(platform: PlatformConfig) -> int:
    """One mount target per private subnet; known before any subnet exists, so a preview shows them."""
    network = platform.network
    return len(network.existing_private_subnet_ids) if network.existing_vpc_id else network.availability_zones


def access_point_root(platform: PlatformConfig) -> str:
    """The access point's root: the key prefix, so `/models/<repo>/<rev>` in a pod is the object
    `<prefix>/<repo>/<rev>/...` in the bucket, exactly where the streamer layout puts it."""
    return f"/{platform.weights.prefix}"


def access_point_posix_user() -> dict:
    """Every NFS request through the access point runs as the pods' uid/gid."""
    return {"uid": UID, "gid": UID}


def access_point_root_directory(platform: PlatformConfig) -> dict:
    return {
        "path": access_point_root(platform),
        "creation_permissions": [{"owner_uid": UID, "owner_gid": UID, "permissions": ROOT_PERMISSIONS}],
    }


def volume_handle(file_system_id: str, access_point_id: str) -> str:
    return f"s3files:{file_system_id}::{access_point_id}"


def render_weights_volume(platform: PlatformConfig, handle: str) -> dict:
    """The PersistentVolume the serving namespace's claim binds to (pre-bound to that claim).

    `handle` is `volume_handle(...)`; the component passes it as a Pulumi output, which the dict
    carries through untouched.
    """
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": metadata(WEIGHTS_VOLUME, None, {"app.kubernetes.io/part-of": PART_OF,
                                                    "app.kubernetes.io/managed-by": "pulumi"}),
        "spec": {
            "capacity": {"storage": NOMINAL_CAPACITY},
            "volumeMode": "Filesystem",
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "claimRef": {"namespace": platform.serving.namespace, "name": platform.weights.volume_claim_name},
            "csi": {"driver": CSI_DRIVER, "volumeHandle": handle},
        },
    }
