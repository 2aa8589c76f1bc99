"""HTTPS at the gateway: the listener serves the certificate cert-manager writes, plain HTTP only
redirects, and nothing of the API is reachable without TLS."""

from __future__ import annotations

import pytest

from infra.render import platform_flows
from infra.render import platform_pods as pods
from infra.render.gateway import render_gateway_objects
from infra.render.services import cert_manager
from infra.validation.k8s_schema import validate_object

from ..conftest import build_platform
from .conftest import REGION, objects, one, reference_platform

ACME = {"issuer": "acme", "hostname": "llm.example.com",
        "acme": {"email": "ops@example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}}


def plain():
    return build_platform(lambda c: c["gateway"].pop("tls"))


def with_tls(tls: dict):
    return build_platform(lambda c: c["gateway"].update(tls=tls))


TLS_PLATFORMS = {"private-ca": lambda: reference_platform("dev"), "acme": lambda: reference_platform("prod")}


@pytest.fixture(params=list(TLS_PLATFORMS))
def tls_platform(request):
    return TLS_PLATFORMS[request.param]()


def test_the_https_listener_serves_the_secret_the_certificate_writes(tls_platform):
    gateway, certificate = one(tls_platform, "Gateway"), one(tls_platform, "Certificate")
    http, https = gateway["spec"]["listeners"]
    assert (http["name"], http["protocol"], http["port"]) == ("http", "HTTP", 80)
    assert (https["name"], https["protocol"], https["port"]) == ("https", "HTTPS", 443)
    hostname = tls_platform.gateway.tls.hostname
    assert https["hostname"] == hostname and "hostname" not in http  # any Host is redirected
    assert https["tls"] == {"mode": "Terminate", "certificateRefs": [
        {"group": "", "kind": "Secret", "name": certificate["spec"]["secretName"]}]}
    assert certificate["metadata"]["namespace"] == gateway["metadata"]["namespace"]  # no ReferenceGrant needed
    assert certificate["spec"]["dnsNames"] == [hostname]
    assert certificate["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer",
                                                "name": cert_manager.issuer_name(tls_platform.gateway.tls)}
    assert certificate["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
    assert validate_object(certificate, "1.35") == []


def test_the_certificate_comes_before_the_gateway_that_names_it(tls_platform):
    order = [r.key for r in render_gateway_objects(tls_platform, REGION)]
    gateway = next(r for r in render_gateway_objects(tls_platform, REGION) if r.key == "gateway")
    assert order.index("certificate") < order.index("gateway") and "certificate" in gateway.after


def test_plain_http_only_redirects_to_the_hostname(tls_platform):
    routes = objects(tls_platform, "HTTPRoute")
    (redirect,) = routes
    assert redirect["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                               "name": tls_platform.gateway.name, "sectionName": "http"}]
    (rule,) = redirect["spec"]["rules"]
    assert "matches" not in rule and "backendRefs" not in rule  # every request, and never a backend
    assert rule["filters"] == [{"type": "RequestRedirect", "requestRedirect": {
        "scheme": "https", "hostname": tls_platform.gateway.tls.hostname, "statusCode": 301}}]
    # nothing else may attach to the HTTP listener: the API routes and the key check sit on HTTPS
    for obj in objects(tls_platform, "AIGatewayRoute"):
        assert [ref.get("sectionName") for ref in obj["spec"]["parentRefs"]] == ["https"]
    assert [ref.get("sectionName") for ref in one(tls_platform, "SecurityPolicy")["spec"]["targetRefs"]] == ["https"]


def test_the_proxies_admit_both_listeners_and_only_the_redirect_without_tls(tls_platform):
    def ingress_ports(platform):
        (policy,) = [p for p in platform_flows.envoy_gateway_policies(platform)
                     if p["metadata"]["name"] == f"{platform.gateway.name}-proxies"]
        return {port["port"] for rule in policy["spec"]["ingress"] if "from" not in rule for port in rule["ports"]}
    assert ingress_ports(tls_platform) == {pods.ENVOY_LISTENER_CONTAINER_PORT, pods.ENVOY_HTTPS_CONTAINER_PORT}
    assert ingress_ports(plain()) == {pods.ENVOY_LISTENER_CONTAINER_PORT}
    assert pods.ENVOY_HTTPS_CONTAINER_PORT == 10443  # Envoy Gateway serves port 443 on 10443 (unprivileged)


def test_without_tls_one_http_listener_and_no_certificate():
    platform = plain()
    (listener,) = one(platform, "Gateway")["spec"]["listeners"]
    assert listener["protocol"] == "HTTP"
    assert not objects(platform, "Certificate") and not objects(platform, "HTTPRoute")
    assert "sectionName" not in one(platform, "SecurityPolicy")["spec"]["targetRefs"][0]


def test_the_private_ca_issues_short_leaves_and_acme_keeps_its_cas_lifetime():
    private = one(reference_platform("dev"), "Certificate")["spec"]
    assert (private["duration"], private["renewBefore"]) == ("2160h", "720h")
    public = one(with_tls(ACME), "Certificate")["spec"]
    assert "duration" not in public and "renewBefore" not in public
    assert public["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
