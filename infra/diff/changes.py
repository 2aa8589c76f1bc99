"""What a diff is made of: input changes, resource changes, the models affected, the cost delta."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STACK_GROUP = ""  # group key of resources registered directly under the stack


@dataclass(frozen=True)
class InputChange:
    path: str
    old: Any  # MISSING when the input is new
    new: Any  # MISSING when the input is gone
    replaces: bool = False


@dataclass
class ResourceChange:
    action: str  # "create", "delete", "update", "replace"
    urn: str
    type: str
    name: str
    group: str  # URN of the component it is shown under; STACK_GROUP for the stack itself
    custom: bool
    inputs: dict  # new inputs (old ones for a delete)
    changes: list[InputChange] = field(default_factory=list)
    delete_before_replace: bool = False
    protect: bool = False
    retain_on_delete: bool = False
    old_urn: str | None = None  # set when matched through an alias
    supersedes: str | None = None  # a new preload standing in for a removed one of the same model(s)
    superseded_by: str | None = None
    weights: tuple[str, ...] = ()  # `repository@revision` of a preload resource

    @property
    def replace_paths(self) -> list[str]:
        return [c.path for c in self.changes if c.replaces]

    @property
    def label(self) -> str:
        meta = self.inputs.get("metadata") if isinstance(self.inputs.get("metadata"), dict) else {}
        kind = self.inputs.get("kind")
        if not (self.type.startswith("kubernetes:") and isinstance(kind, str)):
            return ""
        ns = meta.get("namespace")
        return f"{kind} {ns + '/' if ns else ''}{meta.get('name', '')}"


@dataclass
class ModelImpact:
    name: str
    status: str  # "added", "removed", "changed"
    config_changes: list[InputChange] = field(default_factory=list)  # its stack-file entry, camelCase paths
    resources: list[ResourceChange] = field(default_factory=list)
    cost_min_delta: float | None = None
    cost_max_delta: float | None = None


@dataclass(frozen=True)
class CostDelta:
    base_min: float
    base_max: float
    new_min: float
    new_max: float
    complete: bool  # both estimates priced every line

    @property
    def min_delta(self) -> float:
        return self.new_min - self.base_min

    @property
    def max_delta(self) -> float:
        return self.new_max - self.base_max


@dataclass
class PlanDiff:
    stack: str
    project: str
    base_label: str
    new_label: str
    resources: list[ResourceChange]
    unchanged: int
    groups: dict[str, str]  # group key -> "type name" of the component
    models: list[ModelImpact]
    cost: CostDelta | None = None
    warnings: list[str] = field(default_factory=list)  # hazards from the configs (infra.diff.warnings)
    base_code: str = ""  # which code planned the base side, and why (infra.diff.base_code)

    def of(self, *actions: str) -> list[ResourceChange]:
        return [r for r in self.resources if r.action in actions]

    @property
    def added(self) -> list[ResourceChange]:
        return self.of("create")

    @property
    def removed(self) -> list[ResourceChange]:
        return self.of("delete")

    @property
    def changed(self) -> list[ResourceChange]:
        return self.of("update", "replace")

    @property
    def replaced(self) -> list[ResourceChange]:
        return self.of("replace")

    @property
    def empty(self) -> bool:
        return not self.resources

    def summary(self) -> str:
        return (f"{len(self.added)} to add, {len(self.changed)} to change ({len(self.replaced)} replaced), "
                f"{len(self.removed)} to destroy")
