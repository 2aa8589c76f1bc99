"""Property paths as Pulumi writes them, round-tripped."""

from __future__ import annotations

from infra.diff.paths import format_path, parse_path


def test_paths_round_trip():
    tokens = ("metadata", "annotations", "llm-platform.io/weights")
    assert format_path(tokens) == 'metadata.annotations["llm-platform.io/weights"]'
    assert parse_path(format_path(tokens)) == tokens
    assert parse_path("spec.template.spec.containers[0].args[*]") == (
        "spec", "template", "spec", "containers", 0, "args", "*")
