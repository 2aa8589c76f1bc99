"""Comparing two plans: resources matched by URN or alias, their input changes and forced
replacements, preload Jobs paired across a weights change, the models affected and the cost delta."""

from __future__ import annotations

from typing import Any

from ..catalog.component_types import MODEL_RELEASE, WEIGHT_PRELOAD
from ..cost import estimate
from ..plan.mocks import Registration
from ..plan.runner import Plan, shown_inputs
from ..render.labels import WEIGHTS_ANNOTATION
from ..render.model_workload import weight_refs
from .arguments import by_meaning, is_argument_list
from .cascade import cascade
from .changes import STACK_GROUP, CostDelta, InputChange, ModelImpact, PlanDiff, ResourceChange
from .paths import MISSING, Token, format_path
from .replacement_rules import forces_replacement, k8s_group_kind, replace_rules
from .warnings import change_warnings, warnings

def diff_inputs(old: Any, new: Any, path: tuple[Token, ...] = ()) -> list[tuple[tuple[Token, ...], Any, Any]]:
    """Leaf-level differences: dicts by key, lists by index, container arguments by flag
    (`args["--max-model-len"]`); a value present on one side only is one change."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(old.keys() | new.keys(), key=str):
            out += diff_inputs(old.get(key, MISSING), new.get(key, MISSING), path + (key,))
        return out
    if is_argument_list(path, old, new):
        leaves = diff_inputs(by_meaning(old), by_meaning(new), path)
        return leaves or [(path, old, new)]  # the same flags in another order: still a new pod template
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for i in range(max(len(old), len(new))):
            out += diff_inputs(old[i] if i < len(old) else MISSING, new[i] if i < len(new) else MISSING, path + (i,))
        return out
    return [(path, old, new)]


def _registrations(plan: Plan | None) -> dict[str, Registration]:
    return {r.urn: r for r in plan.resources} if plan else {}


def _group_key(r: Registration, components: dict[str, Registration]) -> str:
    if not r.custom:
        return r.urn
    return r.parent if r.parent in components else STACK_GROUP


def _ancestor_of_type(urn: str | None, regs: dict[str, Registration], typ: str) -> Registration | None:
    seen = set()
    while urn and urn not in seen:
        seen.add(urn)
        r = regs.get(urn)
        if r is None:
            return None
        if r.type == typ:
            return r
        urn = r.parent
    return None


def _weights_of(urn: str, regs: dict[str, Registration]) -> set[str]:
    """Weights (`repository@revision`) a preload resource stands for: the annotation on its WeightPreload
    component's Kubernetes children (its Job and service account; its AWS identity carries none)."""
    component = _ancestor_of_type(urn, regs, WEIGHT_PRELOAD)
    root = component.urn if component is not None else urn
    found = set()
    for r in regs.values():
        if r.urn == root or r.parent == root:
            meta = r.inputs.get("metadata") if isinstance(r.inputs.get("metadata"), dict) else {}
            key = (meta.get("annotations") or {}).get(WEIGHTS_ANNOTATION)
            if isinstance(key, str):
                found.add(key)
    return found


