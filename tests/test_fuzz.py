"""Hundreds of broken and hostile stack files: `infra plan` answers each with exit 2 and one line per
problem naming the file (and the field, where there is one), never a traceback, and writes nothing;
a mutation the config accepts must plan cleanly (exit 0, no validation problem).

Mutations are generated from both reference stacks with a fixed seed (the same cases on every run):
a value replaced by one of the wrong type, an empty, huge, hostile or out-of-range one; a key
removed or a key added; and whole files that are not UTF-8 YAML, nest too deep, repeat a key or use
aliases. Every case goes through the loader the commands share (stack_file.load_stack and
report_config_error); every CLI_EVERY-th refused one also through `python -m infra plan` itself.
FUZZ_PLANS (default 2) is how many accepted mutations are also planned end to end.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import random
from pathlib import Path

import yaml

from infra.cli import main
from infra.config import ConfigError
from infra.stack_file import load_stack, report_config_error
from tests.conftest import REFERENCE_STACKS, ROOT

SEED = 20261203
PER_STACK = 160
PLANNED = int(os.environ.get("FUZZ_PLANS", "2"))
CLI_EVERY = 8
VALUES = (None, "", " ", 0, -1, 10**12, 1.5, True, "x" * 300, "ünïcode", [], {}, [1], {"a": 1}, "0.0.0.0/0",
          "../../etc", "a b", "-", "kube-system", "default-deny", "*", "${HOME}", "\t")


def _paths(node, at=()):
    yield at
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*at, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*at, index))


def _mutation(doc: dict, rng: random.Random) -> tuple[str, dict]:
    out = copy.deepcopy(doc)
    path = rng.choice([p for p in _paths(out["config"]) if p])
    parent = out["config"]
    for key in path[:-1]:
        parent = parent[key]
    roll = rng.random()
    if roll < 0.15 and isinstance(parent, dict):
        del parent[path[-1]]
        what = "removed"
    elif roll < 0.25 and isinstance(parent, dict):
        parent[f"{path[-1]}Extra"] = 1
        what = "unknown key beside"
    else:
        value = rng.choice(VALUES)
        parent[path[-1]] = value
        what = f"{value!r:.20} at"
    return f"{what} {'.'.join(map(str, path))}", out


def _hostile_files(text: str) -> dict[str, bytes]:
    nested = "config:\n  llm-platform:budget: " + "[" * 3000 + "]" * 3000 + "\n"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nconfig: {c: *b}\n"
    return {
        "binary": bytes(range(256)) * 4, "utf-16": text.encode("utf-16"),
        "latin-1": (text + "\n# café\n").encode("latin-1"), "deep": nested.encode(),
        "duplicate key": text.replace("config:\n", "config:\n  aws:region: eu-west-1\n", 1).encode(),
        "alias bomb": bomb.encode(), "self alias": b"config:\n  a: &a [*a]\n", "not a mapping": b"- 1\n- 2\n",
        "empty region": text.replace("aws:region: us-east-1", "aws:region: ''").encode(),
        "region with spaces": text.replace("aws:region: us-east-1", "aws:region: us east 1").encode(),
    }


def _cases() -> list[tuple[str, str, bytes]]:
    rng = random.Random(SEED)
    cases = []
    for stack in REFERENCE_STACKS:
        text = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()
        doc = yaml.safe_load(text)
        cases += [(stack, f"{stack}: hostile file: {name}", data) for name, data in _hostile_files(text).items()]
        for _ in range(PER_STACK):
            name, mutated = _mutation(doc, rng)
            cases.append((stack, f"{stack}: {name}", yaml.safe_dump(mutated, allow_unicode=True).encode()))
    return cases


def _plan(path: Path, out: Path) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["plan", "--stack-file", str(path), "--out", str(out), "--quiet"])
    return code, stdout.getvalue(), stderr.getvalue()


def _rejected(stack: str, data: bytes, tmp: Path, through_cli: bool):
    """(path, out, exit code, stderr) when the file is refused; None when its config is accepted."""
    path = tmp / f"Pulumi.{stack}.yaml"
    path.write_bytes(data)
    try:
        load_stack(path=path)
    except ConfigError as exc:
        if through_cli:
            code, _, err = _plan(path, tmp / "out")
            return path, tmp / "out", code, err
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = report_config_error(exc)
        return path, tmp / "out", code, stderr.getvalue()
    return None


def test_every_mutation_is_refused_in_one_line_per_problem_or_plans_cleanly(tmp_path):
    cases = _cases()
    assert len(cases) >= 300
    problems, accepted = [], []
    for index, (stack, name, data) in enumerate(cases):
        folder = tmp_path / str(index)
        folder.mkdir()
        try:
            refused = _rejected(stack, data, folder, through_cli=index % CLI_EVERY == 0)
        except Exception as exc:  # noqa: BLE001 - a traceback is what this test looks for
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if refused is None:
            if ": hostile file: " in name:  # none of these is a stack file Pulumi would read as meant
                problems.append(f"{name}: accepted")
            accepted.append((stack, name, data, folder))
            continue
        path, out, code, err = refused
        lines = err.strip().splitlines()
        if code != 2 or not lines:
            problems.append(f"{name}: exit {code}, stderr {err[-200:]!r}")
        elif bad := [line for line in lines if not line.startswith(f"error: {path}: ")]:
            problems.append(f"{name}: a line that does not name the file: {bad[0][:200]}")
        elif out.exists():
            problems.append(f"{name}: refused, yet it wrote {out}")
    assert problems == [], "\n".join(problems[:20])
    assert len(accepted) > 10  # the generator also makes valid variants, which must plan

    for stack, name, data, folder in accepted[:PLANNED]:
        path = folder / f"Pulumi.{stack}.yaml"
        code, out, err = _plan(path, folder / "out")
        assert code == 0 and err == "" and " 0 validation problem(s)" in out, f"{name}: exit {code}: {err[-300:]}"


def test_manifests_from_a_plan_before_the_marker_are_replaced(tmp_path):
    old = tmp_path / "dev" / "manifests" / "llm"
    old.mkdir(parents=True)
    (old / "deployment-gone.yaml").write_text("kind: Deployment\n")
    code, _, err = _plan(ROOT / "stacks" / "Pulumi.dev.yaml", tmp_path)
    assert code == 0, err
    assert not (old / "deployment-gone.yaml").exists() and (old.parent / ".llm-platform-manifests").is_file()


def test_a_folder_the_plan_did_not_write_is_never_replaced(tmp_path):
    mine = tmp_path / "dev" / "manifests"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("mine")
    code, _, err = _plan(ROOT / "stacks" / "Pulumi.dev.yaml", tmp_path)
    assert code == 2 and "was not written by `infra plan`" in err
    assert (mine / "notes.txt").read_text() == "mine"


def test_a_second_plan_replaces_its_own_manifests_whole(tmp_path):
    root = tmp_path / "dev" / "manifests"
    assert _plan(ROOT / "stacks" / "Pulumi.dev.yaml", tmp_path)[0] == 0
    (root / "stale.yaml").write_text("left by an older plan")
    code, _, err = _plan(ROOT / "stacks" / "Pulumi.dev.yaml", tmp_path)
    assert code == 0, err
    assert not (root / "stale.yaml").exists()
    assert (root / ".llm-platform-manifests").is_file() and (root / "llm").is_dir()
    assert [p.name for p in tmp_path.joinpath("dev").iterdir()] == ["manifests"]  # no staging folder left
