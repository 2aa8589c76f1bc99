"""Shared base for every stack-file section: camelCase keys, unknown keys rejected, immutable."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


class StackModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, validate_default=True
    )


DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
# AWS region names: area, direction, number (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-7).
AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
_HF_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _dns_label(max_len: int):
    def check(value: str) -> str:
        if not DNS_LABEL.match(value) or len(value) > max_len:
            raise ValueError(
                f"{value!r} is not a valid name; allowed: lowercase letters, digits and '-', "
                f"starting with a letter, at most {max_len} characters"
            )
        return value

    return check


def _quoted(value: object) -> object:
    """YAML reads an unquoted all-digit value as a number: ask for quotes instead of a type error."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{value!r} was read as a number; quote it in the stack file (e.g. revision: \"0123...\")")
    return value


def _commit_sha(value: str) -> str:
    if not _SHA.match(value):
        raise ValueError(
            f"{value!r} is not pinned; allowed: a 40-character lowercase hex commit SHA "
            "(branches and tags move, so a revision must be a commit)"
        )
    return value


def _hf_repository(value: str) -> str:
    if not _HF_REPO.match(value):
        raise ValueError(f"{value!r} is not a Hugging Face repository id; allowed: '<owner>/<name>'")
    return value


# Kubernetes object names derive from these, with suffixes: keep room for them.
ModelName = Annotated[str, AfterValidator(_dns_label(40))]
PoolName = Annotated[str, AfterValidator(_dns_label(30))]
K8sName = Annotated[str, AfterValidator(_dns_label(63))]
CommitSha = Annotated[str, BeforeValidator(_quoted), AfterValidator(_commit_sha)]
HfRepository = Annotated[str, AfterValidator(_hf_repository)]


def _secret_ref(value: str) -> str:
    if value.startswith("arn:"):
        if not _SECRET_ARN.match(value):
            raise ValueError(f"{value!r} is not a Secrets Manager secret ARN; allowed: "
                             "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>, or a secret name")
    elif not _SECRET_NAME.match(value):
        raise ValueError(f"{value!r} is not a Secrets Manager secret name; allowed: 1-512 of A-Z a-z 0-9 / _ + = . @ -")
    return value


# A Secrets Manager secret by full ARN (used as is) or by name (resolved in the stack's account and region).
SecretsManagerSecret = Annotated[str, AfterValidator(_secret_ref)]


# S3 general purpose bucket names (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
# 3-63 characters of a-z 0-9 . -, starting and ending with a letter or digit, no two adjacent periods,
# not shaped like an IP address, and none of the prefixes and suffixes AWS reserves.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_LIKE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why `name` cannot be an S3 bucket name, or None."""
    allowed = "allowed: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit"
    if not _BUCKET.match(name):
        return f"{name!r} ({len(name)} characters) is not a valid S3 bucket name; {allowed}"
    if ".." in name or _IP_LIKE.match(name):
        return f"{name!r} is not a valid S3 bucket name (two adjacent periods, or an IP address); {allowed}"
    reserved = [a for a in _RESERVED_PREFIXES if name.startswith(a)] + [a for a in _RESERVED_SUFFIXES if name.endswith(a)]
    if reserved:
        return f"{name!r} uses {reserved[0]!r}, which S3 reserves; {allowed}, without reserved prefixes or suffixes"
    return None

