"""Hosted fallbacks: TLS to the provider, credentials from Secrets Manager (or Pod Identity for
Bedrock), and the AWS permissions the gateway needs."""

from __future__ import annotations

import re

import pytest

from infra.config.gateway import FallbackConfig
from infra.render.gateway import bedrock_invoke_policy, gateway_secret_names
from infra.render.gateway.names import fallback_backend_name
from infra.render.gateway.secrets import secret_resource_arns

from ..conftest import build_platform
from .conftest import BEDROCK_PROFILE, TEAM_B_ARN, fallback_platform, objects, one, reference_platform


def by_provider(provider: str) -> dict[str, dict]:
    platform = fallback_platform()
    (fb,) = [f for f in platform.gateway.fallbacks if f.provider == provider]
    name = fallback_backend_name(fb)
    found = {o["kind"]: o for o in objects(platform) if o["metadata"]["name"] in (name, f"{name}-credentials")}
    return found


@pytest.mark.parametrize("provider,host", [("openai", "api.openai.com"), ("anthropic", "api.anthropic.com")])
def test_api_key_providers_use_tls_and_a_key_from_secrets_manager(provider: str, host: str):
    objs = by_provider(provider)
    assert set(objs) == {"ExternalSecret", "Backend", "AIServiceBackend", "BackendSecurityPolicy"}
    assert objs["Backend"]["spec"] == {"endpoints": [{"fqdn": {"hostname": host, "port": 443}}],
                                       "tls": {"wellKnownCACertificates": "System", "sni": host}}
    # Anthropic through its OpenAI-compatible endpoint: clients speak OpenAI to the gateway
    assert objs["AIServiceBackend"]["spec"]["schema"] == {"name": "OpenAI"}
    secret = objs["ExternalSecret"]
    assert secret["spec"]["data"] == [{"secretKey": "apiKey", "remoteRef": {"key": f"llm/{provider}"}}]
    policy = objs["BackendSecurityPolicy"]["spec"]
    assert policy["targetRefs"] == [{"group": "aigateway.envoyproxy.io", "kind": "AIServiceBackend",
                                     "name": objs["AIServiceBackend"]["metadata"]["name"]}]
    assert policy["type"] == "APIKey"
    assert policy["apiKey"]["secretRef"] == {"name": secret["spec"]["target"]["name"],
                                             "namespace": "envoy-gateway-system"}


def test_bedrock_signs_with_the_gateways_aws_identity():
    objs = by_provider("bedrock")
    assert "ExternalSecret" not in objs  # no stored AWS key
    assert objs["Backend"]["spec"]["endpoints"] == [
        {"fqdn": {"hostname": "bedrock-runtime.us-east-1.amazonaws.com", "port": 443}}]
    assert objs["AIServiceBackend"]["spec"]["schema"] == {"name": "AWSBedrock"}
    assert objs["BackendSecurityPolicy"]["spec"]["type"] == "AWSCredentials"
    assert objs["BackendSecurityPolicy"]["spec"]["awsCredentials"] == {"region": "us-east-1"}


def test_bedrock_region_can_differ_from_the_stacks():
    platform = build_platform(lambda c: c.update(gateway={"fallbacks": [
        {"provider": "bedrock", "model": "amazon.nova-pro-v1:0", "region": "eu-west-1", "forModels": "all",
         "priority": 1}]}))
    assert one(platform, "Backend", fallback_backend_name(platform.gateway.fallbacks[0]))["spec"]["endpoints"][0] == {
        "fqdn": {"hostname": "bedrock-runtime.eu-west-1.amazonaws.com", "port": 443}}
    assert one(platform, "BackendSecurityPolicy")["spec"]["awsCredentials"] == {"region": "eu-west-1"}


@pytest.mark.parametrize("model", ["gpt-4o", "us.anthropic.claude-3-5-haiku-20241022-v1:0", "o3",
                                   "anthropic.claude-opus-4-1-20250805-v1:0" * 3])
def test_fallback_names_are_stable_valid_and_distinct(model: str):
    fb = FallbackConfig(provider="bedrock", model=model[:200], forModels="all", priority=1)
    name = fallback_backend_name(fb)
    assert re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", name) and len(name) <= 63
    assert name == fallback_backend_name(FallbackConfig(provider="bedrock", model=model[:200], forModels=["x"],
                                                        priority=9))
    assert name != fallback_backend_name(FallbackConfig(provider="openai", model=model[:200], forModels="all",
                                                        priority=1))


def test_gateway_secret_names_are_every_tenant_and_provider_key_once():
    assert gateway_secret_names(fallback_platform()) == ["llm/team-a", TEAM_B_ARN, "llm/openai", "llm/anthropic"]
    assert gateway_secret_names(reference_platform("dev")) == ["llm-platform/dev/tenants/dev-team"]
    assert gateway_secret_names(reference_platform("prod")) == [
        "llm-platform/prod/tenants/ci-bots", "llm-platform/prod/tenants/data-team",
        "llm-platform/prod/tenants/web-app", "llm-platform/prod/providers/openai"]
    shared = build_platform(lambda c: c.update(gateway={
        "tenants": {"a": {"apiKeySecret": "k/a"}},
        "fallbacks": [{"provider": "openai", "model": m, "credentialsSecret": "k/openai", "forModels": "all",
                       "priority": p} for p, m in ((1, "gpt-4o"), (2, "gpt-4o-mini"))]}))
    assert gateway_secret_names(shared) == ["k/a", "k/openai"]


def test_secret_resources_for_iam_match_names_with_their_suffix():
    assert secret_resource_arns(["llm/team-a", TEAM_B_ARN], "us-east-1", "123456789012") == [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm/team-a-??????", TEAM_B_ARN]


def test_bedrock_policy_allows_exactly_the_configured_models():
    policy = bedrock_invoke_policy(fallback_platform(), "us-east-1", "123456789012")
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    base = BEDROCK_PROFILE.split(".", 1)[1]
    assert statement["Resource"] == [
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{BEDROCK_PROFILE}",
        f"arn:aws:bedrock:*::foundation-model/{base}",
    ]
    plain = build_platform(lambda c: c.update(gateway={"fallbacks": [
        {"provider": "bedrock", "model": "amazon.nova-pro-v1:0", "forModels": "all", "priority": 1}]}))
    assert bedrock_invoke_policy(plain, "us-east-1", "1")["Statement"][0]["Resource"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"]
    assert bedrock_invoke_policy(reference_platform("dev"), "us-east-1", "1") is None
