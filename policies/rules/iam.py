"""IAM: no Allow statement grants wildcard actions, and none grants a write action on every resource.

Every policy document a resource carries is read: identity policies (iam Policy, RolePolicy, a
Role's inline policies), trust policies, and resource policies (bucket, queue, key, secret). Deny
statements are not grants (the TLS-only `Deny s3:*` is the point of a bucket policy). Attaching an
AWS-managed administrator policy is a wildcard grant too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .base import Rule, as_list, json_document, mappings

DOCUMENT_KEYS = ("policy", "assumeRolePolicy")
ATTACHMENTS = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
}
ADMIN_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
# Verbs (the part after "service:") that only read. Anything else counts as a write.
READ_VERBS = ("Describe", "Get", "List", "BatchGet", "BatchCheck", "Head", "Search", "Lookup", "View", "Query", "Scan",
              "Select", "Check", "Validate", "Estimate", "Preview")
_ROOT_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:root$")


def documents(resource_type: str, props: Mapping[str, Any]) -> Iterator[tuple[str, Mapping]]:
    """(where, document) for every policy document of an AWS resource."""
    if not resource_type.startswith("aws:"):
        return
    for key in DOCUMENT_KEYS:
        doc = json_document(props.get(key))
        if doc is not None:
            yield key, doc
    for i, inline in enumerate(mappings(props.get("inlinePolicies"))):
        doc = json_document(inline.get("policy"))
        if doc is not None:
            yield f"inlinePolicies[{i}] ({inline.get('name')})", doc


def _allows(doc: Mapping) -> Iterator[tuple[str, Mapping]]:
    for i, statement in enumerate(mappings(doc.get("Statement"))):
        if statement.get("Effect") == "Allow":
            yield str(statement.get("Sid") or f"Statement[{i}]"), statement


def _key_policy_root_admin(resource_type: str, statement: Mapping) -> bool:
    """The default KMS key policy gives the account root kms:* (delegating to IAM): not a wildcard grant."""
    if resource_type != "aws:kms/key:Key":
        return False
    principal = statement.get("Principal")
    principals = as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
    return bool(principals) and all(_ROOT_PRINCIPAL.match(str(p)) for p in principals)


def check_wildcard_actions(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    found = []
    arn_key = ATTACHMENTS.get(resource_type)
    managed = [props.get(arn_key)] if arn_key else []
    if resource_type == "aws:iam/role:Role":
        managed += as_list(props.get("managedPolicyArns"))
    for arn in managed:
        if isinstance(arn, str) and arn.rsplit("/", 1)[-1] in ADMIN_MANAGED_POLICIES and ":aws:policy/" in arn:
            found.append(f"attaches {arn}, which allows every action")
    for where, doc in documents(resource_type, props):
        for sid, statement in _allows(doc):
            if statement.get("NotAction") is not None:
                found.append(f"{where} {sid}: Allow with NotAction grants every other action")
            wildcards = [str(a) for a in as_list(statement.get("Action")) if "*" in str(a)]
            if wildcards and not _key_policy_root_admin(resource_type, statement):
                found.append(f"{where} {sid}: Allow {', '.join(wildcards)}")
    return found


def is_read_only(action: str) -> bool:
    verb = action.split(":", 1)[-1]
    return "*" not in action and verb.startswith(READ_VERBS)


def check_write_on_any_resource(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    found = []
    for where, doc in documents(resource_type, props):
        for sid, statement in _allows(doc):
            resources = [str(r) for r in as_list(statement.get("Resource"))]
            if "*" not in resources and statement.get("NotResource") is None:
                continue
            writes = [str(a) for a in as_list(statement.get("Action")) if not is_read_only(str(a))]
            if statement.get("NotAction") is not None:
                writes.append("NotAction …")
            if writes:
                found.append(f"{where} {sid}: Allow {', '.join(writes)} on every resource")
    return found


RULES = [
    Rule(
        name="iam-no-wildcard-actions",
        description="No policy grants wildcard actions (`*`, `service:*`, `service:Get*`, NotAction) and no role gets "
                    "an AWS-managed administrator policy.",
        remediation="List the exact actions the identity needs (infra/render/aws/iam.py builds every document).",
        enforcement="mandatory",
        kind="resource",
        check=check_wildcard_actions,
    ),
    Rule(
        name="iam-no-write-on-any-resource",
        description="No policy grants a write action on Resource `*` (or NotResource); only read actions may be "
                    "unscoped.",
        remediation="Scope write actions to the ARNs they act on (bucket/prefix, queue, key, tagged instances).",
        enforcement="mandatory",
        kind="resource",
        check=check_write_on_any_resource,
    ),
]
