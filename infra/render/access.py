"""How a person reaches what the platform runs, as commands (the stack output `accessCommands`):
cluster credentials, the gateway's load balancer address (to point its hostname at), the private CA's
root to trust, and Grafana with its generated admin password."""

from __future__ import annotations

from ..config import PlatformConfig
from .services import cert_manager
from .services.victoria_metrics import GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_SECRET, GRAFANA_SERVICE

GRAFANA_SERVICE_PORT = 80  # the grafana chart's service.port (the pod listens on 3000)


def access_commands(platform: PlatformConfig, region: str) -> dict[str, str]:
    gateway, observability = platform.gateway, platform.observability.namespace
    commands = {
        "kubeconfig": f"aws eks update-kubeconfig --name {platform.cluster.name} --region {region}",
        "gatewayAddress": f"kubectl -n {gateway.namespace} get gateway {gateway.name} "
                          "-o jsonpath='{.status.addresses[0].value}'",
        "grafana": f"kubectl -n {observability} port-forward svc/{GRAFANA_SERVICE} 3000:{GRAFANA_SERVICE_PORT}",
        "grafanaPassword": f"kubectl -n {observability} get secret {GRAFANA_ADMIN_SECRET} "
                           f"-o jsonpath='{{.data.{GRAFANA_ADMIN_PASSWORD_KEY}}}' | base64 -d",
    }
    if gateway.tls is not None and gateway.tls.issuer == "privateCa":
        commands["gatewayCa"] = (f"kubectl -n {cert_manager.NAMESPACE} get secret {cert_manager.CA_NAME} "
                                 "-o jsonpath='{.data.ca\\.crt}' | base64 -d > llm-platform-ca.pem")
    return commands
