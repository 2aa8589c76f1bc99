"""Every PromQL expression the project renders is parsed by a real PromQL parser (promql-parser, the
Rust parser of the Prometheus grammar): the ScaledObjects' prometheus trigger queries, every VMRule
`expr` and every target `expr` of the Grafana dashboards, on the reference stacks and on a stack
whose models scale to zero.

The objects come from the real program under mocks (`run_plan`), plus the platform observability
objects straight from their renderers (the same objects the Observability component registers,
whether or not the program wires it yet). A guard fails if an `expr` or `query` field appears
anywhere this test does not know to parse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache

import promql_parser
import pytest

from infra.plan.runner import run_plan
from infra.render.observability.dashboard import CONFIG_MAP_NAME, SIDECAR_LABEL, SIDECAR_LABEL_VALUE
from infra.render.observability.objects import render_observability
from infra.stack_file import REPO_ROOT, load_stack_file

from tests.conftest import reference_plan

from .helpers import zero_platform

CASES = ["dev", "prod", "dev-scale-to-zero", "prod-scale-to-zero"]
GRAFANA_MACROS = ("$__rate_interval", "$__interval", "$__range")


@cache
def rendered_objects(case: str) -> tuple[dict, ...]:
    stack, _, variant = case.partition("-")
    if variant:
        plan = run_plan(load_stack_file(REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml"), zero_platform(stack))
    else:
        plan = reference_plan(stack)
    objects = plan.kubernetes_objects()
    seen = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects}
    for obj in render_observability(plan.platform).values():
        if (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]) not in seen:
            objects.append(obj)
    return tuple(objects)


def _where(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata'].get('namespace', '-')}/{obj['metadata']['name']}"


def _panels(panels: list[dict]) -> Iterator[dict]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def is_dashboard(obj: dict) -> bool:
    return obj["kind"] == "ConfigMap" and obj["metadata"].get("labels", {}).get(SIDECAR_LABEL) == SIDECAR_LABEL_VALUE


def promql(obj: dict) -> Iterator[tuple[str, str, str]]:
    """(source, location, expression) for every PromQL expression in a rendered object."""
    where = _where(obj)
    if obj["kind"] == "ScaledObject":
        for i, trigger in enumerate(obj["spec"]["triggers"]):
            if trigger["type"] == "prometheus":
                yield "scaledobject", f"{where}:triggers[{i}]", trigger["metadata"]["query"]
    elif obj["kind"] == "VMRule":
        for group in obj["spec"]["groups"]:
            for rule in group["rules"]:
                yield "vmrule", f"{where}:{group['name']}/{rule.get('alert') or rule.get('record')}", rule["expr"]
    elif is_dashboard(obj):
        for key, text in obj["data"].items():
            dashboard = json.loads(text)
            for panel in _panels(dashboard["panels"]):
                for target in panel.get("targets", []):
                    source = target.get("datasource") or panel.get("datasource") or {}
                    if source.get("type", "prometheus") != "prometheus":
                        continue  # e.g. LogsQL for a VictoriaLogs datasource: not PromQL
                    yield "dashboard", f"{where}:{key}:{panel['id']}/{target['refId']}", target["expr"]


def field_paths(node, path=()) -> Iterator[tuple]:
    """Paths of every `expr` or `query` string field, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "query") and isinstance(value, str):
                yield path + (key,)
            yield from field_paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from field_paths(value, path + (i,))


@pytest.mark.parametrize("case", CASES)
def test_every_promql_expression_parses(case):
    found = [(source, location, expr) for obj in rendered_objects(case) for source, location, expr in promql(obj)]
    failures = []
    for source, location, expr in found:
        try:
            promql_parser.parse(expr)
        except Exception as exc:  # noqa: BLE001 - report every failure, not the first
            failures.append(f"{location}: {exc}: {expr}")
        if any(macro in expr for macro in GRAFANA_MACROS):
            failures.append(f"{location}: Grafana macro in {expr}")
    assert not failures, "\n".join(failures)
    by_source = {s: sum(1 for x in found if x[0] == s) for s in ("scaledobject", "vmrule", "dashboard")}
    assert by_source["scaledobject"] >= 3 and by_source["vmrule"] >= 15 and by_source["dashboard"] >= 20, by_source


@pytest.mark.parametrize("case", CASES)
def test_each_model_contributes_its_queries(case):
    objects = rendered_objects(case)
    scaled = [o for o in objects if o["kind"] == "ScaledObject"]
    rules = [o for o in objects if o["kind"] == "VMRule"]
    dashboards = [o for o in objects if is_dashboard(o)]
    stack = case.partition("-")[0]
    models = json.loads(load_stack_file(REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml").values["llm-platform:models"])
    assert len(scaled) == len(models)
    rule_names = {o["metadata"]["name"] for o in rules}
    assert {m["name"] for m in models} | {"llm-platform"} <= rule_names  # one per model, one for the platform
    assert CONFIG_MAP_NAME in {o["metadata"]["name"] for o in dashboards}
    per_trigger = 4 if case.endswith("scale-to-zero") else 3
    assert all(len(o["spec"]["triggers"]) == per_trigger for o in scaled)


@pytest.mark.parametrize("case", CASES)
def test_no_promql_field_escapes_the_parser(case):
    """Every `expr`/`query` field anywhere in the rendered objects is one `promql()` parses."""
    for obj in rendered_objects(case):
        covered = {location.rsplit(":", 1)[-1] for _, location, _ in promql(obj)}
        for path in field_paths(obj):
            if obj["kind"] == "ScaledObject" and path[:2] == ("spec", "triggers") and path[-2:] == ("metadata", "query"):
                assert f"triggers[{path[2]}]" in covered, (_where(obj), path)
            elif obj["kind"] == "VMRule" and path[:2] == ("spec", "groups") and path[-1] == "expr":
                continue  # every rule of every group is parsed above
            else:
                pytest.fail(f"{_where(obj)}: unparsed PromQL-like field {'.'.join(map(str, path))}")
