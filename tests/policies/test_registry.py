"""The rule registry: stable names, metadata on every rule, every rule tested, PolicyPack kept alone."""

from __future__ import annotations

import ast
import re

import yaml

from policies.rules import RULES
from tests.conftest import ROOT

# Names are the public interface (policy names under CrossGuard, keys of --policy-pack-config files,
# what people grep CI logs for): renaming one is a breaking change, so it shows up here.
STABLE_NAMES = {
    "model-revision-pinned": "mandatory", "lora-adapter-pinned": "mandatory", "image-pinned": "mandatory",
    "ami-alias-pinned": "mandatory", "helm-chart-pinned": "mandatory", "eks-addon-version-pinned": "mandatory",
    "model-fits-gpu": "mandatory", "vllm-gpu-limits": "mandatory", "vllm-pool-toleration": "mandatory",
    "vllm-probes": "mandatory", "vllm-pod-disruption-budget": "mandatory", "vllm-network-policy": "mandatory",
    "workload-security-context": "advisory", "vllm-hub-offline": "advisory", "vllm-surge-rollout": "advisory",
    "vllm-autoscaled": "advisory", "autoscaling-bounds-ordered": "mandatory",
    "autoscaling-within-pool-capacity": "mandatory", "s3-bucket-encrypted": "mandatory",
    "s3-bucket-private": "mandatory", "s3-bucket-tls-only": "mandatory", "weight-bucket-retained": "mandatory",
    "s3-bucket-versioned": "advisory", "eks-endpoint-private": "mandatory", "eks-secrets-encrypted": "advisory",
    "eks-audit-logging": "advisory", "node-imdsv2": "advisory", "node-volumes-encrypted": "advisory",
    "iam-no-wildcard-actions": "mandatory", "iam-no-write-on-any-resource": "mandatory",
    "secrets-not-in-plain-config": "mandatory", "budget-within-limit": "mandatory",
    "budget-estimate-complete": "advisory", "alerts-reach-a-person": "mandatory",
}


def test_rule_names_and_levels_are_stable():
    assert {r.name: r.enforcement for r in RULES} == STABLE_NAMES


def test_every_rule_has_a_description_and_a_remediation_line():
    for rule in RULES:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name)
        assert rule.description.endswith(".") and len(rule.description) > 30, rule.name
        assert rule.remediation and "\n" not in rule.remediation, rule.name


def test_every_rule_is_exercised_by_a_test_of_its_area():
    files = [p for p in (ROOT / "tests" / "policies").glob("test_*.py") if p.name != "test_registry.py"]
    tests = "\n".join(p.read_text() for p in files)
    untested = [r.name for r in RULES if f'"{r.name}"' not in tests]
    assert untested == []


def test_policy_pack_is_constructed_only_in_the_packs_main():
    main = ast.parse((ROOT / "policies" / "__main__.py").read_text())
    calls = [n for n in ast.walk(main) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "PolicyPack"]
    assert len(calls) == 1
    for path in (ROOT / "policies").rglob("*.py"):
        if path.name != "__main__.py":
            assert "PolicyPack(" not in path.read_text(), path
    project = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert (ROOT / "policies" / project["runtime"]["options"]["virtualenv"]).resolve() == (ROOT / ".venv").resolve()
    # a separate pack environment installs the project's lock, so it runs the same pulumi-policy
    assert "-r ../requirements.txt" in (ROOT / "policies" / "requirements.txt").read_text().splitlines()
    assert "pulumi-policy==" in (ROOT / "requirements.txt").read_text()
