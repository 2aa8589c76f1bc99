"""Replacements that follow from other replacements, as `pulumi preview` shows them.

When a resource is replaced, its outputs (ids, ARNs, names) are unknown until the new one exists. A
resource that takes one of them in a property its provider cannot change in place is replaced too
(a subnet whose VPC is replaced; a route table association whose subnet is): the offline plans cannot
show that by themselves, because the mocks give the new resource the same id as the old one. And a
Kubernetes provider whose cluster is replaced points at a new cluster: every object it manages is
created again there.
"""

from __future__ import annotations

from ..plan.mocks import Registration
from .changes import InputChange, ResourceChange
from .paths import parse_path
from .replacement_rules import replace_rules

K8S_PROVIDER = "pulumi:providers:kubernetes"


def _replaces_through(r: Registration, prop: str) -> bool:
    """Whether an unknown value in top-level input `prop` makes `r`'s provider replace it."""
    if r.type == K8S_PROVIDER:
        return prop == "kubeconfig"  # another cluster
    for rule in replace_rules(r):
        if rule.path == "*" or parse_path(rule.path)[0] == prop:
            return True
    return False


def _dependents(new_regs: dict[str, Registration]) -> tuple[dict[str, list[tuple[Registration, str]]],
                                                           dict[str, list[Registration]]]:
    """(cause URN -> [(dependent, top-level input)], provider URN -> [its resources])."""
    by_input: dict[str, list[tuple[Registration, str]]] = {}
    by_provider: dict[str, list[Registration]] = {}
    for r in new_regs.values():
        if not r.custom:
            continue
        for prop, deps in r.property_dependencies.items():
            for dep in deps:
                by_input.setdefault(dep, []).append((r, prop))
        if r.provider:
            by_provider.setdefault(r.provider.rsplit("::", 1)[0], []).append(r)
    return by_input, by_provider


def cascade(changes: list[ResourceChange], old_regs: dict[str, Registration], new_regs: dict[str, Registration],
            group_of) -> int:
    """Mark what the replacements in `changes` replace in turn (adding unchanged resources to `changes`);
    returns how many unchanged resources it added. `group_of(registration)` is the diff's grouping."""
    by_urn = {c.urn: c for c in changes}
    by_input, by_provider = _dependents(new_regs)
    queue = [c.urn for c in changes if c.action == "replace"]
    added = 0
    while queue:
        cause = new_regs.get(queue.pop())
        if cause is None:
            continue
        hits: dict[str, tuple[Registration, list[InputChange]]] = {}
        why = f"(known after {cause.type} {cause.name} is replaced)"
        for r, prop in by_input.get(cause.urn, ()):
            if _replaces_through(r, prop):
                hits.setdefault(r.urn, (r, []))[1].append(InputChange(prop, r.inputs.get(prop), why, replaces=True))
        if cause.type == K8S_PROVIDER:
            for r in by_provider.get(cause.urn, ()):
                hits.setdefault(r.urn, (r, []))[1].append(
                    InputChange("provider", cause.name, f"(provider {cause.name} points at a new cluster)", replaces=True))
        for urn, (r, extra) in hits.items():
            existing = by_urn.get(urn)
            if existing is not None and existing.action in ("create", "replace", "delete"):
                continue
            if existing is None:
                if urn not in old_regs:
                    continue  # new in this plan: nothing to replace
                existing = ResourceChange(action="replace", urn=urn, type=r.type, name=r.name, group=group_of(r),
                                          custom=True, inputs=r.inputs, delete_before_replace=r.delete_before_replace,
                                          protect=r.protect, retain_on_delete=r.retain_on_delete)
                changes.append(existing)
                by_urn[urn] = existing
                added += 1
            existing.action = "replace"
            existing.changes = [*existing.changes, *extra]
            queue.append(urn)
    return added
