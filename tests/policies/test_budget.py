"""Budget rules: the policy config carries the facts; the offline check builds it from infra.cost."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from infra.check import policy_config
from tests.policies.helpers import CLUSTER, messages, stack_violations, view
from tests.conftest import reference_config

FACTS = {"stack": "dev", "clusterName": "llm-dev", "monthlyUsd": 2500, "estimatedMonthlyUsd": 1800.0,
         "estimatedMonthlyMinUsd": 700.0, "complete": True}
CLUSTER_VIEW = view(CLUSTER, "cluster-eks", {"name": "llm-dev"})


def test_budget_within_limit_passes_under_budget_and_without_a_budget():
    assert stack_violations("budget-within-limit", [CLUSTER_VIEW], FACTS) == []
    assert stack_violations("budget-within-limit", [CLUSTER_VIEW], {**FACTS, "monthlyUsd": None}) == []


def test_budget_within_limit_fails_over_budget():
    found = stack_violations("budget-within-limit", [CLUSTER_VIEW], {**FACTS, "estimatedMonthlyUsd": 3100.0})
    assert found == [("estimated monthly cost $3,100 at maximum replicas ($700 at minimum replicas) exceeds the budget "
                      "of $2,500", None)]


@pytest.mark.parametrize("config, expected", [
    ({}, "no cost facts in this policy's config"),
    ({**FACTS, "clusterName": "llm-prod", "stack": "prod"}, "generated for cluster 'llm-prod' (stack 'prod')"),
    ({k: v for k, v in FACTS.items() if not k.startswith("estimated")}, "but no cost estimate"),
])
def test_budget_within_limit_fails_closed_without_the_right_facts(config, expected):
    found = messages(stack_violations("budget-within-limit", [CLUSTER_VIEW], config))
    assert len(found) == 1 and expected in found[0], found


def test_budget_estimate_complete():
    assert stack_violations("budget-estimate-complete", [], FACTS) == []
    assert stack_violations("budget-estimate-complete", [], {**FACTS, "complete": False})


@dataclass
class FakeEstimate:  # the interface of infra.cost.CostEstimate the policy config reads
    monthly_min_usd: float
    monthly_max_usd: float
    complete: bool


def test_policy_config_carries_the_budget_and_the_estimate(monkeypatch):
    import infra.check

    platform = reference_config("dev")
    monkeypatch.setattr(infra.check, "estimate", lambda p, s: FakeEstimate(700.123, 3100.456, False))
    config = policy_config(platform, "dev")
    assert config["budget-within-limit"] == {"stack": "dev", "clusterName": "llm-dev", "monthlyUsd": 2500.0,
                                             "estimatedMonthlyUsd": 3100.46, "estimatedMonthlyMinUsd": 700.12,
                                             "complete": False}
    assert messages(stack_violations("budget-within-limit", [CLUSTER_VIEW], config["budget-within-limit"]))
    assert stack_violations("budget-estimate-complete", [], config["budget-estimate-complete"])
    assert config["model-fits-gpu"] == {"architectures": {}}
