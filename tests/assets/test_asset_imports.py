"""Scripts shipped into the cluster run in plain images: only the standard library at import time
(huggingface_hub and boto3 are imported lazily, where they are needed)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "infra" / "assets"


@pytest.mark.parametrize("script", ["preload.py", "wait_for_weights.py"])
def test_script_imports_only_the_stdlib_at_module_level(script: str) -> None:
    tree = ast.parse((ASSETS / script).read_text())
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            top.add(node.module.split(".")[0])
    assert top and top <= set(sys.stdlib_module_names) | {"__future__"}, top - set(sys.stdlib_module_names)
