"""HTTPS at the gateway (`gateway.tls`): the listeners, the certificate cert-manager keeps for them,
and the redirect from plain HTTP.

With tls the Gateway has two listeners: `https` on 443 (hostname `tls.hostname`, terminating TLS with
the Secret `<gateway>-tls`, where the API's routes and the API key policy attach) and `http` on 80,
whose only route answers every request with a 301 to `https://<hostname>` (so an API key sent in clear
text is never checked, and never reaches a backend). cert-manager writes and renews the Secret from
the Certificate below (ClusterIssuer: infra/render/services/cert_manager.py); Envoy Gateway reloads
it when it changes. The Certificate lives in the gateway namespace beside the Gateway, so no
ReferenceGrant is needed.
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.gateway_tls import TlsConfig
from ..services.cert_manager import API_VERSION as CERT_MANAGER_API, WAIT_FOR_READY, issuer_name
from .names import (
    GATEWAY_API,
    HTTP_LISTENER,
    HTTPS_LISTENER,
    HTTPS_PORT,
    LISTENER_PORT,
    gateway_ref,
    metadata,
)

# Leaf certificates of the private CA: 90 days, renewed 30 days before they end (ACME CAs set their own
# lifetime; cert-manager renews those at two thirds of it).
PRIVATE_CA_DURATION = "2160h"
PRIVATE_CA_RENEW_BEFORE = "720h"


def _tls(platform: PlatformConfig) -> TlsConfig:
    tls = platform.gateway.tls
    assert tls is not None, "only for a gateway with tls"
    return tls


def certificate_name(platform: PlatformConfig) -> str:
    """The Certificate and the Secret it writes."""
    return f"{platform.gateway.name}-tls"


def redirect_route_name(platform: PlatformConfig) -> str:
    return f"{platform.gateway.name}-https-redirect"


def _http_listener() -> dict:
    return {"name": HTTP_LISTENER, "protocol": "HTTP", "port": LISTENER_PORT,
            "allowedRoutes": {"namespaces": {"from": "Same"}}}


def render_listeners(platform: PlatformConfig) -> list[dict]:
    """The Gateway's listeners: HTTP alone without tls; HTTP (redirect only) and HTTPS with it."""
    if platform.gateway.tls is None:
        return [_http_listener()]
    return [_http_listener(), {
        "name": HTTPS_LISTENER,
        "protocol": "HTTPS",
        "port": HTTPS_PORT,
        "hostname": platform.gateway.tls.hostname,
        "tls": {"mode": "Terminate",
                "certificateRefs": [{"group": "", "kind": "Secret", "name": certificate_name(platform)}]},
        "allowedRoutes": {"namespaces": {"from": "Same"}},
    }]


def render_certificate(platform: PlatformConfig) -> dict:
    tls = _tls(platform)
    spec: dict = {
        "secretName": certificate_name(platform),
        "dnsNames": [tls.hostname],
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer_name(tls)},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    }
    if tls.issuer == "privateCa":
        spec |= {"duration": PRIVATE_CA_DURATION, "renewBefore": PRIVATE_CA_RENEW_BEFORE}
    meta = metadata(platform, certificate_name(platform))
    meta["annotations"] = dict(WAIT_FOR_READY)  # `pulumi up` waits until the certificate is issued
    return {"apiVersion": CERT_MANAGER_API, "kind": "Certificate", "metadata": meta, "spec": spec}


def render_redirect_route(platform: PlatformConfig) -> dict:
    """Every plain-HTTP request, whatever its host and path, answered with 301 to the HTTPS hostname."""
    tls = _tls(platform)
    return {
        "apiVersion": GATEWAY_API,
        "kind": "HTTPRoute",
        "metadata": metadata(platform, redirect_route_name(platform)),
        "spec": {
            "parentRefs": [{**gateway_ref(platform), "sectionName": HTTP_LISTENER}],
            "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": {
                "scheme": "https", "hostname": tls.hostname, "statusCode": 301}}]}],
        },
    }


def public_endpoint(platform: PlatformConfig) -> str | None:
    """The OpenAI base URL clients use with tls (None without: the NLB's name is known only once created)."""
    tls = platform.gateway.tls
    return None if tls is None else f"https://{tls.hostname}/v1"
