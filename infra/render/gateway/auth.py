"""Who may call the gateway: tenants' API keys synced from AWS Secrets Manager into one Secret (one
key per tenant, the tenant name being the client id) and a SecurityPolicy on the Gateway, so every
route attached to it is covered.

The API key filter reads `Authorization: Bearer <key>`, rejects unknown keys with 401, sets
`x-tenant-id` to the tenant and removes the Authorization header (`sanitize`), so the key never
reaches vLLM or a hosted provider. With no tenants configured the policy denies every request.
"""

from __future__ import annotations

from ...config import PlatformConfig
from .names import (
    AUTH_HEADER,
    ENVOY_GATEWAY,
    TENANT_HEADER,
    api_keys_name,
    listener_ref,
    metadata,
    synced_secret,
)

KEY_REFRESH = "5m"  # how soon a rotated key (a new secret value) takes effect


def render_api_keys_external_secret(platform: PlatformConfig) -> dict | None:
    """None without tenants (the SecurityPolicy then denies everything and references no Secret)."""
    tenants = platform.gateway.tenants
    if not tenants:
        return None
    # Retained: a tenant whose secret vanishes keeps the last synced Secret rather than every tenant
    # losing access; revoke a tenant by removing it from the stack or changing its key.
    return synced_secret(platform, api_keys_name(platform), KEY_REFRESH,
                         [{"secretKey": name, "remoteRef": {"key": tenants[name].api_key_secret}}
                          for name in sorted(tenants)])


def render_security_policy(platform: PlatformConfig) -> dict:
    spec: dict = {"targetRefs": [listener_ref(platform)]}
    if platform.gateway.tenants:
        spec["apiKeyAuth"] = {
            "credentialRefs": [{"group": "", "kind": "Secret", "name": api_keys_name(platform)}],
            "extractFrom": [{"headers": [AUTH_HEADER]}],
            "forwardClientIDHeader": TENANT_HEADER,
            "sanitize": True,
        }
    else:
        spec["authorization"] = {"defaultAction": "Deny"}
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "SecurityPolicy",
        "metadata": metadata(platform, api_keys_name(platform)),
        "spec": spec,
    }
