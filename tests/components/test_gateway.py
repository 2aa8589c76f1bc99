"""LlmGateway under Pulumi mocks: what it registers, under which parent, in which order."""

from __future__ import annotations

import json

import pulumi

from components.gateway import LlmGateway, LlmGatewayArgs, gateway_secret_names
from infra.render.gateway import render_gateway
from tests.render.gateway.conftest import fallback_platform, reference_platform


def register(construct):
    pulumi.runtime.test(construct)()


def test_registers_every_rendered_object_under_itself(pulumi_mocks):
    platform = reference_platform("prod")
    endpoints = []
    register(lambda: LlmGateway("gateway", LlmGatewayArgs(platform=platform)).endpoint.apply(endpoints.append))
    component = pulumi_mocks.named("gateway")
    assert component.type == "llm-platform:gateway:LlmGateway" and not component.custom
    registered = pulumi_mocks.children(component)
    expected = render_gateway(platform, "us-east-1")
    assert sorted((r.inputs["kind"], r.inputs["metadata"]["name"]) for r in registered) == sorted(
        (o["kind"], o["metadata"]["name"]) for o in expected)
    assert pulumi_mocks.named("gateway-gateway").type == "kubernetes:gateway.networking.k8s.io/v1:Gateway"
    assert pulumi_mocks.named("gateway-llm-gateway-models").type == \
        "kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute"
    assert endpoints == ["https://llm.example.com/v1"]  # prod's gateway.tls.hostname
    assert not [r for r in pulumi_mocks.registrations if r.type.startswith("aws:")]


def test_objects_wait_for_what_they_reference(pulumi_mocks):
    platform = fallback_platform()
    register(lambda: LlmGateway("gateway", LlmGatewayArgs(platform=platform)))

    def deps(name):
        return set(pulumi_mocks.named(f"gateway-{name}").dependencies)

    def urn(name):
        return pulumi_mocks.named(f"gateway-{name}").urn

    assert urn("gateway-class") in deps("gateway") and urn("envoy-proxy") in deps("gateway-class")
    assert {urn("gateway"), urn("api-keys")} <= deps("security-policy")
    route = deps("llm-gateway-models")
    assert urn("gateway") in route and urn("model-qwen-coder-service-backend") in route
    assert urn("fallback-openai-gpt-4o-mini-service-backend") in route
    assert urn("llm-gateway-models") in deps("backend-traffic-policy")
    assert urn("fallback-openai-gpt-4o-mini-credentials") in deps("fallback-openai-gpt-4o-mini-backend")


def test_waits_for_the_platform_services(pulumi_mocks):
    platform = reference_platform("dev")

    def construct():
        controller = pulumi.CustomResource("test:index:Release", "ai-gateway-controller")
        LlmGateway("gateway", LlmGatewayArgs(platform=platform, depends_on=(controller,)))

    register(construct)
    controller = pulumi_mocks.named("ai-gateway-controller").urn
    component = pulumi_mocks.named("gateway")
    assert all(controller in r.dependencies for r in pulumi_mocks.children(component))


def test_bedrock_fallbacks_get_a_pod_identity_before_the_proxies_start(pulumi_mocks):
    platform = fallback_platform()
    register(lambda: LlmGateway("gateway", LlmGatewayArgs(platform=platform, cluster_name="llm-dev",
                                                          account_id="123456789012")))
    role = pulumi_mocks.named("gateway-bedrock-role")
    policy = pulumi_mocks.named("gateway-bedrock-role-policy")
    association = pulumi_mocks.named("gateway-bedrock-pod-identity")
    assert association.inputs["namespace"] == "envoy-gateway-system"
    assert association.inputs["serviceAccount"] == "llm-gateway"
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "pods.eks.amazonaws.com"}
    statement = json.loads(policy.inputs["policy"])["Statement"][0]
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert association.urn in pulumi_mocks.named("gateway-envoy-proxy").dependencies
    assert association.urn in pulumi_mocks.named("gateway-gateway").dependencies


def test_no_aws_resources_without_bedrock(pulumi_mocks):
    platform = reference_platform("dev")
    register(lambda: LlmGateway("gateway", LlmGatewayArgs(platform=platform, cluster_name="llm-dev",
                                                          account_id="123456789012")))
    assert not [r for r in pulumi_mocks.registrations if r.type.startswith("aws:")]


def test_secret_names_helper_is_exported_for_the_external_secrets_policy():
    assert gateway_secret_names(fallback_platform())[0] == "llm/team-a"
