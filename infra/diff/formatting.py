"""What the text and markdown views share: markers, values cut around their first difference,
line diffs of multi-line values, notes, cost and model sentences, grouping by component."""

from __future__ import annotations

import difflib
import json
from typing import Any

from ..catalog.component_types import WEIGHT_PRELOAD
from .changes import STACK_GROUP, ModelImpact, PlanDiff, ResourceChange
from .paths import MISSING
from .replacement_rules import k8s_group_kind

VALUE_LIMIT = 100
DETAIL_LINES = 24
MARKERS = {"create": "+", "delete": "-", "update": "~"}


def change_marker(c: ResourceChange) -> str:
    if c.action == "replace":
        return "-/+" if c.delete_before_replace else "+/-"
    return MARKERS[c.action]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def short(value: Any, limit: int = VALUE_LIMIT) -> str:
    if value is MISSING:
        return "(none)"
    text = _json(value)
    return text if len(text) <= limit else text[: limit - 1] + f"… ({len(text)} chars)"


def value_pair(old: Any, new: Any, limit: int = VALUE_LIMIT) -> tuple[str, str]:
    """Both values, cut around their first difference so the change itself stays visible."""
    a, b = ("(none)" if old is MISSING else _json(old)), ("(none)" if new is MISSING else _json(new))
    if len(a) <= limit and len(b) <= limit:
        return a, b
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - limit // 3)

    def cut(s: str) -> str:
        if len(s) <= limit:
            return s
        piece = s[start : start + limit]
        return ("…" if start else "") + piece + ("…" if start + limit < len(s) else "") + f" ({len(s)} chars)"

    return cut(a), cut(b)


def _text_lines(value: Any) -> list[str] | None:
    """Multi-line strings (scripts, JSON policy documents) are shown as a line diff."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped[:1] in "{[":
        try:
            return json.dumps(json.loads(stripped), indent=2, sort_keys=True).splitlines()
        except ValueError:
            pass
    return value.splitlines() if "\n" in value else None


def line_diff(old: Any, new: Any) -> list[str] | None:
    a, b = _text_lines(old), _text_lines(new)
    if a is None or b is None:
        return None
    lines = [line for line in difflib.unified_diff(a, b, lineterm="", n=1)][2:]
    if len(lines) > DETAIL_LINES:
        lines = lines[:DETAIL_LINES] + [f"… {len(lines) - DETAIL_LINES} more diff lines"]
    return lines


def change_notes(c: ResourceChange) -> list[str]:
    notes = []
    if c.action == "replace":
        notes.append("replaced (" + ("deleted first, then created: deleteBeforeReplace" if c.delete_before_replace
                                     else "created first, then the old one deleted") + ")")
        notes.append("forced by " + ", ".join(c.replace_paths))
    if c.old_urn:
        notes.append(f"renamed from {c.old_urn} (alias)")
    if c.supersedes:
        notes.append(f"replaces {urn_name(c.supersedes)} (new weights {', '.join(c.weights)}): created and "
                     "completed before the models roll")
    if c.superseded_by:
        notes.append(f"replaced by {urn_name(c.superseded_by)}: deleted once the update is done")
    if c.action in ("delete", "replace") and c.protect:
        notes.append("PROTECTED: pulumi up refuses this until it is unprotected")
    if c.action in ("delete", "replace") and c.retain_on_delete:
        notes.append("retained on delete: the old one only leaves the state, the cloud resource stays")
    return notes


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def usd(value: float) -> str:
    return f"${value:,.0f}"


def signed_usd(value: float) -> str:
    return ("+" if value > 0.005 else "-" if value < -0.005 else "±") + f"${abs(value):,.0f}"


def cost_sentence(d: PlanDiff) -> str:
    if d.cost is None:
        return "cost: not compared"
    c = d.cost
    text = (f"cost {signed_usd(c.min_delta)}/month at minimum replicas ({usd(c.base_min)} -> {usd(c.new_min)}), "
            f"{signed_usd(c.max_delta)}/month at maximum ({usd(c.base_max)} -> {usd(c.new_max)})")
    return text + ("" if c.complete else "; incomplete: some lines have no published price")


def models_sentence(d: PlanDiff) -> str:
    if not d.models:
        return "models affected: none"
    return "models affected: " + ", ".join(f"{m.name} ({m.status})" for m in d.models)


def grouped(d: PlanDiff) -> list[tuple[str, list[ResourceChange]]]:
    order: dict[str, list[ResourceChange]] = {}
    for c in d.resources:
        order.setdefault(c.group, []).append(c)
    return sorted(order.items(), key=lambda kv: (kv[0] != STACK_GROUP, d.groups[kv[0]]))


def change_lines(c: ResourceChange, width: int = 0) -> list[str]:
    out = []
    for ch in c.changes:
        detail = line_diff(ch.old, ch.new)
        tag = "  # forces replacement" if ch.replaces and c.action == "replace" else ""
        if detail is not None:
            out.append(f"{ch.path}:{tag}")
            out += [f"    {line}" for line in detail]
        else:
            old, new = value_pair(ch.old, ch.new)
            out.append(f"{ch.path}: {old} => {new}{tag}")
    return out


def model_summary(m: ModelImpact) -> str:
    if m.status != "changed":
        return m.status
    if m.config_changes:
        shown = [f"{c.path} {short(c.old, 48)} -> {short(c.new, 48)}" for c in m.config_changes[:4]]
        more = f", +{len(m.config_changes) - 4} more" if len(m.config_changes) > 4 else ""
        return "changed: " + ", ".join(shown) + more
    if m.resources and all(r.type == WEIGHT_PRELOAD or k8s_group_kind(r.inputs) == ("batch", "Job")
                           for r in m.resources):
        return "changed: the preload of its weights changes"
    return "changed: platform settings change its resources"
