"""Labels and selectors shared by every object of the serving layer."""

from __future__ import annotations

from ..catalog.vllm import VLLM_VERSION
from ..config import ResolvedModel

PART_OF = "llm-platform"
GPU_POOL_LABEL = "llm-platform.io/gpu-pool"  # set on GPU nodes by the pool (NodePool or node group)
MODEL_LABEL = "llm-platform.io/model"
# On a model's Deployment and pods and on a preload Job: the `repository@revision` sets they use.
WEIGHTS_ANNOTATION = "llm-platform.io/weights"


def model_selector(model: ResolvedModel) -> dict[str, str]:
    """Immutable Deployment selector: keep it minimal."""
    return {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": model.name}


def model_labels(model: ResolvedModel) -> dict[str, str]:
    return {
        **model_selector(model),
        "app.kubernetes.io/component": "inference",
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/version": VLLM_VERSION,
        MODEL_LABEL: model.name,
        GPU_POOL_LABEL: model.config.pool,
        "llm-platform.io/tier": model.config.routing.tier,
        "llm-platform.io/specialty": model.config.routing.specialty,
    }


def preload_labels() -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "weight-preload",
        "app.kubernetes.io/component": "weight-preload",
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    }


def metadata(name: str, namespace: str | None, labels: dict[str, str], annotations: dict[str, str] | None = None) -> dict:
    meta: dict = {"name": name, "labels": dict(labels)}
    if namespace is not None:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta
