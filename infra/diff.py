"""`python -m infra diff`: what a change to a stack file does, for review.

Both sides are offline plans of the real program (`infra.plan.runner.run_plan`), so the diff shows
exactly the resources and inputs `pulumi preview` would compare, without a cloud account:

- resources matched by URN (or by an alias URN): added, removed, changed with every changed input
  path (`spec.template.spec.containers[0].args[0]`, keys that are not plain words quoted as in
  Pulumi property paths: `metadata.annotations["llm-platform.io/weights"]`), old and new value;
- which changes replace a resource instead of updating it in place (`REPLACEMENT RULES` below, plus
  each resource's own `replaceOnChanges`), and whether the old one goes first (`deleteBeforeReplace`);
- the models affected: through their `ModelRelease` component, and through preload Jobs (their
  `llm-platform.io/weights` annotation names the weights; every model using them is affected);
- the monthly cost delta at minimum and maximum replicas (`infra.cost.estimate` on both sides).

The base is a stack file or a git ref: `--base origin/main` reads the new side's stack file as it
is at that ref (`git show <ref>:<path>`); a file that does not exist there makes everything added.
The base is always planned under the new side's stack name, so URNs line up.

This is the reviewer's view of the change, computed from the program. The engine's own diff on a
real stack (`pulumi preview`, which the PR workflow runs when cloud credentials are configured) is
authoritative: it also sees drift and provider-computed values that no offline plan has.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ConfigError
from .plan.mocks import Registration
from .plan.runner import Plan, run_plan, shown_inputs
from .stack_file import StackFile, load_stack_file, report_config_error, stack_config, stack_file_path

MODEL_RELEASE = "llm-platform:serving:ModelRelease"
WEIGHT_PRELOAD = "llm-platform:weights:WeightPreload"
WEIGHTS_ANNOTATION = "llm-platform.io/weights"
STACK_GROUP = ""  # group key of resources registered directly under the stack


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()  # an input present on one side only


# --------------------------------------------------------------------------------------------------
# Property paths

Token = str | int
_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def format_path(tokens: Iterable[Token]) -> str:
    out = ""
    for t in tokens:
        if isinstance(t, int):
            out += f"[{t}]"
        elif t == "*" or _PLAIN_KEY.match(t):
            out += ("." if out else "") + t
        else:
            out += "[" + json.dumps(t) + "]"
    return out


def parse_path(path: str) -> tuple[Token, ...]:
    """Pulumi property path syntax: `a.b[0]["c.d"]`, `[*]` or `*` as wildcards."""
    tokens: list[Token] = []
    i = 0
    while i < len(path):
        c = path[i]
        if c == ".":
            i += 1
        elif c == "[":
            end = path.index("]", i) if path[i + 1] != '"' else path.index('"]', i + 2) + 1
            inner = path[i + 1 : end]
            if inner.startswith('"'):
                tokens.append(json.loads(inner))
            elif inner == "*":
                tokens.append("*")
            else:
                tokens.append(int(inner))
            i = end + 1
        else:
            m = re.match(r"[^.\[]+", path[i:])
            tokens.append(m.group(0))
            i += len(m.group(0))
    return tuple(tokens)


def _get(value: Any, tokens: tuple[Token, ...]) -> Any:
    for t in tokens:
        if isinstance(t, int):
            value = value[t] if isinstance(value, list) and t < len(value) else MISSING
        else:
            value = value.get(t, MISSING) if isinstance(value, dict) else MISSING
        if value is MISSING:
            return MISSING
    return value


def _matches(pattern: tuple[Token, ...], tokens: tuple[Token, ...]) -> bool:
    """`pattern` is `tokens` or one of its ancestors (`*` matches any one key or index)."""
    if len(pattern) > len(tokens):
        return False
    return all(p == "*" or p == t for p, t in zip(pattern, tokens, strict=False))


# --------------------------------------------------------------------------------------------------
# Which changes replace a resource
#
# A conservative, documented approximation of the providers' own replacement decisions, for review:
#
# Kubernetes (pulumi-kubernetes v4, provider/pkg/provider/diff.go `forceNew`, matched here by API
# group and kind, any version):
#   every object        metadata.name, metadata.namespace, apiVersion, kind
#   Deployment/DaemonSet  spec.selector
#   StatefulSet         spec.selector, serviceName, podManagementPolicy, volumeClaimTemplates,
#                       revisionHistoryLimit
#   Job                 spec.template, spec.selector, spec.completions, spec.parallelism (a Job's pod
#                       template is immutable: any change to what the Job runs is a new Job)
#   PersistentVolumeClaim  spec, except spec.resources (only a size request can change in place)
#   PersistentVolume    its volume source (spec.csi, spec.nfs, spec.hostPath, spec.local, ...)
#   ConfigMap, Secret   data / binaryData / stringData, and a Secret's type: the provider replaces
#                       them unless enableConfigMapMutable / enableSecretMutable is set (it is not here)
#   Service             spec.clusterIP
#   (Cluster)RoleBinding roleRef;  StorageClass parameters, provisioner
#
# AWS (the ForceNew fields of the Terraform provider pulumi-aws bridges; S3 Files from the pulumi_aws
# SDK's own "Changing this value forces replacement" notes):
#   s3 Bucket           bucket, bucketPrefix
#   eks Cluster         name, roleArn, bootstrapSelfManagedAddons,
#                       accessConfig.bootstrapClusterCreatorAdminPermissions,
#                       kubernetesNetworkConfig.ipFamily / serviceIpv4Cidr, and encryptionConfig when
#                       it is removed (envelope encryption cannot be turned off; adding it, and changing
#                       vpcConfig.subnetIds, are in-place updates in the current provider)
#   eks NodeGroup       clusterName, nodeGroupName(Prefix), nodeRoleArn, subnetIds, instanceTypes,
#                       capacityType, amiType, diskSize, remoteAccess
#   ec2 Vpc             cidrBlock;   ec2 Subnet  cidrBlock, availabilityZone(Id), vpcId
#   s3 FilesFileSystem  bucket, roleArn, kmsKeyId, prefix;   FilesMountTarget  fileSystemId, subnetId
#   iam Role            name, namePrefix, path;   Policy  name, namePrefix, path
#   iam RolePolicy      name, namePrefix, role;   RolePolicyAttachment  role, policyArn
#
# plus, on any resource, the properties in its recorded `replaceOnChanges` option ("*" = any).
# Anything not listed is reported as an in-place update.


@dataclass(frozen=True)
class ReplaceRule:
    path: str
    unless: tuple[str, ...] = ()  # descendants that do not force replacement
    when: Callable[[Any, Any], bool] | None = None  # extra condition on (old, new) at `path`


def _rules(*paths: str) -> tuple[ReplaceRule, ...]:
    return tuple(ReplaceRule(p) for p in paths)


K8S_EVERY_OBJECT = _rules("metadata.name", "metadata.namespace", "apiVersion", "kind")
K8S_REPLACE: dict[tuple[str, str], tuple[ReplaceRule, ...]] = {
    ("apps", "Deployment"): _rules("spec.selector"),
    ("apps", "DaemonSet"): _rules("spec.selector"),
    ("apps", "StatefulSet"): _rules("spec.selector", "spec.serviceName", "spec.podManagementPolicy",
                                    "spec.volumeClaimTemplates", "spec.revisionHistoryLimit"),
    ("batch", "Job"): _rules("spec.template", "spec.selector", "spec.completions", "spec.parallelism"),
    ("core", "PersistentVolumeClaim"): (ReplaceRule("spec", unless=("spec.resources",)),),
    ("core", "PersistentVolume"): _rules("spec.csi", "spec.nfs", "spec.hostPath", "spec.local",
                                         "spec.awsElasticBlockStore"),
    ("core", "ConfigMap"): _rules("data", "binaryData"),
    ("core", "Secret"): _rules("type", "data", "stringData"),
    ("core", "Service"): _rules("spec.clusterIP"),
    ("rbac.authorization.k8s.io", "RoleBinding"): _rules("roleRef"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _rules("roleRef"),
    ("storage.k8s.io", "StorageClass"): _rules("parameters", "provisioner"),
}
AWS_REPLACE: dict[str, tuple[ReplaceRule, ...]] = {
    "aws:s3/bucket:Bucket": _rules("bucket", "bucketPrefix"),
    "aws:eks/cluster:Cluster": _rules(
        "name", "roleArn", "bootstrapSelfManagedAddons", "accessConfig.bootstrapClusterCreatorAdminPermissions",
        "kubernetesNetworkConfig.ipFamily", "kubernetesNetworkConfig.serviceIpv4Cidr",
    ) + (ReplaceRule("encryptionConfig", when=lambda old, new: old not in (MISSING, None) and new in (MISSING, None)),),
    "aws:eks/nodeGroup:NodeGroup": _rules("clusterName", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn",
                                          "subnetIds", "instanceTypes", "capacityType", "amiType", "diskSize",
                                          "remoteAccess"),
    "aws:ec2/vpc:Vpc": _rules("cidrBlock"),
    "aws:ec2/subnet:Subnet": _rules("cidrBlock", "availabilityZone", "availabilityZoneId", "vpcId"),
    "aws:s3/filesFileSystem:FilesFileSystem": _rules("bucket", "roleArn", "kmsKeyId", "prefix"),
    "aws:s3/filesMountTarget:FilesMountTarget": _rules("fileSystemId", "subnetId"),
    "aws:iam/role:Role": _rules("name", "namePrefix", "path"),
    "aws:iam/policy:Policy": _rules("name", "namePrefix", "path"),
    "aws:iam/rolePolicy:RolePolicy": _rules("name", "namePrefix", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _rules("role", "policyArn"),
}


def _k8s_group_kind(inputs: dict) -> tuple[str, str] | None:
    api_version, kind = inputs.get("apiVersion"), inputs.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    return (api_version.split("/")[0] if "/" in api_version else "core"), kind


def replace_rules(resource: Registration) -> tuple[ReplaceRule, ...]:
    rules: tuple[ReplaceRule, ...] = ()
    if resource.type.startswith("kubernetes:") and (gk := _k8s_group_kind(resource.inputs)):
        rules = K8S_EVERY_OBJECT + K8S_REPLACE.get(gk, ())
    rules += AWS_REPLACE.get(resource.type, ())
    rules += tuple(ReplaceRule(p) for p in resource.replace_on_changes)
    return rules


def _forces_replacement(rules: tuple[ReplaceRule, ...], tokens: tuple[Token, ...], old_root: dict,
                        new_root: dict) -> bool:
    for rule in rules:
        if rule.path == "*":
            return True
        pattern = parse_path(rule.path)
        if _matches(pattern, tokens):
            if any(_matches(parse_path(u), tokens) for u in rule.unless):
                continue
        elif _matches(tokens, pattern):
            # the change is an ancestor of the rule's property (one side lacks the whole subtree):
            # it replaces when the property itself differs
            if _get(old_root, pattern) == _get(new_root, pattern):
                continue
        else:
            continue
        if rule.when is None or rule.when(_get(old_root, pattern), _get(new_root, pattern)):
            return True
    return False


# --------------------------------------------------------------------------------------------------
# The diff


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
    cost_note: str = ""

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


def diff_inputs(old: Any, new: Any, path: tuple[Token, ...] = ()) -> list[tuple[tuple[Token, ...], Any, Any]]:
    """Leaf-level differences: dicts by key, lists by index; a value present on one side only is one change."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(old.keys() | new.keys(), key=str):
            out += diff_inputs(old.get(key, MISSING), new.get(key, MISSING), path + (key,))
        return out
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
    """Weights (`repository@revision`) a preload resource stands for: its own annotation or its children's."""
    found = set()
    for r in regs.values():
        if r.urn == urn or r.parent == urn:
            meta = r.inputs.get("metadata") if isinstance(r.inputs.get("metadata"), dict) else {}
            key = (meta.get("annotations") or {}).get(WEIGHTS_ANNOTATION)
            if isinstance(key, str):
                found.add(key)
    return found


def models_by_weights(plan: Plan | None) -> dict[str, set[str]]:
    from .render.model_workload import weight_refs

    out: dict[str, set[str]] = {}
    if plan is None:
        return out
    for m in plan.platform.resolved_models:
        for ref in weight_refs(m):
            out.setdefault(ref.key, set()).add(m.name)
    return out


def _is_preload(r: Registration, regs: dict[str, Registration]) -> bool:
    return (r.type == WEIGHT_PRELOAD or _ancestor_of_type(r.urn, regs, WEIGHT_PRELOAD) is not None
            or _k8s_group_kind(r.inputs) == ("batch", "Job"))


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
            InputChange(format_path(p), o, n, _forces_replacement(rules, p, old.inputs, r.inputs)) for p, o, n in leaves
        ]
        action = "replace" if any(c.replaces for c in input_changes) else "update"
        changes.append(_resource_change(action, r, _group_key(r, components), changes=input_changes,
                                        old_urn=old_urn if old_urn != urn else None))
    gone = set(renamed.values())
    for urn, r in old_regs.items():
        if urn not in new_regs and urn not in gone:
            changes.append(_resource_change("delete", r, _group_key(r, components)))

    groups = {STACK_GROUP: f"pulumi:pulumi:Stack {new.stack_file.project}-{new.stack}"}
    groups.update({c.group: f"{components[c.group].type} {components[c.group].name}"
                   for c in changes if c.group != STACK_GROUP})
    changes.sort(key=lambda c: (groups[c.group], c.custom, c.type, c.name))

    _pair_preloads(changes, old_regs, new_regs, models_by_weights(base), models_by_weights(new))
    models = _model_impacts(base, new, changes, old_regs, new_regs)
    result = PlanDiff(stack=new.stack, project=new.stack_file.project, base_label=base_label, new_label=new_label,
                      resources=changes, unchanged=unchanged, groups=groups, models=models)
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
    try:
        from .cost import estimate
    except ImportError:
        result.cost_note = "cost: not available"
        return
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


