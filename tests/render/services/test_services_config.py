"""The `services` section of the stack file: defaults, camelCase keys, and what it refuses."""

from __future__ import annotations

import pytest

from infra.config import ConfigError
from infra.config.services import ServicesConfig

from ..conftest import build_platform


def with_services(services: dict):
    def mutate(cfg) -> None:
        cfg["services"] = services
    return mutate


def test_defaults():
    s = ServicesConfig()
    assert s.metrics.retention == "30d" and s.logs.retention == "14d"
    assert s.envoy_gateway.controller.replicas == 2 and s.keda.operator.replicas == 1
    assert s.metrics.storage.size_gib == 50 and s.metrics.storage.storage_class is None
    assert s.logs.namespace == "logging" and s.logs.shipper is True


def test_camel_case_keys_from_the_stack_file():
    platform = build_platform(with_services({
        "keda": {"metricsServer": {"replicas": 2}},
        "externalSecrets": {"certController": {"resources": {"cpu": "1", "memory": "1Gi"}}},
        "metrics": {"storage": {"sizeGib": 100, "storageClass": "gp3"}, "kubeStateMetrics": {"memory": "512Mi"},
                    "grafanaAdminUser": "ops"},
        "logs": {"shipperResources": {"cpu": "100m"}},
    }))
    s = platform.services
    assert s.keda.metrics_server.replicas == 2
    assert s.external_secrets.cert_controller.resources.memory == "1Gi"
    assert (s.metrics.storage.size_gib, s.metrics.storage.storage_class) == (100, "gp3")
    assert s.metrics.kube_state_metrics.memory == "512Mi" and s.metrics.grafana_admin_user == "ops"
    assert s.logs.shipper_resources.cpu == "100m"


def test_a_partial_setting_keeps_the_components_other_defaults():
    s = ServicesConfig.model_validate({"envoyGateway": {"controller": {"replicas": 1}},
                                       "logs": {"shipperResources": {"cpu": "100m"}}})
    assert s.envoy_gateway.controller.resources.memory == "512Mi"  # not the generic 128Mi
    assert s.logs.shipper_resources.memory == "256Mi"


@pytest.mark.parametrize("services,message", [
    ({"metrics": {"retention": "12h"}}, "shorter than the 24h"),
    ({"logs": {"retention": "30"}}, "not a retention period"),
    ({"keda": {"operator": {"replicas": 0}}}, "greater than or equal to 1"),
    ({"keda": {"operator": {"resources": {"cpu": "lots"}}}}, "not a CPU quantity"),
    ({"metrics": {"grafana": {"memory": "1G"}}}, "not a memory quantity"),
    ({"metrics": {"grafanaAdminPassword": "hunter2"}}, "grafanaAdminPassword"),
    ({"logs": {"storage": {"storageClass": "GP3"}}}, "not a valid name"),
    ({"ingress": {}}, "ingress"),
])
def test_refused(services, message):
    with pytest.raises(ConfigError) as info:
        build_platform(with_services(services))
    assert message in str(info.value)


def test_no_setting_holds_a_credential():
    def fields(model) -> list[str]:
        names = []
        for name, info in model.model_fields.items():
            names.append(name)
            annotation = info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                names += fields(annotation)
        return names
    assert not [f for f in fields(ServicesConfig) if any(w in f for w in ("password", "token", "secret_key"))]
