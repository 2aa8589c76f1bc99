"""The gateway metrics the platform reads (gateway_metrics.py) against what the gateway layer renders:
rules named after the served names, the cluster stat name pattern, and the tenant label."""

from __future__ import annotations

import re

import pytest

from infra.render.observability.gateway_metrics import CLUSTER_STAT_NAME, TENANT_LABEL, model_cluster_matchers

from ..conftest import promql_selectors
from .helpers import zero_platform

gateway = pytest.importorskip("infra.render.gateway", reason="the gateway layer is not in this tree")


def cluster_pattern(platform, model) -> str:
    ((_, matchers),) = promql_selectors(f"up{model_cluster_matchers(platform, model)}")
    op, pattern = matchers["envoy_cluster_name"]
    assert op == "Re"
    return pattern


def stat_name(namespace: str, route: str, rule: str) -> str:
    """Envoy Gateway's expansion of CLUSTER_STAT_NAME for an HTTPRoute rule (gatewayapi buildStatName)."""
    return (CLUSTER_STAT_NAME.replace("%ROUTE_KIND%", "httproute").replace("%ROUTE_NAMESPACE%", namespace)
            .replace("%ROUTE_NAME%", route).replace("%ROUTE_RULE_NAME%", rule))


def test_every_served_name_has_a_rule_of_its_name_whose_stats_the_wake_up_trigger_reads():
    from infra.render.gateway.routing import owner_of, render_routes

    platform = zero_platform("prod")
    owners = owner_of(platform)
    router = platform.gateway.semantic_router
    assert router.enabled  # prod's virtual model: served by the default model's vLLM while the router is down
    owners[router.virtual_model] = owners[router.default_model]
    models = {m.name: m for m in platform.resolved_models}
    seen = set()
    for route in render_routes(platform):
        for rule in route["spec"]["rules"]:
            served = rule["name"]
            model = models[owners[served]]
            name = stat_name(route["metadata"]["namespace"], route["metadata"]["name"], served)
            assert re.fullmatch(cluster_pattern(platform, model), name), (served, name)
            for other in models.values():
                if other is not model:
                    assert not re.fullmatch(cluster_pattern(platform, other), name), (other.name, name)
            seen.add(served)
    assert seen == set(owners)  # the adapter "sql" and the virtual model included


def test_tenant_label_is_the_exposition_of_the_gateways_tenant_attribute():
    from infra.render.gateway.names import REQUEST_HEADER_ATTRIBUTES

    attributes = dict(pair.split(":", 1) for pair in REQUEST_HEADER_ATTRIBUTES.split(","))
    # OTel -> Prometheus: dots in attribute names become underscores
    assert TENANT_LABEL in {a.replace(".", "_") for a in attributes.values()}


def test_envoy_proxy_names_cluster_stats_after_the_rule():
    from infra.render.gateway.proxy import render_envoy_proxy

    proxy = render_envoy_proxy(zero_platform("dev"))
    assert proxy["spec"]["telemetry"]["metrics"]["clusterStatName"] == CLUSTER_STAT_NAME
