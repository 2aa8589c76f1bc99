"""`python -m infra check`: the policy pack's rules over a stack's offline plan.

The same rule code CrossGuard runs under `pulumi preview --policy-pack policies` (policies/rules):
resource rules over every custom resource the program registers (inputs, camelCase, as the engine
sends them), stack rules over all of them, and the secrets rule also over the stack file's plain
values. Violations are printed grouped by rule, then resource; the exit code is 1 when a mandatory
rule is violated, 2 for a stack file that does not validate, else 0.

Stack rules that need facts only the stack file knows (the budget and cost estimate, architectures
of models outside the catalog) read them from their policy config. `policy_config` builds it here;
`--write-policy-config FILE` writes it for `pulumi preview --policy-pack-config FILE`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ConfigError, PlatformConfig
from .cost import estimate
from .stack_file import StackFile, report_config_error

SUMMARY = ("{mandatory} mandatory, {advisory} advisory violations ({rules} of {total} rules violated); "
           "{resources} resources checked")


@dataclass(frozen=True)
class Violation:
    rule: Any  # policies.rules.Rule
    message: str
    urn: str | None
    resource_type: str | None = None
    resource_name: str | None = None


@dataclass
class CheckResult:
    violations: list[Violation] = field(default_factory=list)
    resources_checked: int = 0
    rules_checked: int = 0

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.rule.enforcement == "mandatory"]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.rule.enforcement == "advisory"]

    def by_rule(self, name: str) -> list[Violation]:
        return [v for v in self.violations if v.rule.name == name]

    @property
    def rules_violated(self) -> int:
        return len({v.rule.name for v in self.violations})

    def summary(self) -> str:
        return SUMMARY.format(mandatory=len(self.mandatory), advisory=len(self.advisory), rules=self.rules_violated,
                              total=self.rules_checked, resources=self.resources_checked)


# ---- facts for the stack rules ------------------------------------------------------------------


def policy_config(platform: PlatformConfig, stack: str) -> dict[str, dict[str, Any]]:
    """Per-rule policy config (the `--policy-pack-config` file's shape: rule name -> properties)."""
    budget: dict[str, Any] = {
        "stack": stack,
        "clusterName": platform.cluster.name,
        "monthlyUsd": platform.budget.monthly_usd if platform.budget else None,
    }
    cost = estimate(platform, stack)
    budget |= {
        "estimatedMonthlyUsd": round(float(cost.monthly_max_usd), 2),
        "estimatedMonthlyMinUsd": round(float(cost.monthly_min_usd), 2),
        "complete": bool(cost.complete),
    }
    architectures = {
        m.repository: m.architecture.model_dump(by_alias=True) for m in platform.models if m.architecture is not None
    }
    return {
        "budget-within-limit": budget,
        "budget-estimate-complete": dict(budget),
        "model-fits-gpu": {"architectures": architectures},
    }


# ---- running the rules --------------------------------------------------------------------------


def views(plan) -> tuple[list, list]:
    """(custom resources, every resource) of an offline plan, as the rules see them."""
    from policies.rules import ResourceView

    every = [
        ResourceView(urn=r.urn, type=r.type, name=r.name, props=r.inputs, protect=r.protect,
                     retain_on_delete=r.retain_on_delete, parent=r.parent, dependencies=tuple(r.dependencies))
        for r in plan.resources
    ]
    custom = [v for v, r in zip(every, plan.resources) if r.custom]
    return custom, every


def stack_config_view(stack_file: StackFile):
    """The stack file's plain (non-secure) values as one pseudo resource for the secrets rule."""
    from policies.rules import ResourceView
    from policies.rules.secrets import STACK_CONFIG_TYPE

    props: dict[str, Any] = {}
    for key, value in stack_file.values.items():
        if key in stack_file.secret_keys:
            continue
        try:
            props[key] = json.loads(value)
        except (json.JSONDecodeError, TypeError):
            props[key] = value
    name = stack_file.display_path
    return ResourceView(urn=f"stack-file:{name}", type=STACK_CONFIG_TYPE, name=name, props=props)


def evaluate(custom: Sequence, every: Sequence | None = None, config: Mapping[str, Mapping] | None = None,
             rules: Sequence | None = None) -> CheckResult:
    """Resource rules over `custom`, stack rules over `every` (default: `custom`)."""
    from policies.rules import RULES

    rules = RULES if rules is None else rules
    every = custom if every is None else every
    config = config or {}
    by_urn = {v.urn: v for v in list(every) + list(custom)}
    result = CheckResult(resources_checked=len(custom), rules_checked=len(rules))
    for rule in rules:
        if rule.kind == "resource":
            for view in custom:
                for message in rule.check(view.type, view.props, view.urn):
                    result.violations.append(Violation(rule, message, view.urn, view.type, view.name))
        else:
            for message, urn in rule.check(list(every), config.get(rule.name, {})):
                target = by_urn.get(urn) if urn else None
                result.violations.append(Violation(rule, message, urn, target.type if target else None,
                                                   target.name if target else None))
    return result


def check_plan(plan, config: Mapping[str, Mapping] | None = None, stack_file: StackFile | None = None) -> CheckResult:
    """Every rule over an offline plan (and the stack file's plain values, when given)."""
    custom, every = views(plan)
    if config is None:
        config = policy_config(plan.platform, plan.stack)
    extra = [stack_config_view(stack_file)] if stack_file is not None else []
    result = evaluate(custom + extra, every, config)
    result.resources_checked = len(custom)
    return result


# ---- output -------------------------------------------------------------------------------------


def render(result: CheckResult, stack: str, rule_count: int) -> str:
    from policies.rules import RULES
    from policies.rules.secrets import STACK_CONFIG_TYPE

    lines = [f"Policy check of stack {stack!r}: {rule_count} rules (the pack `pulumi preview --policy-pack policies` "
             "runs) over the offline plan", ""]
    order = sorted(RULES, key=lambda r: (r.enforcement != "mandatory", RULES.index(r)))
    for rule in order:
        found = result.by_rule(rule.name)
        if not found:
            continue
        lines.append(f"[{rule.enforcement}] {rule.name}: {rule.description}")
        groups: dict[str, list[str]] = {}
        for v in found:
            if v.resource_type == STACK_CONFIG_TYPE:
                where = f"stack file {v.resource_name}"
            else:
                where = f"{v.resource_type} {v.resource_name}" if v.resource_type else "stack"
            groups.setdefault(where, []).append(v.message)
        for where, messages in groups.items():
            for message in messages:
                lines.append(f"  - {where}: {message}")
        lines.append(f"  remediation: {rule.remediation}")
        lines.append("")
    if not result.violations:
        lines += ["No policy violations.", ""]
    lines.append(result.summary())
    return "\n".join(lines)


def write_policy_config(config: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def main(args: argparse.Namespace) -> int:
    from policies.rules import RULES

    from .plan.runner import plan_stack

    try:
        plan = plan_stack(args.stack, args.stack_file)
    except ConfigError as exc:
        return report_config_error(exc)
    stack_file, platform = plan.stack_file, plan.platform
    config = policy_config(platform, plan.stack)
    target = getattr(args, "write_policy_config", None)
    if target:
        write_policy_config(config, Path(target))
        print(f"Wrote the policy config of stack {plan.stack!r} to {target} "
              f"(pulumi preview --stack {plan.stack} --policy-pack policies --policy-pack-config {target})")
    result = check_plan(plan, config, stack_file)
    print(render(result, plan.stack, len(RULES)))
    return 1 if result.mandatory else 0
