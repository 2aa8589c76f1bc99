"""`make golden`: re-plan every reference stack and rewrite tests/golden/<stack>/ (review the diff)."""

from __future__ import annotations

import shutil
import sys

from infra.plan.runner import run_plan
from tests.conftest import REFERENCE_STACKS, reference_stack_file
from tests.golden import GOLDEN_ROOT, golden_files


def main() -> int:
    for stack in REFERENCE_STACKS:
        files = golden_files(run_plan(reference_stack_file(stack)))
        target = GOLDEN_ROOT / stack
        staging = GOLDEN_ROOT / f".{stack}.new"
        shutil.rmtree(staging, ignore_errors=True)
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        print(f"tests/golden/{stack}: {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
