"""Secrets: never in plain config, so never in a resource's inputs either.

Credentials belong in AWS Secrets Manager (the preload Job reads the Hugging Face token from there
with its own identity) or in Pulumi secrets (`pulumi config set --secret`). This rule reads every
input of every resource for:

- a value shaped like a credential (Hugging Face, AWS access key, GitHub, Slack, OpenAI-style keys,
  PEM private keys);
- a container env var named like a secret (…TOKEN, …PASSWORD, …API_KEY, …) with a literal value
  instead of `valueFrom.secretKeyRef` (names ending _ARN/_FILE/_PATH/_NAME, and ARN values, are
  references, not secrets);
- a setting named like a credential (password, token, secretKey, apiKey, …) holding a literal.

The offline check also runs it over the stack file's plain (non-`secure:`) values as one pseudo
resource of type STACK_CONFIG_TYPE; CrossGuard does not see stack config, only resource inputs.
Kubernetes Secret objects are skipped: holding secret data is their job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .base import Rule, UnknownValueError, is_list, mappings
from .kube import containers, pod_spec

STACK_CONFIG_TYPE = "llm-platform:check:StackConfig"
# Secrets hold secret data by design; External Secrets objects only name secrets and their keys
# (`secretKey`, `remoteRef.key`), which look like credential settings but never are.
SKIPPED_TYPES = (
    "kubernetes:core/v1:Secret",
    "kubernetes:external-secrets.io/v1:ExternalSecret",
    "kubernetes:external-secrets.io/v1:ClusterExternalSecret",
    "kubernetes:external-secrets.io/v1:SecretStore",
    "kubernetes:external-secrets.io/v1:ClusterSecretStore",
)

CREDENTIAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "a Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    "an AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "a Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "an API secret key": re.compile(r"\bsk-(proj-|ant-)?[A-Za-z0-9_-]{32,}"),
}
_SECRET_ENV = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)", re.I)
_REFERENCE_ENV = re.compile(r"_(ARN|FILE|PATH|NAME|ID|DIR|URL|REF)$", re.I)
# A setting is a credential when its name ends like one (adminPassword, hfToken, aws:secretKey); names
# like existingSecret, tokenSecretArn or passwordFile refer to a secret and do not.
_SECRET_KEY_SUFFIXES = ("password", "passwd", "token", "apikey", "secretkey", "secretaccesskey", "accesskey",
                        "privatekey", "clientsecret")
_PLACEHOLDERS = {"", "[secret]", "changeme-not-set"}


def _is_credential_key(key: str) -> bool:
    normal = re.sub(r"[^a-z0-9]", "", key.rsplit(":", 1)[-1].lower())
    return normal == "secret" or normal.endswith(_SECRET_KEY_SUFFIXES)


def _walk(value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every leaf; values unknown during preview are skipped, not read."""
    if isinstance(value, Mapping):
        for key in value:
            try:
                child = value[key]
            except UnknownValueError:
                continue
            yield from _walk_child(child, f"{path}.{key}" if path else str(key), str(key))
    elif is_list(value):
        for i in range(len(value)):
            try:
                child = value[i]
            except UnknownValueError:
                continue
            yield from _walk_child(child, f"{path}[{i}]", "")


def _walk_child(child: Any, path: str, key: str) -> Iterator[tuple[str, str, Any]]:
    if isinstance(child, Mapping) or is_list(child):
        yield from _walk(child, path)
    else:
        yield path, key, child


def _is_reference(value: str) -> bool:
    return value.startswith(("arn:", "${", "secretsmanager:", "ssm:")) or value.strip() in _PLACEHOLDERS


def check_plain_secrets(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if resource_type in SKIPPED_TYPES:
        return []
    found: list[str] = []
    for path, key, value in _walk(props, ""):
        if not isinstance(value, str):
            continue
        for what, pattern in CREDENTIAL_PATTERNS.items():
            if pattern.search(value):
                found.append(f"{path} holds {what} in plain text")
                break
        else:
            if _is_credential_key(key) and not _is_reference(value):
                found.append(f"{path} is a credential setting with a literal value")
    for container in containers(pod_spec(resource_type, props)):
        for item in mappings(container.get("env")):
            try:
                name, value = str(item.get("name") or ""), item.get("value")
            except UnknownValueError:
                continue
            if (isinstance(value, str) and value and _SECRET_ENV.search(name) and not _REFERENCE_ENV.search(name)
                    and not _is_reference(value)):
                found.append(f"container {container.get('name')!r} env {name} has a literal value "
                             "(use valueFrom.secretKeyRef)")
    return list(dict.fromkeys(found))


RULES = [
    Rule(
        name="secrets-not-in-plain-config",
        description="No credential appears in plain config or in a resource's inputs: tokens, keys and passwords "
                    "come from AWS Secrets Manager or Pulumi secrets, and containers read them via secretKeyRef.",
        remediation="Store the value in AWS Secrets Manager (e.g. `weights.huggingFaceTokenSecret` names the secret, "
                    "never the token) or set it with `pulumi config set --secret`; reference it, never inline it.",
        enforcement="mandatory",
        kind="resource",
        check=check_plain_secrets,
    ),
]
