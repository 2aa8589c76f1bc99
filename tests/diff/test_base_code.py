"""The base side is planned by the base's own code, so a change made only in code shows in the diff."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from infra.cli import main
from infra.diff.base_code import registrations
from infra.plan.output import plan_document
from tests.conftest import ROOT, reference_plan
from tests.diff.test_command import git

PIN = 'KEDA_CHART = HelmChart("keda", "2.20.2",'


def copy_of_this_tree(dest: Path) -> Path:
    """The files of this checkout as they are on disk (tracked and new), committed in a fresh repository."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git(dest, "init", "-q")
    return dest


def test_a_chart_pin_changed_in_code_alone_shows_in_the_diff(tmp_path, capsys):
    repo = copy_of_this_tree(tmp_path / "repo")
    versions = repo / "infra" / "catalog" / "platform_versions.py"
    assert PIN in versions.read_text()
    versions.write_text(versions.read_text().replace(PIN, PIN.replace("2.20.2", "2.19.0")))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base: an older KEDA")
    # The working copy's stack file is the base's: only the code differs (this checkout's, on the new side).
    assert main(["diff", "--stack-file", str(repo / "stacks" / "Pulumi.dev.yaml"), "--base", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "(base planned by its own code at HEAD (" in out
    assert "Resources: 0 to add, 1 to change (0 replaced), 0 to destroy;" in out
    assert '~ kubernetes:helm.sh/v3:Release  keda-release\n        version: "2.19.0" => "2.20.2"' in out


def test_a_base_whose_code_cannot_plan_here_falls_back_to_the_current_code_and_says_so(tmp_path, capsys):
    repo = tmp_path / "repo"
    for name in ("Pulumi.yaml", "stacks/Pulumi.dev.yaml"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    (repo / "infra").mkdir()
    (repo / "infra" / "__main__.py").write_text("import sys\nsys.exit('this base cannot plan')\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a broken base")
    assert main(["diff", "--stack-file", str(repo / "stacks" / "Pulumi.dev.yaml"), "--base", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert ("base planned by the current code, because the code at HEAD could not plan here: its `python -m infra "
            "plan --json` failed here (this base cannot plan); changes made in code alone are not shown") in out
    assert "No resource changes." in out


def test_the_plan_json_carries_every_resource_field_the_diff_reads():
    plan = reference_plan("prod")
    again = registrations(plan_document(plan, []))
    assert [vars(r) | {"revealed": None} for r in again] == [vars(r) | {"revealed": None} for r in plan.resources]