def models_by_weights(plan: Plan | None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if plan is None:
        return out
    for m in plan.platform.resolved_models:
        for ref in weight_refs(m):
            out.setdefault(ref.key, set()).add(m.name)
    return out


def _is_preload(r: Registration, regs: dict[str, Registration]) -> bool:
    return (r.type == WEIGHT_PRELOAD or _ancestor_of_type(r.urn, regs, WEIGHT_PRELOAD) is not None
            or k8s_group_kind(r.inputs) == ("batch", "Job"))


def _resource_change(action: str, r: Registration, group: str, **kw) -> ResourceChange:
    return ResourceChange(action=action, urn=r.urn, type=r.type, name=r.name, group=group, custom=r.custom,
                          inputs=r.inputs, delete_before_replace=r.delete_before_replace, protect=r.protect,
                          retain_on_delete=r.retain_on_delete, **kw)


def diff_plans(base: Plan | None, new: Plan, *, base_label: str = "base", new_label: str = "new",
               cost: bool = True) -> PlanDiff:
    """Compare two plans of one stack. `base` None: the stack did not exist there (everything is added)."""
    old_regs, new_regs = _registrations(base), _registrations(new)
    every = {**old_regs, **new_regs}
    components = {u: r for u, r in every.items() if not r.custom}

    # aliases: a new resource naming a base-only URN is that resource, renamed
    renamed: dict[str, str] = {}
    for urn, r in new_regs.items():
        if urn in old_regs:
            continue
        for alias in r.aliases:
            if alias in old_regs and alias not in new_regs and alias not in renamed.values():
                renamed[urn] = alias
                break

    changes: list[ResourceChange] = []
    unchanged = 0
    for urn, r in new_regs.items():
        old_urn = urn if urn in old_regs else renamed.get(urn)
        if old_urn is None:
            changes.append(_resource_change("create", r, _group_key(r, components)))
            continue
        old = old_regs[old_urn]
        leaves = diff_inputs(shown_inputs(old), shown_inputs(r))
        if not leaves and old_urn == urn:
            unchanged += 1
            continue
        rules = replace_rules(r)
        input_changes = [
            InputChange(format_path(p), o, n, forces_replacement(rules, p, old.inputs, r.inputs)) for p, o, n in leaves
        ]
        action = "replace" if any(c.replaces for c in input_changes) else "update"
        changes.append(_resource_change(action, r, _group_key(r, components), changes=input_changes,
                                        old_urn=old_urn if old_urn != urn else None))
    gone = set(renamed.values())
    for urn, r in old_regs.items():
        if urn not in new_regs and urn not in gone:
            changes.append(_resource_change("delete", r, _group_key(r, components)))
    unchanged -= cascade(changes, old_regs, new_regs, lambda r: _group_key(r, components))

    groups = {STACK_GROUP: f"pulumi:pulumi:Stack {new.stack_file.project}-{new.stack}"}
    groups.update({c.group: f"{components[c.group].type} {components[c.group].name}"
                   for c in changes if c.group != STACK_GROUP})
    changes.sort(key=lambda c: (groups[c.group], c.custom, c.type, c.name))

    _pair_preloads(changes, old_regs, new_regs, models_by_weights(base), models_by_weights(new))
    models = _model_impacts(base, new, changes, old_regs, new_regs)
    result = PlanDiff(stack=new.stack, project=new.stack_file.project, base_label=base_label, new_label=new_label,
                      resources=changes, unchanged=unchanged, groups=groups, models=models,
                      warnings=warnings(base, new) + change_warnings(changes))
    if cost:
        _add_cost(result, base, new)
    return result


def _pair_preloads(changes: list[ResourceChange], old_regs, new_regs, old_weights, new_weights) -> None:
    """A preload is named after `repository@revision`, so new weights for a model are a new preload
    resource and the old one a delete: pair them, so the review reads "this Job replaces that one"."""
    removed: list[tuple[ResourceChange, set[str]]] = []
    for c in changes:
        regs = old_regs if c.action == "delete" else new_regs
        if c.action in ("create", "delete") and _is_preload(regs[c.urn], regs):
            c.weights = tuple(sorted(_weights_of(c.urn, regs)))
            if c.action == "delete":
                removed.append((c, set().union(*(old_weights.get(k, set()) for k in c.weights))))
    for c in changes:
        if c.action != "create" or not c.weights:
            continue
        users = set().union(*(new_weights.get(k, set()) for k in c.weights))
        for old, old_users in removed:
            if old.superseded_by is None and old.type == c.type and users & old_users:
                c.supersedes, old.superseded_by = old.urn, c.urn
                break


def _models_of(c: ResourceChange, old_regs, new_regs, old_weights, new_weights) -> set[str]:
    """Models a changed resource belongs to: its ModelRelease, or every model using a preload's weights."""
    sides = []
    if c.action != "create":
        sides.append((old_regs, old_weights, c.old_urn or c.urn))
    if c.action != "delete":
        sides.append((new_regs, new_weights, c.urn))
    names: set[str] = set()
    for regs, weights, urn in sides:
        release = _ancestor_of_type(urn, regs, MODEL_RELEASE)
        if release is not None:
            names.add(release.name)
        elif _is_preload(regs[urn], regs):
            for key in _weights_of(urn, regs):
                names |= weights.get(key, set())
    return names


def _model_impacts(base: Plan | None, new: Plan, changes: list[ResourceChange], old_regs,
                   new_regs) -> list[ModelImpact]:
    old_models = {m.name: m for m in base.platform.resolved_models} if base else {}
    new_models = {m.name: m for m in new.platform.resolved_models}
    old_weights, new_weights = models_by_weights(base), models_by_weights(new)
    touched: dict[str, list[ResourceChange]] = {}
    for c in changes:
        for name in _models_of(c, old_regs, new_regs, old_weights, new_weights):
            touched.setdefault(name, []).append(c)

    impacts = []
    for name in sorted(old_models.keys() | new_models.keys()):
        if name not in old_models:
            status, config_changes = "added", []
        elif name not in new_models:
            status, config_changes = "removed", []
        else:
            before = old_models[name].config.model_dump(by_alias=True, mode="json")
            after = new_models[name].config.model_dump(by_alias=True, mode="json")
            config_changes = [InputChange(format_path(p), o, n) for p, o, n in diff_inputs(before, after)]
            if not config_changes and name not in touched:
                continue
            status = "changed"
        impacts.append(ModelImpact(name=name, status=status, config_changes=config_changes,
                                   resources=touched.get(name, [])))
    return impacts


def _add_cost(result: PlanDiff, base: Plan | None, new: Plan) -> None:
    after = estimate(new.platform, new.stack)
    before = estimate(base.platform, base.stack) if base else None
    result.cost = CostDelta(
        base_min=before.monthly_min_usd if before else 0.0, base_max=before.monthly_max_usd if before else 0.0,
        new_min=after.monthly_min_usd, new_max=after.monthly_max_usd,
        complete=after.complete and (before.complete if before else True),
    )
    old_per = {m.name: m for m in before.per_model} if before else {}
    new_per = {m.name: m for m in after.per_model}
    for impact in result.models:
        o, n = old_per.get(impact.name), new_per.get(impact.name)
        if any(m is not None and (m.monthly_min_usd is None or m.monthly_max_usd is None) for m in (o, n)):
            continue  # an unpriced instance: no delta rather than a wrong one
        impact.cost_min_delta = (n.monthly_min_usd if n else 0.0) - (o.monthly_min_usd if o else 0.0)
        impact.cost_max_delta = (n.monthly_max_usd if n else 0.0) - (o.monthly_max_usd if o else 0.0)
