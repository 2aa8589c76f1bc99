"""Names Envoy Gateway and the AI Gateway use to find each other (one place, so they cannot drift)."""

from __future__ import annotations

from ...config.gateway import ENVOY_GATEWAY_NAMESPACE
from ...config.services import AI_GATEWAY_NAMESPACE

NAMESPACE = ENVOY_GATEWAY_NAMESPACE  # Envoy Gateway's controller (and, by default, its proxies)
AI_GATEWAY_CONTROLLER = "ai-gateway-controller"  # ai-gateway-helm controller.fullnameOverride (its default)
AI_GATEWAY_EXTENSION_PORT = 1063  # ai-gateway-helm controller.service.ports "grpc"
CLUSTER_DOMAIN = "cluster.local"  # gateway-helm kubernetesClusterDomain (default)


def extension_server_hostname() -> str:
    return f"{AI_GATEWAY_CONTROLLER}.{AI_GATEWAY_NAMESPACE}.svc.{CLUSTER_DOMAIN}"
