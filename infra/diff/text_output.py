"""The terminal view of a diff (`python -m infra diff`)."""

from __future__ import annotations

from .changes import PlanDiff
from .formatting import change_lines, change_marker, change_notes, cost_sentence, grouped, model_summary, signed_usd

def render_text(d: PlanDiff, color: bool = False) -> str:
    colors = {"+": "\033[32m", "-": "\033[31m", "~": "\033[33m", "-/+": "\033[35m", "+/-": "\033[35m"}
    reset = "\033[0m" if color else ""

    def paint(marker: str) -> str:
        return f"{colors[marker]}{marker}{reset}" if color else marker

    lines = [f"llm-platform diff of stack {d.stack}: {d.base_label} -> {d.new_label}"]
    lines += [f"({d.base_code})", ""] if d.base_code else [""]
    if d.warnings:
        lines += ["Warnings:"] + [f"  ! {w}" for w in d.warnings] + [""]
    if d.empty:
        lines.append("No resource changes.")
    for group, items in grouped(d):
        lines.append(d.groups[group])
        for c in items:
            marker = change_marker(c)
            label = f"  ({c.label})" if c.label else ""
            lines.append(f"  {' ' * (3 - len(marker))}{paint(marker)} {c.type}  {c.name}{label}")
            for note in change_notes(c):
                lines.append(f"        # {note}")
            for line in change_lines(c):
                lines.append(f"        {line}")
        lines.append("")
    if d.models:
        lines.append("Models:")
        for m in d.models:
            cost = ""
            if m.cost_max_delta is not None:
                cost = f"  (cost {signed_usd(m.cost_min_delta)} min, {signed_usd(m.cost_max_delta)} max /month)"
            lines.append(f"  {m.name}: {model_summary(m)}{cost}")
        lines.append("")
    lines.append(cost_sentence(d)[0].upper() + cost_sentence(d)[1:])
    lines.append(f"Resources: {d.summary()}; {d.unchanged} unchanged")
    lines.append("Markers: + create, - destroy, ~ update in place, +/- replace (create first), "
                 "-/+ replace (delete first)")
    return "\n".join(lines)
