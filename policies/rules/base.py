"""What a rule is, what it sees, and small readers of engine-shaped props.

A rule is plain Python over plain data, so the same code runs under CrossGuard (`pulumi preview
--policy-pack policies`, see policies/crossguard.py) and in the offline check (`python -m infra
check`, see infra/check.py):

- a *resource* rule is `check(resource_type, props, urn) -> list[str]`: one message per violation of
  one resource, from its camelCase engine inputs;
- a *stack* rule is `check(resources, config) -> list[(message, urn | None)]`: it sees every resource
  of the stack (`ResourceView`) and its own policy config (`--policy-pack-config`).

Props are read as `Mapping`/`Sequence` (CrossGuard wraps them in proxies that are neither `dict` nor
`list`) and with `.get`; a value that is unknown during preview raises the proxy's UnknownValueError,
which CrossGuard reports as "can't run policy during preview" rather than as a pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_policy.proxy import UnknownValueError  # a value unknown during preview

Enforcement = Literal["mandatory", "advisory"]
Kind = Literal["resource", "stack"]
ResourceCheck = Callable[[str, Mapping[str, Any], str], list[str]]
StackViolation = tuple[str, "str | None"]
StackCheck = Callable[[Sequence["ResourceView"], Mapping[str, Any]], list[StackViolation]]

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")



@dataclass(frozen=True)
class ResourceView:
    """One resource as a stack rule sees it, whichever engine produced it."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    retain_on_delete: bool | None = None  # None: not visible (CrossGuard does not send it to policies)
    parent: str | None = None
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    name: str  # stable kebab-case id: policy name under CrossGuard, key of --policy-pack-config
    description: str
    remediation: str
    enforcement: Enforcement
    kind: Kind
    check: Callable[..., list]
    config_schema: Mapping[str, Mapping[str, Any]] | None = None  # JSON-schema properties of its policy config

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or self.name == "all":
            raise ValueError(f"rule name {self.name!r} is not stable kebab-case")
        if self.enforcement not in ("mandatory", "advisory"):
            raise ValueError(f"{self.name}: enforcement {self.enforcement!r}; allowed: mandatory, advisory")
        if self.kind not in ("resource", "stack"):
            raise ValueError(f"{self.name}: kind {self.kind!r}; allowed: resource, stack")
        if not self.description or not self.remediation:
            raise ValueError(f"{self.name}: a rule needs a description and a remediation")


# ---- readers --------------------------------------------------------------------------------------


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """Follow keys (Mapping) and indexes (Sequence) and return `default` where the path ends early."""
    for key in path:
        if isinstance(key, int):
            if not is_list(value) or not -len(value) <= key < len(value):
                return default
            value = value[key]
        else:
            if not isinstance(value, Mapping):
                return default
            value = value.get(key)
        if value is None:
            return default
    return value


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def as_list(value: Any) -> list:
    """A JSON policy field that may be one item or a list of items."""
    if value is None:
        return []
    return list(value) if is_list(value) else [value]


def mappings(value: Any) -> list[Mapping]:
    return [item for item in as_list(value) if isinstance(item, Mapping)]


def as_int(value: Any) -> int | None:
    """An integer, or a string holding one (Kubernetes quantities of whole GPUs are often strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        return int(value)
    return None


def json_document(value: Any) -> Mapping | None:
    """A policy document given as a JSON string (the usual engine input) or as an object."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            doc = json.loads(value)
        except json.JSONDecodeError:
            return None
        return doc if isinstance(doc, Mapping) else None
    return None


def type_chain(urn: str) -> list[str]:
    """The types in a URN: parents' types first, then the resource's own."""
    parts = urn.split("::")
    return parts[2].split("$") if len(parts) >= 4 else []


def short_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]
