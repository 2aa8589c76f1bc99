"""Every Helm release of every reference stack, rendered by the real Helm engine over the upstream
chart at its pinned version, with the values as the provider hands them to Helm: the rendered
objects are valid, admitted by Pod Security for their namespace, and say what the program means."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

from infra.plan.runner import Plan
from infra.validation.k8s_schema import validate_objects
from infra.validation.pod_security import LEVEL_LABEL, violations
from tests.conftest import REFERENCE_STACKS, reference_plan

from . import helm


def _version(plan: Plan) -> str:
    return plan.platform.cluster.kubernetes_version


@cache
def installed_crds(stack: str) -> dict[str, list[dict]]:
    """Release resource name -> the CRDs it installs (its templates' and its chart's crds/)."""
    plan = reference_plan(stack)
    return {release.registration.name: helm.crds(release, helm.render(release, _version(plan)))
            for release in helm.releases(plan)}


@cache
def installed_api_versions(stack: str) -> tuple[str, ...]:
    """group/version of every CRD the plan's releases install: what `.Capabilities.APIVersions` lists."""
    found = set()
    for crds in installed_crds(stack).values():
        for crd in crds:
            spec = crd.get("spec") or {}
            found |= {f"{spec['group']}/{v['name']}" for v in spec.get("versions") or () if v.get("served", True)}
    return tuple(sorted(found))


@cache
def rendered_release(stack: str, name: str) -> list[dict]:
    """The objects Helm would apply for one release of a stack."""
    plan, release = reference_plan(stack), release_of(stack, name)
    return helm.objects(helm.render(release, _version(plan), installed_api_versions(stack)), release.namespace)


def rendered(stack: str) -> dict[str, list[dict]]:
    """Release resource name -> the objects Helm would apply."""
    return {name: rendered_release(stack, name) for name in _release_ids(stack)}


@cache
def applied_objects(stack: str) -> tuple[dict, ...]:
    """Everything applied to the cluster: each release's objects as Helm renders them, then the plan's own."""
    return (*(o for objs in rendered(stack).values() for o in objs), *reference_plan(stack).kubernetes_objects())


def _release_ids(stack: str) -> list[str]:
    return [r.registration.name for r in helm.releases(reference_plan(stack))]


CASES = [pytest.param(stack, name, id=f"{stack}-{name}")  # sorted: registration order varies
         for stack in REFERENCE_STACKS for name in sorted(_release_ids(stack))]


def release_of(stack: str, name: str) -> helm.Release:
    return next(r for r in helm.releases(reference_plan(stack)) if r.registration.name == name)


# ---- the charts are the pinned ones ----------------------------------------------------------

@pytest.mark.parametrize(("stack", "name"), CASES)
def test_every_pinned_chart_is_vendored_at_its_version(stack, name):
    release = release_of(stack, name)
    with release.chart as loaded:
        assert loaded.version == release.version
        assert loaded.name == release.chart_ref.rsplit("/", 1)[-1]


def test_a_version_bump_fails_until_the_chart_is_vendored():
    with pytest.raises(helm.NotVendored, match="not vendored"):
        helm.archive("oci://docker.io/envoyproxy/gateway-helm", "1.9.1")


# ---- what comes out is valid and admitted ----------------------------------------------------

@pytest.mark.parametrize(("stack", "name"), CASES)
def test_every_rendered_object_is_valid_strictly(stack, name):
    objs = rendered_release(stack, name)
    assert objs or name.endswith("crd")  # a release that renders nothing would be a wiring bug
    version = _version(reference_plan(stack))
    assert [e for obj in objs for e in _errors(json.dumps(obj, sort_keys=True), version)] == []


@cache
def _errors(obj_json: str, kubernetes_version: str) -> tuple[str, ...]:
    """Validation of one object, once per content (dev and prod render many identical objects)."""
    return tuple(validate_objects([json.loads(obj_json)], kubernetes_version))


def _namespace_levels(plan: Plan) -> dict[str, str]:
    levels = {}
    for obj in plan.kubernetes_objects():
        if obj["kind"] == "Namespace":
            labels = (obj.get("metadata") or {}).get("labels") or {}
            levels[obj["metadata"]["name"]] = labels.get(LEVEL_LABEL, "privileged")
    return levels


