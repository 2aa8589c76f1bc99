"""Every route is behind the tenants' API keys; the tenant travels on, the key never does."""

from __future__ import annotations

import json

from infra.config import PlatformConfig
from infra.render.gateway.proxy import ACCESS_LOG_FIELDS

from ..conftest import build_platform
from .conftest import TEAM_B_ARN, fallback_platform, objects, one


def test_the_security_policy_covers_the_gateway_every_route_attaches_to(any_platform: PlatformConfig):
    gateway = one(any_platform, "Gateway")
    policy = one(any_platform, "SecurityPolicy")
    ref = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway["metadata"]["name"]}
    if any_platform.gateway.tls is not None:  # the HTTPS listener; the HTTP one only redirects
        ref["sectionName"] = "https"
    assert policy["metadata"]["namespace"] == gateway["metadata"]["namespace"]
    assert policy["spec"]["targetRefs"] == [ref]  # a listener-level policy applies to every route attached there
    routes = objects(any_platform, "AIGatewayRoute")
    assert all(r["spec"]["parentRefs"] == [ref] for r in routes)
    # routes can only attach from the gateway's own namespace, where this policy is
    assert all(listener["allowedRoutes"] == {"namespaces": {"from": "Same"}}
               for listener in gateway["spec"]["listeners"])
    assert [p for p in objects(any_platform, "SecurityPolicy")] == [policy]


def test_without_tenants_every_request_is_denied():
    platform = build_platform(lambda c: c.pop("gateway", None))
    assert one(platform, "SecurityPolicy")["spec"] == {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "llm-gateway"}],
        "authorization": {"defaultAction": "Deny"},
    }
    assert objects(platform, "ExternalSecret") == []


def test_tenants_authenticate_with_keys_synced_from_secrets_manager():
    platform = fallback_platform()
    auth = one(platform, "SecurityPolicy")["spec"]["apiKeyAuth"]
    secret = one(platform, "ExternalSecret", "llm-gateway-api-keys")
    assert auth["credentialRefs"] == [{"group": "", "kind": "Secret", "name": secret["spec"]["target"]["name"]}]
    assert secret["metadata"]["namespace"] == "envoy-gateway-system"  # same namespace: no ReferenceGrant
    assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
    # one Secret key per tenant: the key is the client id the filter forwards
    assert secret["spec"]["data"] == [
        {"secretKey": "team-a", "remoteRef": {"key": "llm/team-a"}},
        {"secretKey": "team-b", "remoteRef": {"key": TEAM_B_ARN}},
    ]
    assert secret["spec"]["target"]["creationPolicy"] == "Owner"


def test_the_key_is_read_from_authorization_and_removed_before_any_backend():
    auth = one(fallback_platform(), "SecurityPolicy")["spec"]["apiKeyAuth"]
    assert auth["extractFrom"] == [{"headers": ["authorization"]}]
    assert auth["sanitize"] is True  # Envoy drops the Authorization header: vLLM never sees the key
    assert auth["forwardClientIDHeader"] == "x-tenant-id"


def test_clients_cannot_claim_a_tenant_and_providers_are_not_told_it():
    platform = fallback_platform()
    client = one(platform, "ClientTrafficPolicy")["spec"]
    assert client["headers"]["earlyRequestHeaders"] == {"remove": ["x-tenant-id"]}
    for backend in objects(platform, "AIServiceBackend"):
        if backend["metadata"]["name"].startswith("fallback-"):
            assert backend["spec"]["headerMutation"] == {"remove": ["x-tenant-id"]}
        else:
            assert "headerMutation" not in backend["spec"]


def test_nothing_rendered_carries_a_key_or_sets_an_authorization_header(any_platform: PlatformConfig):
    text = json.dumps(objects(any_platform)).lower()
    assert '"name": "authorization"' not in text  # no header mutation writes one
    for obj in objects(any_platform, "ExternalSecret"):
        for item in obj["spec"]["data"]:
            assert set(item["remoteRef"]) == {"key"}  # a reference to Secrets Manager, never a value


def test_access_logs_name_tenant_model_and_tokens_but_not_the_key():
    fields = one(fallback_platform(), "EnvoyProxy")["spec"]["telemetry"]["accessLog"]["settings"][0]["format"]["json"]
    assert fields == ACCESS_LOG_FIELDS
    assert fields["tenant"] == "%REQ(X-TENANT-ID)%"
    assert fields["model"] == "%REQ(X-AI-EG-MODEL)%"
    assert {"input_tokens", "cached_input_tokens", "output_tokens", "total_tokens"} <= set(fields)
    assert not any("AUTHORIZATION" in value.upper() for value in fields.values())
