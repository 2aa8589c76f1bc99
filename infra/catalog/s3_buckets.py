"""Which name the weights bucket gets, and in which S3 namespace.

S3 general purpose bucket names are global across every AWS account of a partition, so a fixed
default such as `llm-platform-dev-weights` is taken by the first adopter and fails everyone else
minutes into `pulumi up`. Since 2026-03-12 S3 has an *account regional namespace*: a bucket named
`<prefix>-<account id>-<region>-an`, created with `BucketNamespace: account-regional`, can only ever
be created by that account (S3 rejects the suffix from any other), so the default is free by
construction and stays the same across re-deploys. It exists in every region except Middle East
(Bahrain) me-south-1 and Middle East (UAE) me-central-1; there the default falls back to the global
namespace with the account and region in the name (unique in practice, not reserved).

Sources: S3 User Guide, "Namespaces for general purpose buckets" and "Account regional namespace
naming rules"; CreateBucket's BucketNamespace parameter (pulumi-aws 7.51 `bucket_namespace`).
"""

from __future__ import annotations

import hashlib
import re

MAX_BUCKET_NAME = 63
ACCOUNT_REGIONAL = "account-regional"
GLOBAL = "global"
# Regions without the account regional namespace.
NO_ACCOUNT_REGIONAL_NAMESPACE = frozenset({"me-south-1", "me-central-1"})

_ACCOUNT_REGIONAL_NAME = re.compile(r"^(?P<prefix>.+)-(?P<account>\d{12})-(?P<region>[a-z]{2}(-[a-z]+)+-\d)-an$")


def account_regional_parts(name: str) -> tuple[str, str] | None:
    """(account id, region) of a name in the account regional format, else None."""
    found = _ACCOUNT_REGIONAL_NAME.match(name)
    return (found["account"], found["region"]) if found else None


def namespace_of(name: str) -> str:
    """The namespace S3 must create `name` in: names in the account regional format can only live there."""
    return ACCOUNT_REGIONAL if account_regional_parts(name) else GLOBAL


def _suffix(account_id: str, region: str) -> str:
    if region in NO_ACCOUNT_REGIONAL_NAMESPACE:
        return f"-{account_id}-{region}"
    return f"-{account_id}-{region}-an"


def default_bucket_name(stack: str, account_id: str, region: str) -> str:
    """`llm-platform-<stack>-weights-<account>-<region>-an`; a long stack name is cut and given a hash of
    itself so that the name stays within 63 characters and distinct per stack."""
    suffix = _suffix(account_id, region)
    prefix = f"llm-platform-{stack}-weights"
    room = MAX_BUCKET_NAME - len(suffix)
    if len(prefix) > room:
        digest = hashlib.sha256(stack.encode()).hexdigest()[:6]
        prefix = f"{prefix[:room - len(digest) - 1].rstrip('-')}-{digest}"
    return prefix + suffix


def explicit_name_problem(name: str, region: str) -> str | None:
    """Why an explicit bucket name in the account regional format cannot be created in `region`, or None."""
    parts = account_regional_parts(name)
    if parts is None:
        return None
    if parts[1] != region:
        return (f"{name!r} is an account regional name of region {parts[1]}, but the stack deploys to {region}; "
                f"allowed: a name ending in -<account id>-{region}-an, or a global name")
    if region in NO_ACCOUNT_REGIONAL_NAMESPACE:
        return (f"{name!r} is an account regional name, but {region} has no account regional namespace; "
                "allowed: a globally unique name without the -<account id>-<region>-an suffix")
    return None
