"""Envoy AI Gateway (envoyproxy/ai-gateway v1.1.0): the CRDs chart, then the controller chart.

Installed as the project documents it (site/docs/getting-started/installation.md at v1.1.0): release
`aieg-crd` from ai-gateway-crds-helm (it owns every CRD, so CRDs upgrade with the version), then
`aieg` from ai-gateway-helm, both in envoy-ai-gateway-system, after Envoy Gateway. The controller is
Envoy Gateway's extension server (gRPC on 1063, see envoy_gateway.py) and injects the external
processor into the Envoy proxy pods through its mutating webhook.
"""

from __future__ import annotations

from ...config import PlatformConfig
from . import envoy_gateway_names as eg
from .common import (
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    SYSTEM_NODE_SELECTOR,
    namespace,
    resources,
)

NAMESPACE = eg.AI_GATEWAY_NAMESPACE
CRDS_RELEASE_NAME = "aieg-crd"
RELEASE_NAME = "aieg"
CONTROLLER_NAME = eg.AI_GATEWAY_CONTROLLER  # controller.fullnameOverride: Deployment and Service name
EXTENSION_SERVER_PORT = eg.AI_GATEWAY_EXTENSION_PORT  # the chart's "grpc" Service port
_UID = 65532  # the chart's default user and group (distroless nonroot)


def render_namespace() -> dict:
    return namespace(NAMESPACE, "ai-gateway", "restricted")


def _container_security_context() -> dict:
    """Restricted, as the chart's default; the root filesystem stays writable as upstream leaves it."""
    restricted = {k: v for k, v in RESTRICTED_CONTAINER_SECURITY_CONTEXT.items() if k != "readOnlyRootFilesystem"}
    return {**restricted, "privileged": False, "runAsUser": _UID, "runAsGroup": _UID}


def chart_values(platform: PlatformConfig, mcp_session_seed: str, request_header_attributes: str | None = None) -> dict:
    """`mcp_session_seed` replaces the chart's published default ("default-insecure-seed"), from which
    the MCP session encryption key is derived; the program generates it (never config).

    `request_header_attributes`: `controller.requestHeaderAttributes`, "header:attribute" pairs separated
    by commas that the controller turns into attributes of its metrics, spans and access logs (the gateway
    passes `infra.render.gateway.REQUEST_HEADER_ATTRIBUTES`, the tenant id); None keeps the chart's ""."""
    controller = platform.services.ai_gateway.controller
    values = {
        "controller": {
            "fullnameOverride": CONTROLLER_NAME,
            "replicaCount": controller.replicas,
            "resources": resources(controller.resources),
            "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
            "podSecurityContext": {**RESTRICTED_POD_SECURITY_CONTEXT, "runAsUser": _UID, "runAsGroup": _UID},
            "securityContext": _container_security_context(),
            "podDisruptionBudget": {"enabled": controller.replicas > 1, "minAvailable": 1},
            "mcp": {"sessionEncryption": {"seed": mcp_session_seed}},
        },
        # Where Envoy Gateway runs: the controller watches and patches its proxies there.
        "envoyGateway": {"namespace": eg.NAMESPACE},
    }
    if request_header_attributes is not None:
        values["controller"]["requestHeaderAttributes"] = request_header_attributes
    return values
