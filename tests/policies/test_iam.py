"""IAM rules over hand-written policy documents."""

from __future__ import annotations

import json

import pytest

from tests.policies.helpers import violations

POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
KEY = "aws:kms/key:Key"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SCOPED = {"Sid": "ReadWeights", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
          "Resource": "arn:aws:s3:::bucket/models/*"}
DESCRIBE = {"Sid": "Discover", "Effect": "Allow", "Action": ["ec2:DescribeSubnets", "pricing:GetProducts"],
            "Resource": "*"}


def test_least_privilege_documents_pass_both_rules():
    for rule in ("iam-no-wildcard-actions", "iam-no-write-on-any-resource"):
        assert violations(rule, POLICY, {"policy": doc(SCOPED, DESCRIBE)}) == []
        trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
        assert violations(rule, ROLE, {"assumeRolePolicy": trust}) == []


@pytest.mark.parametrize("typ, props, expected", [
    (POLICY, {"policy": doc({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"})}, "policy All: Allow *"),
    (POLICY, {"policy": doc({**SCOPED, "Action": "s3:*"})}, "policy ReadWeights: Allow s3:*"),
    (POLICY, {"policy": doc({**SCOPED, "Action": ["s3:Get*"]})}, "Allow s3:Get*"),
    (POLICY, {"policy": doc({"Sid": "N", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
     "Allow with NotAction"),
    (ROLE, {"inlinePolicies": [{"name": "inline", "policy": doc({**SCOPED, "Action": "ec2:*"})}]},
     "inlinePolicies[0] (inline) ReadWeights: Allow ec2:*"),
    (ATTACHMENT, {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, "allows every action"),
    (ROLE, {"managedPolicyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"]}, "allows every action"),
])
def test_iam_no_wildcard_actions_fails(typ, props, expected):
    found = violations("iam-no-wildcard-actions", typ, props)
    assert any(expected in m for m in found), found


def test_iam_no_wildcard_actions_ignores_denies_and_the_default_key_policy():
    deny_http = {"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert violations("iam-no-wildcard-actions", BUCKET_POLICY, {"policy": doc(deny_http)}) == []
    root = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*", "Resource": "*"}
    assert violations("iam-no-wildcard-actions", KEY, {"policy": doc(root)}) == []
    anyone = {**root, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}
    assert violations("iam-no-wildcard-actions", KEY, {"policy": doc(anyone)})


@pytest.mark.parametrize("statement, expected", [
    ({"Sid": "W", "Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:TerminateInstances"], "Resource": "*"},
     "policy W: Allow ec2:TerminateInstances on every resource"),
    ({"Sid": "P", "Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::1:role/admin"},
     "Allow iam:PassRole on every resource"),
    ({"Sid": "S", "Effect": "Allow", "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::b/*", "*"]},
     "Allow s3:PutObject on every resource"),
])
def test_iam_no_write_on_any_resource_fails(statement, expected):
    found = violations("iam-no-write-on-any-resource", POLICY, {"policy": doc(statement)})
    assert found and expected in found[0], found
