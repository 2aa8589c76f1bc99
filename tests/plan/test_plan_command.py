"""`python -m infra plan` end to end: the real program under mocks, on the reference stacks."""

from __future__ import annotations

import copy

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.cli import main
from infra.validation.k8s_schema import validate_object
from tests.conftest import ROOT, reference_plan, swapped_revision_plan


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_reference_stacks_plan_validate_and_write_every_manifest(stack, tmp_path, capsys):
    assert main(["plan", "--stack", stack, "--out", str(tmp_path), "--json", str(tmp_path / "plan.json")]) == 0
    printed = capsys.readouterr().out
    document = json.loads((tmp_path / "plan.json").read_text())
    objects = [r for r in document["resources"] if r["type"].startswith("kubernetes:") and "kind" in r["inputs"]]
    manifests = sorted((tmp_path / stack / "manifests").rglob("*.yaml"))
    assert len(manifests) == len(objects) > 10
    for path in manifests:
        obj = yaml.safe_load(path.read_text())
        assert validate_object(obj, "1.35") == [], path
    assert f"Resources: {len(document['resources'])} to create" in printed
    assert "valid against the Kubernetes 1.35 schemas" in printed
    for model in document["models"]:
        assert model["fullContextSequences"] >= 1
        assert model["name"] in printed
    every_urn = {r["urn"] for r in document["resources"]}
    for r in document["resources"]:
        assert r["parent"] is None or r["parent"] in every_urn or r["parent"].endswith(f"::llm-platform-{stack}")


def test_plan_of_dev_shows_one_release_with_its_preload(capsys):
    assert main(["plan", "--stack", "dev", "--no-manifests"]) == 0
    out = capsys.readouterr().out
    assert "llm-platform:serving:ModelRelease" in out and "qwen-coder-deployment" in out
    assert "llm-platform:weights:WeightPreload" in out  # the full tokens, in the counts
    tree = [line for line in out.splitlines() if line.startswith("  + ")]
    assert "  + ├─ ModelRelease " in "\n".join(tree) and any("k8s:Deployment" in line for line in tree)
    assert not any("kubernetes:apps/v1:Deployment" in line for line in tree)
    assert "Types are short in the tree: aws:<Kind> is aws:<module>/<resource>:<Kind>" in out
    assert "qwen-coder  1 x L4" in out