@pytest.mark.parametrize(("stack", "name"), CASES)
def test_every_rendered_workload_passes_pod_security_for_its_namespace(stack, name):
    levels = _namespace_levels(reference_plan(stack))
    found = {}
    for obj in rendered_release(stack, name):
        level = levels.get(obj["metadata"].get("namespace"), "privileged")  # kube-system: not labelled
        problems = violations(obj, level)
        if problems:
            found[f"{obj['kind']}/{obj['metadata']['name']} ({level})"] = problems
    assert found == {}


# ---- every value the program sets is read by a template --------------------------------------

def _leaves(value, path=()):
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif path:
        yield path


def _mutated(values: dict, path: tuple) -> dict:
    out = copy.deepcopy(values)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    old = parent[path[-1]]
    if old is None:  # a deleted default: without the null, the default must come back
        del parent[path[-1]]
    elif isinstance(old, bool):
        parent[path[-1]] = not old
    elif isinstance(old, (int, float)):
        parent[path[-1]] = old + 1
    elif isinstance(old, str):
        parent[path[-1]] = old + "-probe"
    elif isinstance(old, list):
        parent[path[-1]] = old[:-1] if old else ["probe"]
    else:  # an empty mapping
        parent[path[-1]] = {"probe": "probe"}
    return out


def unread_keys(release: helm.Release, kubernetes_version: str, api_versions: tuple[str, ...]) -> list[str]:
    base = helm.comparable(helm.render(release, kubernetes_version, api_versions))

    def unread(path: tuple) -> bool:
        try:
            mutated = helm.render(release, kubernetes_version, api_versions, _mutated(release.values, path))
            return helm.comparable(mutated) == base
        except Exception:  # noqa: BLE001 - a template that fails on the new value read it
            return False

    paths = list(_leaves(release.values))
    with ThreadPoolExecutor(max_workers=2) as pool:  # the Helm SDK call releases the GIL (ctypes)
        results = list(pool.map(unread, paths))
    return [".".join(map(str, path)) for path, is_unread in zip(paths, results, strict=True) if is_unread]


def _distinct_values() -> list:
    """One case per release and distinct values: most releases get the same values in dev and prod,
    and the check is about the values, so it runs once for them (under the first stack's capabilities)."""
    seen: dict[tuple[str, str], list[str]] = {}
    for stack in REFERENCE_STACKS:
        for release in helm.releases(reference_plan(stack)):
            key = (release.registration.name, json.dumps(release.values, sort_keys=True))
            seen.setdefault(key, []).append(stack)
    return [pytest.param(stacks[0], name, id=f"{name}[{','.join(stacks)}]")
            for (name, _), stacks in sorted(seen.items())]


@pytest.mark.parametrize(("stack", "name"), _distinct_values())
def test_every_value_key_the_program_sets_changes_the_rendered_output(stack, name):
    plan = reference_plan(stack)
    release = release_of(stack, name)
    assert unread_keys(release, _version(plan), installed_api_versions(stack)) == []


@pytest.mark.parametrize(("stack", "name"), CASES)
def test_renders_compare_equal_apart_from_generated_key_material(stack, name):
    """Webhook charts generate a CA and certificates on every render (genCA): compared raw, every
    mutation would look like a read key and the check above could never fail for them."""
    release = release_of(stack, name)
    first, second = (helm.render_uncached(release, _version(reference_plan(stack)), installed_api_versions(stack))
                     for _ in range(2))
    assert helm.comparable(first) == helm.comparable(second)


def test_the_key_check_catches_a_key_no_template_reads():
    release = release_of("dev", "keda-release")
    planted = helm.Release(release.registration, release.chart_ref, release.version, release.name,
                           release.namespace, {**release.values, "operator": {**release.values.get("operator", {}),
                                                                              "noSuchKey": 3}})
    assert unread_keys(planted, "1.35", ()) == ["operator.noSuchKey"]


def test_values_are_sent_as_a_file_with_nulls_kept():
    """The SDK drops None from `values`; the program sends one YAML file with allowNullValues."""
    for stack in REFERENCE_STACKS:
        for release in helm.releases(reference_plan(stack)):
            inputs = release.registration.inputs
            if release.values:
                assert inputs["allowNullValues"] is True and len(inputs["valueYamlFiles"]) == 1, release.name
