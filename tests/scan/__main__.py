"""`make checkov`: write what each reference stack applies under out/scan/<stack>/, run the pinned
checkov (requirements-checkov.txt) over it, and fail on any finding tests/scan/policy.py does not accept."""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys

from tests.conftest import REFERENCE_STACKS, ROOT
from tests.scan.export import write_objects
from tests.scan.policy import EXEMPT, SOFT, Finding, required_failures

OUT = ROOT / "out" / "scan"


def scan(checkov: str, stack: str) -> tuple[int, list[Finding]]:
    folder = OUT / stack
    shutil.rmtree(folder, ignore_errors=True)  # only ever under out/
    write_objects(stack, folder)
    run = subprocess.run([checkov, "-d", str(folder), "--framework", "kubernetes", "-o", "json", "--quiet",
                          "--skip-download", "--soft-fail"], capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"checkov gave no JSON report (exit {run.returncode}): {run.stderr.strip()[-500:]}")
    report = report[0] if isinstance(report, list) else report
    failed = [Finding(f["check_id"], f["resource"], f["check_name"]) for f in report["results"]["failed_checks"]]
    return int(report.get("summary", {}).get("passed", 0)), failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.scan")
    parser.add_argument("--checkov", required=True, help="the checkov executable (make checkov installs it)")
    parser.add_argument("--stack", action="append", choices=REFERENCE_STACKS)
    args = parser.parse_args(argv)
    failed_stacks = 0
    for stack in args.stack or REFERENCE_STACKS:
        passed, findings = scan(args.checkov, stack)
        required = required_failures(findings)
        soft = collections.Counter(f.check for f in findings if f.check in SOFT)
        exempted = len(findings) - len(required) - sum(soft.values())
        print(f"{stack}: {passed} passed, {len(findings)} failed: {sum(soft.values())} on soft checks "
              f"({', '.join(f'{c} {n}' for c, n in sorted(soft.items()))}), {exempted} exempted upstream objects "
              f"({len(EXEMPT)} listed), {len(required)} required")
        for f in required:
            print(f"  REQUIRED {f.line}")
        failed_stacks += bool(required)
    return 1 if failed_stacks else 0


if __name__ == "__main__":
    sys.exit(main())
