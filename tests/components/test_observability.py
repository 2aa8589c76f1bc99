"""The Observability component under Pulumi mocks: what it registers, under which parent, after what."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s

from components.observability import Observability, ObservabilityArgs
from infra.render.observability.objects import render_observability
from tests.conftest import reference_config


def dev_platform():
    return reference_config("dev")


def test_registers_scrapes_rules_and_dashboard_under_itself(pulumi_mocks):
    platform = dev_platform()
    uids = []
    pulumi.runtime.test(lambda: Observability("observability", ObservabilityArgs(platform=platform))
                        .dashboard_uid.apply(uids.append))()
    component = pulumi_mocks.named("observability")
    assert component.type == "llm-platform:observability:Observability" and not component.custom
    children = {r.name: r for r in pulumi_mocks.registrations if r.parent == component.urn}
    assert sorted(children) == sorted(f"observability-{s}" for s in
                                      ("gateway-scrape", "dcgm-scrape", "cert-manager-scrape", "rules", "dashboard"))
    types = {name: r.type for name, r in children.items()}
    assert types == {
        "observability-gateway-scrape": "kubernetes:operator.victoriametrics.com/v1beta1:VMPodScrape",
        "observability-dcgm-scrape": "kubernetes:operator.victoriametrics.com/v1beta1:VMServiceScrape",
        "observability-cert-manager-scrape": "kubernetes:operator.victoriametrics.com/v1beta1:VMServiceScrape",
        "observability-rules": "kubernetes:operator.victoriametrics.com/v1beta1:VMRule",
        "observability-dashboard": "kubernetes:core/v1:ConfigMap",
    }
    assert uids == ["llm-platform"]


def test_registers_exactly_the_rendered_objects(pulumi_mocks):
    platform = dev_platform()
    pulumi.runtime.test(lambda: Observability("observability", ObservabilityArgs(platform=platform)))()
    for suffix, obj in render_observability(platform).items():
        inputs = pulumi_mocks.named(f"observability-{suffix}").inputs
        assert inputs["kind"] == obj["kind"]
        assert inputs["metadata"]["namespace"] == "monitoring"
        if obj["kind"] == "ConfigMap":
            assert json.loads(inputs["data"]["llm-platform.json"]) == json.loads(obj["data"]["llm-platform.json"])
        else:
            assert inputs["spec"] == json.loads(json.dumps(obj["spec"]))


def test_every_child_waits_for_the_metrics_stack(pulumi_mocks):
    platform = dev_platform()

    def construct():
        stack = k8s.core.v1.Namespace("metrics-stack", metadata={"name": "monitoring"})
        Observability("observability", ObservabilityArgs(platform=platform, depends_on=(stack,)))

    pulumi.runtime.test(construct)()
    stack = pulumi_mocks.named("metrics-stack")
    component = pulumi_mocks.named("observability")
    children = [r for r in pulumi_mocks.registrations if r.parent == component.urn]
    assert len(children) == 5
    for child in children:
        assert stack.urn in child.dependencies, child.name
