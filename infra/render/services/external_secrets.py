"""External Secrets Operator 2.9.0 reading AWS Secrets Manager with EKS Pod Identity.

The controller's service account `external-secrets/external-secrets` is bound by a Pod Identity
association to a role that may only read (GetSecretValue, DescribeSecret) the secrets the stack names,
and the ClusterSecretStore `aws-secrets-manager` uses the controller's own credentials (no `auth`
block: the AWS SDK's default chain finds the Pod Identity agent). The chart installs and upgrades
the CRDs (`installCRDs`, templates) and runs its own webhook and cert controller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...config import PlatformConfig
from ...config.services import EXTERNAL_SECRETS_NAMESPACE
from ..priority import SERVICES_PRIORITY_CLASS
from ..aws.iam import POLICY_VERSION, pod_identity_role_trust
from ..labels import metadata
from ..observability.receivers import receiver_secret_names
from .common import (
    MANAGED_LABELS,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    SYSTEM_NODE_SELECTOR,
    namespace,
    resources,
)

NAMESPACE = EXTERNAL_SECRETS_NAMESPACE
RELEASE_NAME = "external-secrets"
SERVICE_ACCOUNT = "external-secrets"  # serviceAccount.name: what the Pod Identity association binds
STORE_NAME = "aws-secrets-manager"
STORE_API_VERSION = "external-secrets.io/v1"
READ_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
_UID = 1000  # the chart's default runAsUser
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):secret:.+$")


def render_namespace() -> dict:
    return namespace(NAMESPACE, "external-secrets", "restricted")


def _container_security_context() -> dict:
    return {"enabled": True, **RESTRICTED_CONTAINER_SECURITY_CONTEXT, "runAsUser": _UID}


def _pod_security_context() -> dict:
    """Pod level too (the chart renders none unless a field is set): what the containers already enforce."""
    return {"enabled": True, **RESTRICTED_POD_SECURITY_CONTEXT}


def _budget(replicas: int) -> dict:
    """A budget only where a second replica exists (minAvailable 1 on one replica blocks every drain);
    the chart reads minAvailable only when the budget is enabled."""
    return {"enabled": True, "minAvailable": 1} if replicas > 1 else {"enabled": False}


def chart_values(platform: PlatformConfig) -> dict:
    eso = platform.services.external_secrets
    return {
        "installCRDs": True,
        "replicaCount": eso.controller.replicas,
        "leaderElect": eso.controller.replicas > 1,  # more than one controller must elect a leader
        "resources": resources(eso.controller.resources),
        "securityContext": _container_security_context(),
        "podSecurityContext": _pod_security_context(),
        "podDisruptionBudget": _budget(eso.controller.replicas),
        "priorityClassName": SERVICES_PRIORITY_CLASS,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "global": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR)},  # controller, webhook and cert controller
        "webhook": {
            "replicaCount": eso.webhook.replicas,
            "resources": resources(eso.webhook.resources),
            "securityContext": _container_security_context(),
            "podSecurityContext": _pod_security_context(),
            "podDisruptionBudget": _budget(eso.webhook.replicas),
            "priorityClassName": SERVICES_PRIORITY_CLASS,
        },
        "certController": {
            "replicaCount": eso.cert_controller.replicas,
            "resources": resources(eso.cert_controller.resources),
            "securityContext": _container_security_context(),
            "podSecurityContext": _pod_security_context(),
            "podDisruptionBudget": _budget(eso.cert_controller.replicas),
            "priorityClassName": SERVICES_PRIORITY_CLASS,
        },
    }


def secret_namespaces(platform: PlatformConfig) -> list[str]:
    """The namespaces whose ExternalSecrets the platform renders: the gateway's (tenant keys, provider
    credentials), and the observability one when a receiver has a secret (SNS receivers have none)."""
    found = [platform.gateway.namespace]
    if receiver_secret_names(platform):
        found.append(platform.observability.namespace)
    return found


def cluster_secret_store(region: str, namespaces: Sequence[str]) -> dict:
    """The store, usable only from `namespaces` (`spec.conditions`): an ExternalSecret anywhere else,
    in a namespace any workload can write to, cannot read the platform's secrets through it."""
    return {
        "apiVersion": STORE_API_VERSION,
        "kind": "ClusterSecretStore",
        "metadata": metadata(STORE_NAME, None, {**MANAGED_LABELS, "app.kubernetes.io/component": "external-secrets"}),
        "spec": {"provider": {"aws": {"service": "SecretsManager", "region": region}},
                 "conditions": [{"namespaces": sorted(set(namespaces))}]},
    }


def role_trust(cluster_name: str) -> dict:
    """Pod Identity's trust policy, narrowed to this cluster's external-secrets/external-secrets account."""
    return pod_identity_role_trust(cluster_name, NAMESPACE, SERVICE_ACCOUNT)


NAME_SUFFIX = "-??????"


def read_policy(secret_arns: Sequence[str]) -> dict | None:
    """Read access to exactly these secrets; None when there are none (the role then has no policy)."""
    arns = sorted(dict.fromkeys(secret_arns))
    if not arns:
        return None
    for arn in arns:
        # A secret named (not given by full ARN) is matched as `<name>-??????`: Secrets Manager appends
        # six random characters to every secret ARN, and that pattern matches exactly one secret.
        base = arn[: -len(NAME_SUFFIX)] if arn.endswith(NAME_SUFFIX) else arn
        if "*" in base or "?" in base:
            raise ValueError(f"secret ARN {arn!r} has a wildcard; allowed: the full ARN of one secret, "
                             f"or its name followed by {NAME_SUFFIX}")
    return {
        "Version": POLICY_VERSION,
        "Statement": [{"Sid": "ReadPlatformSecrets", "Effect": "Allow", "Action": list(READ_ACTIONS),
                       "Resource": arns}],
    }


def secret_arn_problem(arn: str, region: str, account_id: str) -> str | None:
    """Why a (known) secret ARN cannot be one of this stack's secrets, or None."""
    match = _SECRET_ARN.match(arn)
    if not match:
        return f"{arn!r} is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
    if match["account"] != account_id:
        return f"{arn!r} belongs to account {match['account']}, not {account_id}"
    if match["region"] != region:
        return f"{arn!r} is in {match['region']}; the ClusterSecretStore reads {region}"
    return None
