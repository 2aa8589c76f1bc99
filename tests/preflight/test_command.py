"""Preflight against AWS API fakes: it passes a ready account and catches, before anything is
created, a missing secret, a bucket name taken by another account and an insufficient GPU quota."""

from __future__ import annotations

import argparse

import boto3
import yaml

from infra.preflight import checks
from infra.preflight.command import main, run_checks
from tests.conftest import ROOT
from tests.preflight.conftest import ACCOUNT, G_ON_DEMAND, G_SPOT, REGION

TENANT_SECRET = "llm-platform/dev/tenants/dev-team"
DEFAULT_BUCKET = f"llm-platform-dev-weights-{ACCOUNT}-{REGION}-an"


def ready(aws, dev):
    boto3.client("secretsmanager", region_name=REGION).create_secret(Name=TENANT_SECRET, SecretString="k" * 64)
    aws.quotas({G_SPOT: 64, G_ON_DEMAND: 64})
    aws.eks_offers(dev)


def preflight(aws, capsys, stack: str = "dev", stack_file=None) -> tuple[int, list[str]]:
    code = main(argparse.Namespace(stack=stack, stack_file=stack_file), clients_for=lambda region: aws.client)
    out = capsys.readouterr().out
    open("/tmp/preflight-out.txt", "a").write(out)
    return code, out.splitlines()


def test_a_ready_account_passes_every_check(aws, dev, capsys):
    ready(aws, dev)
    code, out = preflight(aws, capsys)
    assert code == 0, out
    assert out[0] == "llm-platform preflight: stack dev (stacks/Pulumi.dev.yaml) in us-east-1, read-only"
    assert all(line.startswith("  ok  ") for line in out[1:-1]), out
    assert any(f"{DEFAULT_BUCKET} is free (account regional namespace" in line for line in out)
    assert any(f"{G_SPOT} 64 vCPUs >= 8 needed" in line for line in out)
    assert any("g6.xlarge is offered in every zone of the stack (us-east-1a, us-east-1b)" in line for line in out)
    assert out[-1].startswith("0 failed, 0 warning(s), ") and out[-1].endswith("ready for `pulumi up`")
    for stubbed in aws.stubs.values():
        stubbed[1].assert_no_pending_responses()  # every stubbed call was made, with the parameters expected


def test_a_missing_secret_a_taken_bucket_and_a_short_quota_fail_before_anything_is_created(aws, dev, capsys,
                                                                                             tmp_path):
    # A global name another account holds: S3 answers HeadBucket with ExpectedBucketOwner=<us> with 403
    # (moto does not enforce the owner, so this one call is stubbed).
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    stack["config"]["llm-platform:weights"]["bucketName"] = "llm-platform-dev-weights"
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(stack))
    aws.quotas({G_SPOT: 4, G_ON_DEMAND: 4})
    aws.eks_offers(dev)
    aws.stub("s3").add_client_error("head_bucket", service_error_code="403", http_status_code=403,
                                    expected_params={"Bucket": "llm-platform-dev-weights",
                                                     "ExpectedBucketOwner": ACCOUNT})
    code, out = preflight(aws, capsys, stack_file=path)
    assert code == 1
    failed = [line for line in out if line.startswith("  FAIL")]
    assert [line.split()[1] for line in failed] == ["secret", "bucket", "quota"]
    assert (f"{TENANT_SECRET} (tenant dev-team (gateway API key)) does not exist in us-east-1; fix: aws "
            f"secretsmanager create-secret --region us-east-1 --name {TENANT_SECRET}") in failed[0]
    assert "llm-platform-dev-weights exists in another account" in failed[1] and "fix: set weights.bucketName" in failed[1]
    assert f"pool l4 (on-demand): {G_ON_DEMAND} is 4 vCPUs, 8 needed" in failed[2] and "request an increase" in failed[2]
    # the pool may also use spot: a short spot quota alone is a warning (Karpenter falls back to on-demand)
    assert any(line.startswith("  warn  quota") and "pool l4 (spot)" in line for line in out)
    assert out[-1].startswith("3 failed, 1 warning(s)")


def test_a_secret_of_the_wrong_shape_fails_without_showing_its_value(aws, dev, capsys):
    ready(aws, dev)
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(SecretId=TENANT_SECRET,
                                                                         SecretString="short-key\n")
    code, out = preflight(aws, capsys)
    assert code == 1
    (line,) = [line for line in out if line.startswith("  FAIL")]
    assert "its value has leading or trailing whitespace or a line break" in line and "short-key" not in line


def test_an_assumed_role_is_resolved_to_its_role_with_its_path(aws, dev):
    iam = boto3.client("iam", region_name=REGION)
    iam.create_role(RoleName="deployer", Path="/platform/", AssumeRolePolicyDocument="{}")
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/platform/deployer", RoleSessionName="ci")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], region_name=REGION,
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"])
    (found,), account = checks.identity(lambda s: session.client(s), dev)
    assert account == ACCOUNT and found.status == "ok"
    assert f"deploying as arn:aws:iam::{ACCOUNT}:role/platform/deployer" in found.message


def test_an_addon_version_eks_does_not_offer_and_extended_support_are_reported(aws, dev):
    aws.eks_offers(dev, version_status="EXTENDED_SUPPORT", missing=("coredns",))
    found = checks.eks_versions(aws.client, dev)
    assert found[0].status == "warn" and "extended support costs $0.60" in found[0].message
    (bad,) = [f for f in found if f.status == "FAIL"]
    assert bad.message.startswith(f"add-on coredns {dev.addon_versions()['coredns']} is not offered for Kubernetes")
    assert "fix: cluster.addonVersions.coredns" in bad.message


def test_an_instance_type_no_chosen_zone_offers_fails(aws, dev, monkeypatch):
    ec2 = aws.client("ec2")
    real = ec2.get_paginator

    class NoOffers:
        def paginate(self, **kwargs):
            yield {"InstanceTypeOfferings": []}

    monkeypatch.setattr(ec2, "get_paginator", lambda name: NoOffers() if name == "describe_instance_type_offerings"
                        else real(name))
    (found,) = checks.zones(aws.client, dev)
    assert found.status == "FAIL" and found.message.startswith("g6.xlarge (hosts qwen-coder) is offered in none")


def test_no_credentials_is_one_line_and_exit_2(monkeypatch, capsys, dev):
    from botocore.exceptions import NoCredentialsError

    def no_credentials(region):
        def client(service):
            raise NoCredentialsError()
        return client

    assert main(argparse.Namespace(stack="dev", stack_file=None), clients_for=no_credentials) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: no AWS credentials; fix: `aws configure sso` / `aws sso login`, or set AWS_PROFILE"]


def test_run_checks_covers_prod_with_its_fallback_and_receiver_secrets(aws, capsys):
    from tests.conftest import reference_config

    prod = reference_config("prod")
    aws.quotas({})
    aws.eks_offers(prod)
    found = run_checks(aws.client, prod, "prod", REGION)
    secrets = [f for f in found if f.check == "secret"]
    assert len(secrets) >= 3 and all(f.status == "FAIL" and "does not exist" in f.message for f in secrets)
    assert {f.status for f in found if f.check == "quota"} == {"warn"}  # no such quota listed: checked by hand
