"""The GitHub workflows users get (.github/workflows): what the README promises, and pinned actions."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
TAG_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads a bare `on` key as true
    return doc


def steps(job: dict, action: str | None = None) -> list[dict]:
    return [s for s in job["steps"] if action is None or s.get("uses", "").split("@")[0] == action]


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in job["steps"])


def assert_policy_config_written_before(job: dict, pulumi_step: dict) -> None:
    """The pack reads per-stack settings from a policy config that `infra check` writes."""
    config = pulumi_step["with"]["policyPackConfigs"]
    (writer,) = [s for s in job["steps"] if f"--write-policy-config {config}" in s.get("run", "")]
    assert 'infra check --stack "$STACK"' in writer["run"] and writer["env"]["STACK"] == "${{ matrix.stack }}"
    assert job["steps"].index(writer) < job["steps"].index(pulumi_step)


@pytest.fixture(scope="module")
def pr() -> dict:
    return load("pr.yml")


@pytest.fixture(scope="module")
def deploy() -> dict:
    return load("deploy.yml")


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml"])
def test_every_action_is_pinned_to_a_commit_with_its_release_tag(name):
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines() if re.match(r"^\s*-?\s*uses:", line)]
    assert lines
    for line in lines:
        ref = line.split("uses:", 1)[1].split("#")[0].strip()
        assert PINNED.match(ref), line
        assert not re.search(r"@(main|master|HEAD)\b", ref), line
        assert TAG_COMMENT.search(line), f"name the release the SHA is: {line}"


def test_one_pin_per_action_across_workflows():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses:\s*(\S+)", path.read_text()):
            action, sha = ref.split("@")
            pins.setdefault(action, set()).add(sha)
    assert {"actions/checkout", "actions/setup-python", "pulumi/actions", "aws-actions/configure-aws-credentials",
            "marocchino/sticky-pull-request-comment"} <= pins.keys()
    assert all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml"])
def test_least_privilege_and_no_untrusted_input_in_scripts(name):
    doc = load(name)
    assert doc["permissions"] == {"contents": "read"}
    for job in doc["jobs"].values():
        for step in job["steps"]:
            # untrusted text (titles, branch names of forks) never lands in a shell script
            assert not re.search(r"\$\{\{\s*github\.(event|head_ref)", step.get("run", "")), step


def test_pull_request_workflow_runs_tests_plan_check_and_posts_the_diff(pr):
    assert "pull_request" in pr["on"]
    jobs = pr["jobs"]
    assert "make test" in runs(jobs["test"])

    plan = jobs["plan"]
    assert plan["needs"] == "test"
    assert plan["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    (checkout,) = steps(plan, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # the base branch must be there for the diff
    (python,) = steps(plan, "actions/setup-python")
    assert python["with"]["python-version"] == "3.11"
    script = runs(plan)
    assert "make plan STACK=${{ matrix.stack }}" in script
    assert "python -m infra check --stack ${{ matrix.stack }}" in script
    assert 'python -m infra diff --stack "$STACK" --base "origin/$BASE_REF" --markdown > diff.md' in script
    (diff_step,) = [s for s in plan["steps"] if "infra diff" in s.get("run", "")]
    assert diff_step["env"] == {"BASE_REF": "${{ github.base_ref }}", "STACK": "${{ matrix.stack }}"}
    (comment,) = steps(plan, "marocchino/sticky-pull-request-comment")
    assert comment["with"]["path"] == "diff.md" and "${{ matrix.stack }}" in comment["with"]["header"]


def test_pull_request_preview_runs_pulumi_with_the_policy_pack_only_with_credentials(pr):
    preview = pr["jobs"]["preview"]
    assert "vars.AWS_ROLE_ARN != ''" in preview["if"]
    assert preview["permissions"]["id-token"] == "write"
    assert "make venv" in runs(preview)  # Pulumi.yaml runs the program in .venv
    (aws,) = steps(preview, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    (pulumi,) = steps(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["policyPacks"] == "policies"  # the input's name in pulumi/actions' action.yml
    assert_policy_config_written_before(preview, pulumi)
    assert "matrix.stack" in pulumi["with"]["stack-name"]
    assert pulumi["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def test_deploy_workflow_runs_up_per_environment_after_the_tests(deploy):
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert deploy["concurrency"]["cancel-in-progress"] is False
    jobs = deploy["jobs"]
    assert "make test" in runs(jobs["test"])
    up = jobs["up"]
    assert up["needs"] == "test"
    assert "vars.AWS_ROLE_ARN != ''" in up["if"]
    strategy = up["strategy"]
    assert strategy["matrix"]["stack"] == ["dev", "prod"]  # dev first: the order of the matrix
    assert strategy["max-parallel"] == 1 and strategy["fail-fast"] is True
    # each stack in the GitHub environment of its name: prod is the environment with required reviewers
    assert up["environment"]["name"] == "${{ matrix.stack }}"
    assert up["permissions"]["id-token"] == "write"
    (pulumi,) = steps(up, "pulumi/actions")
    assert pulumi["with"]["command"] == "up"
    assert pulumi["with"]["stack-name"].count("matrix.stack") == 2
    assert pulumi["with"]["policyPacks"] == "policies"
    assert_policy_config_written_before(up, pulumi)
    assert pulumi["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def test_workflows_use_make_targets_that_exist():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z]+):", makefile, re.M))
    for path in WORKFLOWS.glob("*.yml"):
        for target in re.findall(r"\bmake (\w+)", path.read_text()):
            assert target in targets, (path.name, target)


def test_readme_documents_the_ci_setup():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Pull requests and CI", 1)[1].split("\n## ", 1)[0]
    for needed in ("AWS_ROLE_ARN", "PULUMI_ACCESS_TOKEN", "Required reviewers", "environment", "python -m infra diff",
                   "pr.yml", "deploy.yml"):
        assert needed in section, needed
    assert readme.index("## Pull requests and CI") < readme.index("## Layout")


def _locked(package: str) -> str:
    return re.search(rf"^{package}==([\w.]+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)


@pytest.mark.parametrize(("workflow", "job"), [("deploy.yml", "up"), ("pr.yml", "preview")])
def test_jobs_that_reach_the_cluster_run_where_a_private_endpoint_answers(workflow, job):
    """GitHub-hosted runners cannot reach a private EKS endpoint: a self-hosted runner in the VPC by
    default, another runner (for a public, CIDR-restricted endpoint) by the DEPLOY_RUNNER variable."""
    doc = yaml.safe_load((WORKFLOWS / workflow).read_text())
    runs_on = doc["jobs"][job]["runs-on"]
    assert "vars.DEPLOY_RUNNER" in runs_on and '"self-hosted"' in runs_on
    (pulumi,) = steps(doc["jobs"][job], "pulumi/actions")
    assert pulumi["with"]["pulumi-version"] == _locked("pulumi")  # the CLI of the SDK the program runs on
