"""The platform services, one component each (type `llm-platform:services:<Name>`), and
`install_platform_services`, which creates them in order (the semantic router only when the stack
enables it) and says what model releases wait for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra.config import PlatformConfig

from .ai_gateway import AiGateway, AiGatewayArgs
from .cert_manager import CertManager, CertManagerArgs
from .envoy_gateway import EnvoyGateway, EnvoyGatewayArgs
from .external_secrets import ExternalSecrets, ExternalSecretsArgs
from .keda import Keda, KedaArgs
from .semantic_router import SemanticRouter, SemanticRouterArgs
from .victoria_logs import VictoriaLogs, VictoriaLogsArgs
from .victoria_metrics import VictoriaMetricsStack, VictoriaMetricsStackArgs

__all__ = [
    "AiGateway", "AiGatewayArgs", "CertManager", "CertManagerArgs", "EnvoyGateway", "EnvoyGatewayArgs",
    "ExternalSecrets", "ExternalSecretsArgs",
    "Keda", "KedaArgs", "PlatformServices", "SemanticRouter", "SemanticRouterArgs", "VictoriaLogs",
    "VictoriaLogsArgs", "VictoriaMetricsStack", "VictoriaMetricsStackArgs", "install_platform_services",
]


@dataclass(frozen=True)
class PlatformServices:
    keda: Keda
    envoy_gateway: EnvoyGateway
    ai_gateway: AiGateway
    metrics: VictoriaMetricsStack
    logs: VictoriaLogs
    external_secrets: ExternalSecrets
    semantic_router: SemanticRouter | None  # only with gateway.semanticRouter.enabled
    cert_manager: CertManager | None  # only with gateway.tls


def install_platform_services(
    platform: PlatformConfig,
    k8s_provider: k8s.Provider,
    region: str,
    account_id: str,
    cluster_name: pulumi.Input[str],
    secret_arns: Sequence[pulumi.Input[str]] = (),
    depends_on: Sequence[pulumi.Resource] = (),
    opts: pulumi.ResourceOptions | None = None,
    global_rate_limit: bool = False,
    request_header_attributes: str | None = None,
) -> PlatformServices:
    """Every platform service. `depends_on`: what the cluster must have first (system nodes, the Pod
    Identity agent, ...). Order inside: the AI Gateway after Envoy Gateway, VictoriaLogs after the
    VictoriaMetrics stack (and the semantic router, whose scrape needs its CRDs); the rest in parallel.
    cert-manager (its issuer is what the gateway's certificate names) only when the gateway has tls.

    `global_rate_limit`: Envoy Gateway's global rate limit service and its Redis (pass
    `infra.render.gateway.uses_global_rate_limit(platform)`). `request_header_attributes`: the AI Gateway
    controller's `requestHeaderAttributes` (pass `infra.render.gateway.REQUEST_HEADER_ATTRIBUTES`)."""
    base = tuple(depends_on)
    keda = Keda("keda", KedaArgs(platform, k8s_provider, base), opts)
    envoy_gateway = EnvoyGateway("envoy-gateway", EnvoyGatewayArgs(platform, k8s_provider, base,
                                                                   global_rate_limit=global_rate_limit), opts)
    ai_gateway = AiGateway("ai-gateway", AiGatewayArgs(platform, k8s_provider, (*base, envoy_gateway.release),
                                                       request_header_attributes=request_header_attributes), opts)
    metrics = VictoriaMetricsStack("metrics", VictoriaMetricsStackArgs(platform, k8s_provider, base,
                                                                       cluster_name=cluster_name), opts)
    logs = VictoriaLogs("logs", VictoriaLogsArgs(platform, k8s_provider, (*base, metrics.release)), opts)
    external_secrets = ExternalSecrets("external-secrets", ExternalSecretsArgs(
        platform=platform, k8s_provider=k8s_provider, cluster_name=cluster_name, region=region,
        account_id=account_id, secret_arns=tuple(secret_arns), depends_on=base), opts)
    semantic_router = None
    if platform.gateway.semantic_router.enabled:
        semantic_router = SemanticRouter("semantic-router", SemanticRouterArgs(
            platform, k8s_provider, (*base, metrics.release)), opts)
    cert_manager = None
    if platform.gateway.tls is not None:
        cert_manager = CertManager("cert-manager", CertManagerArgs(
            platform=platform, k8s_provider=k8s_provider, cluster_name=cluster_name, region=region,
            depends_on=base), opts)
    return PlatformServices(keda=keda, envoy_gateway=envoy_gateway, ai_gateway=ai_gateway, metrics=metrics,
                            logs=logs, external_secrets=external_secrets, semantic_router=semantic_router,
                            cert_manager=cert_manager)
