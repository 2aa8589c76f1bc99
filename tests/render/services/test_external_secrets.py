"""External Secrets: chart values, the ClusterSecretStore and the IAM documents."""

from __future__ import annotations

import json

import pytest

from infra.catalog.platform_versions import EXTERNAL_SECRETS_CHART
from infra.render.services import external_secrets as eso
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object
from policies.rules.iam import check_wildcard_actions

from ..conftest import build_platform
from .charts import (K8S, SCHEMAS, chart_file, helm_merged, pod_with, restricted_problems, unknown_keys,
                     validate_with_chart_schema)

REGION, ACCOUNT, CLUSTER = "us-east-1", "123456789012", "llm-dev"
ARN_A = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:platform/llm/api-keys-AbCdEf"
ARN_B = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hf-token-123456"


def values(*mutations) -> dict:
    return eso.chart_values(build_platform(*mutations))


def ha(cfg) -> None:
    cfg["services"] = {"externalSecrets": {"controller": {"replicas": 2}, "webhook": {"replicas": 3}}}


# The pod security contexts' fields: the templates render whatever podSecurityContext holds besides
# `enabled` (values.yaml has only `enabled`, and fsGroup as a comment).
POD_SECURITY_FIELDS = [f"{prefix}podSecurityContext.{field}" for prefix in ("", "webhook.", "certController.")
                       for field in ("runAsNonRoot", "seccompProfile")]


def test_every_value_key_exists_upstream():
    assert unknown_keys(values(), "external-secrets", template_only=POD_SECURITY_FIELDS) == []
    assert unknown_keys(values(ha), "external-secrets", template_only=POD_SECURITY_FIELDS) == []


@pytest.mark.parametrize("mutation", [(), (ha,)], ids=["defaults", "ha"])
def test_values_validate_against_the_chart_schema(mutation):
    validate_with_chart_schema("external-secrets", values(*mutation))  # Helm's own check, as install runs it


def test_crds_and_the_pod_identity_service_account():
    v = values()
    assert v["installCRDs"] is True
    merged = helm_merged("external-secrets", v)
    assert all(merged["crds"][k] for k in ("createClusterSecretStore", "createSecretStore"))
    assert v["serviceAccount"] == {"create": True, "name": eso.SERVICE_ACCOUNT}


@pytest.mark.parametrize("part", [(), ("webhook",), ("certController",)], ids=["controller", "webhook", "cert"])
def test_every_deployment_is_restricted_on_system_nodes(part):
    section = values()
    for key in part:
        section = section[key]
    container = {k: v for k, v in section["securityContext"].items() if k != "enabled"}
    assert restricted_problems({}, container) == [] and container["readOnlyRootFilesystem"] is True
    assert validate_object(pod_with({}, container, eso.NAMESPACE), K8S) == []
    assert values()["global"]["nodeSelector"] == SYSTEM_NODE_SELECTOR  # read by all three Deployments


def test_replicas_elect_a_leader_and_get_a_budget():
    v = values()
    assert v["replicaCount"] == 1 and v["leaderElect"] is False and v["podDisruptionBudget"]["enabled"] is False
    v = values(ha)
    assert v["replicaCount"] == 2 and v["leaderElect"] is True and v["podDisruptionBudget"]["enabled"] is True
    assert v["webhook"]["replicaCount"] == 3 and v["webhook"]["podDisruptionBudget"]["enabled"] is True
    assert v["certController"]["podDisruptionBudget"]["enabled"] is False


def test_cluster_secret_store_is_schema_valid_and_uses_pod_identity():
    store = eso.cluster_secret_store(REGION, ["envoy-gateway-system"])
    assert validate_object(store, "1.35") == []
    assert store["apiVersion"] == "external-secrets.io/v1" and store["metadata"]["name"] == "aws-secrets-manager"
    assert "namespace" not in store["metadata"]
    assert store["spec"]["provider"] == {"aws": {"service": "SecretsManager", "region": REGION}}  # no auth


def test_the_store_serves_only_the_namespaces_whose_external_secrets_the_platform_renders():
    from tests.conftest import reference_plan

    for stack in ("dev", "prod"):
        plan = reference_plan(stack)
        (store,) = [r.inputs for r in plan.resources if r.inputs.get("kind") == "ClusterSecretStore"]
        used = {r.inputs["metadata"]["namespace"] for r in plan.resources if r.inputs.get("kind") == "ExternalSecret"}
        assert store["spec"]["conditions"] == [{"namespaces": sorted(used)}]


def test_read_policy_is_scoped_to_the_given_secrets():
    doc = eso.read_policy([ARN_B, ARN_A, ARN_A])
    (statement,) = doc["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert statement["Resource"] == sorted([ARN_A, ARN_B])
    assert check_wildcard_actions("aws:iam/policy:Policy", {"policy": json.dumps(doc)}, "urn") == []
    assert not any("*" in a for a in statement["Action"]) and not any("*" in r for r in statement["Resource"])


def test_no_secrets_no_policy():
    assert eso.read_policy([]) is None


@pytest.mark.parametrize("arn", [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:*",
                                 f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hf-*",
                                 f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:h?-??????"])
def test_a_wildcard_arn_is_refused(arn):
    with pytest.raises(ValueError, match="wildcard"):
        eso.read_policy([arn])


@pytest.mark.parametrize("arn,problem", [
    (ARN_A, None),
    ("hf-token", "is not a Secrets Manager secret ARN"),
    (f"arn:aws:secretsmanager:{REGION}:210987654321:secret:x", "belongs to account 210987654321"),
    (f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:x", "is in eu-west-1"),
    (f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/x", "is not a Secrets Manager secret ARN"),
])
def test_secret_arns_must_be_this_accounts_and_regions(arn, problem):
    found = eso.secret_arn_problem(arn, REGION, ACCOUNT)
    assert (found is None) if problem is None else (problem in found)


def test_role_trusts_pod_identity_for_this_service_account_only():
    trust = eso.role_trust(CLUSTER)
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert statement["Condition"] == {"StringEquals": {
        "aws:RequestTag/eks-cluster-name": CLUSTER,
        "aws:RequestTag/kubernetes-namespace": "external-secrets",
        "aws:RequestTag/kubernetes-service-account": "external-secrets"}}


def test_namespace_is_restricted_and_valid():
    ns = eso.render_namespace()
    assert ns["metadata"]["name"] == "external-secrets"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert validate_object(ns, K8S) == []


def test_chart_is_pinned_to_the_vendored_version_and_matches_the_crds():
    vendored = chart_file("external-secrets", "Chart.yaml")
    assert (EXTERNAL_SECRETS_CHART.chart, EXTERNAL_SECRETS_CHART.version) == \
        (vendored["name"], vendored["version"]) == ("external-secrets", "2.9.0")
    assert EXTERNAL_SECRETS_CHART.repo == "https://charts.external-secrets.io"
    assert vendored["appVersion"] == "v2.9.0"
    assert "| External Secrets Operator | external-secrets/external-secrets | v2.9.0 |" in \
        (SCHEMAS / "SOURCES.md").read_text()


def test_a_secret_named_by_name_matches_exactly_its_random_suffix():
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:llm/tenants/team-a-??????"
    assert eso.read_policy([arn])["Statement"][0]["Resource"] == [arn]
