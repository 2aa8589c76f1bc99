"""What a scanner sees: every object a reference stack applies to the cluster (each Helm release as the
real Helm engine renders it, then the plan's own objects), one YAML file each."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.engine.test_helm_releases import applied_objects

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def key(obj: dict) -> tuple[str, str, str]:
    """(kind, namespace or "", name): how exemptions name an object."""
    meta = obj.get("metadata") or {}
    return obj["kind"], meta.get("namespace") or "", meta.get("name") or ""


def write_objects(stack: str, folder: Path) -> int:
    """Write each applied object of `stack` to `folder` (which must be new or empty); the count."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty")
    objects = applied_objects(stack)
    for i, obj in enumerate(objects):
        kind, namespace, name = key(obj)
        path = folder / _UNSAFE.sub("-", f"{i:04d}-{kind}-{namespace or 'cluster'}-{name}.yaml")
        path.write_text(yaml.safe_dump(obj, sort_keys=False))
    return len(objects)
