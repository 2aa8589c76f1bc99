"""`python -m infra check` end to end: every reference stack through every rule, and broken stacks
(or broken plans) that fail naming the rule and the resource."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.check import check_plan, render
from infra.cli import main
from policies.rules import RULES
from tests.conftest import ROOT, copied_plan, reference_plan

STACKS = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


@pytest.fixture(scope="module")
def plans():
    return {stack: reference_plan(stack) for stack in STACKS}


def test_the_reference_stacks_are_dev_and_prod():
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_reference_stack_passes_every_rule(stack, plans):
    plan = plans[stack]
    result = check_plan(plan, stack_file=plan.stack_file)
    assert result.resources_checked == sum(r.custom for r in plan.resources) > 50
    report = render(result, stack, len(RULES))
    assert result.violations == [], report  # advisory ones too: a reference stack is the example to follow


@pytest.mark.parametrize("stack", STACKS)
def test_check_command_exits_zero_on_reference_stacks(stack, capsys):
    assert main(["check", "--stack", stack]) == 0
    out = capsys.readouterr().out
    assert f"Policy check of stack {stack!r}: {len(RULES)} rules" in out
    assert out.rstrip().splitlines()[-1].startswith(f"0 mandatory, 0 advisory violations (0 of {len(RULES)} rules violated); ")


def _broken(plans, stack, mutate):
    plan = copied_plan(stack)  # a copy to mutate
    mutate({r.name: r for r in plan.resources})
    result = check_plan(plan, stack_file=plan.stack_file)
    return result, render(result, stack, len(RULES))


def test_an_unprotected_weight_bucket_fails_naming_rule_and_resource(plans):
    result, report = _broken(plans, "dev", lambda r: setattr(r["weight-store-bucket"], "protect", False))
    assert [v.rule.name for v in result.mandatory] == ["weight-bucket-retained"]
    assert "[mandatory] weight-bucket-retained:" in report
    assert ("  - aws:s3/bucket:Bucket weight-store-bucket: weight bucket 'llm-platform-dev-weights-123456789012-us-east-1-an' is not "
            "protected") in report
    assert "  remediation: Register the bucket with protect=True" in report
    assert report.splitlines()[-1].startswith(f"1 mandatory, 0 advisory violations (1 of {len(RULES)} rules violated); ")


def test_a_deployment_without_gpu_limit_fails_naming_rule_and_resource(plans):
    def drop_gpu_limit(resources):
        container = resources["llama-70b-deployment"].inputs["spec"]["template"]["spec"]["containers"][0]
        del container["resources"]["limits"]["nvidia.com/gpu"]

    result, report = _broken(plans, "prod", drop_gpu_limit)
    assert {v.rule.name for v in result.mandatory} == {"vllm-gpu-limits"}
    assert ("  - kubernetes:apps/v1:Deployment llama-70b-deployment: container 'vllm' has no "
            "resources.limits['nvidia.com/gpu']") in report


def test_a_model_without_pdb_or_network_policy_and_a_public_endpoint_fail(plans):
    def break_things(resources):
        del resources["qwen-coder-pdb"].inputs["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"]
        resources["qwen-coder-pdb"].inputs["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "other"
        resources["qwen-coder-network-policy"].inputs["spec"]["podSelector"] = {}
        resources["cluster-eks"].inputs["vpcConfig"]["endpointPublicAccess"] = True

    result, report = _broken(plans, "dev", break_things)
    assert {v.rule.name for v in result.mandatory} == {"vllm-pod-disruption-budget", "vllm-network-policy",
                                                       "eks-endpoint-private"}
    assert ("  - kubernetes:apps/v1:Deployment qwen-coder-deployment: model 'qwen-coder' has no "
            "PodDisruptionBudget") in report
    assert "  - aws:eks/cluster:Cluster cluster-eks: the API endpoint is public with no publicAccessCidrs" in report


def test_a_raised_autoscaling_max_fails_the_pool_capacity(plans):
    def raise_max(resources):
        resources["qwen-coder-scaled-object"].inputs["spec"]["maxReplicaCount"] = 4  # + surge = 5 > gpuLimit 4

    result, report = _broken(plans, "dev", raise_max)
    assert [v.rule.name for v in result.mandatory] == ["autoscaling-within-pool-capacity"]
    assert "plus one surge replica need 5 GPUs, but pool 'l4' allows 4" in report


def _stack_file(tmp_path: Path, mutate, name: str = "broken") -> Path:
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    mutate(doc["config"])
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_a_budget_the_stack_file_allows_but_the_estimate_exceeds_fails(tmp_path, capsys):
    path = _stack_file(tmp_path, lambda c: c.update({"llm-platform:budget": {"monthlyUsd": 100}}))
    assert main(["check", "--stack-file", str(path)]) == 1
    out = capsys.readouterr().out
    assert "[mandatory] budget-within-limit:" in out
    assert "  - stack: estimated monthly cost $" in out and "exceeds the budget of $100" in out


def test_a_plain_credential_in_the_stack_file_fails_naming_the_file(tmp_path, capsys):
    path = _stack_file(tmp_path, lambda c: c.update({"aws:secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}))
    assert main(["check", "--stack-file", str(path)]) == 1
    out = capsys.readouterr().out
    assert "[mandatory] secrets-not-in-plain-config:" in out
    assert f"  - stack file {path}: aws:secretKey is a credential setting with a literal value" in out


def test_a_stack_file_that_does_not_validate_exits_2_with_one_line(tmp_path, capsys):
    path = _stack_file(tmp_path, lambda c: c["llm-platform:models"][0].update(revision="main"))
    assert main(["check", "--stack-file", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "llm-platform:models[0].revision: 'main' is not pinned" in err[0]


def test_write_policy_config_for_pulumi_preview(tmp_path, capsys):
    target = tmp_path / "policies" / "config.prod.json"
    assert main(["check", "--stack", "prod", "--write-policy-config", str(target)]) == 0
    config = json.loads(target.read_text())
    assert set(config) == {"budget-within-limit", "budget-estimate-complete", "model-fits-gpu"}
    assert config["budget-within-limit"]["stack"] == "prod"
    assert config["budget-within-limit"]["monthlyUsd"] == 60000
    assert f"--policy-pack-config {target}" in capsys.readouterr().out


def test_python_dash_m_infra_check_runs_from_the_command_line():
    done = subprocess.run([sys.executable, "-m", "infra", "check", "--stack", "dev"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 mandatory, 0 advisory violations" in done.stdout
