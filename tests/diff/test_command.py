"""The command: the base as a stack file or a git ref, and one line per problem when it cannot be read."""

from __future__ import annotations

import subprocess
from pathlib import Path

from infra.cli import main
from tests.diff.conftest import model, remove_model, swap_revision, write_stack

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
    assert "### `prod`: 6 to add, 1 to change (0 replaced), 6 to destroy" in out
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
