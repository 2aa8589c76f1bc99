"""Every platform-wide observability object, in the order the Observability component registers them."""

from __future__ import annotations

from ...config import PlatformConfig
from .dashboard import render_dashboard_config_map
from .receivers import render_receivers_external_secret
from .rules import render_platform_rule
from .scrapes import render_cert_manager_scrape, render_dcgm_service_scrape, render_gateway_pod_scrape


def render_observability(platform: PlatformConfig) -> dict[str, dict]:
    """Objects keyed by the suffix of their Pulumi resource name."""
    objects = {
        "gateway-scrape": render_gateway_pod_scrape(platform),
        "dcgm-scrape": render_dcgm_service_scrape(platform),
        **({"cert-manager-scrape": render_cert_manager_scrape(platform)} if platform.gateway.tls else {}),
        "rules": render_platform_rule(platform),
        "dashboard": render_dashboard_config_map(platform),
    }
    receivers = render_receivers_external_secret(platform)
    if receivers is not None:
        objects["receivers"] = receivers
    return objects
