"""The dependency lock: every dependency pinned exactly with hashes, consistent with pyproject.toml,
naming no package index, and what this environment actually runs."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LOCK = ROOT / "requirements.txt"


def _pins() -> dict[str, tuple[str, list[str], str]]:
    text = LOCK.read_text().replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if not line.strip().startswith("--hash") else line.strip()
        if not line or line.startswith("--hash"):
            continue
        requirement = line.split(" --hash", 1)[0].strip()
        name, _, rest = requirement.partition("==")
        version, _, marker = (part.strip() for part in rest.partition(";"))
        pins[canonicalize_name(name.strip())] = (version, re.findall(r"--hash=sha256:[0-9a-f]{64}", line), marker)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return [Requirement(d) for d in deps] + [Requirement("setuptools>=77")]  # the build backend


def test_every_dependency_is_pinned_exactly_with_hashes():
    pins = _pins()
    assert len(pins) > 30
    for name, (version, hashes, _) in pins.items():
        assert re.fullmatch(r"\d[\w.+!-]*", version), f"{name} is not pinned to one version"
        assert hashes, f"{name} has no hash"


def test_the_lock_satisfies_pyproject():
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is declared but not locked: run make lock"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), \
            f"{name}=={pins[name][0]} does not satisfy {requirement}: run make lock"


def test_the_lock_names_no_package_index():
    text = LOCK.read_text()
    assert not re.search(r"--(extra-)?index-url|--find-links|https?://", text)


def test_this_environment_runs_what_is_locked():
    """make installs from the lock: a drifted virtualenv (or an unlocked dependency) fails here."""
    for name, (version, _, marker) in _pins().items():
        if marker and not Marker(marker).evaluate():  # e.g. colorama on Windows only
            continue
        assert metadata.version(name) == version, name
