"""docs/config-reference.md is what the config models accept, field for field."""

from __future__ import annotations

from infra.config.reference import TARGET, render, rows


def test_the_committed_reference_is_current():
    assert TARGET.read_text() == render(), "regenerate it: .venv/bin/python -m infra.config.reference"


def test_every_section_and_nested_field_is_listed():
    paths = {path for path, *_ in rows()}
    for expected in ("services.keda.operator.resources.cpu", "gateway.fallbacks[].credentialsSecret",
                     "weights.adopt.kmsKeyArn", "gateway.tenants.<name>.tokenLimit.tokensPerHour",
                     "models[].autoscaling.scaleToZero", "observability.receivers[].credentialsSecret"):
        assert expected in paths, expected
