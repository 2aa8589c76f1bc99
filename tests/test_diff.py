"""`python -m infra diff`: two offline plans compared by URN, replacements, models affected, cost delta."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import yaml

from infra.cli import main
from infra.diff import (
    _notes,
    diff_plans,
    format_path,
    parse_path,
    render_markdown,
    render_text,
)
from infra.plan.mocks import Registration
from infra.plan.runner import Plan, run_plan
from infra.stack_file import load_stack_file, stack_config
from tests.conftest import ROOT, reference_plan

PROD = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())
URN = "urn:pulumi:prod::llm-platform::"
OLD_PRELOAD = "preload-qwen3-8b-b968826d-93b36b"
NEW_REVISION = "0" * 40


def write_stack(folder: Path, mutate=None, doc=None) -> Path:
    doc = copy.deepcopy(doc or PROD)
    if mutate:
        mutate(doc["config"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def plan_of(folder: Path, mutate=None) -> Plan:
    return run_plan(load_stack_file(write_stack(folder, mutate)))


def model(config: dict, name: str) -> dict:
    return next(m for m in config["llm-platform:models"] if m["name"] == name)


def swap_revision(config: dict) -> None:
    model(config, "qwen3-8b")["revision"] = NEW_REVISION


def add_model(config: dict, **overrides) -> None:
    entry = {"name": "qwen-14b", "repository": "Qwen/Qwen2.5-14B-Instruct",
             "revision": "cf98f3b3bbb457ad9e2bb7baf9a0125b6b88caa8", "pool": "l40s", "quantization": "fp8",
             "contextWindow": 32768, "maxNumSeqs": 32, "replicas": {"min": 1, "max": 1}}
    config["llm-platform:models"].append(entry | overrides)


def remove_model(config: dict) -> None:
    # qwen-coder: no route of the semantic router names it (removing a routed model is a config error)
    config["llm-platform:models"] = [m for m in config["llm-platform:models"] if m["name"] != "qwen-coder"]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diff")
    return {
        "base": reference_plan("prod"),
        "swap": plan_of(tmp / "swap", swap_revision),
        "add": plan_of(tmp / "add", add_model),
        "add-shared": plan_of(tmp / "add-shared", lambda c: add_model(
            c, name="qwen3-8b-large", repository="Qwen/Qwen3-8B", revision=model(c, "qwen3-8b")["revision"],
            quantization="fp8")),
        "remove": plan_of(tmp / "remove", remove_model),
        "token": plan_of(tmp / "token", lambda c: c["llm-platform:weights"].update(
            huggingFaceTokenSecret="llm-platform/prod/another-token")),
        "keda": plan_of(tmp / "keda", lambda c: c.update(
            {"llm-platform:services": {"keda": {"operator": {"replicas": 2}}}})),
    }


def urns(changes) -> set[str]:
    return {c.urn for c in changes}


def release_urns(name: str, children: list[tuple[str, str]]) -> set[str]:
    release = "llm-platform:serving:ModelRelease"
    return {f"{URN}pulumi:pulumi:Stack${release}::{name}"} | {
        f"{URN}{release}$kubernetes:{typ}::{name}-{suffix}" for typ, suffix in children}


RELEASE_CHILDREN = [
    ("apps/v1:Deployment", "deployment"), ("core/v1:Service", "service"),
    ("core/v1:ServiceAccount", "service-account"), ("keda.sh/v1alpha1:ScaledObject", "scaled-object"),
    ("networking.k8s.io/v1:NetworkPolicy", "network-policy"), ("policy/v1:PodDisruptionBudget", "pdb"),
    ("operator.victoriametrics.com/v1beta1:VMRule", "rule"),
    ("operator.victoriametrics.com/v1beta1:VMServiceScrape", "service-scrape"),
]


def gateway_urns(name: str) -> set[str]:
    gateway = "llm-platform:gateway:LlmGateway"
    return {f"{URN}{gateway}$kubernetes:aigateway.envoyproxy.io/v1beta1:AIServiceBackend::gateway-model-{name}-service-backend",
            f"{URN}{gateway}$kubernetes:gateway.envoyproxy.io/v1alpha1:Backend::gateway-model-{name}-backend"}


# Objects that list every model: the gateway's route (one rule per model), the dashboard (a row per
# model) and the platform alerts (a gateway rule per model). Adding or removing a model changes them.
SHARED_PER_MODEL = {
    f"{URN}llm-platform:gateway:LlmGateway$kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute::gateway-llm-gateway-models",
    f"{URN}llm-platform:observability:Observability$kubernetes:core/v1:ConfigMap::observability-dashboard",
    f"{URN}llm-platform:observability:Observability$kubernetes:operator.victoriametrics.com/v1beta1:VMRule::observability-rules",
    # prod's semantic router lists every served name (its answer to GET /v1/models)
    f"{URN}llm-platform:services:SemanticRouter$kubernetes:helm.sh/v3:Release::semantic-router-release",
}


def preload_urns(component: str) -> set[str]:
    preload = "llm-platform:weights:WeightPreload"
    return {f"{URN}pulumi:pulumi:Stack${preload}::{component}",
            f"{URN}{preload}$kubernetes:batch/v1:Job::{component}-job"}


def preload_name(plan: Plan, repository: str) -> str:
    (component,) = [r.name for r in plan.resources if r.type == "llm-platform:weights:WeightPreload"
                    and any(c.parent == r.urn and repository in str(c.inputs) for c in plan.resources)]
    return component


# --- a revision swap --------------------------------------------------------------------------------


def test_revision_swap_changes_that_models_deployment_and_replaces_its_preload_only(plans):
    d = diff_plans(plans["base"], plans["swap"])
    new_preload = preload_name(plans["swap"], NEW_REVISION)
    assert new_preload.startswith("preload-qwen3-8b-00000000-")

    deployment = f"{URN}llm-platform:serving:ModelRelease$kubernetes:apps/v1:Deployment::qwen3-8b-deployment"
    assert urns(d.changed) == {deployment}
    assert urns(d.added) == preload_urns(new_preload)
    assert urns(d.removed) == preload_urns(OLD_PRELOAD)
    assert d.summary() == "2 to add, 1 to change (0 replaced), 2 to destroy"

    (change,) = d.changed
    assert change.action == "update"  # a rolling update, not a replacement
    paths = {c.path: c for c in change.changes}
    args0 = paths["spec.template.spec.containers[0].args[0]"]
    assert args0.old.endswith("/Qwen/Qwen3-8B/b968826d9c46dd6066d109eabc6255188de91218")
    assert args0.new.endswith(f"/Qwen/Qwen3-8B/{NEW_REVISION}")
    weights = paths['metadata.annotations["llm-platform.io/weights"]']
    assert (weights.old, weights.new) == ("Qwen/Qwen3-8B@b968826d9c46dd6066d109eabc6255188de91218",
                                          f"Qwen/Qwen3-8B@{NEW_REVISION}")
    assert 'spec.template.metadata.annotations["llm-platform.io/weights"]' in paths

    # The preload Job is named after repository@revision: the new Job replaces the old one.
    new_job = next(c for c in d.added if c.type == "kubernetes:batch/v1:Job")
    old_job = next(c for c in d.removed if c.type == "kubernetes:batch/v1:Job")
    assert new_job.supersedes == old_job.urn and old_job.superseded_by == new_job.urn
    assert new_job.weights == (f"Qwen/Qwen3-8B@{NEW_REVISION}",)

    (impact,) = d.models
    assert (impact.name, impact.status) == ("qwen3-8b", "changed")
    assert [(c.path, c.new) for c in impact.config_changes] == [("revision", NEW_REVISION)]
    assert urns(impact.resources) == {deployment} | preload_urns(new_preload) | preload_urns(OLD_PRELOAD)

    text = render_text(d)
    assert "  ~ kubernetes:apps/v1:Deployment  qwen3-8b-deployment" in text
    assert f"    + kubernetes:batch/v1:Job  {new_preload}-job" in text
    assert f"replaces {OLD_PRELOAD}-job" in text
    assert "Resources: 2 to add, 1 to change (0 replaced), 2 to destroy" in text


def test_a_change_to_a_preload_jobs_template_replaces_it_delete_first(plans):
    d = diff_plans(plans["base"], plans["token"])
    jobs = [c for c in d.changed if c.type == "kubernetes:batch/v1:Job"]
    assert len(jobs) == 4 and not d.added and not d.removed
    for job in jobs:
        assert job.action == "replace" and job.delete_before_replace
        assert job.replace_paths == ["spec.template.spec.containers[0].env[6].value"]
    # the preload identity's policy names the secret: an in-place update
    others = [c for c in d.changed if c not in jobs]
    assert [(c.type, c.action) for c in others] == [("aws:iam/rolePolicy:RolePolicy", "update")]
    assert {m.name for m in d.models} == {"qwen-coder", "qwen3-8b", "qwen3-coder-30b", "llama-70b"}
    assert "-/+ kubernetes:batch/v1:Job" in render_text(d)
    assert "@@ -/+ replace kubernetes:batch/v1:Job" in render_markdown(d)
    assert d.summary() == "0 to add, 5 to change (4 replaced), 0 to destroy"


def test_a_helm_value_change_is_shown_once_on_the_values_the_provider_reads(plans):
    d = diff_plans(plans["base"], plans["keda"])
    (release,) = d.changed
    assert release.type == "kubernetes:helm.sh/v3:Release" and release.action == "update"
    assert [c.path for c in release.changes] == ["values.operator.replicaCount", "values.podDisruptionBudget"]


# --- a new model, a removed model ---------------------------------------------------------------


def test_a_new_model_adds_its_release_and_preload_and_changes_nothing_else(plans):
    d = diff_plans(plans["base"], plans["add"])
    preload = preload_name(plans["add"], "Qwen/Qwen2.5-14B-Instruct")
    assert urns(d.added) == release_urns("qwen-14b", RELEASE_CHILDREN) | preload_urns(preload) | gateway_urns("qwen-14b")
    # Only the objects that list every model change; the pools have room and their limits come
    # from the stack file.
    assert urns(d.changed) == SHARED_PER_MODEL and d.removed == []
    assert [(m.name, m.status) for m in d.models] == [("qwen-14b", "added")]


def test_a_new_model_sharing_weights_reuses_the_preload(plans):
    d = diff_plans(plans["base"], plans["add-shared"])
    assert urns(d.added) == release_urns("qwen3-8b-large", RELEASE_CHILDREN) | gateway_urns("qwen3-8b-large")
    assert urns(d.changed) == SHARED_PER_MODEL and d.removed == []
    assert [(m.name, m.status) for m in d.models] == [("qwen3-8b-large", "added")]


def test_a_removed_model_removes_its_release_and_preload_only(plans):
    d = diff_plans(plans["base"], plans["remove"])
    preload = preload_name(plans["base"], "Qwen/Qwen2.5-Coder-7B-Instruct")
    assert urns(d.removed) == (release_urns("qwen-coder", RELEASE_CHILDREN) | preload_urns(preload)
                               | gateway_urns("qwen-coder"))
    assert d.added == [] and urns(d.changed) == SHARED_PER_MODEL
    assert [(m.name, m.status) for m in d.models] == [("qwen-coder", "removed")]
    assert not any(c.superseded_by for c in d.removed)
    assert "13 to destroy" in render_text(d)


def test_cost_delta_follows_the_models(plans):
    pytest.importorskip("infra.cost")
    added = diff_plans(plans["base"], plans["add"])
    assert added.cost.max_delta > 0 and added.cost.min_delta > 0
    (impact,) = added.models
    assert impact.cost_max_delta > 0
    removed = diff_plans(plans["base"], plans["remove"])
    assert removed.cost.max_delta < 0 and removed.cost.min_delta < 0
    swap = diff_plans(plans["base"], plans["swap"])
    assert swap.cost.max_delta == pytest.approx(0) and swap.cost.min_delta == pytest.approx(0)
    assert "+$" in render_markdown(added) and "-$" in render_markdown(removed)


def test_cost_is_reported_unavailable_without_the_cost_module(plans, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_cost(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "cost" and level == 1 or name == "infra.cost":
            raise ImportError(name)
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_cost)
    d = diff_plans(plans["base"], plans["swap"])
    assert d.cost is None and "cost: not available" in render_text(d) + render_markdown(d)


# --- markdown -----------------------------------------------------------------------------------


def test_markdown_has_the_summary_models_and_a_details_block_per_component(plans):
    md = render_markdown(diff_plans(plans["base"], plans["swap"], base_label="origin/main"))
    assert md.startswith("<!-- llm-platform-diff:prod -->\n"
                         "### `prod`: 2 to add, 1 to change (0 replaced), 2 to destroy")
    assert "models affected: qwen3-8b (changed)" in md
    assert "Compared with `origin/main`" in md
    assert md.count("<details>") == md.count("</details>") == 3
    assert "<summary><code>llm-platform:serving:ModelRelease qwen3-8b</code>: 1 to change</summary>" in md
    assert "```diff" in md
    assert '+   spec.template.spec.containers[0].args[0]: "/models/Qwen/Qwen3-8B/' + NEW_REVISION in md
    assert "| `qwen3-8b` | changed: revision" in md


def test_markdown_stays_under_the_comment_limit(plans, monkeypatch):
    whole = diff_plans(None, plans["base"], base_label="origin/main")
    md = render_markdown(whole)
    assert len(md) < 65_536
    assert f"### `prod`: {len(plans['base'].resources)} to add, 0 to change (0 replaced), 0 to destroy" in md
    assert "left out" not in md

    import infra.diff

    monkeypatch.setattr(infra.diff, "MARKDOWN_LIMIT", 4000)
    short = render_markdown(whole)
    assert len(short) < 5000 and 0 < short.count("<details>") < len(whole.groups)
    assert "component(s) left out to fit a comment: run `python -m infra diff --stack prod --base origin/main`" in short


# --- the command: base as a file, as a git ref -------------------------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout


def test_base_as_a_git_ref_reads_the_committed_stack_file(tmp_path, capsys):
    repo = tmp_path / "repo"
    path = write_stack(repo / "stacks")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    write_stack(repo / "stacks", swap_revision)  # the working copy: the pull request

    assert main(["diff", "--stack-file", str(path), "--base", "HEAD", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "### `prod`: 2 to add, 1 to change (0 replaced), 2 to destroy" in out
    assert "Compared with `HEAD:stacks/Pulumi.prod.yaml`" in out

    assert main(["diff", "--stack-file", str(path), "--base", "HEAD"]) == 0
    assert "qwen3-8b: changed: revision" in capsys.readouterr().out

    assert main(["diff", "--stack-file", str(path), "--base", "no-such-branch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: --base no-such-branch: neither an existing stack file nor a git ref (branch, tag or "
                   f"commit) in {repo.resolve()}"]


def test_a_stack_file_missing_at_the_base_ref_is_all_added(tmp_path, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("x\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "before the stack")
    path = write_stack(repo / "stacks")
    assert main(["diff", "--stack-file", str(path), "--base", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "HEAD:stacks/Pulumi.prod.yaml (absent)" in out
    assert "0 to change (0 replaced), 0 to destroy; 0 unchanged" in out
    assert all(f"{name}: added" in out for name in ("qwen-coder", "qwen3-8b", "qwen3-coder-30b", "llama-70b"))


def test_base_as_a_stack_file(tmp_path, capsys):
    base = write_stack(tmp_path / "base")
    new = write_stack(tmp_path / "new", remove_model)
    assert main(["diff", "--stack-file", str(new), "--base", str(base)]) == 0
    assert "qwen-coder: removed" in capsys.readouterr().out


def test_an_unknown_base_or_a_broken_base_fails_with_one_line(tmp_path, capsys):
    new = write_stack(tmp_path / "new")
    assert main(["diff", "--stack-file", str(new), "--base", "no-such-ref-or-file"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --base no-such-ref-or-file: no such stack file")

    broken = write_stack(tmp_path / "broken", lambda c: model(c, "qwen3-8b").update(revision="main"))
    assert main(["diff", "--stack-file", str(new), "--base", str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(broken) in err[0] and "models[1].revision" in err[0]


# --- the core on small, made-up plans -------------------------------------------------------------


@pytest.fixture(scope="module")
def platform():
    return stack_config(load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml"))


def reg(typ: str, name: str, inputs: dict, **options) -> Registration:
    return Registration(urn=f"urn:pulumi:dev::llm-platform::{typ}::{name}", type=typ, name=name, custom=True,
                        inputs=inputs, parent=None, provider=None, **options)


def one_change(platform, old: Registration, new: Registration):
    stack = load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    d = diff_plans(Plan(stack, platform, [old]), Plan(stack, platform, [new]), cost=False)
    (change,) = d.resources
    return change


def pvc(storage: str, storage_class: str = "s3files") -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "w", "namespace": "llm"},
            "spec": {"storageClassName": storage_class, "resources": {"requests": {"storage": storage}}}}


def test_replacement_rules(platform):
    typ = "kubernetes:core/v1:PersistentVolumeClaim"
    assert one_change(platform, reg(typ, "w", pvc("1Gi")), reg(typ, "w", pvc("2Gi"))).action == "update"
    assert one_change(platform, reg(typ, "w", pvc("1Gi")), reg(typ, "w", pvc("1Gi", "other"))).action == "replace"

    dep = "kubernetes:apps/v1:Deployment"
    base = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "m"},
            "spec": {"selector": {"matchLabels": {"a": "1"}}, "replicas": 1}}
    moved = copy.deepcopy(base)
    moved["spec"]["selector"]["matchLabels"]["a"] = "2"
    scaled = copy.deepcopy(base)
    scaled["spec"]["replicas"] = 2
    renamed = copy.deepcopy(base)
    renamed["metadata"]["name"] = "n"
    assert one_change(platform, reg(dep, "m", base), reg(dep, "m", moved)).action == "replace"
    assert one_change(platform, reg(dep, "m", base), reg(dep, "m", scaled)).action == "update"
    assert one_change(platform, reg(dep, "m", base), reg(dep, "m", renamed)).replace_paths == ["metadata.name"]

    eks = "aws:eks/cluster:Cluster"
    cluster = {"name": "c", "vpcConfig": {"subnetIds": ["a", "b"]}, "encryptionConfig": {"resources": ["secrets"]}}
    subnets = copy.deepcopy(cluster)
    subnets["vpcConfig"]["subnetIds"] = ["a", "c"]
    unencrypted = {k: v for k, v in cluster.items() if k != "encryptionConfig"}
    assert one_change(platform, reg(eks, "c", cluster), reg(eks, "c", subnets)).action == "update"
    assert one_change(platform, reg(eks, "c", cluster), reg(eks, "c", unencrypted)).action == "replace"
    assert one_change(platform, reg(eks, "c", unencrypted), reg(eks, "c", cluster)).action == "update"
    bucket = "aws:s3/bucket:Bucket"
    kept = {"protect": True, "retain_on_delete": True}
    renamed_bucket = one_change(platform, reg(bucket, "b", {"bucket": "x"}, **kept),
                                reg(bucket, "b", {"bucket": "y"}, **kept))
    assert renamed_bucket.action == "replace" and renamed_bucket.replace_paths == ["bucket"]
    notes = _notes(renamed_bucket)
    assert any(n.startswith("PROTECTED") for n in notes) and any(n.startswith("retained on delete") for n in notes)

    # a resource's own replaceOnChanges
    cm = "kubernetes:core/v1:Namespace"
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "llm", "labels": {"a": "1"}}}
    relabeled = copy.deepcopy(ns)
    relabeled["metadata"]["labels"]["a"] = "2"
    assert one_change(platform, reg(cm, "n", ns), reg(cm, "n", relabeled)).action == "update"
    assert one_change(platform, reg(cm, "n", ns, replace_on_changes=["metadata.labels"]),
                      reg(cm, "n", relabeled, replace_on_changes=["metadata.labels"])).action == "replace"


def test_an_alias_matches_a_renamed_resource(platform):
    typ = "aws:iam/role:Role"
    old = reg(typ, "old", {"name": "r"})
    new = reg(typ, "new", {"name": "r"}, aliases=[old.urn])
    change = one_change(platform, old, new)
    assert (change.action, change.old_urn, change.changes) == ("update", old.urn, [])


def test_paths_round_trip_and_long_values_keep_the_difference_visible(platform):
    tokens = ("metadata", "annotations", "llm-platform.io/weights")
    assert format_path(tokens) == 'metadata.annotations["llm-platform.io/weights"]'
    assert parse_path(format_path(tokens)) == tokens
    assert parse_path("spec.template.spec.containers[0].args[*]") == (
        "spec", "template", "spec", "containers", 0, "args", "*")

    typ = "kubernetes:core/v1:ConfigMap"
    long_old = "x" * 500 + "OLD" + "y" * 500
    long_new = "x" * 500 + "NEW" + "y" * 500
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": long_old}}
    cm2 = copy.deepcopy(cm)
    cm2["data"]["k"] = long_new
    change = one_change(platform, reg(typ, "c", cm), reg(typ, "c", cm2))
    assert change.action == "replace" and change.replace_paths == ["data.k"]
    stack = load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    before, after = Plan(stack, platform, [reg(typ, "c", cm)]), Plan(stack, platform, [reg(typ, "c", cm2)])
    text = render_text(diff_plans(before, after, cost=False))
    line = next(x for x in text.splitlines() if "data.k:" in x)
    assert "OLD" in line and "NEW" in line and len(line) < 320 and "(1005 chars)" in line