# --------------------------------------------------------------------------------------------------
# Rendering

VALUE_LIMIT = 100
DETAIL_LINES = 24
MARKDOWN_LIMIT = 60_000  # GitHub rejects comments over 65,536 characters
MARKERS = {"create": "+", "delete": "-", "update": "~"}
VERBS = {"create": "add", "update": "change", "replace": "replace", "delete": "destroy"}


def _marker(c: ResourceChange) -> str:
    if c.action == "replace":
        return "-/+" if c.delete_before_replace else "+/-"
    return MARKERS[c.action]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def _short(value: Any, limit: int = VALUE_LIMIT) -> str:
    if value is MISSING:
        return "(none)"
    text = _json(value)
    return text if len(text) <= limit else text[: limit - 1] + f"… ({len(text)} chars)"


def _pair(old: Any, new: Any, limit: int = VALUE_LIMIT) -> tuple[str, str]:
    """Both values, cut around their first difference so the change itself stays visible."""
    a, b = ("(none)" if old is MISSING else _json(old)), ("(none)" if new is MISSING else _json(new))
    if len(a) <= limit and len(b) <= limit:
        return a, b
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - limit // 3)

    def cut(s: str) -> str:
        if len(s) <= limit:
            return s
        piece = s[start : start + limit]
        return ("…" if start else "") + piece + ("…" if start + limit < len(s) else "") + f" ({len(s)} chars)"

    return cut(a), cut(b)


