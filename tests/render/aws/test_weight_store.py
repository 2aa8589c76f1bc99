"""The weight store's AWS documents: bucket policy, lifecycle, IAM, and the S3 Files volume."""

from __future__ import annotations

import json

import pytest

from infra.config.weights import WeightsConfig
from infra.render.aws import weight_store as ws
from infra.validation.k8s_schema import validate_object

from ..conftest import DOCS_REPO, DOCS_REV, QWEN_REPO, QWEN_REV, SQL_REPO, SQL_REV, build_platform, variant

ACCOUNT, REGION = "123456789012", "us-east-1"
BUCKET = "arn:aws:s3:::llm-platform-dev-weights"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab"
QWEN = f"models/{QWEN_REPO}/{QWEN_REV}"
SQL = f"models/{SQL_REPO}/{SQL_REV}"
DOCS = f"models/{DOCS_REPO}/{DOCS_REV}"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:llm-platform/dev/hugging-face-token"

# Actions that change data or configuration; none may be allowed on a bare "*" resource.
READ_ONLY_PREFIXES = ("Get", "List", "Describe")


def statements(document: str) -> list[dict]:
    doc = json.loads(document)
    assert doc["Version"] == "2012-10-17"
    return doc["Statement"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def every_identity_policy() -> dict[str, str]:
    return {
        "serving": ws.serving_policy(BUCKET, [QWEN, SQL], kms_key_arn=KEY),
        "preload": ws.preload_policy(BUCKET, "models", kms_key_arn=KEY, hf_token_secret=f"{SECRET}-??????"),
        "files": ws.files_role_policy(BUCKET, KEY, REGION, ACCOUNT),
    }


# --------------------------------------------------------------------------------------
# bucket
# --------------------------------------------------------------------------------------


def test_bucket_policy_denies_everything_without_tls():
    assert json.loads(ws.tls_only_bucket_policy(BUCKET)) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::llm-platform-dev-weights", "arn:aws:s3:::llm-platform-dev-weights/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }


def test_lifecycle_expires_old_versions_and_abandoned_uploads():
    assert ws.lifecycle_rules() == [
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {},
            "noncurrent_version_expiration": {"noncurrent_days": 30},
            "expiration": {"expired_object_delete_marker": True},
        },
        {
            "id": "abort-incomplete-multipart-uploads",
            "status": "Enabled",
            "filter": {},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        },
    ]
    assert ws.lifecycle_rules(90)[0]["noncurrent_version_expiration"] == {"noncurrent_days": 90}


# --------------------------------------------------------------------------------------
# identities
# --------------------------------------------------------------------------------------


def test_pod_identity_trust():
    assert json.loads(ws.pod_identity_trust_policy()) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }],
    }


def test_model_prefixes_are_base_weights_then_adapters():
    v = variant("lora")
    assert ws.model_prefixes(v.platform, v.model) == [QWEN, SQL, DOCS]
    assert ws.model_prefixes(variant("s3files").platform, variant("s3files").model) == [QWEN]


def test_serving_policy_is_read_only_on_exactly_its_prefixes():
    assert statements(ws.serving_policy(BUCKET, [QWEN, SQL], kms_key_arn=KEY)) == [
        {
            "Sid": "ReadWeights",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"{BUCKET}/{QWEN}/*", f"{BUCKET}/{SQL}/*"],
        },
        {
            "Sid": "ListWeights",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": BUCKET,
            "Condition": {"StringLike": {"s3:prefix": [QWEN, f"{QWEN}/*", SQL, f"{SQL}/*"]}},
        },
        {
            "Sid": "BucketKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": KEY,
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
    ]


QWEN_SET = "Qwen/Qwen2.5-Coder-7B-Instruct/c03e6d358207e414f1eca0bb1891e29f1db0e242"


def test_serving_policy_without_a_key_has_no_kms_statement():
    assert [s["Sid"] for s in statements(ws.serving_policy(BUCKET, [QWEN]))] == ["ReadWeights", "ListWeights"]


