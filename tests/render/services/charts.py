"""The vendored upstream chart data (schemas/charts/) the platform-service values are checked against."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

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


def deep_merge(base: Any, override: Any) -> Any:
    """What Helm does with values: maps merge key by key (a null removes the key), anything else is
    replaced."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def upstream_values(chart: str, subcharts: Iterable[str] = ()) -> dict:
    """The chart's values.yaml, with each vendored subchart's values.yaml merged under its key (the
    parent's block for it wins, as in Helm)."""
    values = chart_file(chart)
    for sub in subcharts:
        values[sub] = deep_merge(chart_file(f"{chart}/charts/{sub}"), values.get(sub) or {})
    return values


def unknown_keys(values: dict, chart: str, subcharts: Iterable[str] = (), free_form: Iterable[str] = ()) -> list[str]:
    return unknown_value_keys(values, upstream_values(chart, subcharts), frozenset(free_form))


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
    """What keeps a pod with these contexts out of Pod Security "restricted" (the checks that depend on
    security contexts; volumes, host namespaces and ports are the chart's and not set by values)."""
    pod, container = pod_security_context, container_security_context
    problems = []
    if not (container.get("runAsNonRoot") or pod.get("runAsNonRoot")):
        problems.append("runAsNonRoot is not true")
    if container.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if "ALL" not in (container.get("capabilities") or {}).get("drop", []):
        problems.append("capabilities do not drop ALL")
    if (container.get("capabilities") or {}).get("add"):
        problems.append("capabilities are added")
    if container.get("privileged"):
        problems.append("privileged")
    seccomp = (container.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        problems.append(f"seccompProfile is {seccomp!r}")
    if 0 in (container.get("runAsUser"), pod.get("runAsUser")):
        problems.append("runs as uid 0")
    return problems
