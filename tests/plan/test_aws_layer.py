"""The whole program under mocks, AWS layer included: security properties on registered inputs,
the Karpenter wiring, existing-cluster mode, and that a model swap touches nothing below the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.plan.mocks import existing_cluster
from infra.plan.runner import run_plan
from infra.stack_file import load_stack_file
from tests.conftest import ROOT, reference_plan

WRITE_PREFIXES = ("Put", "Delete", "Create", "Update", "Attach", "Detach", "Run", "Terminate", "Modify", "Tag",
                  "Untag", "Pass", "Send", "Add", "Remove", "Set", "Replace", "Associate", "Disassociate")


def plan_of(tmp_path: Path, stack: str = "dev", mutate=None, name: str | None = None):
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    if mutate:
        mutate(doc["config"])
    folder = tmp_path / (name or stack)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return run_plan(load_stack_file(path))


def of_type(plan, typ):
    return [r for r in plan.resources if r.type == typ]


def policy_documents(plan):
    for r in plan.resources:
        for key in ("policy", "assumeRolePolicy"):
            if r.type.startswith("aws:") and isinstance(r.inputs.get(key), str):
                yield r, key, json.loads(r.inputs[key])


def statements(document):
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plans")
    return {
        "dev": reference_plan("dev"),
        "prod": reference_plan("prod"),
        "streamer": plan_of(tmp, "prod", lambda c: c["llm-platform:weights"].update(loader="streamer"), "streamer"),
    }


@pytest.mark.parametrize("which", ["dev", "prod", "streamer"])
def test_no_wildcard_actions_and_no_writes_on_wildcard_resources(plans, which):
    documents = list(policy_documents(plans[which]))
    assert len(documents) > 10
    for resource, key, document in documents:
        for statement in statements(document):
            if statement.get("Effect") != "Allow":
                continue  # a Deny on s3:*/sqs:* for non-TLS requests is the point of those statements
            actions = as_list(statement.get("Action", []))
            assert all("*" not in a for a in actions), (resource.name, key, actions)
            if "*" in as_list(statement.get("Resource", [])):
                writes = [a for a in actions if a.split(":", 1)[1].startswith(WRITE_PREFIXES)]
                assert not writes, (resource.name, writes)


def test_weight_bucket_is_protected_retained_encrypted_private_and_tls_only(plans):
    plan = plans["prod"]
    (bucket,) = of_type(plan, "aws:s3/bucket:Bucket")
    assert bucket.protect and bucket.retain_on_delete
    (block,) = of_type(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block.inputs[k] is True for k in
               ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    (encryption,) = of_type(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    rule = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert rule["sseAlgorithm"] == "aws:kms"
    (versioning,) = of_type(plan, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    (policy,) = of_type(plan, "aws:s3/bucketPolicy:BucketPolicy")
    denies = [s for s in statements(json.loads(policy.inputs["policy"])) if s["Effect"] == "Deny"]
    assert any(s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in denies)


def test_cluster_endpoint_is_private_and_secrets_are_encrypted(plans):
    (cluster,) = of_type(plans["prod"], "aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster.inputs["encryptionConfig"]["resources"] == ["secrets"]
    assert cluster.inputs["accessConfig"]["authenticationMode"] == "API"


def test_karpenter_queue_name_reaches_the_chart_and_rules_target_the_queue(plans):
    plan = plans["dev"]
    (queue,) = of_type(plan, "aws:sqs/queue:Queue")
    assert queue.inputs.get("sqsManagedSseEnabled") is True
    release = next(r for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if r.name == "karpenter-release")
    settings = release.inputs["values"]["settings"]
    # the queue is auto-named: the chart gets the name output (Pulumi's `<name>-<7 hex>`)
    physical = plan.mocks.output(queue.name, "name", queue.type)
    assert settings["interruptionQueue"] == physical
    assert settings["clusterName"] == "llm-dev"
    patterns = [json.loads(r.inputs["eventPattern"]) for r in of_type(plan, "aws:cloudwatch/eventRule:EventRule")]
    assert {p["detail-type"][0] for p in patterns} >= {
        "AWS Health Event", "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification"}
    assert all("detailType" not in p for p in patterns)
    targets = of_type(plan, "aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == len(patterns) and all(t.inputs["arn"].endswith(physical) for t in targets)


def test_every_gpu_pool_gets_a_node_pool_with_its_label_and_cap(plans):
    plan = plans["prod"]
    node_pools = {r.inputs["metadata"]["name"]: r.inputs for r in of_type(plan, "kubernetes:karpenter.sh/v1:NodePool")}
    assert set(node_pools) == {"gpu-l4", "gpu-l40s", "gpu-h100"}
    for name, limit in (("l4", 8), ("l40s", 8), ("h100", 16)):
        spec = node_pools[f"gpu-{name}"]["spec"]
        assert spec["template"]["metadata"]["labels"]["llm-platform.io/gpu-pool"] == name
        assert spec["limits"]["nvidia.com/gpu"] in (limit, str(limit))
    aliases = [t["alias"] for r in of_type(plan, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")
               for t in r.inputs["spec"]["amiSelectorTerms"]]
    assert aliases and all("@v" in a and "latest" not in a for a in aliases)


def test_streamer_mode_gives_each_model_its_own_read_only_identity(plans):
    plan = plans["streamer"]
    associations = of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    accounts = {a.inputs["serviceAccount"] for a in associations}
    assert {"qwen-coder", "qwen3-8b", "qwen3-coder-30b", "llama-70b"} <= accounts
    assert not of_type(plan, "aws:s3/filesFileSystem:FilesFileSystem")


def test_each_preload_job_may_write_only_its_own_weight_set(plans):
    plan = plans["streamer"]
    jobs = [r for r in plan.resources if r.inputs.get("kind") == "Job"]
    bucket = plan.weights_bucket["bucket"]
    prefix = plan.platform.weights.prefix
    assert len(jobs) >= 4
    written = set()
    for job in jobs:
        account = job.inputs["spec"]["template"]["spec"]["serviceAccountName"]
        env = {e["name"]: e["value"] for e in job.inputs["spec"]["template"]["spec"]["containers"][0]["env"]}
        (association,) = [a for a in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                          if a.inputs["serviceAccount"] == account]
        (grant,) = [r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if r.parent == association.parent]
        writes = [st for st in json.loads(grant.inputs["policy"])["Statement"]
                  if any(a.split(":")[1].startswith(WRITE_PREFIXES) for a in _actions(st))]
        (write,) = writes
        own = f"arn:aws:s3:::{bucket}/{prefix}/{env['REPOSITORY']}/{env['REVISION']}/*"
        assert write["Resource"] == own and env["TARGET"] == f"s3://{bucket}/{prefix}/{env['REPOSITORY']}/{env['REVISION']}"
        written.add(own)
    assert len(written) == len(jobs)  # no two Jobs share a write grant


def test_with_s3_files_the_preload_jobs_get_no_s3_access(plans):
    plan = reference_plan("dev")  # s3files, no Hugging Face token
    jobs = [r for r in plan.resources if r.inputs.get("kind") == "Job"]
    accounts = {j.inputs["spec"]["template"]["spec"]["serviceAccountName"] for j in jobs}
    bound = {a.inputs["serviceAccount"] for a in of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")}
    assert jobs and not accounts & bound


def _actions(statement: dict) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def test_existing_cluster_mode_skips_network_and_cluster_but_installs_the_rest(tmp_path):
    plan = plan_of(tmp_path, "dev", lambda c: c["llm-platform:cluster"].update(existing=True))
    types = {r.type for r in plan.resources}
    assert not {"aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster", "llm-platform:aws:Network",
                "llm-platform:aws:Cluster"} & types
    assert {"llm-platform:aws:Karpenter", "llm-platform:aws:GpuPool", "llm-platform:aws:WeightStore",
            "llm-platform:serving:ModelRelease"} <= types
    mount_targets = of_type(plan, "aws:s3/filesMountTarget:FilesMountTarget")
    # the subnets aws.eks.get_cluster reports for the existing cluster
    reported = existing_cluster(plan.platform.cluster.name, plan.mocks.region)["vpcConfig"]["subnetIds"]
    assert sorted(m.inputs["subnetId"] for m in mount_targets) == sorted(reported)


def test_a_revision_swap_touches_no_aws_resource_and_no_other_model(tmp_path):
    before = reference_plan("prod")
    after = plan_of(tmp_path, "prod", lambda c: next(m for m in c["llm-platform:models"] if m["name"] == "llama-70b")
                    .update(revision="1" * 40), name="after")
    old = {r.urn: r.inputs for r in before.resources}
    new = {r.urn: r.inputs for r in after.resources}
    changed = {u for u in old.keys() & new.keys() if old[u] != new[u]}
    touched = changed | (old.keys() ^ new.keys())
    assert touched
    for urn in touched:
        name = urn.rsplit("::", 1)[-1]
        assert name.startswith(("llama-70b-", "preload-llama-3-1-70b-instruct-")), urn


def test_the_s3_files_client_may_read_the_weights_and_nothing_else(plans):
    plan = plans["dev"]
    (grant,) = [r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if r.name == "weight-store-file-client-read"]
    (efs_role,) = [r for r in of_type(plan, "aws:iam/role:Role") if r.name == "cluster-efs-csi-role"]
    assert grant.inputs["role"] == plan.mocks.output(efs_role.name, "name", efs_role.type)
    document = json.loads(grant.inputs["policy"])
    actions = {a for s in statements(document) for a in as_list(s["Action"])}
    assert actions == {"s3:GetObject", "s3:GetObjectVersion", "kms:Decrypt"}
    resources = [r for s in statements(document) if s["Sid"] == "ReadWeightsDirectly" for r in as_list(s["Resource"])]
    assert resources == ["arn:aws:s3:::llm-platform-dev-weights-123456789012-us-east-1-an/models/*"]
    assert not [r for r in of_type(plans["streamer"], "aws:iam/rolePolicy:RolePolicy")
                if r.name == "weight-store-file-client-read"]


def test_an_existing_cluster_whose_cni_ignores_network_policies_gets_a_warning(tmp_path, monkeypatch):
    import pulumi

    warnings = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: warnings.append(message))
    plan_of(tmp_path, "dev", lambda c: c["llm-platform:cluster"].update(existing=True))
    assert any("does not enforce NetworkPolicy" in w and "enableNetworkPolicy" in w for w in warnings)


def test_the_network_policy_check_reads_the_add_on_configuration():
    from infra.render.aws.cluster import enforces_network_policy

    assert enforces_network_policy('{"enableNetworkPolicy": "true"}')
    assert not enforces_network_policy('{"enableNetworkPolicy": "false"}')
    assert not enforces_network_policy("") and not enforces_network_policy(None) and not enforces_network_policy("{")
