"""The plan of every reference stack is exactly its committed golden files (tests/golden/<stack>/).

An intended change regenerates them with `make golden`; an unintended one fails here with the
files that differ and the first differing lines."""

from __future__ import annotations

import difflib

import pytest

from tests.conftest import REFERENCE_STACKS, reference_plan
from tests.golden import GOLDEN_ROOT, MANIFESTS, RESOURCES, golden_files, stored_files

REGENERATE = "regenerate with `make golden` if the change is intended"


def _first_difference(stored: str, rendered: str, name: str) -> str:
    lines = difflib.unified_diff(stored.splitlines(), rendered.splitlines(), f"golden/{name}", f"plan/{name}",
                                 lineterm="", n=1)
    return "\n".join(list(lines)[:12])


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_reference_stack_has_goldens(stack):
    stored = stored_files(stack)
    assert RESOURCES in stored and any(p.startswith(MANIFESTS + "/") for p in stored), \
        f"tests/golden/{stack}/ has no goldens; {REGENERATE}"


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_the_plan_is_its_goldens(stack):
    stored, rendered = stored_files(stack), golden_files(reference_plan(stack))
    missing, extra = sorted(rendered.keys() - stored.keys()), sorted(stored.keys() - rendered.keys())
    changed = sorted(k for k in rendered.keys() & stored.keys() if rendered[k] != stored[k])
    report = [f"new in the plan: {p}" for p in missing] + [f"gone from the plan: {p}" for p in extra]
    report += [_first_difference(stored[p], rendered[p], p) for p in changed[:3]]
    if len(changed) > 3:
        report.append(f"... and {len(changed) - 3} more changed files")
    assert not report, f"the plan of {stack} differs from tests/golden/{stack}/ ({REGENERATE}):\n" + "\n".join(report)


def test_the_goldens_hold_only_reference_stacks():
    folders = {p.name for p in GOLDEN_ROOT.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders == set(REFERENCE_STACKS)
