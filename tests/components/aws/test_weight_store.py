"""WeightStore under Pulumi mocks: the bucket kept as data, S3 Files wired from outputs, and the
Pod Identity associations of each loader mode."""

from __future__ import annotations

import json
from collections import Counter

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.aws.weight_store import WeightStore, WeightStoreArgs, _subnet
from infra.plan.mocks import PlanMonitor, Registration
from infra.render.weight_store import bucket_name
from tests.conftest import reference_config

ACCOUNT, REGION = "123456789012", "us-east-1"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
NODE_SG = "sg-0nodes000000000"
BUCKET = f"llm-platform-dev-weights-{ACCOUNT}-{REGION}-an"  # the default, in the account regional namespace
QWEN = "models/Qwen/Qwen2.5-Coder-7B-Instruct/c03e6d358207e414f1eca0bb1891e29f1db0e242"


def platform(**overrides):
    """The dev stack, with top-level sections replaced (values as in the stack file)."""
    return reference_config("dev", **overrides)


def build(config, subnets=SUBNETS, with_provider=False) -> dict:
    """Construct a WeightStore named `weights` as a Pulumi program; returns its resolved outputs."""
    outputs: dict = {}

    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}") if with_provider else None
        store = WeightStore("weights", WeightStoreArgs(
            platform=config, stack="dev", bucket=bucket_name(config, "dev", ACCOUNT, REGION), region=REGION, account_id=ACCOUNT, cluster_name="llm-dev",
            vpc_id="vpc-0offline0000000", private_subnet_ids=pulumi.Output.from_input(subnets),
            node_security_group_id=NODE_SG, k8s_provider=provider))
        outputs["hf_token_secret_arn"] = store.hf_token_secret_arn
        outputs["hf_token_secret_resource"] = store.hf_token_secret_resource
        for key in ("bucket_name", "bucket_arn", "kms_key_arn", "file_system_id", "access_point_id",
                    "volume_handle"):
            value = getattr(store, key)
            if value is None:
                outputs[key] = None
            else:
                value.apply(lambda v, key=key: outputs.__setitem__(key, v))

    pulumi.runtime.test(construct)()
    return outputs


def one(monitor: PlanMonitor, name: str) -> Registration:
    (found,) = monitor.of_kind(name)
    return found


S3FILES_KINDS = {"FilesFileSystem", "FilesMountTarget", "FilesAccessPoint", "SecurityGroup",
                 "SecurityGroupIngressRule", "PersistentVolume"}


# --------------------------------------------------------------------------------------
# the bucket: data that outlives the stack
# --------------------------------------------------------------------------------------


def test_bucket_is_protected_and_retained(pulumi_mocks):
    build(platform())
    bucket = one(pulumi_mocks, "Bucket")
    assert bucket.type == "aws:s3/bucket:Bucket"  # the non-deprecated (V2-style) bucket of pulumi-aws 7
    assert bucket.inputs == {"bucket": BUCKET, "bucketNamespace": "account-regional"}
    assert bucket.protect and bucket.retain_on_delete
    key = one(pulumi_mocks, "Key")  # losing the key would lose the data
    assert key.protect and key.retain_on_delete
    assert key.inputs["enableKeyRotation"] is True
    for name in ("BucketVersioning", "BucketServerSideEncryptionConfiguration", "BucketPublicAccessBlock",
                 "BucketOwnershipControls", "BucketPolicy", "BucketLifecycleConfiguration"):
        r = one(pulumi_mocks, name)
        assert r.retain_on_delete, name
        assert r.inputs["bucket"] == pulumi_mocks.mocks.id_of("weights-bucket", "aws:s3/bucket:Bucket"), name


def test_bucket_settings(pulumi_mocks):
    outputs = build(platform())
    assert one(pulumi_mocks, "BucketVersioning").inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert one(pulumi_mocks, "BucketServerSideEncryptionConfiguration").inputs["rules"] == [{
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": outputs["kms_key_arn"]},
        "bucketKeyEnabled": True,
    }]
    pab = one(pulumi_mocks, "BucketPublicAccessBlock").inputs
    assert {k: pab[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                "restrictPublicBuckets")} == dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True)
    assert one(pulumi_mocks, "BucketOwnershipControls").inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    policy = one(pulumi_mocks, "BucketPolicy")
    (deny,) = json.loads(policy.inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
    assert one(pulumi_mocks, "BucketPublicAccessBlock").urn in policy.dependencies
    rules = one(pulumi_mocks, "BucketLifecycleConfiguration").inputs["rules"]
    assert rules[0]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert rules[1]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert outputs["bucket_name"] == BUCKET and outputs["bucket_arn"] == f"arn:aws:s3:::{BUCKET}"


def test_every_child_is_parented_by_the_component(pulumi_mocks):
    build(platform())
    component = pulumi_mocks.named("weights")
    assert component.type == "llm-platform:aws:WeightStore" and not component.custom
    children = [r for r in pulumi_mocks.registrations if r is not component]
    assert children and all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("weights-") for r in children)


