"""What the gateway needs from AWS: the Secrets Manager secrets External Secrets must read, and the
Bedrock permissions of the proxies' Pod Identity (plain data for the IAM components)."""

from __future__ import annotations

from ...config import PlatformConfig
from ..aws.iam import POLICY_VERSION, partition
from .providers import bedrock_region

INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "us-gov.", "ca.", "jp.", "au.", "global.")


def gateway_secret_names(platform: PlatformConfig) -> list[str]:
    """Every Secrets Manager secret (name or ARN, as written in the stack) the gateway reads through
    External Secrets: each tenant's API key, then each fallback's provider key. No duplicates."""
    gateway = platform.gateway
    names = [gateway.tenants[t].api_key_secret for t in sorted(gateway.tenants)]
    names += [f.credentials_secret for f in gateway.fallbacks if f.credentials_secret]
    return list(dict.fromkeys(names))


def secret_resource_arns(names: list[str], region: str, account_id: str) -> list[str]:
    """IAM resources for GetSecretValue: ARNs as given; a name matches its ARN with the 6-character
    suffix Secrets Manager appends (`<name>-??????`)."""
    return [n if n.startswith("arn:") else
            f"arn:{partition(region)}:secretsmanager:{region}:{account_id}:secret:{n}-??????" for n in names]


def bedrock_model_arns(platform: PlatformConfig, region: str, account_id: str) -> list[str]:
    """The Bedrock resources the fallbacks invoke: a foundation model in its region, or a cross-region
    inference profile plus the foundation model it routes to in any region."""
    arns: list[str] = []
    for fb in platform.gateway.fallbacks:
        if fb.provider != "bedrock":
            continue
        where = bedrock_region(fb, region)
        part = partition(where)
        if fb.model.startswith("arn:"):
            arns.append(fb.model)
        elif fb.model.startswith(INFERENCE_PROFILE_PREFIXES):
            base = fb.model.split(".", 1)[1]
            arns += [f"arn:{part}:bedrock:{where}:{account_id}:inference-profile/{fb.model}",
                     f"arn:{part}:bedrock:*::foundation-model/{base}"]
        else:
            arns.append(f"arn:{part}:bedrock:{where}::foundation-model/{fb.model}")
    return list(dict.fromkeys(arns))


def bedrock_invoke_policy(platform: PlatformConfig, region: str, account_id: str) -> dict | None:
    """The proxies' role policy: invoke exactly the configured Bedrock models; None without any."""
    arns = bedrock_model_arns(platform, region, account_id)
    if not arns:
        return None
    return {
        "Version": POLICY_VERSION,
        "Statement": [{
            "Sid": "InvokeFallbackModels",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": arns,
        }],
    }
