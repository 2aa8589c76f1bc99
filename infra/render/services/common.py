"""What every platform service shares: system-node placement, resources, security contexts and the
namespace object."""

from __future__ import annotations

from typing import Literal

from ...config.services import Resources
from ..aws.cluster import SYSTEM_NODE_LABEL
from ..labels import PART_OF, metadata

# Controllers run on the system node group (never on GPU capacity). The label is set by the cluster's
# system node group; an existing cluster must label its system nodes the same way.
SYSTEM_NODE_SELECTOR: dict[str, str] = dict(SYSTEM_NODE_LABEL)

# Pod Security Standard "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
RESTRICTED_POD_SECURITY_CONTEXT: dict = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER_SECURITY_CONTEXT: dict = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}

PodSecurityLevel = Literal["restricted", "baseline", "privileged"]
MANAGED_LABELS = {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi"}


def resources(settings: Resources) -> dict:
    """Requests as configured; memory is also the limit, CPU has none (no throttling)."""
    return {"requests": {"cpu": settings.cpu, "memory": settings.memory}, "limits": {"memory": settings.memory}}


def resources_over_chart_limits(settings: Resources) -> dict:
    """`resources` for a chart whose defaults set a CPU limit: the null deletes it (sent with the
    values file, infra/render/helm_values.py), else Helm's merge would bring it back."""
    rendered = resources(settings)
    return {**rendered, "limits": {**rendered["limits"], "cpu": None}}


def namespace(name: str, component: str, level: PodSecurityLevel) -> dict:
    """A namespace with its Pod Security Admission level enforced."""
    labels = {
        **MANAGED_LABELS,
        "app.kubernetes.io/component": component,
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
    }
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(name, None, labels)}


def internal_url(service: str, namespace: str, port: int) -> str:
    """In-cluster URL of a Service, the short form (resolved through the pod's DNS search path)."""
    return f"http://{service}.{namespace}.svc:{port}"