def _text_lines(value: Any) -> list[str] | None:
    """Multi-line strings (scripts, JSON policy documents) are shown as a line diff."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped[:1] in "{[":
        try:
            return json.dumps(json.loads(stripped), indent=2, sort_keys=True).splitlines()
        except ValueError:
            pass
    return value.splitlines() if "\n" in value else None


def _line_diff(old: Any, new: Any) -> list[str] | None:
    import difflib

    a, b = _text_lines(old), _text_lines(new)
    if a is None or b is None:
        return None
    lines = [line for line in difflib.unified_diff(a, b, lineterm="", n=1)][2:]
    if len(lines) > DETAIL_LINES:
        lines = lines[:DETAIL_LINES] + [f"… {len(lines) - DETAIL_LINES} more diff lines"]
    return lines


def _notes(c: ResourceChange) -> list[str]:
    notes = []
    if c.action == "replace":
        notes.append("replaced (" + ("deleted first, then created: deleteBeforeReplace" if c.delete_before_replace
                                     else "created first, then the old one deleted") + ")")
        notes.append("forced by " + ", ".join(c.replace_paths))
    if c.old_urn:
        notes.append(f"renamed from {c.old_urn} (alias)")
    if c.supersedes:
        notes.append(f"replaces {_urn_name(c.supersedes)} (new weights {', '.join(c.weights)}): created and "
                     "completed before the models roll")
    if c.superseded_by:
        notes.append(f"replaced by {_urn_name(c.superseded_by)}: deleted once the update is done")
    if c.action in ("delete", "replace") and c.protect:
        notes.append("PROTECTED: pulumi up refuses this until it is unprotected")
    if c.action in ("delete", "replace") and c.retain_on_delete:
        notes.append("retained on delete: the old one only leaves the state, the cloud resource stays")
    return notes


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _usd(value: float) -> str:
    return f"${value:,.0f}"


def _signed(value: float) -> str:
    return ("+" if value > 0.005 else "-" if value < -0.005 else "±") + f"${abs(value):,.0f}"


def cost_sentence(d: PlanDiff) -> str:
    if d.cost is None:
        return d.cost_note or "cost: not available"
    c = d.cost
    text = (f"cost {_signed(c.min_delta)}/month at minimum replicas ({_usd(c.base_min)} -> {_usd(c.new_min)}), "
            f"{_signed(c.max_delta)}/month at maximum ({_usd(c.base_max)} -> {_usd(c.new_max)})")
    return text + ("" if c.complete else "; incomplete: some lines have no published price")


def models_sentence(d: PlanDiff) -> str:
    if not d.models:
        return "models affected: none"
    return "models affected: " + ", ".join(f"{m.name} ({m.status})" for m in d.models)


def _grouped(d: PlanDiff) -> list[tuple[str, list[ResourceChange]]]:
    order: dict[str, list[ResourceChange]] = {}
    for c in d.resources:
        order.setdefault(c.group, []).append(c)
    return sorted(order.items(), key=lambda kv: (kv[0] != STACK_GROUP, d.groups[kv[0]]))


def _change_lines(c: ResourceChange, width: int = 0) -> list[str]:
    out = []
    for ch in c.changes:
        detail = _line_diff(ch.old, ch.new)
        tag = "  # forces replacement" if ch.replaces and c.action == "replace" else ""
        if detail is not None:
            out.append(f"{ch.path}:{tag}")
            out += [f"    {line}" for line in detail]
        else:
            old, new = _pair(ch.old, ch.new)
            out.append(f"{ch.path}: {old} => {new}{tag}")
    return out


def render_text(d: PlanDiff, color: bool = False) -> str:
    colors = {"+": "\033[32m", "-": "\033[31m", "~": "\033[33m", "-/+": "\033[35m", "+/-": "\033[35m"}
    reset = "\033[0m" if color else ""

    def paint(marker: str) -> str:
        return f"{colors[marker]}{marker}{reset}" if color else marker

    lines = [f"llm-platform diff of stack {d.stack}: {d.base_label} -> {d.new_label}", ""]
    if d.empty:
        lines.append("No resource changes.")
    for group, items in _grouped(d):
        lines.append(d.groups[group])
        for c in items:
            marker = _marker(c)
            label = f"  ({c.label})" if c.label else ""
            lines.append(f"  {' ' * (3 - len(marker))}{paint(marker)} {c.type}  {c.name}{label}")
            for note in _notes(c):
                lines.append(f"        # {note}")
            for line in _change_lines(c):
                lines.append(f"        {line}")
        lines.append("")
    if d.models:
        lines.append("Models:")
        for m in d.models:
            cost = ""
            if m.cost_max_delta is not None:
                cost = f"  (cost {_signed(m.cost_min_delta)} min, {_signed(m.cost_max_delta)} max /month)"
            lines.append(f"  {m.name}: {_model_summary(m)}{cost}")
        lines.append("")
    lines.append(cost_sentence(d)[0].upper() + cost_sentence(d)[1:])
    lines.append(f"Resources: {d.summary()}; {d.unchanged} unchanged")
    lines.append("Markers: + create, - destroy, ~ update in place, +/- replace (create first), "
                 "-/+ replace (delete first)")
    return "\n".join(lines)


def _model_summary(m: ModelImpact) -> str:
    if m.status != "changed":
        return m.status
    if m.config_changes:
        shown = [f"{c.path} {_short(c.old, 48)} -> {_short(c.new, 48)}" for c in m.config_changes[:4]]
        more = f", +{len(m.config_changes) - 4} more" if len(m.config_changes) > 4 else ""
        return "changed: " + ", ".join(shown) + more
    if m.resources and all(r.type == WEIGHT_PRELOAD or _k8s_group_kind(r.inputs) == ("batch", "Job")
                           for r in m.resources):
        return "changed: the preload of its weights changes"
    return "changed: platform settings change its resources"


def _md_code(text: str) -> str:
    return text.replace("```", "`\u200b``")


def render_markdown(d: PlanDiff) -> str:
    head = [
        f"<!-- llm-platform-diff:{d.stack} -->",
        f"### `{d.stack}`: {d.summary()}",
        "",
        f"Compared with `{d.base_label}` (offline plans of both sides; `{d.unchanged}` resources unchanged).",
        "",
        f"- **{cost_sentence(d)}**",
        f"- **{models_sentence(d)}**",
    ]
    if d.models:
        head += ["", "| model | change | $/month min | $/month max |", "|---|---|---:|---:|"]
        for m in d.models:
            cmin = _signed(m.cost_min_delta) if m.cost_min_delta is not None else "n/a"
            cmax = _signed(m.cost_max_delta) if m.cost_max_delta is not None else "n/a"
            summary = _model_summary(m).replace("|", "\\|")
            head.append(f"| `{m.name}` | {summary} | {cmin} | {cmax} |")
    if d.empty:
        head += ["", "No resource changes."]
    body: list[str] = []
    budget = MARKDOWN_LIMIT - sum(len(x) + 1 for x in head)
    left_out = 0
    for group, items in _grouped(d):
        counts = {verb: sum(1 for c in items if c.action == a) for a, verb in VERBS.items()}
        summary = ", ".join(f"{n} to {verb}" for verb, n in counts.items() if n)
        block = ["", "<details>", f"<summary><code>{d.groups[group]}</code>: {summary}</summary>", "", "```diff"]
        for c in items:
            label = f"  ({c.label})" if c.label else ""
            if c.action == "create":
                block.append(f"+ {c.type}  {c.name}{label}")
            elif c.action == "delete":
                block.append(f"- {c.type}  {c.name}{label}")
            else:
                block.append(f"@@ {_marker(c)} {c.action} {c.type}  {c.name}{label} @@")
            block += [f"# {note}" for note in _notes(c)]
            for ch in c.changes:
                detail = _line_diff(ch.old, ch.new)
                tag = "  # forces replacement" if ch.replaces and c.action == "replace" else ""
                if detail is not None:
                    block.append(f"  {ch.path}:{tag}")
                    block += [f"{line[:1]}     {line[1:]}" if line[:1] in "+-" else f"      {line}" for line in detail]
                    continue
                old, new = _pair(ch.old, ch.new)
                if ch.old is not MISSING:
                    block.append(f"-   {ch.path}: {old}{tag if ch.new is MISSING else ''}")
                if ch.new is not MISSING:
                    block.append(f"+   {ch.path}: {new}{tag}")
        block += ["```", "", "</details>"]
        text = _md_code("\n".join(block[5:-3]))
        block = block[:5] + text.split("\n") + block[-3:]
        size = sum(len(x) + 1 for x in block)
        if size > budget:
            left_out += 1
            continue
        budget -= size
        body += block
    if left_out:
        body += ["", f"_{left_out} component(s) left out to fit a comment: run `python -m infra diff --stack {d.stack} "
                     f"--base {d.base_label}` for the whole diff._"]
    foot = ["", "<sub>+ create, - destroy, ~ update in place, +/- replace (create first), -/+ replace (delete first). "
            "Generated by <code>python -m infra diff</code> from offline plans; "
            "<code>pulumi preview</code> on the real stack is authoritative.</sub>"]
    return "\n".join(head + body + foot) + "\n"


# --------------------------------------------------------------------------------------------------
# Base resolution and CLI


@dataclass
class Side:
    stack_file: StackFile | None  # None: the stack file does not exist at the base ref
    label: str


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ConfigError(["--base: git is not installed, so a git ref cannot be read (give a stack file)"]) from None


def _relabel(exc: ConfigError, tmp: Path, label: str) -> ConfigError:
    return ConfigError([line.replace(str(tmp), label) for line in exc.lines])


def resolve_base(base: str, new_path: Path, stack: str, project: str, workdir: Path) -> Side:
    """A stack file, or the new side's stack file as it is at a git ref. Loaded as stack `stack`."""
    candidate = Path(base)
    if candidate.is_file():
        copy = workdir / f"Pulumi.{stack}.yaml"
        shutil.copyfile(candidate, copy)
        try:
            return Side(load_stack_file(copy, project), str(candidate))
        except ConfigError as exc:
            raise _relabel(exc, copy, str(candidate)) from None
    folder = new_path.resolve().parent
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise ConfigError([f"--base {base}: no such stack file, and {new_path} is not in a git repository, "
                           "so it cannot be a git ref either"])
    root = Path(top.stdout.strip())
    if _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], root).returncode != 0:
        raise ConfigError([f"--base {base}: neither an existing stack file nor a git ref (branch, tag or commit) "
                           f"in {root}"])
    relative = new_path.resolve().relative_to(root).as_posix()
    label = f"{base}:{relative}"
    shown = _git(["show", f"{base}:{relative}"], root)
    if shown.returncode != 0:
        return Side(None, f"{label} (absent)")
    copy = workdir / f"Pulumi.{stack}.yaml"
    copy.write_text(shown.stdout)
    try:
        return Side(load_stack_file(copy, project), label)
    except ConfigError as exc:
        raise _relabel(exc, copy, label) from None


