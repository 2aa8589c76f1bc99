"""The SemanticRouter component under mocks: created only when the stack enables the router, with the
pinned chart, after the metrics stack, and its objects after the release."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.services import PlatformServices, install_platform_services
from infra.plan.mocks import ACCOUNT, REGION
from infra.render.services import semantic_router as render
from infra.stack_file import load_stack_file, platform_config
from infra.validation.k8s_schema import validate_object
from tests.conftest import ROOT


def platform(stack: str):
    sf = load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    return platform_config(sf.values, f"stacks/Pulumi.{stack}.yaml", "llm-platform")


def build(stack: str) -> PlatformServices:
    built: list[PlatformServices] = []

    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        built.append(install_platform_services(platform(stack), provider, REGION, ACCOUNT, "llm-" + stack))

    pulumi.runtime.test(construct)()
    return built[0]


def test_no_router_unless_the_stack_enables_it(services_mocks):
    services = build("dev")
    assert services.semantic_router is None
    assert not [r for r in services_mocks.registrations if "semantic-router" in r.name]


def test_the_router_component_and_its_children(services_mocks):
    services = build("prod")
    assert services.semantic_router is not None
    component = services_mocks.named("semantic-router")
    assert component.type == "llm-platform:services:SemanticRouter" and not component.custom
    children = [r for r in services_mocks.registrations if r.parent == component.urn]
    assert sorted(r.name for r in children) == [
        "semantic-router-default-deny-networkpolicy", "semantic-router-namespace", "semantic-router-networkpolicy",
        "semantic-router-release", "semantic-router-vmservicescrape"]
    release = services_mocks.named("semantic-router-release")
    assert (release.inputs["chart"], release.inputs["version"]) == (
        "oci://ghcr.io/vllm-project/charts/semantic-router", "0.2.0")
    assert release.inputs["name"] == render.RELEASE_NAME and release.inputs["namespace"] == render.NAMESPACE
    assert release.inputs["values"]["image"]["tag"] == "v0.2.0"
    assert release.inputs["timeout"] == 1800  # the first start downloads the classifiers
    # after its namespace, its network policies (the pods start with their flows) and the metrics stack
    # (the scrape's CRD); the scrape after the release
    deps = set(release.dependencies)
    policies = ("semantic-router-networkpolicy", "semantic-router-default-deny-networkpolicy")
    assert {services_mocks.named("semantic-router-namespace").urn, services_mocks.named("metrics-release").urn,
            *(services_mocks.named(name).urn for name in policies)} <= deps
    assert release.urn in services_mocks.named("semantic-router-vmservicescrape").dependencies
    for name in ("semantic-router-networkpolicy", "semantic-router-vmservicescrape"):
        child = services_mocks.named(name)
        obj = {k: child.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
        assert validate_object(obj, "1.35") == []
