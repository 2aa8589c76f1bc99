"""Pins that must agree with each other or say why they need not."""

from __future__ import annotations


def test_the_untested_envoy_gateway_pairing_is_recorded_with_its_reasons():
    """AI Gateway v1.1.0 lists Envoy Gateway v1.8.1; pinning anything else needs a recorded reason."""
    from infra.catalog.platform_versions import AI_GATEWAY_CHART, ENVOY_GATEWAY_CHART, ENVOY_GATEWAY_PAIRING

    pairing = ENVOY_GATEWAY_PAIRING
    assert (pairing.version, pairing.pinned_with) == (AI_GATEWAY_CHART.version, ENVOY_GATEWAY_CHART.version), \
        "a pin moved: re-check upstream's compatibility matrix and update ENVOY_GATEWAY_PAIRING"
    if pairing.pinned_with != pairing.tested_with:
        assert len(pairing.reasons) >= 2
