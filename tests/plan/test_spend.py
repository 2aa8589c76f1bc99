"""The idle cost, the scale-to-zero saving and the budget status under the plan's cost table."""

from __future__ import annotations

from infra.cost import estimate
from infra.plan.spend import DAYS_PER_MONTH, spend_lines
from tests.conftest import reference_config


def lines_of(platform):
    return spend_lines(estimate(platform, "dev"), platform)


def test_idle_and_busy_are_priced_by_month_and_day_from_the_estimate():
    platform = reference_config("dev")
    cost = estimate(platform, "dev")
    idle, scale, budget = lines_of(platform)
    assert idle == (f"Idle (every model at replicas.min): ${cost.monthly_min_usd:,.2f} a month, "
                    f"${cost.monthly_min_usd / DAYS_PER_MONTH:,.2f} a day; at replicas.max: "
                    f"${cost.monthly_max_usd:,.2f} a month, ${cost.monthly_max_usd / DAYS_PER_MONTH:,.2f} a day")
    saved = sum(m.monthly_min_usd for m in cost.per_model)
    assert scale.startswith(f"Scale to zero: replicas.min 0 with autoscaling.scaleToZero: true would save up to "
                            f"${saved:,.2f} a month while idle (qwen-coder")
    assert budget.startswith(f"Budget: ${platform.budget.monthly_usd:,.2f} a month") and budget.endswith("within it")


def test_a_budget_below_the_estimate_says_the_policy_will_fail_and_no_budget_says_so():
    over = reference_config("dev", budget={"monthlyUsd": 100})
    assert "OVER it: the mandatory policy budget-within-limit fails" in lines_of(over)[-1]
    dev = reference_config("dev")
    none = dev.model_copy(update={"budget": None})
    assert lines_of(none)[-1] == "Budget: none (budget.monthlyUsd is not set), so the policy check does not limit the cost"


def test_models_that_already_scale_to_zero_save_nothing_more():
    import json

    from tests.conftest import reference_stack_file

    models = json.loads(reference_stack_file("dev").values["llm-platform:models"])
    for m in models:
        m["replicas"] = {"min": 0, "max": m.get("replicas", {}).get("max", 1)}
        m.setdefault("autoscaling", {})["scaleToZero"] = True
    platform = reference_config("dev", models=models)
    assert lines_of(platform)[1].startswith("Scale to zero: no model on a Karpenter pool keeps a replica")
