"""The platform-service components under mocks: what each registers, with which pins, in which order."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.services import PlatformServices, install_platform_services
from infra.plan.mocks import ACCOUNT, HELM_RELEASE, REGION, SECRET_SIG
from infra.render.services import ai_gateway, envoy_gateway, external_secrets, keda, victoria_logs, victoria_metrics
from infra.validation.k8s_schema import validate_object
from policies.rules import RULES

from .conftest import generated
from tests.conftest import reference_config

CLUSTER = "llm-dev"
ARN_A = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:platform/llm/api-keys-AbCdEf"
ARN_B = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hf-token-123456"
RELEASE = HELM_RELEASE
NAMESPACE = "kubernetes:core/v1:Namespace"
_SECRET_SIG = SECRET_SIG[0]  # the key Pulumi marks a secret with

# component name -> (type token, namespace, [(release resource, release name, chart, version, repo)])
EXPECTED = {
    "keda": ("llm-platform:services:Keda", "keda",
             [("keda-release", "keda", "keda", "2.20.2", "https://kedacore.github.io/charts")]),
    "envoy-gateway": ("llm-platform:services:EnvoyGateway", "envoy-gateway-system",
                      [("envoy-gateway-release", "eg", "oci://docker.io/envoyproxy/gateway-helm", "1.9.0", None)]),
    "ai-gateway": ("llm-platform:services:AiGateway", "envoy-ai-gateway-system",
                   [("ai-gateway-crds", "aieg-crd", "oci://docker.io/envoyproxy/ai-gateway-crds-helm", "v1.1.0", None),
                    ("ai-gateway-release", "aieg", "oci://docker.io/envoyproxy/ai-gateway-helm", "v1.1.0", None)]),
    "metrics": ("llm-platform:services:VictoriaMetricsStack", "monitoring",
                [("metrics-release", "vm", "victoria-metrics-k8s-stack", "0.91.2",
                  "https://victoriametrics.github.io/helm-charts/")]),
    "logs": ("llm-platform:services:VictoriaLogs", "logging",
             [("logs-release", "vl", "victoria-logs-single", "0.13.9",
               "https://victoriametrics.github.io/helm-charts/")]),
    "external-secrets": ("llm-platform:services:ExternalSecrets", "external-secrets",
                         [("external-secrets-release", "external-secrets", "external-secrets", "2.9.0",
                           "https://charts.external-secrets.io")]),
    # dev has gateway.tls (issuer privateCa)
    "cert-manager": ("llm-platform:services:CertManager", "cert-manager",
                     [("cert-manager-release", "cert-manager", "oci://quay.io/jetstack/charts/cert-manager", "v1.21.1",
                       None)]),
}


def platform():
    return reference_config("dev")


def build(secret_arns=(ARN_A,), depends_on: bool = False) -> PlatformServices:
    built: list[PlatformServices] = []

    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        before = [pulumi.CustomResource("test:index:SystemNodes", "system-nodes", {})] if depends_on else []
        built.append(install_platform_services(platform(), provider, REGION, ACCOUNT, CLUSTER, list(secret_arns),
                                               before))

    pulumi.runtime.test(construct)()
    return built[0]


def unwrap(value: Any) -> Any:
    """Inputs with Pulumi secrets replaced by their plain values."""
    if isinstance(value, dict):
        if _SECRET_SIG in value:
            return unwrap(value.get("value"))
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_component_has_its_namespace_and_pinned_releases(services_mocks, name):
    build()
    token, namespace, releases = EXPECTED[name]
    component = services_mocks.named(name)
    assert component.type == token and not component.custom
    (ns,) = [r for r in services_mocks.children(component) if r.type == NAMESPACE]
    assert ns.name == f"{name}-namespace" and ns.inputs["metadata"]["name"] == namespace
    assert "pod-security.kubernetes.io/enforce" in ns.inputs["metadata"]["labels"]
    found = [r for r in services_mocks.children(component) if r.type == RELEASE]
    assert [r.name for r in found] == [r[0] for r in releases]
    for release, (_, release_name, chart, version, repo) in zip(found, releases):
        assert release.inputs["name"] == release_name
        assert (release.inputs["chart"], release.inputs["version"]) == (chart, version)
        assert release.inputs.get("repositoryOpts", {}).get("repo") == repo
        assert release.inputs["namespace"] == namespace
        assert release.inputs["createNamespace"] is False
        assert ns.urn in release.dependencies  # the namespace first, with its pod-security labels


def test_every_kubernetes_resource_uses_the_cluster_provider(services_mocks):
    build()
    provider = services_mocks.named("cluster")
    kube = [r for r in services_mocks.registrations if r.custom and r.type.startswith("kubernetes:")]
    policies = [r for r in kube if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"]
    # namespaces, releases, the Grafana admin Secret, the ClusterSecretStore, the private CA's two
    # ClusterIssuers and root Certificate, and the network policies
    assert len(kube) - len(policies) == 7 + 8 + 1 + 1 + 3
    assert len([p for p in policies if p.name.endswith("-default-deny-networkpolicy")]) == 7  # one per namespace
    assert all(r.provider and r.provider.startswith(provider.urn) for r in kube)


def test_every_resource_is_parented_to_its_component(services_mocks):
    build()
    components = {r.urn for r in services_mocks.registrations if r.type.startswith("llm-platform:services:")}
    assert len(components) == 7
    for r in services_mocks.registrations:
        if r.custom and r.name != "cluster":
            assert r.parent in components, r.name


def test_install_order(services_mocks):
    build()
    deps = {r.name: set(r.dependencies) for r in services_mocks.registrations}
    urn = {r.name: r.urn for r in services_mocks.registrations}
    # the AI Gateway after Envoy Gateway (its CRDs), the controller after its own CRDs chart
    assert {urn["ai-gateway-crds"], urn["envoy-gateway-release"]} <= deps["ai-gateway-release"]
    assert urn["envoy-gateway-release"] in deps["ai-gateway-crds"]
    # VictoriaLogs after the VictoriaMetrics stack (VMServiceScrape CRD, dashboards in its namespace)
    assert urn["metrics-release"] in deps["logs-release"]
    # Grafana's admin Secret exists before the chart reads it
    assert urn["metrics-grafana-admin"] in deps["metrics-release"]
    # External Secrets: grant -> association -> release -> store
    assert urn["external-secrets-read-secrets"] in deps["external-secrets-pod-identity"]
    assert urn["external-secrets-pod-identity"] in deps["external-secrets-release"]
    assert urn["external-secrets-release"] in deps["external-secrets-cluster-secret-store"]
    # KEDA, Envoy Gateway, the metrics stack and External Secrets do not wait for one another
    for a in ("keda-release", "envoy-gateway-release", "metrics-release", "external-secrets-release"):
        for b in ("keda-release", "envoy-gateway-release", "metrics-release", "external-secrets-release"):
            assert urn[b] not in deps[a]


def test_what_the_cluster_must_have_first_precedes_every_namespace_and_release(services_mocks):
    build(depends_on=True)
    first = services_mocks.named("system-nodes").urn
    gated = [r for r in services_mocks.registrations if r.type in (NAMESPACE, RELEASE)]
    assert len(gated) == 15 and all(first in r.dependencies for r in gated)
    assert first in services_mocks.named("external-secrets-pod-identity").dependencies


def test_the_metrics_url_is_the_stacks(services_mocks):
    services = build()
    assert services.metrics.metrics_url == platform().observability.metrics_url


def test_cluster_secret_store_is_schema_valid(services_mocks):
    build()
    store = services_mocks.named("external-secrets-cluster-secret-store")
    assert store.type == "kubernetes:external-secrets.io/v1:ClusterSecretStore"
    obj = {k: store.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
    assert validate_object(obj, "1.35") == []
    assert obj["metadata"]["name"] == "aws-secrets-manager"
    assert obj["spec"]["provider"]["aws"] == {"service": "SecretsManager", "region": REGION}


def test_iam_reads_only_the_given_secrets(services_mocks):
    build(secret_arns=(ARN_B, ARN_A))
    (policy,) = services_mocks.of_type("aws:iam/policy:Policy")
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert statement["Resource"] == sorted([ARN_A, ARN_B])
    (attachment,) = services_mocks.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    role = services_mocks.named("external-secrets-role")
    assert attachment.inputs["role"] == services_mocks.mocks.output(role.name, "name", role.type)
    assert attachment.inputs["policyArn"] == services_mocks.mocks.output(policy.name, "arn", policy.type)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert trust["Statement"][0]["Condition"]["StringEquals"]["aws:RequestTag/eks-cluster-name"] == CLUSTER
    association = services_mocks.named("external-secrets-pod-identity")
    bound = {k: association.inputs[k] for k in ("clusterName", "namespace", "serviceAccount", "roleArn")}
    assert bound == {"clusterName": CLUSTER, "namespace": "external-secrets", "serviceAccount": "external-secrets",
                     "roleArn": services_mocks.mocks.output("external-secrets-role", "arn", "aws:iam/role:Role")}
    release = services_mocks.named("external-secrets-release")
    assert release.inputs["values"]["serviceAccount"]["name"] == association.inputs["serviceAccount"]


def test_no_statement_anywhere_allows_a_wildcard_action(services_mocks):
    build(secret_arns=(ARN_A, ARN_B))
    documents = [json.loads(r.inputs[k]) for r in services_mocks.registrations if r.type.startswith("aws:iam/")
                 for k in ("policy", "assumeRolePolicy") if k in r.inputs]
    assert len(documents) == 2
    for doc in documents:
        for statement in doc["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any("*" in a for a in actions)


def test_secret_arns_resolved_later_are_scoped_too(services_mocks):
    built = []

    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        arn = pulumi.Output.from_input(ARN_B)
        built.append(install_platform_services(platform(), provider, REGION, ACCOUNT, CLUSTER, [arn], []))

    pulumi.runtime.test(construct)()
    (policy,) = services_mocks.of_type("aws:iam/policy:Policy")
    assert json.loads(policy.inputs["policy"])["Statement"][0]["Resource"] == [ARN_B]


def test_no_secrets_no_policy(services_mocks):
    build(secret_arns=())
    assert services_mocks.of_type("aws:iam/policy:Policy") == []
    assert services_mocks.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    assert services_mocks.named("external-secrets-pod-identity")  # the identity exists, without permissions


def test_a_secret_arn_of_another_account_is_refused(services_mocks):
    with pytest.raises(ValueError, match="belongs to account 210987654321"):
        build(secret_arns=(f"arn:aws:secretsmanager:{REGION}:210987654321:secret:x-AbCdEf",))


def test_generated_credentials_reach_the_charts_and_stay_secret(services_mocks):
    build()
    secret = services_mocks.named("metrics-grafana-admin")
    assert _SECRET_SIG in secret.inputs["stringData"]  # the whole stringData is a Pulumi secret
    data = unwrap(secret.inputs["stringData"])
    password = generated(services_mocks, "metrics-grafana-admin-password")
    assert len(password) == 32 and password.isalnum()  # length 32, no special characters, as configured
    assert data == {"admin-user": "admin", "admin-password": password}
    grafana = unwrap(services_mocks.named("metrics-release").inputs["values"])["grafana"]
    assert grafana["admin"]["existingSecret"] == secret.inputs["metadata"]["name"]
    assert secret.inputs["metadata"]["namespace"] == "monitoring"
    ai = services_mocks.named("ai-gateway-release").inputs["values"]
    assert _SECRET_SIG in json.dumps(ai)
    seed = generated(services_mocks, "ai-gateway-mcp-session-seed")
    assert len(seed) == 48 and unwrap(ai)["controller"]["mcp"]["sessionEncryption"]["seed"] == seed


def test_values_reach_the_releases_exactly_as_rendered(services_mocks):
    build()
    p = platform()
    rendered = {
        "keda-release": keda.chart_values(p),
        "envoy-gateway-release": envoy_gateway.chart_values(p),
        "ai-gateway-crds": {},
        "ai-gateway-release": ai_gateway.chart_values(p, generated(services_mocks, "ai-gateway-mcp-session-seed")),
        "metrics-release": victoria_metrics.chart_values(p),
        "logs-release": victoria_logs.chart_values(p),
        "external-secrets-release": external_secrets.chart_values(p),
    }
    for name, values in rendered.items():
        assert unwrap(services_mocks.named(name).inputs.get("values", {})) == values, name


def test_the_policy_packs_resource_rules_pass_on_every_service_resource(services_mocks):
    build(secret_arns=(ARN_A, ARN_B))
    found = []
    for r in services_mocks.registrations:
        if not r.custom:
            continue
        for rule in RULES:
            if rule.kind == "resource":
                found += [(rule.name, r.name, m) for m in rule.check(r.type, r.inputs, r.urn)]
    assert found == []


def build_with_gateway_options() -> PlatformServices:
    from infra.render.gateway import REQUEST_HEADER_ATTRIBUTES

    built: list[PlatformServices] = []

    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        built.append(install_platform_services(platform(), provider, REGION, ACCOUNT, CLUSTER, [ARN_A], [],
                                               global_rate_limit=True,
                                               request_header_attributes=REQUEST_HEADER_ATTRIBUTES))

    pulumi.runtime.test(construct)()
    return built[0]


REDIS_RESOURCES = {
    "envoy-gateway-ratelimit-redis-deployment": "kubernetes:apps/v1:Deployment",
    "envoy-gateway-ratelimit-redis-service": "kubernetes:core/v1:Service",
    "envoy-gateway-ratelimit-redis-networkpolicy": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
}


def test_no_redis_without_global_rate_limiting(services_mocks):
    services = build()
    assert services.envoy_gateway.redis == ()
    assert not [r for r in services_mocks.registrations if r.name in REDIS_RESOURCES]
    values = services_mocks.named("envoy-gateway-release").inputs["values"]
    assert "rateLimit" not in values["config"]["envoyGateway"]


def test_global_rate_limiting_runs_redis_before_the_controller_that_uses_it(services_mocks):
    services = build_with_gateway_options()
    assert len(services.envoy_gateway.redis) == 3
    component = services_mocks.named("envoy-gateway")
    namespace = services_mocks.named("envoy-gateway-namespace")
    release = services_mocks.named("envoy-gateway-release")
    provider = services_mocks.named("cluster")
    rendered = {o["kind"]: o for o in envoy_gateway.render_rate_limit_redis()}
    for name, typ in REDIS_RESOURCES.items():
        r = services_mocks.named(name)
        assert r.type == typ and r.parent == component.urn and r.provider.startswith(provider.urn)
        assert namespace.urn in r.dependencies  # the restricted namespace first
        assert r.urn in release.dependencies  # Redis exists before the controller points at it
        obj = rendered[typ.rsplit(":", 1)[-1]]
        assert {k: r.inputs[k] for k in obj if k not in ("apiVersion", "kind")} == \
            {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    assert unwrap(release.inputs["values"]) == envoy_gateway.chart_values(platform(), global_rate_limit=True)
    assert release.inputs["values"]["config"]["envoyGateway"]["rateLimit"]["backend"]["type"] == "Redis"
    # Redis's password: generated, in the Secret Redis and the rate limit pods read, before both
    auth = services_mocks.named("envoy-gateway-redis-auth")
    assert auth.type == "kubernetes:core/v1:Secret" and auth.parent == component.urn
    assert auth.inputs["metadata"] == envoy_gateway.redis_auth_secret_metadata()
    assert unwrap(auth.inputs["stringData"]) == {
        envoy_gateway.REDIS_AUTH_KEY: generated(services_mocks, "envoy-gateway-redis-password")}
    assert auth.urn in services_mocks.named("envoy-gateway-ratelimit-redis-deployment").dependencies
    assert auth.urn in release.dependencies


def test_request_header_attributes_reach_the_ai_gateway_release(services_mocks):
    build_with_gateway_options()
    values = unwrap(services_mocks.named("ai-gateway-release").inputs["values"])
    assert values["controller"]["requestHeaderAttributes"] == "x-tenant-id:tenant.id"
    assert values == ai_gateway.chart_values(platform(), generated(services_mocks, "ai-gateway-mcp-session-seed"),
                                       "x-tenant-id:tenant.id")


def test_the_policy_packs_resource_rules_pass_with_global_rate_limiting(services_mocks):
    build_with_gateway_options()
    found = []
    for r in services_mocks.registrations:
        if not r.custom:
            continue
        for rule in RULES:
            if rule.kind == "resource":
                found += [(rule.name, r.name, m) for m in rule.check(r.type, r.inputs, r.urn)]
    assert found == []
