"""alerts-reach-a-person: a prod stack's Alertmanager notifies someone."""

from __future__ import annotations

import dataclasses

import pytest

from policies.rules import ResourceView
from infra.render.services import victoria_metrics
from tests.conftest import reference_config

from .helpers import HELM, stack_violations, view

RULE = "alerts-reach-a-person"


def _release(stack: str, config: dict) -> ResourceView:
    r = view(HELM, "metrics-release", {"chart": "victoria-metrics-k8s-stack",
                                       "values": {"alertmanager": {"config": config}}})
    return dataclasses.replace(r, urn=r.urn.replace("urn:pulumi:dev::", f"urn:pulumi:{stack}::"))


NOWHERE = {"route": {"receiver": "blackhole"}, "receivers": [{"name": "blackhole"}]}
SLACK = {"route": {"receiver": "blackhole"},
         "receivers": [{"name": "blackhole"}, {"name": "team", "slack_configs": [{"api_url_file": "/f"}]}]}


@pytest.mark.parametrize("stack", ["prod", "production", "prod-eu", "production_us"])
def test_a_prod_stack_without_a_receiver_is_refused(stack):
    (found,) = stack_violations(RULE, [_release(stack, NOWHERE)])
    assert f"stack {stack!r} sends its alerts nowhere" in found[0]
    assert stack_violations(RULE, [_release(stack, SLACK)]) == []


@pytest.mark.parametrize("stack", ["dev", "staging", "preprod", "product"])
def test_other_stacks_may_keep_alerts_in_alertmanager(stack):
    assert stack_violations(RULE, [_release(stack, NOWHERE)]) == []


def test_a_receiver_without_any_notifier_does_not_count():
    empty = {"receivers": [{"name": "blackhole"}, {"name": "team", "slack_configs": []}]}
    assert len(stack_violations(RULE, [_release("prod", empty)])) == 1


def test_the_reference_prod_stack_routes_to_its_receivers_and_dev_is_not_required_to():
    values = victoria_metrics.chart_values(reference_config("prod"))
    assert stack_violations(RULE, [_release("prod", values["alertmanager"]["config"])]) == []
    dev = victoria_metrics.chart_values(reference_config("dev"))["alertmanager"]["config"]
    assert len(stack_violations(RULE, [_release("prod", dev)])) == 1  # dev's config would not pass as prod
