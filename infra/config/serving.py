"""Namespace and pinned images of the model-serving layer."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from ..catalog.vllm import VLLM_IMAGE
from .base import K8sName, StackModel

# An image reference: [registry[:port]/]path[:tag][@sha256:digest]. A port only counts as one when
# a path follows it, so "postgres:16" is a tag. Pinned means an exact tag (not "latest") or a digest.
_IMAGE = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9.-]*(?::[0-9]+(?=/))?(?:/[a-z0-9][a-z0-9._-]*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?P<digest>@sha256:[0-9a-f]{64})?$"
)

PRELOAD_IMAGE = "python:3.12.14-slim-bookworm"


def check_pinned_image(value: str) -> str:
    match = _IMAGE.match(value)
    if not match or not (match["tag"] or match["digest"]):
        raise ValueError(f"{value!r} is not pinned; allowed: an image with an exact tag or an @sha256 digest")
    if match["tag"] == "latest":
        raise ValueError(f"{value!r} uses 'latest'; allowed: an exact version tag or an @sha256 digest")
    return value


class ImagesConfig(StackModel):
    vllm: str = VLLM_IMAGE
    preload: str = PRELOAD_IMAGE

    @field_validator("vllm", "preload")
    @classmethod
    def _pinned(cls, value: str) -> str:
        return check_pinned_image(value)


# Objects of the serving namespace that every model shares (infra/render/serving_namespace.py): a
# model is named like its own objects there (Deployment, Service, ServiceAccount, NetworkPolicy, ...),
# so it may not take one of these names.
DEFAULT_DENY_POLICY = "default-deny"
PRELOAD_NAME = "weight-preload"  # the preload Jobs' NetworkPolicy
# Every preload Job's name, and its own ServiceAccount's, starts so (infra/render/weight_store.py).
PRELOAD_JOB_PREFIX = "preload-"
TOOLS_CONFIGMAP = "weight-tools"
SHARED_OBJECT_NAMES = (DEFAULT_DENY_POLICY, PRELOAD_NAME, TOOLS_CONFIGMAP)
# Namespaces Kubernetes itself owns: the platform never creates (or deletes) them.
KUBERNETES_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class ServingConfig(StackModel):
    namespace: K8sName = "llm"
    images: ImagesConfig = Field(default_factory=ImagesConfig)
