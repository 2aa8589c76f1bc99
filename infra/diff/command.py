"""`python -m infra diff`: load both sides, plan them, print the diff."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..config import ConfigError
from ..plan.runner import Plan, run_plan
from ..stack_file import load_stack_file, report_config_error, stack_config, stack_file_path
from .base_code import BaseCode, Unavailable, extract_tree, plan_with_own_code
from .base_resolution import Side, relabel, resolve_base
from .compare import diff_plans
from .markdown_output import render_markdown
from .text_output import render_text

def _plan_base(side: Side, platform, workdir: Path) -> tuple[Plan | None, BaseCode]:
    """The base's plan: by the ref's own code when the ref holds the program, else by the current code."""
    if side.stack_file is None:
        return None, BaseCode(False, "the base has no such stack: every resource is new")
    if not side.ref_has_program():
        why = ("the base is a stack file" if side.ref is None
               else f"{side.ref} holds no llm-platform program (Pulumi.yaml, infra/)")
        return run_plan(side.stack_file, platform), BaseCode(False, f"base planned by the current code ({why})")
    tree = workdir / "base-tree"
    try:
        commit = extract_tree(side.root, side.ref, tree)
        resources = plan_with_own_code(tree, tree / side.relative, side.label, workdir)
    except Unavailable as exc:
        note = (f"base planned by the current code, because the code at {side.ref} could not plan here: {exc}; "
                "changes made in code alone are not shown")
        return run_plan(side.stack_file, platform), BaseCode(False, note)
    return (Plan(stack_file=side.stack_file, platform=platform, resources=resources),
            BaseCode(True, f"base planned by its own code at {side.ref} ({commit[:12]}), so code changes show"))


def main(args) -> int:
    errors: list[str] = []
    new_sf = base_side = None
    new_platform = base_platform = None
    with tempfile.TemporaryDirectory(prefix="llm-platform-diff-") as tmp:
        try:  # in two steps: the base is still checked when only the new side's config is wrong
            new_sf = load_stack_file(args.stack_file or stack_file_path(args.stack))
            new_platform = stack_config(new_sf)
        except ConfigError as exc:
            errors += exc.lines
        if new_sf is not None:
            try:
                base_side = resolve_base(args.base, new_sf.path, new_sf.stack, new_sf.project, Path(tmp))
                if base_side.stack_file is not None:
                    try:
                        base_platform = stack_config(base_side.stack_file)
                    except ConfigError as exc:
                        raise relabel(exc, base_side.stack_file.path, base_side.label) from None
            except ConfigError as exc:
                errors += exc.lines
        if errors:
            return report_config_error(ConfigError(errors))
        try:
            base_plan, base_code = _plan_base(base_side, base_platform, Path(tmp))
            new_plan = run_plan(new_sf, new_platform)
        except ConfigError as exc:
            return report_config_error(exc)
    result = diff_plans(base_plan, new_plan, base_label=base_side.label, new_label=new_sf.display_path)
    result.base_code = base_code.note
    if args.markdown:
        print(render_markdown(result), end="")
    else:
        print(render_text(result, color=sys.stdout.isatty()))
    return 0
