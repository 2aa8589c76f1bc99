"""The terminal view: long values are cut around their first difference."""

from __future__ import annotations

import copy

from infra.diff.compare import diff_plans
from infra.diff.text_output import render_text
from infra.plan.runner import Plan
from tests.diff.conftest import one_change, reg
from tests.conftest import reference_stack_file


def test_long_values_keep_the_difference_visible(platform):
    typ = "kubernetes:core/v1:ConfigMap"
    long_old = "x" * 500 + "OLD" + "y" * 500
    long_new = "x" * 500 + "NEW" + "y" * 500
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": long_old}}
    cm2 = copy.deepcopy(cm)
    cm2["data"]["k"] = long_new
    change = one_change(platform, reg(typ, "c", cm), reg(typ, "c", cm2))
    assert change.action == "replace" and change.replace_paths == ["data.k"]
    stack = reference_stack_file("dev")
    before, after = Plan(stack, platform, [reg(typ, "c", cm)]), Plan(stack, platform, [reg(typ, "c", cm2)])
    text = render_text(diff_plans(before, after, cost=False))
    line = next(x for x in text.splitlines() if "data.k:" in x)
    assert "OLD" in line and "NEW" in line and len(line) < 320 and "(1005 chars)" in line
