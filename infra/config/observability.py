"""Metrics stack the platform reports to (VictoriaMetrics via vmagent, Grafana from the
victoria-metrics-k8s-stack chart) and the thresholds of the platform-wide alerts.

Per-model alert thresholds are each model's `slo`; autoscaling thresholds its `autoscaling`.

`receivers`: where Alertmanager sends alerts. Each names a Secrets Manager secret holding what the
receiver needs and only that: a Slack incoming-webhook URL, a PagerDuty Events v2 routing key, or a
webhook URL. External Secrets syncs them into the observability namespace; Alertmanager reads them from
files, so they are never in the Alertmanager configuration. Without receivers, alerts stay in
Alertmanager (its UI and the alerts dashboard), which the policy pack refuses for prod stacks."""

from __future__ import annotations

import re
from typing import Any

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import DNS_LABEL, K8sName, SecretsManagerSecret, StackModel

# The platform's VictoriaMetrics: the victoria-metrics-k8s-stack release names its VMSingle after its
# fullnameOverride (infra/render/services/victoria_metrics.py), and the operator serves it as
# vmsingle-<name> on port 8428 (vmsingle.spec.port, the chart default).
VM_FULLNAME = "vm"
VMSINGLE_PORT = 8428
_PLATFORM_VMSINGLE = re.compile(rf"^http://vmsingle-{VM_FULLNAME}\.([a-z0-9-]+)\.svc(\.cluster\.local)?:{VMSINGLE_PORT}/?$")


def platform_metrics_url(namespace: str) -> str:
    return f"http://vmsingle-{VM_FULLNAME}.{namespace}.svc:{VMSINGLE_PORT}"


def is_platform_metrics_url(url: str) -> bool:
    """Whether `url` is the platform's own VictoriaMetrics (in any namespace), not an external endpoint."""
    return _PLATFORM_VMSINGLE.match(url) is not None


class PlatformAlerts(StackModel):
    gateway_error_ratio: float = Field(default=0.05, gt=0, lt=1,
                                       description="share of gateway responses that are 5xx, over 10 minutes")
    gpu_temperature_celsius: int = Field(default=85, ge=60, le=100, description="GPU core temperature, for 10 minutes")


# An SNS topic (standard, not FIFO: Alertmanager sends no message group ID).
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:(?P<region>[a-z]{2}(-[a-z]+)+-\d{1,2}):\d{12}:[A-Za-z0-9_-]{1,256}$")


def sns_topic_region(arn: str) -> str:
    match = _SNS_TOPIC_ARN.match(arn)
    assert match, arn
    return match["region"]


class ReceiverConfig(StackModel):
    name: str = Field(description="the receiver's name in Alertmanager (a DNS label)")
    type: Literal["slack", "pagerduty", "webhook", "sns"]
    credentials_secret: SecretsManagerSecret | None = Field(
        default=None,
        description="Secrets Manager secret (name or ARN): the Slack webhook URL, the PagerDuty routing key or the "
                    "webhook URL (not for sns)")
    topic_arn: str | None = Field(default=None, description="sns only: the topic Alertmanager publishes to, with "
                                                            "its own AWS identity (EKS Pod Identity)")
    channel: str | None = Field(default=None, description="Slack only: the channel, e.g. #llm-alerts (default: "
                                                          "the webhook's own)")
    severities: list[Literal["critical", "warning"]] = Field(default_factory=lambda: ["critical", "warning"],
                                                             min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not DNS_LABEL.match(value) or len(value) > 40:
            raise ValueError(f"{value!r} is not a receiver name; allowed: lowercase letters, digits and '-', "
                             "starting with a letter, at most 40 characters")
        if value == "blackhole":
            raise ValueError("'blackhole' is the receiver of unrouted alerts; allowed: another name")
        return value

    @field_validator("topic_arn")
    @classmethod
    def _topic(cls, value: str | None) -> str | None:
        if value is not None and not _SNS_TOPIC_ARN.match(value):
            fifo = " (a FIFO topic: Alertmanager sends no message group ID)" if value.endswith(".fifo") else ""
            raise ValueError(f"{value!r} is not a standard SNS topic ARN{fifo}; allowed: "
                             "arn:aws:sns:<region>:<account>:<topic>")
        return value

    @model_validator(mode="after")
    def _settings_of_its_type(self) -> "ReceiverConfig":
        if self.channel is not None and self.type != "slack":
            raise ValueError(f"channel is a Slack setting; a {self.type} receiver has none")
        if self.type == "sns":
            if self.topic_arn is None:
                raise ValueError("an sns receiver needs topicArn (the SNS topic to publish to)")
            if self.credentials_secret is not None:
                raise ValueError("an sns receiver publishes with Alertmanager's own AWS identity (EKS Pod Identity), "
                                 "not a stored credential; allowed: remove credentialsSecret")
        else:
            if self.credentials_secret is None:
                raise ValueError(f"a {self.type} receiver needs credentialsSecret (the Secrets Manager secret with "
                                 f"its {'webhook URL' if self.type != 'pagerduty' else 'routing key'})")
            if self.topic_arn is not None:
                raise ValueError(f"topicArn is an sns setting; a {self.type} receiver has none")
        return self


class ObservabilityConfig(StackModel):
    namespace: K8sName = Field(default="monitoring", description="where the metrics stack and Grafana run")
    metrics_url: str = Field(
        default=platform_metrics_url("monitoring"),
        description="PromQL endpoint KEDA queries for vLLM metrics (default: the platform's VictoriaMetrics "
                    "in `namespace`)",
    )
    scrape_interval: str = "15s"
    alerts: PlatformAlerts = Field(default_factory=PlatformAlerts)
    receivers: list[ReceiverConfig] = Field(default_factory=list, max_length=8)

    @field_validator("receivers")
    @classmethod
    def _unique_receivers(cls, value: list[ReceiverConfig]) -> list[ReceiverConfig]:
        names = [r.name for r in value]
        if len(set(names)) != len(names):
            raise ValueError(f"receiver names repeat ({', '.join(sorted({n for n in names if names.count(n) > 1}))}); "
                             "allowed: one receiver per name")
        return value

    @model_validator(mode="before")
    @classmethod
    def _metrics_url_follows_the_namespace(cls, data: Any) -> Any:
        """Unset, the URL is the platform's VictoriaMetrics in `namespace`; set to the platform's
        VictoriaMetrics in another namespace, KEDA would query a service that does not exist."""
        if not isinstance(data, dict):
            return data
        namespace = data.get("namespace", "monitoring")
        url = data.get("metricsUrl", data.get("metrics_url"))
        if url is None and isinstance(namespace, str):
            return {**data, "metricsUrl": platform_metrics_url(namespace)}
        found = _PLATFORM_VMSINGLE.match(url) if isinstance(url, str) else None
        if found and found.group(1) != namespace:
            raise ValueError(f"metricsUrl {url!r} is the platform's VictoriaMetrics in namespace {found.group(1)!r}, "
                             f"but it runs in {namespace!r}; allowed: leave metricsUrl unset (it follows the "
                             f"namespace), {platform_metrics_url(namespace)!r}, or an external PromQL endpoint")
        return data

