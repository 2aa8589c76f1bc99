"""Metrics stack the models report to (VictoriaMetrics via vmagent)."""

from __future__ import annotations

from pydantic import Field

from .base import K8sName, StackModel


class ObservabilityConfig(StackModel):
    namespace: K8sName = "monitoring"
    metrics_url: str = Field(
        default="http://vmsingle-vm.monitoring.svc:8428",
        description="PromQL endpoint KEDA queries for vLLM metrics",
    )
    scrape_interval: str = "15s"