def _write_broken(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    mutate(doc["config"])
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_broken_field_fails_with_one_line_and_writes_nothing(tmp_path):
    path = _write_broken(tmp_path, lambda c: c["llm-platform:models"][0].update(revision="main"))
    out_dir = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "infra", "plan", "--stack-file", str(path), "--out", str(out_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and str(path) in lines[0]
    assert "llm-platform:models[0].revision" in lines[0] and "40-character" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not out_dir.exists()


def test_a_model_that_does_not_fit_fails_before_planning(tmp_path):
    path = _write_broken(tmp_path, lambda c: c["llm-platform:models"][0].update(
        repository="Qwen/Qwen2.5-14B-Instruct", quantization="none"))
    assert main(["plan", "--stack-file", str(path), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_swapping_one_models_revision_touches_only_that_model(tmp_path_factory):
    before = {r.urn: r.inputs for r in reference_plan("prod").resources}
    after = {r.urn: r.inputs for r in swapped_revision_plan(tmp_path_factory.getbasetemp()).resources}
    changed = {u for u in before.keys() & after.keys() if before[u] != after[u]}
    added, removed = after.keys() - before.keys(), before.keys() - after.keys()

    assert all(u.endswith("::qwen3-8b-deployment") for u in changed), changed
    assert changed, "the Deployment must change"
    assert added and all("preload-qwen3-8b-00000000" in u for u in added), added
    assert removed and all("preload-qwen3-8b-b968826d" in u for u in removed), removed


def test_the_plan_header_says_who_gets_access_and_warns_of_unpinned_downloads():
    from infra.plan.report import context_lines
    from tests.conftest import reference_plan

    dev, prod = (context_lines(reference_plan(s)) for s in ("dev", "prod"))
    assert "Access: cluster-admin for the deployer (the role behind the caller's session); API endpoint private" in dev
    assert not any(line.startswith("Warning:") for line in dev)  # no router in dev
    (warning,) = [line for line in prod if line.startswith("Warning:")]
    assert "jailbreak_classifier_modernbert-base_model" in warning and "revision 'main'" in warning


def test_the_plan_header_says_who_is_rate_limited_and_what_happens_when_the_limiter_is_down():
    import copy

    from infra.plan.report import context_lines
    from tests.conftest import reference_plan

    dev, prod = (context_lines(reference_plan(s)) for s in ("dev", "prod"))
    assert not any(line.startswith("Rate limits:") for line in dev)  # no tenant has a token limit
    (line,) = [line for line in prod if line.startswith("Rate limits:")]
    assert line.startswith("Rate limits: token limits for data-team, web-app (Redis with a generated password); "
                           "fails closed: their requests get HTTP 500")
    opened = copy.copy(reference_plan("prod"))
    opened.platform = opened.platform.model_copy(update={"gateway": opened.platform.gateway.model_copy(
        update={"rate_limit_failure": "open"})})
    assert any("fails open: their requests pass unmetered" in line for line in context_lines(opened))


def test_what_only_the_running_program_refuses_is_one_line_too(tmp_path, capsys):
    # sa-east-1 is not in the zone catalog: config cannot know its zones, the program's lookup (3 in the plan) can
    def more_zones(config):
        config["aws:region"] = "sa-east-1"
        config["llm-platform:network"]["availabilityZones"] = 4

    path = _write_broken(tmp_path, more_zones)
    for command in (["plan", "--out", str(tmp_path / "out")], ["check"]):
        assert main([*command, "--stack-file", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: {path}: network.availabilityZones asks for 4 zones but the region offers 3 usable "
                       "ones (sa-east-1a, sa-east-1b, sa-east-1c); allowed: at most 3"]
    assert not (tmp_path / "out").exists()


def test_short_types_fall_back_to_full_tokens_where_two_would_shorten_alike_and_lines_fit_a_width():
    from infra.plan.mocks import Registration
    from infra.plan.report import short_type, tree_lines
    from tests.conftest import reference_plan

    assert short_type("aws:iam/role:Role") == "aws:Role" and short_type("pulumi:providers:kubernetes") == \
        "pulumi:providers:kubernetes"
    plan = copy.deepcopy(reference_plan("dev"))
    plan.resources.append(Registration(urn="urn:x", type="aws:other/role:Role", name="twin", custom=True, inputs={},
                                       parent=None, provider=None))
    lines = tree_lines(plan, width=80)
    assert all(len(line) <= 80 for line in lines)
    assert any("aws:iam/role:Role" in line for line in tree_lines(plan))


def test_every_column_of_the_fit_and_cost_tables_has_a_legend(capsys):
    from infra.plan.report import COST_LEGEND, FIT_LEGEND

    assert main(["plan", "--stack", "prod", "--no-manifests"]) == 0
    out = capsys.readouterr().out.splitlines()
    fit_header = next(line for line in out if line.startswith("  MODEL ") and "GPUS/REPLICA" in line)
    cost_header = next(line for line in out if line.startswith("  CATEGORY "))
    model_header = next(line for line in out if line.startswith("  MODEL ") and "HOST " in line and "NODES" in line)
    for header, legend, known in ((fit_header, FIT_LEGEND, {"MODEL"}),
                                  (cost_header, COST_LEGEND, {"CATEGORY", "ITEM", "FOR", "$/MONTH MIN", "$/MONTH MAX"}),
                                  (model_header, COST_LEGEND, {"MODEL", "HOST", "$/MONTH MIN", "$/MONTH MAX"})):
        columns = [c for c in header.strip().split("  ") if c.strip()]
        assert all(c.strip() in legend or c.strip() in known for c in columns), (columns, legend)
