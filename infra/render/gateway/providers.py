"""Hosted fallbacks: per configured fallback, a Backend (the provider's host over TLS, verified
against the system CAs), an AIServiceBackend, a BackendSecurityPolicy with the provider credential
and, for OpenAI and Anthropic, an ExternalSecret bringing the API key from AWS Secrets Manager.

- openai: api.openai.com, OpenAI schema, APIKey (Authorization: Bearer).
- anthropic: api.anthropic.com through its OpenAI-compatible endpoint (/v1/chat/completions), OpenAI
  schema, APIKey: AI Gateway v1.1 only speaks Anthropic's native Messages API to clients that send it.
- bedrock: bedrock-runtime.<region>.amazonaws.com, AWSBedrock schema (OpenAI -> Converse), and
  AWSCredentials with only a region: the AI Gateway sidecar signs with the default credential chain,
  i.e. the proxy pod's EKS Pod Identity.
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.gateway import FallbackConfig
from .names import (
    AI_GATEWAY,
    AI_GATEWAY_GROUP,
    ENVOY_GATEWAY,
    ENVOY_GATEWAY_GROUP,
    PROVIDER_HOSTS,
    TENANT_HEADER,
    fallback_backend_name,
    fallback_credentials_name,
    metadata,
    synced_secret,
)

API_KEY_SECRET_KEY = "apiKey"  # the key BackendSecurityPolicy APIKey reads
CREDENTIALS_REFRESH = "1h"


def bedrock_region(fallback: FallbackConfig, stack_region: str) -> str:
    return fallback.region or stack_region


def provider_host(fallback: FallbackConfig, stack_region: str) -> str:
    if fallback.provider == "bedrock":
        region = bedrock_region(fallback, stack_region)
        return f"bedrock-runtime.{region}.amazonaws.com" + (".cn" if region.startswith("cn-") else "")
    return PROVIDER_HOSTS[fallback.provider]


def render_fallback_backend(platform: PlatformConfig, fallback: FallbackConfig, stack_region: str) -> dict:
    host = provider_host(fallback, stack_region)
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "Backend",
        "metadata": metadata(platform, fallback_backend_name(fallback)),
        "spec": {
            "endpoints": [{"fqdn": {"hostname": host, "port": 443}}],
            "tls": {"wellKnownCACertificates": "System", "sni": host},
        },
    }


def render_fallback_service_backend(platform: PlatformConfig, fallback: FallbackConfig) -> dict:
    name = fallback_backend_name(fallback)
    return {
        "apiVersion": AI_GATEWAY,
        "kind": "AIServiceBackend",
        "metadata": metadata(platform, name),
        "spec": {
            "schema": {"name": "AWSBedrock" if fallback.provider == "bedrock" else "OpenAI"},
            "backendRef": {"group": ENVOY_GATEWAY_GROUP, "kind": "Backend", "name": name},
            # The tenant is ours to know: it stays inside (metrics, logs, limits), not with the provider.
            "headerMutation": {"remove": [TENANT_HEADER]},
        },
    }


def render_fallback_credentials(platform: PlatformConfig, fallback: FallbackConfig) -> dict | None:
    if fallback.credentials_secret is None:
        return None
    return synced_secret(platform, fallback_credentials_name(fallback), CREDENTIALS_REFRESH,
                         [{"secretKey": API_KEY_SECRET_KEY, "remoteRef": {"key": fallback.credentials_secret}}])


def render_fallback_security_policy(platform: PlatformConfig, fallback: FallbackConfig, stack_region: str) -> dict:
    name = fallback_backend_name(fallback)
    spec: dict = {"targetRefs": [{"group": AI_GATEWAY_GROUP, "kind": "AIServiceBackend", "name": name}]}
    if fallback.provider == "bedrock":
        spec |= {"type": "AWSCredentials", "awsCredentials": {"region": bedrock_region(fallback, stack_region)}}
    else:
        secret = {"name": fallback_credentials_name(fallback), "namespace": platform.gateway.namespace}
        spec |= {"type": "APIKey", "apiKey": {"secretRef": secret}}
    return {
        "apiVersion": AI_GATEWAY,
        "kind": "BackendSecurityPolicy",
        "metadata": metadata(platform, name),
        "spec": spec,
    }


def render_fallback(platform: PlatformConfig, fallback: FallbackConfig, stack_region: str) -> list[dict]:
    """Every object of one fallback, credentials first."""
    credentials = render_fallback_credentials(platform, fallback)
    return [obj for obj in (
        credentials,
        render_fallback_backend(platform, fallback, stack_region),
        render_fallback_service_backend(platform, fallback),
        render_fallback_security_policy(platform, fallback, stack_region),
    ) if obj is not None]
