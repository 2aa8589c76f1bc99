"""The llm-platform policy pack, run by the Pulumi CLI: `pulumi preview --policy-pack policies`.

Only the pack is built here (PolicyPack starts the analyzer server and blocks); the rules live in
policies/rules and their CrossGuard adapter in policies/crossguard.py. The rules import the
project's `infra` package (catalog, sizing, pins), so the repository root goes on sys.path first.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policies.crossguard import policies  # noqa: E402

PolicyPack("llm-platform", policies(), enforcement_level=EnforcementLevel.MANDATORY)
