"""Files the plan writes: one YAML manifest per Kubernetes object, and the machine-readable plan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from ..cost import estimate
from .runner import Plan


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter when PyYAML has it
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


def write_manifests(plan: Plan, root: Path) -> list[Path]:
    if root.exists():
        shutil.rmtree(root)
    written = []
    for obj in plan.kubernetes_objects():
        path = manifest_path(root, obj)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manifest_text(obj))
        written.append(path)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan_document(plan, validation), indent=2, sort_keys=False) + "\n")
