"""Files the plan writes: one YAML manifest per Kubernetes object, and the machine-readable plan."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import yaml

from ..cost import estimate
from .runner import Plan


SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter when PyYAML has it


class _Dumper(SAFE_DUMPER):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


_FIRST = ("apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec", "data", "type")


def canonical(value):
    """Stable, readable key order (the engine's inputs arrive in no particular order)."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_FIRST.index(k) if k in _FIRST else len(_FIRST), k))
        return {k: canonical(value[k]) for k in keys}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def manifest_path(root: Path, obj: dict) -> Path:
    meta = obj.get("metadata", {})
    folder = meta.get("namespace") or "_cluster"
    return root / folder / f"{obj['kind'].lower()}-{meta['name']}.yaml"


def manifest_text(obj: dict) -> str:
    """One object as the plan writes it: canonical key order, block style, multi-line strings literal."""
    return yaml.dump(canonical(obj), Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


MARKER = ".llm-platform-manifests"  # in every manifests folder the plan writes, so it may replace it later


class OutputError(Exception):
    """The plan would overwrite something it did not write."""


def _written_by_a_plan(root: Path) -> bool:
    if not root.is_dir():
        return False
    if (root / MARKER).is_file():
        return True
    return all(p.suffix == ".yaml" and len(p.relative_to(root).parts) == 2 for p in root.rglob("*") if p.is_file())


def write_manifests(plan: Plan, root: Path) -> list[Path]:
    """Write every object under `root`, all or nothing: into a new folder beside it, which replaces
    `root` only once complete. An existing `root` is replaced only if the plan wrote it (its marker
    file, or, from plans before the marker, nothing but <folder>/<kind>-<name>.yaml files); anything
    else there is left alone and the plan stops."""
    if root.exists() and not _written_by_a_plan(root):
        raise OutputError(f"{root}: exists and was not written by `infra plan` (no {MARKER}); refusing to replace "
                          "it; allowed: an --out folder the plan owns")
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    written = []
    try:
        for obj in plan.kubernetes_objects():
            relative = manifest_path(Path(), obj)
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_text(manifest_text(obj))
            written.append(root / relative)
        (staging / MARKER).write_text("written by `python -m infra plan`; the next plan replaces this folder\n")
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def plan_document(plan: Plan, validation: list[str]) -> dict:
    return {
        "stack": plan.stack,
        "stackFile": plan.stack_file.display_path,
        "project": plan.stack_file.project,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "provider": r.provider,
                "dependencies": r.dependencies,
                "protect": r.protect,
                "retainOnDelete": r.retain_on_delete,
                "deleteBeforeReplace": r.delete_before_replace,
                "aliases": r.aliases,
                "ignoreChanges": r.ignore_changes,
                "replaceOnChanges": r.replace_on_changes,
                "propertyDependencies": r.property_dependencies,
                "importId": r.import_id,
                "inputs": canonical(r.inputs),
            }
            for r in plan.resources
        ],
        "models": [
            {
                "name": m.name,
                "pool": m.config.pool,
                "gpu": m.pool.gpu,
                "gpusPerReplica": m.gpus,
                "weightsBytes": round(m.fit.weights_bytes),
                "kvBytesPerToken": m.fit.kv_bytes_per_token,
                "kvBudgetBytes": round(m.fit.kv_budget_bytes),
                "kvTokens": m.fit.kv_tokens,
                "fullContextSequences": m.fit.full_context_sequences,
                "hostInstance": m.host_instance.name,
            }
            for m in plan.platform.resolved_models
        ],
        "cost": estimate(plan.platform, plan.stack).to_dict(),
        "validation": validation,
    }


def write_json(plan: Plan, validation: list[str], path: Path) -> None:
    """The machine-readable plan, written whole or not at all (a temporary file renamed over `path`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(plan_document(plan, validation), indent=2, sort_keys=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
