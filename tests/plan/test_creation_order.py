"""The order a real engine creates things in: the plan's dependency graph (explicit dependencies,
property dependencies, providers; a dependency on a component is one on everything in it) has a path
from every custom resource to the release that installs its CRD and the one that runs its controller,
and from the objects below to what must exist before them."""

from __future__ import annotations

from functools import cache

import pytest

from components.k8s_object import built_in_groups
from infra.plan.mocks import HELM_RELEASE
from infra.plan.runner import Plan
from infra.render.model_workload import weight_refs
from tests.conftest import REFERENCE_STACKS, reference_plan
from tests.engine.test_helm_releases import installed_crds

# API group -> the release (resource name) whose controller acts on it.
CONTROLLERS = {
    "karpenter.sh": "karpenter-release", "karpenter.k8s.aws": "karpenter-release", "keda.sh": "keda-release",
    "gateway.networking.k8s.io": "envoy-gateway-release", "gateway.envoyproxy.io": "envoy-gateway-release",
    "aigateway.envoyproxy.io": "ai-gateway-release", "operator.victoriametrics.com": "metrics-release",
    "external-secrets.io": "external-secrets-release", "cert-manager.io": "cert-manager-release",
}


class Graph:
    def __init__(self, plan: Plan):
        self.by_urn = {r.urn: r for r in plan.resources}
        self.by_name = {r.name: r for r in plan.resources}
        children: dict[str, list[str]] = {}
        for r in plan.resources:
            if r.parent:
                children.setdefault(r.parent, []).append(r.urn)
        self.children = children
        self.edges = {r.urn: self._direct(r) for r in plan.resources}

    def _direct(self, r) -> set[str]:
        deps = set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}
        if r.provider:
            deps.add(r.provider.split("::" + r.provider.rsplit("::", 1)[-1])[0])
        return deps

    def _expand(self, urn: str) -> set[str]:
        """A component stands for itself and every resource under it."""
        out, stack = {urn}, [urn]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return out

    @cache  # noqa: B019 - one graph per plan, kept for the session
    def ancestors(self, urn: str) -> frozenset[str]:
        seen: set[str] = set()
        stack = [urn]
        while stack:
            for dep in self.edges.get(stack.pop(), ()):
                for target in self._expand(dep):
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
        return frozenset(seen)

    def after(self, name: str, before: str) -> bool:
        return self.by_name[before].urn in self.ancestors(self.by_name[name].urn)


@cache
def graph(stack: str) -> Graph:
    return Graph(reference_plan(stack))


@cache
def crd_installers(stack: str) -> dict[tuple[str, str], str]:
    """(group, kind) -> the release that installs its CRD, from the real Helm render of each release."""
    return {(crd["spec"]["group"], crd["spec"]["names"]["kind"]): release
            for release, crds in installed_crds(stack).items() for crd in crds}


def custom_resources(stack: str):
    for r in reference_plan(stack).resources:
        if r.type.startswith("kubernetes:") and "kind" in r.inputs and r.type != HELM_RELEASE:
            group = r.inputs["apiVersion"].rpartition("/")[0]
            if (group, r.inputs["kind"]) not in built_in_groups():
                yield r, group


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_every_custom_resource_comes_after_its_crd_and_its_controller(stack):
    g, installers = graph(stack), crd_installers(stack)
    problems = []
    checked = 0
    for r, group in custom_resources(stack):
        checked += 1
        installer = installers.get((group, r.inputs["kind"]))
        if installer is None:
            problems.append(f"{r.name}: no release installs the CRD of {r.inputs['kind']}.{group}")
            continue
        for needed in {installer, CONTROLLERS[group]}:
            if not g.after(r.name, needed):
                problems.append(f"{r.name} ({r.inputs['kind']}) is not ordered after {needed}")
    assert checked > 10 and problems == []


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_karpenter_pools_come_after_their_nodes_can_join_and_find_a_security_group(stack):
    g = graph(stack)
    pools = [r for r in reference_plan(stack).resources if r.kind in ("NodePool", "EC2NodeClass")]
    assert pools
    node_policies = [r.name for r in reference_plan(stack).resources
                     if r.name.startswith("karpenter-node-role-") and r.kind == "RolePolicyAttachment"]
    assert len(node_policies) == 4
    for pool in pools:
        for before in ("karpenter-node-access", "cluster-security-group-discovery", *node_policies):
            assert g.after(pool.name, before), f"{pool.name} before {before}"


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_the_pre_bound_claim_comes_after_its_volume(stack):
    plan = reference_plan(stack)
    claims = [r for r in plan.resources if r.kind == "PersistentVolumeClaim" and r.inputs["spec"].get("volumeName")]
    volumes = {r.inputs["metadata"]["name"]: r for r in plan.resources if r.kind == "PersistentVolume"}
    assert claims or plan.platform.weights.loader != "s3files"
    for claim in claims:
        assert graph(stack).after(claim.name, volumes[claim.inputs["spec"]["volumeName"]].name)


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_nothing_reaches_the_cluster_before_the_deployer_can(stack):
    g = graph(stack)
    provider = next(r for r in reference_plan(stack).resources if r.type == "pulumi:providers:kubernetes")
    assert g.after(provider.name, "cluster-deployer-policy")


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_a_model_starts_after_what_its_pods_need_and_nothing_else_waits_for_it(stack):
    """The Deployment waits for its namespace, service account, mounts, node pool and preload Jobs;
    its Service, budget and policy wait only for the namespace (no blanket dependency on the platform)."""
    g, plan = graph(stack), reference_plan(stack)
    for model in plan.platform.resolved_models:
        name = model.name
        needed = [f"{name}-service-account", "serving-namespace", "serving-weight-tools",
                  f"gpu-pool-{model.config.pool}-node-pool"]
        if plan.platform.weights.loader == "s3files":
            needed.append("serving-weights-claim")
        needed += [f"{ref.job_name}-job" for ref in weight_refs(model)]
        for before in needed:
            assert g.after(f"{name}-deployment", before), f"{name}-deployment before {before}"
        service = g.by_name[f"{name}-service"]
        assert not any("Release::" in d or "WeightStore" in d for d in service.dependencies), service.dependencies
