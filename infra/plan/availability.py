"""What runs as a single replica, and what a node drain or failure does to it: the plan says so, so
nobody learns it from an outage."""

from __future__ import annotations

from ..config import PlatformConfig


def _controllers(p: PlatformConfig) -> list[tuple[str, str, int]]:
    """(component, stack field, replicas) of the controller Deployments the stack sizes."""
    s = p.services
    return [
        ("KEDA operator", "services.keda.operator.replicas", s.keda.operator.replicas),
        ("KEDA metrics API server", "services.keda.metricsServer.replicas", s.keda.metrics_server.replicas),
        ("KEDA admission webhooks", "services.keda.webhooks.replicas", s.keda.webhooks.replicas),
        ("Envoy Gateway controller", "services.envoyGateway.controller.replicas", s.envoy_gateway.controller.replicas),
        ("AI Gateway controller", "services.aiGateway.controller.replicas", s.ai_gateway.controller.replicas),
        ("External Secrets controller", "services.externalSecrets.controller.replicas",
         s.external_secrets.controller.replicas),
        ("External Secrets webhook", "services.externalSecrets.webhook.replicas", s.external_secrets.webhook.replicas),
    ]


def availability_lines(p: PlatformConfig, rate_limited: bool) -> list[str]:
    """`rate_limited`: the stack runs the rate limit service and its Redis (some tenant has a token limit)."""
    lines = ["Single replicas (a node drain or failure stops them until a new pod is up on another node):"]
    lines.append("  - VictoriaMetrics (vmsingle), vmalert, Alertmanager, Grafana and VictoriaLogs: one pod each on "
                 "their volume; meanwhile KEDA cannot read metrics (models keep their replica count), alerts are "
                 "not evaluated and dashboards and logs are unavailable")
    single = [f"{name} ({field})" for name, field, replicas in _controllers(p) if replicas == 1]
    if single:
        lines.append(f"  - {', '.join(single)}: no new scaling, secret sync or configuration until it is back; "
                     "what already runs keeps serving")
    if rate_limited:
        lines.append("  - Redis (rate limits): counters restart from zero; while it is down the limited tenants' "
                     + ("requests are refused (gateway.rateLimitFailure: closed)"
                        if p.gateway.rate_limit_failure == "closed" else
                        "requests pass unmetered (gateway.rateLimitFailure: open)"))
    if p.gateway.tls is not None:
        cm = p.services.cert_manager
        single_cm = [f"cert-manager {name} (services.certManager.{name}.replicas)"
                     for name, settings in (("controller", cm.controller), ("webhook", cm.webhook))
                     if settings.replicas == 1]
        if single_cm:
            lines.append(f"  - {', '.join(single_cm)}: no certificate is issued or renewed (and cert-manager "
                         "objects cannot change) until it is back; the current certificate keeps serving")
    router = p.gateway.semantic_router
    if router.enabled and router.replicas == 1:
        lines.append(f"  - semantic router (gateway.semanticRouter.replicas): requests for {router.virtual_model!r} "
                     f"go to {router.default_model} until a new router has downloaded its classifiers")
    if p.gateway.replicas == 1:
        lines.append("  - the gateway's Envoy proxy (gateway.replicas): every request fails until a new proxy is ready")
    for model in p.resolved_models:
        if model.config.replicas.min != 1:
            continue
        covered = any(f.for_models == "all" or model.name in f.for_models for f in p.gateway.fallbacks)
        fallback = "its hosted fallbacks answer" if covered else "requests fail"
        lines.append(f"  - model {model.name} (replicas.min 1): a drain evicts its only replica (its disruption "
                     f"budget allows one down; Karpenter itself does not disrupt it) and {fallback} until a new "
                     f"replica has loaded, up to {p.startup_budget_seconds(model)} s")
    return lines
