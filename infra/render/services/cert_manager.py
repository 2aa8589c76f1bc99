"""cert-manager v1.21.1 (installed when the gateway has `tls`): the controller, its webhook and CA
injector in namespace `cert-manager`, and the ClusterIssuer the gateway's certificate comes from.

- `acme`: an ACME account (Let's Encrypt by default) answering DNS-01 challenges in the stack's Route 53
  hosted zone. The controller's service account `cert-manager/cert-manager` is bound by EKS Pod
  Identity to a role that may only write the `_acme-challenge` TXT record of the gateway's hostname
  in that zone (and read the change status). Propagation is checked through the cluster's resolvers
  (`dns01RecursiveNameserversOnly`), so the controller needs no DNS egress to the internet.
- `privateCa`: a self-signed root (`llm-platform-ca`, ECDSA P-256, ten years) that a CA ClusterIssuer of
  the same name signs with. The root's key stays in the Secret `llm-platform-ca` in cert-manager's
  namespace; clients trust its `ca.crt`.

Leader election stays in cert-manager's own namespace (the chart's default is kube-system).
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.gateway_tls import ACME_SERVERS, TlsConfig
from ...config.services import CERT_MANAGER_NAMESPACE, Controller
from ..aws.iam import POLICY_VERSION, pod_identity_role_trust
from ..labels import metadata
from ..priority import SERVICES_PRIORITY_CLASS
from .common import MANAGED_LABELS, SYSTEM_NODE_SELECTOR, namespace, resources

NAMESPACE = CERT_MANAGER_NAMESPACE
RELEASE_NAME = "cert-manager"
SERVICE_ACCOUNT = "cert-manager"  # the chart's name for the controller's account (release "cert-manager")
CONTROLLER_SELECTOR = {"app.kubernetes.io/name": "cert-manager"}  # the chart's label on the controller's pods
API_VERSION = "cert-manager.io/v1"
CA_NAME = "llm-platform-ca"  # the private root: Certificate, its Secret and the ClusterIssuer signing with it
SELF_SIGNED_ISSUER = "llm-platform-selfsigned"  # signs only the root
ACME_ISSUER = "llm-platform-acme"
ACME_ACCOUNT_SECRET = "llm-platform-acme-account"  # the ACME account's private key
CA_DURATION = "87600h"  # ten years
CA_RENEW_BEFORE = "720h"
# Pulumi waits for these objects' Ready condition (pulumi-kubernetes 4.18+ `pulumi.com/waitFor`), so an
# issuer that cannot register or a certificate that is never issued fails `pulumi up` where it happens.
WAIT_FOR_READY = {"pulumi.com/waitFor": "condition=Ready"}
# The startupapicheck hook Job (it waits until the webhook admits a Certificate): small, requests only.
_STARTUP_CHECK_RESOURCES = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}}


def render_namespace() -> dict:
    return namespace(NAMESPACE, "cert-manager", "restricted")


def _budget(replicas: int) -> dict:
    """A budget where a second replica exists (the chart then defaults to minAvailable 1)."""
    return {"enabled": replicas > 1}


def _component(settings: Controller) -> dict:
    return {"replicaCount": settings.replicas, "resources": resources(settings.resources),
            "podDisruptionBudget": _budget(settings.replicas)}


def chart_values(platform: PlatformConfig) -> dict:
    cm = platform.services.cert_manager
    return {
        "crds": {"enabled": True},  # the chart installs and upgrades them, and keeps them on uninstall
        "global": {
            "priorityClassName": SERVICES_PRIORITY_CLASS,
            "nodeSelector": dict(SYSTEM_NODE_SELECTOR),  # every component; the chart adds kubernetes.io/os
            "leaderElection": {"namespace": NAMESPACE},
        },
        **_component(cm.controller),
        "dns01RecursiveNameserversOnly": True,
        "webhook": _component(cm.webhook),
        "cainjector": _component(cm.cainjector),
        "startupapicheck": {"resources": dict(_STARTUP_CHECK_RESOURCES)},
    }


# ---- AWS: the controller's Route 53 access (issuer acme) ----------------------------------------


def role_trust(cluster_name: str) -> dict:
    return pod_identity_role_trust(cluster_name, NAMESPACE, SERVICE_ACCOUNT)


def challenge_record(hostname: str) -> str:
    return f"_acme-challenge.{hostname}"


def route53_policy(tls: TlsConfig, partition: str) -> dict:
    """Write only the hostname's challenge TXT record in the one zone (cert-manager's Route 53 guide,
    narrowed with route53:ChangeResourceRecordSetsNormalizedRecordNames), and read change status."""
    assert tls.acme is not None
    zone = f"arn:{partition}:route53:::hostedzone/{tls.acme.hosted_zone_id}"
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Sid": "ChallengeRecord", "Effect": "Allow", "Action": "route53:ChangeResourceRecordSets",
             "Resource": zone,
             "Condition": {"ForAllValues:StringEquals": {
                 "route53:ChangeResourceRecordSetsNormalizedRecordNames": [challenge_record(tls.hostname)],
                 "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
             }}},
            {"Sid": "ListZoneRecords", "Effect": "Allow", "Action": "route53:ListResourceRecordSets",
             "Resource": zone},
            {"Sid": "ChangeStatus", "Effect": "Allow", "Action": "route53:GetChange",
             "Resource": f"arn:{partition}:route53:::change/*"},
        ],
    }


# ---- issuers --------------------------------------------------------------------------------------


def _meta(name: str, namespace: str | None = None) -> dict:
    return metadata(name, namespace, {**MANAGED_LABELS, "app.kubernetes.io/component": "cert-manager"},
                    WAIT_FOR_READY)


def issuer_name(tls: TlsConfig) -> str:
    """The ClusterIssuer the gateway's certificate names."""
    return ACME_ISSUER if tls.issuer == "acme" else CA_NAME


def render_issuers(tls: TlsConfig, region: str) -> list[dict]:
    """The ClusterIssuers (and, for the private CA, its root Certificate), in apply order."""
    if tls.issuer == "acme":
        assert tls.acme is not None
        return [{
            "apiVersion": API_VERSION, "kind": "ClusterIssuer", "metadata": _meta(ACME_ISSUER),
            "spec": {"acme": {
                "email": tls.acme.email,
                "server": ACME_SERVERS[tls.acme.server],
                "privateKeySecretRef": {"name": ACME_ACCOUNT_SECRET},
                "solvers": [{
                    "selector": {"dnsNames": [tls.hostname]},
                    # No credentials: the AWS SDK's default chain finds the Pod Identity agent.
                    "dns01": {"route53": {"region": region, "hostedZoneID": tls.acme.hosted_zone_id}},
                }],
            }},
        }]
    return [
        {"apiVersion": API_VERSION, "kind": "ClusterIssuer", "metadata": _meta(SELF_SIGNED_ISSUER),
         "spec": {"selfSigned": {}}},
        {"apiVersion": API_VERSION, "kind": "Certificate", "metadata": _meta(CA_NAME, NAMESPACE),
         "spec": {
             "isCA": True,
             "commonName": "llm-platform private CA",
             "secretName": CA_NAME,
             "duration": CA_DURATION,
             "renewBefore": CA_RENEW_BEFORE,
             # A renewed root keeps its key, so clients that trust it keep working.
             "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Never"},
             "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": SELF_SIGNED_ISSUER},
         }},
        {"apiVersion": API_VERSION, "kind": "ClusterIssuer", "metadata": _meta(CA_NAME),
         "spec": {"ca": {"secretName": CA_NAME}}},
    ]
