"""How a person reaches what the platform runs, as commands (the stack output `accessCommands`):
cluster credentials, the gateway's load balancer address (to point its hostname at), the private CA's
root to trust, a port-forward to the gateway from outside the VPC, each tenant's key, a first request,
and Grafana with its generated admin password."""

from __future__ import annotations

from ..config import PlatformConfig
from .gateway.names import HTTPS_PORT, LISTENER_PORT, service_name
from .services import cert_manager
from .services.victoria_metrics import GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_SECRET, GRAFANA_SERVICE

GRAFANA_SERVICE_PORT = 80  # the grafana chart's service.port (the pod listens on 3000)
LOCAL_HTTPS_PORT, LOCAL_HTTP_PORT = 8443, 8080  # where the gateway's port-forward listens locally


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
    tls = gateway.tls
    private_ca = tls is not None and tls.issuer == "privateCa"
    if private_ca:
        commands["gatewayCa"] = (f"kubectl -n {cert_manager.NAMESPACE} get secret {cert_manager.CA_NAME} "
                                 "-o jsonpath='{.data.ca\\.crt}' | base64 -d > llm-platform-ca.pem")
    # From a laptop outside the VPC: the proxies' Service (named after the gateway) through the cluster API.
    local, remote = (LOCAL_HTTPS_PORT, HTTPS_PORT) if tls else (LOCAL_HTTP_PORT, LISTENER_PORT)
    commands["gatewayPortForward"] = f"kubectl -n {gateway.namespace} port-forward svc/{service_name(platform)} {local}:{remote}"
    for tenant in sorted(gateway.tenants):
        commands[f"tenantKey:{tenant}"] = (f"aws secretsmanager get-secret-value --region {region} --secret-id "
                                           f"{gateway.tenants[tenant].api_key_secret} --query SecretString --output text")
    auth = '-H "Authorization: Bearer $LLM_API_KEY"'
    if tls:  # the listener answers only its hostname (SNI): keep the name, connect to the port-forward
        trust = " --cacert llm-platform-ca.pem" if private_ca else ""
        commands["firstRequest"] = (f"curl --connect-to {tls.hostname}:443:127.0.0.1:{local}{trust} "
                                    f"https://{tls.hostname}/v1/models {auth}")
    else:
        commands["firstRequest"] = f"curl http://127.0.0.1:{local}/v1/models {auth}"
    return commands
