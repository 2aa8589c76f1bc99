"""Storage rules over a hand-built weight bucket and its companion resources."""

from __future__ import annotations

import json

import pytest

from tests.policies.helpers import BUCKET, messages, stack_violations, urn, view

STORE = "llm-platform:aws:WeightStore"
NAME = "llm-platform-dev-weights"
BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
TLS_ONLY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def weight_store(policy_statements=None, sse="aws:kms", blocks=True, protect=True, retain=True, versioning="Enabled",
                 linked_by="dependency"):
    bucket = view(BUCKET, "weight-store-bucket", {"bucket": NAME}, STORE, protect=protect, retain_on_delete=retain)

    def companion(typ: str, name: str, props: dict):
        if linked_by == "dependency":  # the offline plan: the bucket input is the (mock) id, the dependency tells
            return view(typ, name, {"bucket": "weight-store-bucket-id", **props}, STORE, dependencies=(bucket.urn,))
        return view(typ, name, {"bucket": NAME, **props}, STORE)  # a stack policy: outputs carry the bucket name

    statements = [TLS_ONLY] if policy_statements is None else policy_statements
    return [
        bucket,
        companion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "enc",
                  {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse, "kmsMasterKeyId": "arn:k"},
                              "bucketKeyEnabled": True}]}),
        companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab",
                  {k: blocks for k in BLOCKS}),
        companion("aws:s3/bucketPolicy:BucketPolicy", "policy",
                  {"policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}),
        companion("aws:s3/bucketVersioning:BucketVersioning", "ver", {"versioningConfiguration": {"status": versioning}}),
    ]


@pytest.mark.parametrize("linked_by", ["dependency", "bucket name"])
@pytest.mark.parametrize("rule", ["s3-bucket-encrypted", "s3-bucket-private", "s3-bucket-tls-only",
                                  "weight-bucket-retained", "s3-bucket-versioned"])
def test_a_well_configured_weight_bucket_passes(rule, linked_by):
    assert stack_violations(rule, weight_store(linked_by=linked_by)) == []


def test_s3_bucket_encrypted_fails_with_s3_managed_keys_or_without_configuration():
    found = stack_violations("s3-bucket-encrypted", weight_store(sse="AES256"))
    assert messages(found) == [f"bucket '{NAME}' has no default encryption with a KMS key (sseAlgorithm aws:kms and "
                               "kmsMasterKeyId)"]
    assert found[0][1] == urn(BUCKET, "weight-store-bucket", STORE)
    assert stack_violations("s3-bucket-encrypted", weight_store()[:1])


def test_s3_bucket_private_fails():
    assert "has no public access block" in messages(stack_violations("s3-bucket-private", weight_store(blocks=False)))[0]
    public = {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
              "Resource": f"arn:aws:s3:::{NAME}/*"}
    found = messages(stack_violations("s3-bucket-private", weight_store([TLS_ONLY, public])))
    assert found == [f"bucket '{NAME}': policy statement Public allows anyone, unconditionally"]


@pytest.mark.parametrize("statement", [
    None,  # no policy statement at all
    {**TLS_ONLY, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {**TLS_ONLY, "Resource": f"arn:aws:s3:::{NAME}"},  # objects not covered
    {**TLS_ONLY, "Effect": "Allow"},
])
def test_s3_bucket_tls_only_fails(statement):
    found = messages(stack_violations("s3-bucket-tls-only", weight_store([] if statement is None else [statement])))
    assert found and "accepts plain-HTTP requests" in found[0]


def test_weight_bucket_retained_fails_unprotected_or_not_retained():
    assert messages(stack_violations("weight-bucket-retained", weight_store(protect=False))) == [
        f"weight bucket '{NAME}' is not protected: `pulumi destroy` would delete it"]
    assert "is not retainOnDelete" in messages(stack_violations("weight-bucket-retained", weight_store(retain=False)))[0]
    # CrossGuard does not show retainOnDelete to policies: unknown is not a violation, protect still counts
    assert stack_violations("weight-bucket-retained", weight_store(retain=None)) == []


def test_weight_bucket_retained_applies_to_the_weight_store_only():
    other = view(BUCKET, "logs", {"bucket": "logs"})
    assert stack_violations("weight-bucket-retained", [other]) == []


def test_s3_bucket_versioned_fails_when_suspended():
    assert stack_violations("s3-bucket-versioned", weight_store(versioning="Suspended"))
