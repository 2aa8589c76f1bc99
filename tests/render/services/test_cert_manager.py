"""cert-manager: chart values (checked against the chart and rendered by Helm), the issuers of each
kind, and the Route 53 permission of an ACME issuer."""

from __future__ import annotations

import json

import pytest

from infra.config.gateway_tls import ACME_SERVERS
from infra.render.services import cert_manager as cm
from infra.render.services.common import SYSTEM_NODE_SELECTOR
from infra.validation.k8s_schema import validate_object
from policies.rules.iam import check_wildcard_actions

from ..conftest import build_platform
from .charts import K8S, one, rendered, unknown_keys, validate_with_chart_schema

REGION, CLUSTER = "us-east-1", "llm-dev"
ZONE = "Z0123456789ABCDEFGHIJ"
ACME = {"issuer": "acme", "hostname": "llm.example.com", "acme": {"email": "ops@example.com", "hostedZoneId": ZONE}}


def acme(cfg) -> None:
    cfg["gateway"]["tls"] = dict(ACME)


def ha(cfg) -> None:
    cfg["services"] = {"certManager": {"controller": {"replicas": 2}, "webhook": {"replicas": 3}}}


def values(*mutations) -> dict:
    return cm.chart_values(build_platform(*mutations))


def objects(*mutations) -> list[dict]:
    return rendered("cert-manager", values(*mutations), cm.RELEASE_NAME, cm.NAMESPACE)


def test_every_value_key_exists_upstream():
    assert unknown_keys(values(), "cert-manager") == []
    assert unknown_keys(values(ha), "cert-manager") == []


@pytest.mark.parametrize("mutation", [(), (ha,)], ids=["defaults", "ha"])
def test_values_validate_against_the_chart_schema(mutation):
    validate_with_chart_schema("cert-manager", values(*mutation))


