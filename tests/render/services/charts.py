"""The vendored upstream chart data (schemas/charts/) the platform-service values are checked against."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from infra.catalog import platform_versions
from infra.catalog.platform_versions import HelmChart
from infra.render.helm_values import provider_values, values_file
from infra.validation.pod_security import violations
from tests.engine import helm as engine

from ..aws.test_karpenter import unknown_value_keys

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
CHARTS = SCHEMAS / "charts"
K8S = "1.35"


@cache
def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def chart_file(chart: str, name: str = "values.yaml") -> Any:
    """A vendored file of a chart; `chart` may name a subchart as "<parent>/charts/<sub>"."""
    return copy.deepcopy(_load(CHARTS / chart / name))


@cache
def _pins() -> dict[str, HelmChart]:
    return {pin.chart.rsplit("/", 1)[-1]: pin for pin in vars(platform_versions).values() if isinstance(pin, HelmChart)}


def helm_merged(chart: str, values: dict | None = None) -> dict:
    """The values a release of `chart` (at its pinned version) really gets: Helm's own coalescing of the
    chart's and its subcharts' defaults with `values` (a null removes a default), through the Helm SDK."""
    pin = _pins()[chart]
    with engine.chart(pin.chart, pin.version) as loaded:
        return loaded.merge_values(copy.deepcopy(values) if values else {})


def rendered(chart: str, values: dict, release: str, namespace: str) -> list[dict]:
    """The objects a release of `chart` with `values` renders (the Helm SDK over the vendored chart)."""
    pin = _pins()[chart]
    found = engine.Release(None, pin.chart, pin.version, release, namespace, as_sent(values))
    return engine.objects(engine.render(found, K8S), namespace)


def as_sent(values: dict) -> dict:
    """`values` as the program sends them (one YAML file, allowNullValues) and the provider reads them."""
    return provider_values([values_file(values)], None, allow_null_values=True)


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    (found,) = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    return found


def upstream_values(chart: str) -> dict:
    """The chart's defaults, each subchart's under its key, as Helm merges them."""
    return helm_merged(chart)


def unknown_keys(values: dict, chart: str, free_form: Iterable[str] = (), template_only: Iterable[str] = ()) -> list[str]:
    """`template_only`: keys the chart's templates read that its values.yaml has only as a comment or a
    null default (which Helm's merge drops); tests/engine's key check proves each one changes the render."""
    return [k for k in unknown_value_keys(values, upstream_values(chart), frozenset(free_form))
            if k not in set(template_only)]


def pod_with(pod_security_context: dict, container_security_context: dict, namespace: str = "test") -> dict:
    """A Pod carrying the given security contexts, to validate them as Kubernetes objects."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe", "namespace": namespace},
        "spec": {
            "securityContext": pod_security_context,
            "containers": [{"name": "c", "image": "registry.invalid/c:1.0.0",
                            "securityContext": container_security_context}],
        },
    }


def restricted_problems(pod_security_context: dict, container_security_context: dict) -> list[str]:
    """What Pod Security "restricted" refuses in a pod with these contexts (infra.validation.pod_security;
    volumes, host namespaces and ports are the chart's, checked on the rendered workloads in tests/engine)."""
    return violations(pod_with(pod_security_context, container_security_context), "restricted")


def validate_with_chart_schema(chart: str, values: dict) -> None:
    """The chart's values.schema.json over the merged values, as `helm install` checks it (Helm SDK)."""
    pin = _pins()[chart]
    with engine.chart(pin.chart, pin.version) as loaded:
        loaded.validate_schema(copy.deepcopy(values))
