"""The CertManager component under mocks: with an ACME issuer, a Route 53 role bound to the
controller's account before the release starts; the issuers after the release, in the order they name
each other; nothing of AWS for the private CA."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.services import CertManager, CertManagerArgs
from infra.plan.mocks import REGION
from infra.render.services import cert_manager as render
from tests.conftest import reference_config

CLUSTER = "llm-prod"


def build(stack: str) -> None:
    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        CertManager("cert-manager", CertManagerArgs(platform=reference_config(stack), k8s_provider=provider,
                                                    cluster_name=CLUSTER, region=REGION))

    pulumi.runtime.test(construct)()


def test_acme_binds_a_route53_role_to_the_controller_before_it_starts(services_mocks):
    build("prod")
    m = services_mocks
    role, grant, association = (m.named("cert-manager-role"), m.named("cert-manager-route53"),
                                m.named("cert-manager-pod-identity"))
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust == render.role_trust(CLUSTER)
    tls = reference_config("prod").gateway.tls
    assert json.loads(grant.inputs["policy"]) == render.route53_policy(tls, "aws")
    assert grant.inputs["role"] == m.mocks.id_of(role.name, role.type)
    assert {k: association.inputs[k] for k in ("clusterName", "namespace", "serviceAccount")} == {
        "clusterName": CLUSTER, "namespace": "cert-manager", "serviceAccount": render.SERVICE_ACCOUNT}
    assert grant.urn in association.dependencies
    release = m.named("cert-manager-release")
    assert association.urn in release.dependencies  # the controller starts with its credentials
    issuer = m.named("cert-manager-llm-platform-acme-clusterissuer")
    assert release.urn in issuer.dependencies and issuer.inputs["kind"] == "ClusterIssuer"


def test_the_private_ca_needs_no_aws_and_each_issuer_waits_for_what_it_names(services_mocks):
    build("dev")
    m = services_mocks
    assert not [r for r in m.registrations if r.type.startswith("aws:")]
    release = m.named("cert-manager-release")
    selfsigned = m.named("cert-manager-llm-platform-selfsigned-clusterissuer")
    root = m.named("cert-manager-llm-platform-ca-certificate")
    ca = m.named("cert-manager-llm-platform-ca-clusterissuer")
    assert release.urn in selfsigned.dependencies
    assert selfsigned.urn in root.dependencies and root.urn in ca.dependencies
    assert all(r.provider.startswith(m.named("cluster").urn) for r in (release, selfsigned, root, ca))


def test_a_platform_without_tls_cannot_build_it(services_mocks):
    platform = reference_config("dev").model_copy(
        update={"gateway": reference_config("dev").gateway.model_copy(update={"tls": None})})

    def construct():
        CertManager("cert-manager", CertManagerArgs(platform=platform, k8s_provider=k8s.Provider("cluster"),
                                                    cluster_name=CLUSTER, region=REGION))

    with pytest.raises(Exception, match="needs a platform whose gateway has tls"):
        pulumi.runtime.test(construct)()
