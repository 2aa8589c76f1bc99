"""Golden files: what the plan of each reference stack renders, committed under tests/golden/<stack>/.

Two kinds of file, both produced by the real program under the plan's mocks:
- `manifests/<namespace>/<kind>-<name>.yaml`: exactly what `make plan` writes to out/<stack>/manifests/;
- `resources.yaml`: every resource the program registers (type, parent, provider, dependencies,
  options, secrets redacted), in URN order, with the inputs of everything that is not a manifest
  (AWS resources, Helm releases and their values, providers).

`make golden` (python -m tests.golden) rewrites them after an intended change; the diff of the
goldens is then part of the pull request, so "the rendered plan is unchanged" is checked, not claimed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.plan.output import SAFE_DUMPER, canonical, manifest_path, manifest_text
from infra.plan.runner import Plan, kubernetes_object, shown_inputs

GOLDEN_ROOT = Path(__file__).resolve().parent
MANIFESTS = "manifests"
RESOURCES = "resources.yaml"


def resource_rows(plan: Plan) -> list[dict]:
    """The registrations in a stable order (the engine registers them in no fixed order)."""
    rows = []
    for r in sorted(plan.resources, key=lambda r: r.urn):
        row = {"urn": r.urn, "type": r.type, "custom": r.custom}
        optional = {"parent": r.parent, "provider": r.provider, "dependencies": sorted(r.dependencies),
                    "propertyDependencies": {k: sorted(v) for k, v in sorted(r.property_dependencies.items()) if v},
                    "protect": r.protect, "retainOnDelete": r.retain_on_delete,
                    "deleteBeforeReplace": r.delete_before_replace, "aliases": r.aliases,
                    "ignoreChanges": r.ignore_changes, "replaceOnChanges": r.replace_on_changes}
        row.update({k: v for k, v in optional.items() if v})
        obj = kubernetes_object(r)
        if obj is not None:  # its inputs are the manifest file; not repeated here
            row["manifest"] = str(manifest_path(Path(MANIFESTS), obj))
        else:
            row["inputs"] = canonical(shown_inputs(r))
        rows.append(row)
    return rows


def golden_files(plan: Plan) -> dict[str, str]:
    """Relative path -> text of every golden file of one plan."""
    files = {str(manifest_path(Path(MANIFESTS), obj)): manifest_text(obj) for obj in plan.kubernetes_objects()}
    files[RESOURCES] = yaml.dump(resource_rows(plan), Dumper=SAFE_DUMPER, sort_keys=False, default_flow_style=False,
                                 width=120)
    return files


def stored_files(stack: str) -> dict[str, str]:
    root = GOLDEN_ROOT / stack
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
