"""The base side of a diff: a stack file, or the new side's stack file as it is at a git ref."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError
from ..stack_file import StackFile, load_stack_file

@dataclass
class Side:
    stack_file: StackFile | None  # None: the stack file does not exist at the base ref
    label: str
    # A git ref: the repository, the ref, and the stack file's path in it (None: the base is a stack file).
    root: Path | None = None
    ref: str | None = None
    relative: str | None = None

    def ref_has_program(self) -> bool:
        """The ref's tree holds this program (so its own code can plan the base)."""
        if self.root is None:
            return False
        return all(_git(["cat-file", "-e", f"{self.ref}:{path}"], self.root).returncode == 0
                   for path in ("Pulumi.yaml", "infra/__main__.py"))


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ConfigError(["--base: git is not installed, so a git ref cannot be read (give a stack file)"]) from None


def relabel(exc: ConfigError, tmp: Path, label: str) -> ConfigError:
    return ConfigError([line.replace(str(tmp), label) for line in exc.lines])


def resolve_base(base: str, new_path: Path, stack: str, project: str, workdir: Path) -> Side:
    """A stack file, or the new side's stack file as it is at a git ref. Loaded as stack `stack`."""
    candidate = Path(base)
    if candidate.is_file():
        copy = workdir / f"Pulumi.{stack}.yaml"
        shutil.copyfile(candidate, copy)
        try:
            return Side(load_stack_file(copy, project), str(candidate))
        except ConfigError as exc:
            raise relabel(exc, copy, str(candidate)) from None
    folder = new_path.resolve().parent
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise ConfigError([f"--base {base}: no such stack file, and {new_path} is not in a git repository, "
                           "so it cannot be a git ref either"])
    root = Path(top.stdout.strip())
    if _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], root).returncode != 0:
        raise ConfigError([f"--base {base}: neither an existing stack file nor a git ref (branch, tag or commit) "
                           f"in {root}"])
    relative = new_path.resolve().relative_to(root).as_posix()
    label = f"{base}:{relative}"
    shown = _git(["show", f"{base}:{relative}"], root)
    if shown.returncode != 0:
        return Side(None, f"{label} (absent)")
    copy = workdir / f"Pulumi.{stack}.yaml"
    copy.write_text(shown.stdout)
    try:
        return Side(load_stack_file(copy, project), label, root=root, ref=base, relative=relative)
    except ConfigError as exc:
        raise relabel(exc, copy, label) from None
