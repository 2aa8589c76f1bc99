"""`python -m infra diff`: load both sides, plan them, print the diff."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..config import ConfigError
from ..plan.runner import run_plan
from ..stack_file import load_stack_file, report_config_error, stack_config, stack_file_path
from .base_resolution import relabel, resolve_base
from .compare import diff_plans
from .markdown_output import render_markdown
from .text_output import render_text

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
            base_plan = run_plan(base_side.stack_file, base_platform) if base_side.stack_file is not None else None
            new_plan = run_plan(new_sf, new_platform)
        except ConfigError as exc:
            return report_config_error(exc)
    result = diff_plans(base_plan, new_plan, base_label=base_side.label, new_label=new_sf.display_path)
    if args.markdown:
        print(render_markdown(result), end="")
    else:
        print(render_text(result, color=sys.stdout.isatty()))
    return 0
