"""The plan's list of the AWS Secrets Manager secrets a stack reads: each one's name, who reads it and
what its value must be, so they exist (with the right shape) before the first `pulumi up`. The
program never creates or writes them; it only grants read access to exactly these."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import PlatformConfig


@dataclass(frozen=True)
class NeededSecret:
    name: str  # as the stack names it: a secret name or a full ARN
    reader: str
    shape: str


_RECEIVER_SHAPES = {"slack": "the Slack incoming-webhook URL (https://hooks.slack.com/services/...)",
                    "pagerduty": "the PagerDuty Events API v2 integration (routing) key",
                    "webhook": "the webhook's URL"}


def needed_secrets(platform: PlatformConfig) -> list[NeededSecret]:
    gateway = platform.gateway
    found = [NeededSecret(gateway.tenants[t].api_key_secret, f"tenant {t} (gateway API key)",
                          "the raw key clients send as `Authorization: Bearer <key>`, unique per tenant "
                          "(e.g. `openssl rand -hex 32`)") for t in sorted(gateway.tenants)]
    found += [NeededSecret(f.credentials_secret, f"fallback {f.provider} {f.model}",
                           f"the {f.provider} API key, as the raw string")
              for f in gateway.fallbacks if f.credentials_secret]
    if platform.weights.hugging_face_token_secret:
        found.append(NeededSecret(platform.weights.hugging_face_token_secret, "the preload Jobs (Hugging Face)",
                                  'a Hugging Face read token: the raw string, or JSON {"token": "hf_..."}'))
    found += [NeededSecret(r.credentials_secret, f"alert receiver {r.name}", _RECEIVER_SHAPES[r.type])
              for r in platform.observability.receivers if r.credentials_secret]
    seen: dict[str, NeededSecret] = {}
    for secret in found:  # one secret may serve several readers
        if secret.name in seen:
            first = seen[secret.name]
            seen[secret.name] = NeededSecret(first.name, f"{first.reader}; {secret.reader}", first.shape)
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
