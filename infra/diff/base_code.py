"""The base side planned by the base's own code: the git ref's tree, extracted beside the diff, runs
`python -m infra plan --json` on its stack file, so a chart pin, a renderer or a default that changed
in code shows up in the diff as the resources it changes, exactly as the merge would deploy them.

The base's config facts the diff reads beside the resources (models, versions, cost) still come from
the current code's validation of the base stack file. When the base's code cannot plan in this
environment (a ref from before the program existed, or dependencies that differ from this lock), the
current code plans the base's stack file instead, and the diff says so."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError
from ..plan.mocks import Registration

PLAN_TIMEOUT_S = 900


@dataclass(frozen=True)
class BaseCode:
    """What planned the base: its own code at a commit, or the current code and why."""

    own: bool
    note: str


class Unavailable(Exception):
    """The base's own code cannot plan here; the message says why."""


def extract_tree(root: Path, ref: str, dest: Path) -> str:
    """The files of `ref` (a commit of the repository at `root`) under `dest`; returns the commit id."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=root, capture_output=True,
                            text=True, timeout=60).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=root, capture_output=True, timeout=300)
    if archive.returncode != 0:
        raise Unavailable(f"git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: paths stay under dest, no special files
            tar.extractall(dest, filter="data")
        else:  # older 3.11: git's own archive of its own tree, checked the same way by hand
            root = dest.resolve()
            for member in tar.getmembers():
                if not (member.isfile() or member.isdir()) or not (root / member.name).resolve().is_relative_to(root):
                    raise Unavailable(f"git archive {ref} holds {member.name!r}, which this diff does not extract")
            tar.extractall(dest)
    return commit


def has_program(tree: Path) -> bool:
    return (tree / "Pulumi.yaml").is_file() and (tree / "infra" / "__main__.py").is_file()


def registrations(document: dict) -> list[Registration]:
    """The resources of a plan's JSON (`python -m infra plan --json`), as the diff compares them."""
    return [
        Registration(
            urn=r["urn"], type=r["type"], name=r["name"], custom=r["custom"], inputs=r["inputs"],
            parent=r.get("parent"), provider=r.get("provider"), dependencies=r.get("dependencies", []),
            protect=r.get("protect", False), retain_on_delete=r.get("retainOnDelete", False),
            delete_before_replace=r.get("deleteBeforeReplace", False), aliases=r.get("aliases", []),
            ignore_changes=r.get("ignoreChanges", []), replace_on_changes=r.get("replaceOnChanges", []),
            property_dependencies=r.get("propertyDependencies", {}), import_id=r.get("importId"),
        )
        for r in document["resources"]
    ]


def plan_with_own_code(tree: Path, stack_path: Path, label: str, workdir: Path) -> list[Registration]:
    """Run the tree's own `infra plan` on its stack file. A config error of the base is a ConfigError
    (relabelled to `label`); anything else that stops it is Unavailable."""
    out = workdir / "base-plan.json"
    try:
        run = subprocess.run(
            [sys.executable, "-m", "infra", "plan", "--stack-file", str(stack_path), "--json", str(out),
             "--no-manifests", "--quiet", "--out", str(workdir / "base-out")],
            cwd=tree, capture_output=True, text=True, timeout=PLAN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"its plan took over {PLAN_TIMEOUT_S} s") from None
    if run.returncode == 2 and run.stderr.startswith("error:"):
        lines = [line.removeprefix("error: ").replace(str(stack_path), label)
                 for line in run.stderr.strip().splitlines() if line.startswith("error: ")]
        raise ConfigError(lines)
    if run.returncode not in (0, 1) or not out.is_file():
        last = (run.stderr.strip().splitlines() or [f"exit {run.returncode}"])[-1]
        raise Unavailable(f"its `python -m infra plan --json` failed here ({last[:200]})")
    try:
        return registrations(json.loads(out.read_text()))
    except (KeyError, TypeError, ValueError) as exc:
        raise Unavailable(f"its plan JSON has no resources this diff can read ({type(exc).__name__}: {exc})") from None
