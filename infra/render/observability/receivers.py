"""Where alerts go: Alertmanager's configuration (the victoria-metrics-k8s-stack chart's
`alertmanager.config`, a plain Alertmanager configuration) and the ExternalSecret that brings each
receiver's secret from AWS Secrets Manager into the observability namespace.

The secrets never enter the configuration: the VMAlertmanager mounts the synced Secret (`spec.secrets`;
the VictoriaMetrics operator mounts each at /etc/vm/secrets/<name>/) and each receiver reads its key
from a file (`api_url_file`, `routing_key_file`, `url_file`, Alertmanager v0.32). Every receiver gets
the alerts of the severities it lists; alerts nothing routes go to `blackhole` (the chart's default).
"""

from __future__ import annotations

from ...config import PlatformConfig
from ...config.observability import ReceiverConfig
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


def alertmanager_secrets(platform: PlatformConfig) -> list[str]:
    """The Secrets the VMAlertmanager mounts."""
    return [RECEIVERS_SECRET] if platform.observability.receivers else []


def receiver_secret_names(platform: PlatformConfig) -> list[str]:
    """The Secrets Manager secrets External Secrets must read for the receivers."""
    return list(dict.fromkeys(r.credentials_secret for r in platform.observability.receivers))


def render_receivers_external_secret(platform: PlatformConfig) -> dict | None:
    receivers = platform.observability.receivers
    if not receivers:
        return None
    return synced_secret(platform, RECEIVERS_SECRET, REFRESH,
                         [{"secretKey": r.name, "remoteRef": {"key": r.credentials_secret}} for r in receivers],
                         meta=label_metadata(RECEIVERS_SECRET, platform.observability.namespace,
                                             observability_labels("alert-receivers")))
