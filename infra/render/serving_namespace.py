"""The namespace every model runs in, and what its models share: a default-deny network policy,
the preload Jobs' egress, the scripts the preload Job and init containers run, and the
claim on the weight volume."""

from __future__ import annotations

from pathlib import Path

from ..config import PlatformConfig
from ..config.serving import PRELOAD_NAME, TOOLS_CONFIGMAP
from .labels import PART_OF, metadata, preload_labels
from .network_policy import (
    default_deny,
    dns_egress,
    https_egress_outside_cluster,
    network_policy,
    pod_identity_egress,
)
from .model_workload import WAIT_SCRIPT

ASSETS = Path(__file__).resolve().parents[1] / "assets"
TOOL_SCRIPTS = ("preload.py", WAIT_SCRIPT)
WEIGHTS_VOLUME = "llm-platform-weights"  # the PersistentVolume over the S3 Files access point
_LABELS = {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi"}


def tool_scripts() -> dict[str, str]:
    return {name: (ASSETS / name).read_text() for name in TOOL_SCRIPTS}


def render_namespace(platform: PlatformConfig) -> dict:
    labels = {
        **_LABELS,
        # Every pod of the serving layer runs non-root, without privilege escalation or capabilities.
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
    }
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(platform.serving.namespace, None, labels)}


def render_default_deny(platform: PlatformConfig) -> dict:
    return default_deny(platform.serving.namespace, _LABELS)


def render_preload_network_policy(platform: PlatformConfig) -> dict:
    """Preload pods reach DNS, HTTPS outside the cluster (Hub, PyPI, S3) and the Pod Identity agent."""
    return network_policy(PRELOAD_NAME, platform.serving.namespace, preload_labels(),
                          {"app.kubernetes.io/name": "weight-preload"}, [],
                          [dns_egress(), https_egress_outside_cluster(), pod_identity_egress()])


def render_tools_config_map(platform: PlatformConfig) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(TOOLS_CONFIGMAP, platform.serving.namespace, _LABELS),
        "data": tool_scripts(),
    }


def render_weights_claim(platform: PlatformConfig) -> dict | None:
    """Shared read-write-many claim on the S3 Files volume (statically bound; only for loader s3files)."""
    if platform.weights.loader != "s3files":
        return None
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(platform.weights.volume_claim_name, platform.serving.namespace, _LABELS),
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": "",
            "volumeName": WEIGHTS_VOLUME,
            "resources": {"requests": {"storage": "1Ti"}},  # nominal: S3 Files is elastic
        },
    }
