"""The priority classes exist before anything names them and are replaced, not updated, when changed."""

from infra.render.priority import SERVICES_PRIORITY_CLASS, SERVING_PRIORITY_CLASS
from tests.conftest import reference_plan


def test_priority_classes_come_first_and_are_replaced_on_change():
    plan = reference_plan("dev")
    by_name = {r.name: r for r in plan.resources}
    classes = [by_name[f"priority-class-{n}"] for n in (SERVICES_PRIORITY_CLASS, SERVING_PRIORITY_CLASS)]
    for cls in classes:
        assert cls.type == "kubernetes:scheduling.k8s.io/v1:PriorityClass"
        assert cls.replace_on_changes == ["value", "preemptionPolicy"]
    services, serving = (c.urn for c in classes)
    for release in ("keda-release", "envoy-gateway-release", "metrics-release", "logs-release",
                    "external-secrets-release"):
        assert services in by_name[release].dependencies, release
    for model in plan.platform.resolved_models:
        assert serving in by_name[f"{model.name}-deployment"].dependencies