def test_preload_policy_reads_and_writes_its_weight_set_and_reads_the_token():
    assert statements(ws.preload_policy(BUCKET, f"models/{QWEN_SET}", kms_key_arn=KEY,
                                        hf_token_secret=f"{SECRET}-??????")) == [
        {
            "Sid": "ReadWriteThisWeightSet",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                       "s3:ListMultipartUploadParts"],
            "Resource": f"{BUCKET}/models/{QWEN_SET}/*",
        },
        # unconditioned, so a missing marker is a 404 and not a 403 (see preload_policy)
        {"Sid": "ListWeightBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
        {
            "Sid": "BucketKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": KEY,
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
        {
            "Sid": "ReadHuggingFaceToken",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"{SECRET}-??????",
        },
    ]


def test_preload_policy_without_a_token_secret_has_no_secrets_manager_access():
    actions = [a for s in statements(ws.preload_policy(BUCKET, "models")) for a in as_list(s["Action"])]
    assert not any(a.startswith("secretsmanager:") for a in actions)


def test_a_preload_writing_through_s3_files_gets_no_s3_access():
    only_token = statements(ws.preload_policy(BUCKET, None, kms_key_arn=KEY, hf_token_secret=f"{SECRET}-??????"))
    assert [s["Sid"] for s in only_token] == ["ReadHuggingFaceToken"]
    assert ws.preload_policy(BUCKET, None, kms_key_arn=KEY) is None  # nothing at all: no role


# --------------------------------------------------------------------------------------
# the Hugging Face token secret
# --------------------------------------------------------------------------------------


def test_no_token_secret_configured():
    weights = WeightsConfig()
    assert ws.hf_token_secret_arn(weights, REGION, ACCOUNT) is None
    assert ws.hf_token_secret_resource(weights, REGION, ACCOUNT) is None


def test_a_secret_name_becomes_a_partial_arn_and_a_suffix_pattern():
    weights = WeightsConfig(hugging_face_token_secret="llm-platform/dev/hugging-face-token")
    assert ws.hf_token_secret_arn(weights, REGION, ACCOUNT) == SECRET
    # exactly six characters: AWS's random suffix, and not `...-token-other-abcdef`
    assert ws.hf_token_secret_resource(weights, REGION, ACCOUNT) == f"{SECRET}-??????"


def test_a_full_secret_arn_is_used_as_is():
    arn = f"arn:aws:secretsmanager:eu-west-3:{ACCOUNT}:secret:hf-token-AbCdEf"
    weights = WeightsConfig(hugging_face_token_secret=arn)
    assert ws.hf_token_secret_arn(weights, REGION, ACCOUNT) == arn
    assert ws.hf_token_secret_resource(weights, REGION, ACCOUNT) == arn


def test_partition_follows_the_region():
    weights = WeightsConfig(hugging_face_token_secret="hf")
    assert ws.hf_token_secret_arn(weights, "cn-north-1", ACCOUNT) == f"arn:aws-cn:secretsmanager:cn-north-1:{ACCOUNT}:secret:hf"
    assert ws.hf_token_secret_arn(weights, "us-gov-west-1", ACCOUNT).startswith("arn:aws-us-gov:")


@pytest.mark.parametrize("secret", ["has space", "arn:aws:s3:::bucket/key", "arn:aws:secretsmanager:us-east-1:1:secret:x"])
def test_invalid_secret_names_are_refused(secret: str):
    with pytest.raises(ValueError, match="Secrets Manager"):
        ws.hf_token_secret_arn(WeightsConfig(hugging_face_token_secret=secret), REGION, ACCOUNT)


# --------------------------------------------------------------------------------------
# S3 Files
# --------------------------------------------------------------------------------------


def test_s3_files_role_trusts_the_efs_service_of_this_account_only():
    assert json.loads(ws.files_trust_policy(REGION, ACCOUNT)) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "S3FilesAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "elasticfilesystem.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:s3files:{REGION}:{ACCOUNT}:file-system/*"},
            },
        }],
    }


def test_s3_files_role_syncs_the_bucket_but_never_destroys_versions():
    found = {s["Sid"]: s for s in statements(ws.files_role_policy(BUCKET, KEY, REGION, ACCOUNT))}
    assert list(found) == ["Bucket", "Objects", "BucketKeyThroughS3", "ManageSyncRules", "ReadSyncRules"]
    assert found["Bucket"]["Resource"] == BUCKET
    assert {"s3:ListBucket", "s3:GetBucketLocation"} <= set(found["Bucket"]["Action"])
    objects = found["Objects"]
    assert objects["Resource"] == f"{BUCKET}/*"
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= set(objects["Action"])
    assert "s3:DeleteObjectVersion" not in objects["Action"]  # the lifecycle rule alone removes versions
    assert found["Bucket"]["Condition"] == objects["Condition"] == {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}
    assert found["ManageSyncRules"]["Resource"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/DO-NOT-DELETE-S3-Files*"
    assert found["ManageSyncRules"]["Condition"] == {"StringEquals": {"events:ManagedBy": "elasticfilesystem.amazonaws.com"}}
    assert found["ReadSyncRules"]["Resource"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"
    assert all(a.split(":")[1].startswith(READ_ONLY_PREFIXES) for a in found["ReadSyncRules"]["Action"])


@pytest.mark.parametrize("name", ["serving", "preload", "files"])
def test_no_wildcard_actions_and_no_writes_on_every_resource(name: str):
    for statement in statements(every_identity_policy()[name]):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, action
        if "*" in as_list(statement["Resource"]):
            assert all(a.split(":")[1].startswith(READ_ONLY_PREFIXES) for a in as_list(statement["Action"]))
        assert "NotAction" not in statement and "NotResource" not in statement


@pytest.mark.parametrize("name", ["serving", "preload"])
def test_pod_identities_touch_nothing_outside_the_weight_prefix(name: str):
    for statement in statements(every_identity_policy()[name]):
        for resource in as_list(statement["Resource"]):
            assert resource in (BUCKET, KEY, f"{SECRET}-??????") or resource.startswith(f"{BUCKET}/models/"), resource


def test_mount_targets_follow_the_network():
    assert ws.mount_target_count(build_platform(lambda c: c.update(network={"availabilityZones": 3}))) == 3
    existing = build_platform(lambda c: c.update(network={
        "existingVpcId": "vpc-0123456789abcdef0",
        "existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    }))
    assert ws.mount_target_count(existing) == 2


def test_access_point_writes_as_the_pods_under_the_prefix():
    platform = variant("s3files").platform
    assert ws.access_point_posix_user() == {"uid": 1000, "gid": 1000}
    assert ws.access_point_root_directory(platform) == {
        "path": "/models",
        "creation_permissions": [{"owner_uid": 1000, "owner_gid": 1000, "permissions": "0775"}],
    }
    custom = build_platform(lambda c: c.update(weights={"prefix": "w/llm"}))
    assert ws.access_point_root_directory(custom)["path"] == "/w/llm"


def test_weights_volume():
    platform = variant("s3files").platform
    handle = ws.volume_handle("fs-0123456789abcdef0", "fsap-0123456789abcdef0")
    assert handle == "s3files:fs-0123456789abcdef0::fsap-0123456789abcdef0"
    pv = ws.render_weights_volume(platform, handle)
    assert pv == {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "llm-platform-weights",
                     "labels": {"app.kubernetes.io/part-of": "llm-platform", "app.kubernetes.io/managed-by": "pulumi"}},
        "spec": {
            "capacity": {"storage": "1Ti"},
            "volumeMode": "Filesystem",
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "claimRef": {"namespace": "llm", "name": "model-weights"},
            "csi": {"driver": "efs.csi.aws.com", "volumeHandle": handle},
        },
    }
    assert validate_object(pv, "1.34") == []


def test_volume_matches_the_claim_it_binds():
    from infra.render.serving_namespace import render_weights_claim

    platform = variant("s3files").platform
    pv, claim = ws.render_weights_volume(platform, "s3files:fs-1::fsap-1"), render_weights_claim(platform)
    assert claim["spec"]["volumeName"] == pv["metadata"]["name"]
    assert pv["spec"]["claimRef"] == {"namespace": claim["metadata"]["namespace"], "name": claim["metadata"]["name"]}
    assert claim["spec"]["accessModes"] == pv["spec"]["accessModes"]
    assert claim["spec"]["storageClassName"] == pv["spec"]["storageClassName"]
    assert claim["spec"]["resources"]["requests"]["storage"] == pv["spec"]["capacity"]["storage"]
