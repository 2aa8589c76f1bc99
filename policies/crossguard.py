"""The rules as CrossGuard policies: one ResourceValidationPolicy or StackValidationPolicy per rule.

Importable and testable: nothing here constructs `PolicyPack` (that starts the analyzer's gRPC
server and blocks; it lives alone in policies/__main__.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .rules import RULES, ResourceView, Rule

LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}
TAGS = ["llm-platform"]


def view_of(resource: PolicyResource) -> ResourceView:
    """A stack policy's resource (props are outputs) as the rules see it. CrossGuard does not pass
    retainOnDelete to policies, so it stays unknown (None)."""
    dependencies = [d.urn for d in resource.dependencies]
    for deps in resource.property_dependencies.values():
        dependencies += [d.urn for d in deps]
    return ResourceView(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=resource.props,
        protect=bool(resource.opts.protect),
        retain_on_delete=None,
        parent=resource.parent.urn if resource.parent is not None else None,
        dependencies=tuple(dict.fromkeys(dependencies)),
    )


def resource_validation(rule: Rule):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule.check(args.resource_type, args.props, args.urn):
            report_violation(message, None)

    return validate


def stack_validation(rule: Rule):
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        views = [view_of(r) for r in args.resources]
        for message, urn in rule.check(views, args.get_config()):
            report_violation(message, urn)

    return validate


def to_policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    common = {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": LEVELS[rule.enforcement],
        "config_schema": PolicyConfigSchema(dict(rule.config_schema)) if rule.config_schema else None,
        "remediation_steps": rule.remediation,
        "tags": TAGS,
    }
    if rule.kind == "resource":
        return ResourceValidationPolicy(validate=resource_validation(rule), **common)
    return StackValidationPolicy(validate=stack_validation(rule), **common)


def policies(rules: Iterable[Rule] = RULES) -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [to_policy(rule) for rule in rules]
