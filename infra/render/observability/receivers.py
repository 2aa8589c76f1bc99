"""Where alerts go: Alertmanager's configuration (the victoria-metrics-k8s-stack chart's
`alertmanager.config`, a plain Alertmanager configuration) and the ExternalSecret that brings each
receiver's secret from AWS Secrets Manager into the observability namespace.

The secrets never enter the configuration: the VMAlertmanager mounts the synced Secret (`spec.secrets`;
the VictoriaMetrics operator mounts each at /etc/vm/secrets/<name>/) and each receiver reads its key
from a file (`api_url_file`, `routing_key_file`, `url_file`, Alertmanager v0.32). An SNS receiver needs
no secret: Alertmanager signs its requests (SigV4) with the credentials EKS Pod Identity gives the
VMAlertmanager's service account (`vmalertmanager-<name>`, the operator's), whose role may only
publish to the listed topics. Every receiver gets
the alerts of the severities it lists; alerts nothing routes go to `blackhole` (the chart's default).
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.observability import ReceiverConfig, sns_topic_region
from ..aws.iam import POLICY_VERSION
from ..gateway.names import synced_secret
from ..labels import metadata as label_metadata
from .scrapes import observability_labels

RECEIVERS_SECRET = "alert-receivers"
SECRETS_DIR = "/etc/vm/secrets"  # VictoriaMetrics operator: VMAlertmanager spec.secrets are mounted here
BLACKHOLE = "blackhole"
REFRESH = "1h"
_FILE_FIELD = {"slack": ("slack_configs", "api_url_file"), "pagerduty": ("pagerduty_configs", "routing_key_file"),
               "webhook": ("webhook_configs", "url_file")}


def secret_file(receiver: ReceiverConfig) -> str:
    return f"{SECRETS_DIR}/{RECEIVERS_SECRET}/{receiver.name}"


def _receiver(receiver: ReceiverConfig) -> dict:
    if receiver.type == "sns":
        # SigV4 with no keys: the AWS SDK's default chain finds the Pod Identity agent's credentials.
        assert receiver.topic_arn is not None
        return {"name": receiver.name, "sns_configs": [{
            "topic_arn": receiver.topic_arn, "sigv4": {"region": sns_topic_region(receiver.topic_arn)},
            "send_resolved": True}]}
    section, field = _FILE_FIELD[receiver.type]
    entry: dict = {field: secret_file(receiver), "send_resolved": True}
    if receiver.channel:
        entry["channel"] = receiver.channel
    return {"name": receiver.name, section: [entry]}


def alertmanager_config(platform: PlatformConfig) -> dict:
    receivers = platform.observability.receivers
    routes = [{"receiver": r.name, "matchers": [f'severity=~"{"|".join(r.severities)}"'], "continue": True}
              for r in receivers]
    route: dict = {"receiver": BLACKHOLE, "group_by": ["alertname", "namespace"], "group_wait": "30s",
                   "group_interval": "5m", "repeat_interval": "4h"}
    if routes:
        route["routes"] = routes
    return {"route": route, "receivers": [{"name": BLACKHOLE}, *(_receiver(r) for r in receivers)]}


def _with_secrets(platform: PlatformConfig) -> list[ReceiverConfig]:
    return [r for r in platform.observability.receivers if r.credentials_secret is not None]


def alertmanager_secrets(platform: PlatformConfig) -> list[str]:
    """The Secrets the VMAlertmanager mounts."""
    return [RECEIVERS_SECRET] if _with_secrets(platform) else []


def receiver_secret_names(platform: PlatformConfig) -> list[str]:
    """The Secrets Manager secrets External Secrets must read for the receivers."""
    return list(dict.fromkeys(r.credentials_secret for r in _with_secrets(platform) if r.credentials_secret))


def sns_topic_arns(platform: PlatformConfig) -> list[str]:
    """The SNS topics Alertmanager publishes to (its Pod Identity role may publish to exactly these)."""
    return list(dict.fromkeys(r.topic_arn for r in platform.observability.receivers if r.topic_arn))


def sns_publish_policy(topic_arns: list[str]) -> dict:
    return {"Version": POLICY_VERSION, "Statement": [
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": sorted(topic_arns)}]}


def render_receivers_external_secret(platform: PlatformConfig) -> dict | None:
    receivers = _with_secrets(platform)
    if not receivers:
        return None
    return synced_secret(platform, RECEIVERS_SECRET, REFRESH,
                         [{"secretKey": r.name, "remoteRef": {"key": r.credentials_secret}} for r in receivers],
                         meta=label_metadata(RECEIVERS_SECRET, platform.observability.namespace,
                                             observability_labels("alert-receivers")))