# --------------------------------------------------------------------------------------
# S3 Files
# --------------------------------------------------------------------------------------


def test_s3files_file_system_follows_the_bucket_and_its_versioning(pulumi_mocks):
    build(platform())
    fs = one(pulumi_mocks, "FilesFileSystem")
    assert fs.type == "aws:s3/filesFileSystem:FilesFileSystem"
    assert fs.inputs["bucket"] == f"arn:aws:s3:::{BUCKET}"
    assert one(pulumi_mocks, "Bucket").urn in fs.dependencies
    assert one(pulumi_mocks, "BucketVersioning").urn in fs.dependencies
    role = pulumi_mocks.named("weights-files-role")
    assert fs.inputs["roleArn"] == pulumi_mocks.mocks.output("weights-files-role", "arn", "aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "elasticfilesystem.amazonaws.com"}
    assert pulumi_mocks.named("weights-files-role-policy").urn in fs.dependencies


@pytest.mark.parametrize("zones", [2, 3])
def test_one_mount_target_per_private_subnet(pulumi_mocks, zones):
    subnets = [f"subnet-0{c * 16}" for c in "abcdef"[:zones]]
    build(platform(network={"availabilityZones": zones}), subnets=subnets)
    targets = sorted(pulumi_mocks.of_kind("FilesMountTarget"), key=lambda r: r.name)
    assert [t.inputs["subnetId"] for t in targets] == subnets
    sg = one(pulumi_mocks, "SecurityGroup")
    assert sg.inputs["vpcId"] == "vpc-0offline0000000"
    assert all(t.inputs["securityGroups"] == [pulumi_mocks.mocks.id_of("weights-mount-targets", "aws:ec2/securityGroup:SecurityGroup")] for t in targets)
    assert all(t.inputs["fileSystemId"] == pulumi_mocks.mocks.id_of("weights-file-system") for t in targets)
    nfs = one(pulumi_mocks, "SecurityGroupIngressRule").inputs
    assert nfs == {"securityGroupId": pulumi_mocks.mocks.id_of("weights-mount-targets", "aws:ec2/securityGroup:SecurityGroup"), "referencedSecurityGroupId": NODE_SG,
                   "ipProtocol": "tcp", "fromPort": 2049, "toPort": 2049, "description": "NFS from the cluster nodes"}


def test_subnet_count_mismatch_fails_loudly():
    # run inside the subnet ids' apply; called directly here (a failed program leaks its futures)
    assert _subnet(SUBNETS, 1, 2) == SUBNETS[1]
    with pytest.raises(ValueError, match="expects 2 private subnets .* got 1"):
        _subnet(SUBNETS[:1], 0, 2)


def test_access_point_runs_as_the_pods_under_models(pulumi_mocks):
    build(platform())
    ap = one(pulumi_mocks, "FilesAccessPoint")
    assert ap.inputs["fileSystemId"] == pulumi_mocks.mocks.id_of("weights-file-system")
    assert ap.inputs["posixUsers"] == [{"uid": 1000, "gid": 1000}]
    assert ap.inputs["rootDirectories"] == [{
        "path": "/models",
        "creationPermissions": [{"ownerUid": 1000, "ownerGid": 1000, "permissions": "0775"}],
    }]


def test_volume_handle_is_built_from_the_outputs(pulumi_mocks):
    outputs = build(platform(), with_provider=True)
    handle = f"s3files:{pulumi_mocks.mocks.id_of('weights-file-system')}::{pulumi_mocks.mocks.id_of('weights-access-point')}"
    assert outputs["file_system_id"] == pulumi_mocks.mocks.id_of("weights-file-system")
    assert outputs["access_point_id"] == pulumi_mocks.mocks.id_of("weights-access-point")
    assert outputs["volume_handle"] == handle
    pv = one(pulumi_mocks, "PersistentVolume")
    assert pv.type == "kubernetes:core/v1:PersistentVolume"  # typed: the provider rejects kubernetes:v1:...
    assert pv.inputs["metadata"]["name"] == "llm-platform-weights"
    assert pv.inputs["spec"]["csi"] == {"driver": "efs.csi.aws.com", "volumeHandle": handle}
    assert pv.inputs["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv.inputs["spec"]["accessModes"] == ["ReadWriteMany"]
    assert one(pulumi_mocks, "FilesAccessPoint").urn in pv.dependencies
    assert all(t.urn in pv.dependencies for t in pulumi_mocks.of_kind("FilesMountTarget"))
    assert pv.provider and pv.provider.startswith(pulumi_mocks.named("cluster").urn)


# --------------------------------------------------------------------------------------
# identities per loader
# --------------------------------------------------------------------------------------


def associations(monitor: PlanMonitor) -> dict[str, dict]:
    return {r.inputs["serviceAccount"]: r.inputs for r in monitor.of_kind("PodIdentityAssociation")}


def role_policy(monitor: PlanMonitor, prefix: str) -> list[dict]:
    return json.loads(monitor.named(f"{prefix}-role-policy").inputs["policy"])["Statement"]


def test_s3files_binds_no_identity_here(pulumi_mocks):
    # each preload Job brings its own (components/weight_preload.py); models read the mount
    build(platform())
    assert associations(pulumi_mocks) == {}
    assert not pulumi_mocks.of_type("aws:iam/role:Role") or all(
        "preload" not in r.name for r in pulumi_mocks.of_type("aws:iam/role:Role"))


def test_streamer_binds_each_model_read_only_and_has_no_file_system(pulumi_mocks):
    outputs = build(platform(weights={"loader": "streamer"}))
    found = associations(pulumi_mocks)
    assert set(found) == {"qwen-coder"}
    assert found["qwen-coder"]["roleArn"] == pulumi_mocks.mocks.output("weights-serving-qwen-coder-role", "arn", "aws:iam/role:Role")
    assert found["qwen-coder"]["namespace"] == "llm"
    read = role_policy(pulumi_mocks, "weights-serving-qwen-coder")
    assert read[0] == {"Sid": "ReadWeights", "Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": [f"arn:aws:s3:::{BUCKET}/{QWEN}/*"]}
    actions = {a for s in read for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket", "kms:Decrypt"}
    kinds = Counter(r.kind for r in pulumi_mocks.registrations)
    assert not S3FILES_KINDS & set(kinds)
    assert outputs["file_system_id"] is outputs["access_point_id"] is outputs["volume_handle"] is None


def test_association_waits_for_the_role_policy(pulumi_mocks):
    build(platform(weights={"loader": "streamer"}))
    association = one(pulumi_mocks, "PodIdentityAssociation")
    assert pulumi_mocks.named("weights-serving-qwen-coder-role-policy").urn in association.dependencies


def test_the_token_secret_is_named_for_the_preload_jobs(pulumi_mocks):
    outputs = build(platform(weights={"loader": "s3files", "huggingFaceTokenSecret": "llm-platform/dev/hf"}))
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:llm-platform/dev/hf"
    assert outputs["hf_token_secret_arn"] == arn
    assert outputs["hf_token_secret_resource"] == f"{arn}-??????"  # what each preload role is granted


def test_without_a_token_secret_there_is_none(pulumi_mocks):
    outputs = build(platform())
    assert outputs["hf_token_secret_arn"] is None and outputs["hf_token_secret_resource"] is None


def test_an_explicit_global_bucket_name_is_created_as_before(pulumi_mocks):
    # Left unset rather than "global": buckets created before the account regional default must not
    # see a new input (bucketNamespace forces a new bucket).
    build(platform(weights={"loader": "s3files", "bucketName": "acme-llm-weights"}))
    assert one(pulumi_mocks, "Bucket").inputs == {"bucket": "acme-llm-weights"}


KEPT_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b5c4e7e-2f4a-4a8e-9d51-8a3c1b6f0e11"


def test_adopting_a_kept_bucket_imports_it_and_its_key_under_the_weight_store(pulumi_mocks):
    build(platform(weights={"loader": "s3files", "bucketName": "acme-llm-weights", "adopt": {"kmsKeyArn": KEPT_KEY}}))
    bucket, key = one(pulumi_mocks, "Bucket"), one(pulumi_mocks, "Key")
    store = pulumi_mocks.named("weights")
    assert (bucket.import_id, key.import_id) == ("acme-llm-weights", KEPT_KEY.rsplit("/", 1)[1])
    assert bucket.parent == key.parent == store.urn  # the URNs a later `pulumi up` expects: nothing moves
    assert bucket.protect and bucket.retain_on_delete and key.protect and key.retain_on_delete
    assert sorted(key.ignore_changes) == ["deletionWindowInDays", "description"]
    assert not [r for r in pulumi_mocks.registrations if r.import_id and r not in (bucket, key)]


def test_without_adopt_nothing_is_imported(pulumi_mocks):
    build(platform())
    assert not [r for r in pulumi_mocks.registrations if r.import_id]
