"""cluster.adminRoleArns: the principals EKS access entries can name (IAM roles and users), refused in
one line naming the field otherwise."""

from __future__ import annotations

import json

import pytest

from infra.config import ConfigError
from infra.render.aws.cluster import admin_principals
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

DEV = load_stack_file(REPO_ROOT / "stacks" / "Pulumi.dev.yaml")
ROLE = "arn:aws:iam::123456789012:role/platform-admins"
USER = "arn:aws:iam::123456789012:user/ops/alice"


def with_admins(arns: list[str]):
    cluster = json.loads(DEV.values["llm-platform:cluster"]) | {"adminRoleArns": arns}
    return platform_config(dict(DEV.values) | {"llm-platform:cluster": json.dumps(cluster)}, DEV.display_path,
                           DEV.project)


def test_roles_and_users_get_an_access_entry_each():
    platform = with_admins([ROLE, USER, "arn:aws:iam::123456789012:role/team/admins"])
    assert [arn for _, arn in admin_principals(platform.cluster, None)] == platform.cluster.admin_role_arns


@pytest.mark.parametrize(("arn", "says"), [
    ("arn:aws:sts::123456789012:assumed-role/admins/alice", "an assumed-role session: name its role instead"),
    ("arn:aws:iam::123456789012:root", "is not an IAM role or user ARN"),
    ("arn:aws:iam::123456789012:group/admins", "is not an IAM role or user ARN"),
    ("arn:aws:iam::12345:role/admins", "is not an IAM role or user ARN"),
    ("role/admins", "allowed: arn:aws:iam::<account>:role/<name> or arn:aws:iam::<account>:user/<name>"),
])
def test_anything_else_is_refused_in_one_line(arn, says):
    with pytest.raises(ConfigError) as caught:
        with_admins([arn])
    (line,) = caught.value.lines
    assert line.startswith(f"{DEV.display_path}: llm-platform:cluster.adminRoleArns: ") and says in line


def test_a_principal_of_another_partition_than_the_regions_is_refused():
    with pytest.raises(ConfigError) as caught:
        with_admins(["arn:aws-us-gov:iam::123456789012:role/admins"])  # dev is us-east-1
    (line,) = caught.value.lines
    assert "is in partition aws-us-gov, but us-east-1 is in aws" in line and "cluster.adminRoleArns" in line


def test_a_principal_listed_twice_is_refused():
    with pytest.raises(ConfigError) as caught:
        with_admins([USER, USER])
    assert "listed twice" in caught.value.lines[0]
