"""Imports run one way, checked by import-linter over the layers contract in pyproject.toml.

The contract lists no exceptions, and every module of the program sits in a layer (a new module
must be placed, not left out of the contract)."""

from __future__ import annotations

import tomllib

from importlinter.cli import lint_imports

from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
(CONTRACT,) = CONFIG["contracts"]
LAYERED = {name.strip() for layer in CONTRACT["layers"] for name in layer.split("|")}


def test_the_layers_contract_is_kept(capsys):
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    out = capsys.readouterr().out
    assert code == 0, out[out.find("Broken contracts"):] or out


def test_the_contract_lists_no_exceptions():
    assert CONTRACT["type"] == "layers"
    assert not {"ignore_imports", "unmatched_ignore_imports_alerting"} & CONTRACT.keys()
    assert "exclude_type_checking_imports" not in CONFIG  # type-only imports count too


def test_every_module_of_the_program_is_in_a_layer():
    modules = {f"infra.{p.stem if p.is_file() else p.name}" for p in (ROOT / "infra").iterdir()
               if (p.suffix == ".py" and p.stem not in ("__init__", "__main__")) or (p / "__init__.py").exists()}
    assert modules | {"components", "policies"} == LAYERED