def test_the_controller_runs_as_the_account_pod_identity_binds_and_checks_dns_through_the_cluster():
    deployment = one(objects(), "Deployment", "cert-manager")
    spec = deployment["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == cm.SERVICE_ACCOUNT
    (container,) = spec["containers"]
    assert "--dns01-recursive-nameservers-only=true" in container["args"]
    assert not any(a.startswith("--dns01-recursive-nameservers=") for a in container["args"])  # resolv.conf's
    assert f"--leader-election-namespace={cm.NAMESPACE}" in container["args"]
    assert deployment["spec"]["template"]["metadata"]["labels"].items() >= cm.CONTROLLER_SELECTOR.items()


def test_nothing_lands_in_kube_system_and_every_pod_is_placed_and_prioritised():
    found = objects()
    assert {o["metadata"].get("namespace") for o in found} <= {cm.NAMESPACE, None}
    workloads = [o for o in found if o["kind"] in ("Deployment", "Job")]
    assert {o["metadata"]["name"] for o in workloads} == {
        "cert-manager", "cert-manager-webhook", "cert-manager-cainjector", "cert-manager-startupapicheck"}
    for workload in workloads:
        spec = workload["spec"]["template"]["spec"]
        assert spec["priorityClassName"] == "llm-platform-services", workload["metadata"]["name"]
        assert spec["nodeSelector"].items() >= SYSTEM_NODE_SELECTOR.items(), workload["metadata"]["name"]
        for container in spec["containers"]:
            assert "cpu" not in container["resources"].get("limits", {}) and container["resources"]["requests"]


def test_budgets_only_where_a_second_replica_exists():
    assert not [o for o in objects() if o["kind"] == "PodDisruptionBudget"]
    budgets = {o["metadata"]["name"]: o["spec"] for o in objects(ha) if o["kind"] == "PodDisruptionBudget"}
    assert budgets == {
        "cert-manager": {"selector": budgets["cert-manager"]["selector"], "minAvailable": 1},
        "cert-manager-webhook": {"selector": budgets["cert-manager-webhook"]["selector"], "minAvailable": 1},
    }


def test_the_chart_installs_the_crds_of_the_kinds_the_platform_renders():
    crds = {o["spec"]["names"]["kind"] for o in objects() if o["kind"] == "CustomResourceDefinition"}
    assert {"Certificate", "ClusterIssuer"} <= crds


def test_the_private_ca_is_a_self_signed_root_that_a_ca_issuer_signs_with():
    tls = build_platform().gateway.tls
    assert tls is not None and tls.issuer == "privateCa"  # the dev stack's
    selfsigned, root, issuer = cm.render_issuers(tls, REGION)
    assert [o["kind"] for o in (selfsigned, root, issuer)] == ["ClusterIssuer", "Certificate", "ClusterIssuer"]
    assert selfsigned["spec"] == {"selfSigned": {}}
    assert root["metadata"]["namespace"] == cm.NAMESPACE  # the controller's cluster resource namespace
    assert root["spec"]["isCA"] is True and root["spec"]["issuerRef"]["name"] == selfsigned["metadata"]["name"]
    assert root["spec"]["privateKey"]["rotationPolicy"] == "Never"  # a renewed root keeps its key
    assert issuer["spec"] == {"ca": {"secretName": root["spec"]["secretName"]}}
    assert cm.issuer_name(tls) == issuer["metadata"]["name"]
    for obj in (selfsigned, root, issuer):
        assert validate_object(obj, K8S) == []
        assert obj["metadata"]["annotations"] == {"pulumi.com/waitFor": "condition=Ready"}


def test_the_acme_issuer_answers_dns01_in_the_stacks_zone_with_ambient_credentials():
    tls = build_platform(acme).gateway.tls
    (issuer,) = cm.render_issuers(tls, REGION)
    assert validate_object(issuer, K8S) == []
    spec = issuer["spec"]["acme"]
    assert spec["server"] == ACME_SERVERS["production"] == "https://acme-v02.api.letsencrypt.org/directory"
    assert spec["email"] == "ops@example.com"
    (solver,) = spec["solvers"]
    assert solver["selector"] == {"dnsNames": ["llm.example.com"]}
    assert solver["dns01"] == {"route53": {"region": REGION, "hostedZoneID": ZONE}}  # no keys: Pod Identity
    staging = build_platform(acme, lambda c: c["gateway"]["tls"]["acme"].update(server="staging"))
    assert cm.render_issuers(staging.gateway.tls, REGION)[0]["spec"]["acme"]["server"] == ACME_SERVERS["staging"]


def test_route53_access_is_the_challenge_record_of_the_hostname_in_the_one_zone():
    tls = build_platform(acme).gateway.tls
    doc = cm.route53_policy(tls, "aws")
    change, list_records, status = doc["Statement"]
    zone = f"arn:aws:route53:::hostedzone/{ZONE}"
    assert (change["Action"], change["Resource"]) == ("route53:ChangeResourceRecordSets", zone)
    assert change["Condition"] == {"ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.llm.example.com"],
        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}
    assert (list_records["Action"], list_records["Resource"]) == ("route53:ListResourceRecordSets", zone)
    assert (status["Action"], status["Resource"]) == ("route53:GetChange", "arn:aws:route53:::change/*")
    assert check_wildcard_actions("aws:iam/rolePolicy:RolePolicy", {"policy": json.dumps(doc)}, "urn") == []
    assert cm.route53_policy(tls, "aws-cn")["Statement"][0]["Resource"].startswith("arn:aws-cn:route53:::")


def test_the_role_trusts_pod_identity_for_the_controllers_account_only():
    (statement,) = cm.role_trust(CLUSTER)["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {
        "aws:RequestTag/eks-cluster-name": CLUSTER,
        "aws:RequestTag/kubernetes-namespace": "cert-manager",
        "aws:RequestTag/kubernetes-service-account": "cert-manager"}}


def test_namespace_is_restricted_and_valid():
    ns = cm.render_namespace()
    assert ns["metadata"]["name"] == "cert-manager"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert validate_object(ns, K8S) == []
