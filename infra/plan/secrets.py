"""The plan's list of the AWS Secrets Manager secrets a stack reads: each one's name, who reads it and
what its value must be, so they exist (with the right shape) before the first `pulumi up`. The
program never creates or writes them; it only grants read access to exactly these."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..config import PlatformConfig


@dataclass(frozen=True)
class NeededSecret:
    name: str  # as the stack names it: a secret name or a full ARN
    reader: str
    shape: str
    kind: str = "raw"  # what shape_problem checks: api-key, raw, hf-token, url, slack-url, pagerduty-key


def shape_problem(kind: str, value: str) -> str | None:
    """Why a secret's value does not have the shape its reader needs, or None. Never echoes the value."""
    if not value.strip():
        return "is empty"
    if value != value.strip() or "\n" in value:
        return "has leading or trailing whitespace or a line break (readers take the value as is)"
    if kind == "api-key" and len(value) < 16:
        return f"is {len(value)} characters; a tenant key should be at least 16 (e.g. `openssl rand -hex 32`)"
    if kind == "hf-token":
        token = value
        if value.startswith("{"):
            try:
                token = str(json.loads(value).get("token", ""))
            except (ValueError, AttributeError):
                return 'is neither a raw token nor JSON {"token": "hf_..."}'
        if not token.startswith("hf_"):
            return "is not a Hugging Face token (they start with hf_)"
    if kind in ("url", "slack-url") and not value.startswith("https://"):
        return "is not an https:// URL"
    if kind == "slack-url" and not value.startswith("https://hooks.slack.com/"):
        return "is not a Slack incoming-webhook URL (https://hooks.slack.com/services/...)"
    if kind == "pagerduty-key" and not re.fullmatch(r"[A-Za-z0-9]{32}", value):
        return "is not a PagerDuty Events API v2 routing key (32 letters and digits)"
    return None


_RECEIVER_SHAPES = {"slack": "the Slack incoming-webhook URL (https://hooks.slack.com/services/...)",
                    "pagerduty": "the PagerDuty Events API v2 integration (routing) key",
                    "webhook": "the webhook's URL"}
_RECEIVER_KINDS = {"slack": "slack-url", "pagerduty": "pagerduty-key", "webhook": "url"}


def needed_secrets(platform: PlatformConfig) -> list[NeededSecret]:
    gateway = platform.gateway
    found = [NeededSecret(gateway.tenants[t].api_key_secret, f"tenant {t} (gateway API key)",
                          "the raw key clients send as `Authorization: Bearer <key>`, unique per tenant "
                          "(e.g. `openssl rand -hex 32`)", "api-key") for t in sorted(gateway.tenants)]
    found += [NeededSecret(f.credentials_secret, f"fallback {f.provider} {f.model}",
                           f"the {f.provider} API key, as the raw string")
              for f in gateway.fallbacks if f.credentials_secret]
    if platform.weights.hugging_face_token_secret:
        found.append(NeededSecret(platform.weights.hugging_face_token_secret, "the preload Jobs (Hugging Face)",
                                  'a Hugging Face read token: the raw string, or JSON {"token": "hf_..."}', "hf-token"))
    found += [NeededSecret(r.credentials_secret, f"alert receiver {r.name}", _RECEIVER_SHAPES[r.type],
                           _RECEIVER_KINDS[r.type])
              for r in platform.observability.receivers if r.credentials_secret]
    seen: dict[str, NeededSecret] = {}
    for secret in found:  # one secret may serve several readers
        if secret.name in seen:
            first = seen[secret.name]
            seen[secret.name] = NeededSecret(first.name, f"{first.reader}; {secret.reader}", first.shape, first.kind)
        else:
            seen[secret.name] = secret
    return list(seen.values())


def secret_lines(platform: PlatformConfig, region: str) -> list[str]:
    secrets = needed_secrets(platform)
    if not secrets:
        return ["Secrets: none (no tenants, provider keys, Hugging Face token or receiver secrets)"]
    lines = [f"Secrets the stack reads from AWS Secrets Manager ({region}); create them before `pulumi up` "
             "(the program only reads them):"]
    lines += [f"  - {s.name}: {s.reader}; value: {s.shape}" for s in secrets]
    lines.append(f"  create one with: aws secretsmanager create-secret --region {region} --name <name> "
                 "--secret-string '<value>'")
    return lines
