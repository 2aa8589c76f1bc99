"""Storage: every S3 bucket is KMS-encrypted, private and TLS-only; the weight bucket outlives the stack.

A bucket's settings are separate resources in pulumi-aws 7 (encryption configuration, public access
block, bucket policy, versioning), so these are stack rules: they find each bucket's companions by
the dependency on the bucket (or by the bucket name they carry).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra.catalog import component_types

from .base import (
    ResourceView,
    Rule,
    StackViolation,
    UnknownValueError,
    as_list,
    get,
    json_document,
    mappings,
    type_chain,
)

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
PUBLIC_ACCESS_BLOCK = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
POLICY = ("aws:s3/bucketPolicy:BucketPolicy",)
ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
_PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
_BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _buckets(resources: Sequence[ResourceView]) -> list[ResourceView]:
    return [r for r in resources if r.type in BUCKET_TYPES]


def _companions(bucket: ResourceView, resources: Sequence[ResourceView], types: tuple[str, ...]) -> list[ResourceView]:
    """Resources of `types` configuring `bucket`: they depend on it, or name it in their `bucket`."""
    names = None
    found = []
    for r in resources:
        if r.type not in types:
            continue
        if bucket.urn in r.dependencies:
            found.append(r)
            continue
        try:  # by name: values not known during preview cannot link anything
            if names is None:
                names = {v for v in (bucket.props.get("bucket"), bucket.props.get("id")) if isinstance(v, str)}
            if r.props.get("bucket") in names:
                found.append(r)
        except UnknownValueError:
            continue
    return found


def _label(bucket: ResourceView) -> str:
    name = bucket.props.get("bucket")
    return f"bucket {name!r}" if isinstance(name, str) else f"bucket resource {bucket.name!r}"


def _sse_rules(resource: ResourceView) -> list[Mapping]:
    return [get(rule, "applyServerSideEncryptionByDefault") or {} for rule in mappings(resource.props.get("rules"))]


def check_encrypted(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for bucket in _buckets(resources):
        defaults = [d for c in _companions(bucket, resources, ENCRYPTION) for d in _sse_rules(c)]
        inline = get(bucket.props, "serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault")
        if isinstance(inline, Mapping):
            defaults.append(inline)
        kms = [d for d in defaults if str(d.get("sseAlgorithm")).startswith("aws:kms") and d.get("kmsMasterKeyId")]
        if not kms:
            found.append((f"{_label(bucket)} has no default encryption with a KMS key (sseAlgorithm aws:kms and "
                          "kmsMasterKeyId)", bucket.urn))
    return found


def _public_statements(policy: ResourceView) -> list[str]:
    doc = json_document(policy.props.get("policy")) or {}
    found = []
    for statement in mappings(doc.get("Statement")):
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS")))
        if statement.get("Effect") == "Allow" and everyone and not statement.get("Condition"):
            found.append(str(statement.get("Sid") or "(no Sid)"))
    return found


def check_private(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for bucket in _buckets(resources):
        blocks = _companions(bucket, resources, PUBLIC_ACCESS_BLOCK)
        if not any(all(b.props.get(flag) is True for flag in _BLOCKS) for b in blocks):
            found.append((f"{_label(bucket)} has no public access block with all four of {', '.join(_BLOCKS)}",
                          bucket.urn))
        acls = [bucket.props.get("acl")] + [a.props.get("acl") for a in _companions(bucket, resources, ACL)]
        for acl in acls:
            if acl in _PUBLIC_ACLS:
                found.append((f"{_label(bucket)} has the canned ACL {acl!r}", bucket.urn))
        for policy in _companions(bucket, resources, POLICY):
            for sid in _public_statements(policy):
                found.append((f"{_label(bucket)}: policy statement {sid} allows anyone, unconditionally", policy.urn))
    return found


def _denies_insecure_transport(statement: Mapping) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS")))):
        return False
    if not {"s3:*", "*"} & {str(a) for a in as_list(statement.get("Action"))}:
        return False
    secure = get(statement, "Condition", "Bool", "aws:SecureTransport")
    if str(secure).lower() != "false":
        return False
    targets = [str(r) for r in as_list(statement.get("Resource"))]
    return "*" in targets or (any(t.endswith("/*") for t in targets) and any(not t.endswith("/*") for t in targets))


def check_tls_only(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for bucket in _buckets(resources):
        statements = [s for p in _companions(bucket, resources, POLICY)
                      for s in mappings((json_document(p.props.get("policy")) or {}).get("Statement"))]
        if not any(_denies_insecure_transport(s) for s in statements):
            found.append((f"{_label(bucket)} accepts plain-HTTP requests: no bucket policy denies s3:* on the bucket "
                          "and its objects when aws:SecureTransport is false", bucket.urn))
    return found


def _is_weight_bucket(bucket: ResourceView) -> bool:
    return component_types.WEIGHT_STORE in type_chain(bucket.urn)[:-1]


def check_retained(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for bucket in _buckets(resources):
        if not _is_weight_bucket(bucket):
            continue
        if not bucket.protect:
            found.append((f"weight {_label(bucket)} is not protected: `pulumi destroy` would delete it", bucket.urn))
        if bucket.retain_on_delete is False:  # None: not visible to this engine (CrossGuard)
            found.append((f"weight {_label(bucket)} is not retainOnDelete: removing it from the stack would delete "
                          "the weights", bucket.urn))
    return found


def check_versioned(resources: Sequence[ResourceView], config: Mapping[str, Any]) -> list[StackViolation]:
    found: list[StackViolation] = []
    for bucket in _buckets(resources):
        status = [get(v.props, "versioningConfiguration", "status") for v in _companions(bucket, resources, VERSIONING)]
        if "Enabled" not in status and get(bucket.props, "versioning", "enabled") is not True:
            found.append((f"{_label(bucket)} is not versioned: an overwritten or deleted object cannot be recovered",
                          bucket.urn))
    return found


RULES = [
    Rule(
        name="s3-bucket-encrypted",
        description="Every S3 bucket (the weight store first) encrypts objects by default with a KMS key.",
        remediation="Give the bucket a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and the "
                    "weight store's KMS key (components/aws/weight_store.py).",
        enforcement="mandatory",
        kind="stack",
        check=check_encrypted,
    ),
    Rule(
        name="s3-bucket-private",
        description="Every S3 bucket blocks public ACLs and policies, has no public canned ACL and no policy "
                    "statement allowing anyone.",
        remediation="Add a BucketPublicAccessBlock with all four settings true; grant access to specific roles only.",
        enforcement="mandatory",
        kind="stack",
        check=check_private,
    ),
    Rule(
        name="s3-bucket-tls-only",
        description="Every S3 bucket's policy denies requests not made over TLS (aws:SecureTransport false).",
        remediation="Add a bucket policy statement: Deny, Principal *, Action s3:*, on the bucket and bucket/*, "
                    "Condition Bool aws:SecureTransport false.",
        enforcement="mandatory",
        kind="stack",
        check=check_tls_only,
    ),
    Rule(
        name="weight-bucket-retained",
        description="The weight bucket is protected and retained on delete, so no destroy or refactor deletes the "
                    "weights (CrossGuard sees `protect` only; the offline check also sees retainOnDelete).",
        remediation="Register the bucket with protect=True and retain_on_delete=True (components/aws/weight_store.py); "
                    "to retire it, unprotect it explicitly (README: Destroying an environment).",
        enforcement="mandatory",
        kind="stack",
        check=check_retained,
    ),
    Rule(
        name="s3-bucket-versioned",
        description="Every S3 bucket keeps object versions.",
        remediation="Add a BucketVersioning with status Enabled.",
        enforcement="advisory",
        kind="stack",
        check=check_versioned,
    ),
]