def main(args) -> int:
    errors: list[str] = []
    new_sf = base_side = None
    new_platform = base_platform = None
    with tempfile.TemporaryDirectory(prefix="llm-platform-diff-") as tmp:
        try:  # in two steps: the base is still checked when only the new side's config is wrong
            new_sf = load_stack_file(args.stack_file or stack_file_path(args.stack))
            new_platform = stack_config(new_sf)
        except ConfigError as exc:
            errors += exc.lines
        if new_sf is not None:
            try:
                base_side = resolve_base(args.base, new_sf.path, new_sf.stack, new_sf.project, Path(tmp))
                if base_side.stack_file is not None:
                    try:
                        base_platform = stack_config(base_side.stack_file)
                    except ConfigError as exc:
                        raise _relabel(exc, base_side.stack_file.path, base_side.label) from None
            except ConfigError as exc:
                errors += exc.lines
        if errors:
            return report_config_error(ConfigError(errors))
        base_plan = run_plan(base_side.stack_file, base_platform) if base_side.stack_file is not None else None
    new_plan = run_plan(new_sf, new_platform)
    result = diff_plans(base_plan, new_plan, base_label=base_side.label, new_label=new_sf.display_path)
    if args.markdown:
        print(render_markdown(result), end="")
    else:
        print(render_text(result, color=sys.stdout.isatty()))
    return 0
