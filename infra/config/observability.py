"""Metrics stack the platform reports to (VictoriaMetrics via vmagent, Grafana from the
victoria-metrics-k8s-stack chart) and the thresholds of the platform-wide alerts.

Per-model alert thresholds are each model's `slo`; autoscaling thresholds its `autoscaling`."""

from __future__ import annotations

from pydantic import Field

from .base import K8sName, StackModel


class PlatformAlerts(StackModel):
    gateway_error_ratio: float = Field(default=0.05, gt=0, lt=1,
                                       description="share of gateway responses that are 5xx, over 10 minutes")
    gpu_temperature_celsius: int = Field(default=85, ge=60, le=100, description="GPU core temperature, for 10 minutes")


class ObservabilityConfig(StackModel):
    namespace: K8sName = Field(default="monitoring", description="where the metrics stack and Grafana run")
    metrics_url: str = Field(
        default="http://vmsingle-vm.monitoring.svc:8428",
        description="PromQL endpoint KEDA queries for vLLM metrics",
    )
    scrape_interval: str = "15s"
    alerts: PlatformAlerts = Field(default_factory=PlatformAlerts)
