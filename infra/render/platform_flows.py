"""Every namespace the platform creates gets a default-deny NetworkPolicy and, per workload, one policy
with exactly the flows it needs. This module is the whole flow map of the platform services (the
serving namespace's is in serving_namespace.py and model_network.py), so it can be reviewed in one place:

| namespace | pods | in | out |
|---|---|---|---|
| keda | operator | metrics API server (9666) | DNS, Kubernetes API, the metrics endpoint KEDA queries |
| keda | metrics API server | control plane (6443, the external metrics API) | DNS, API, operator (9666) |
| keda | admission webhooks | control plane (9443) | DNS, API |
| external-secrets | controller | - | DNS, API, Secrets Manager (HTTPS), Pod Identity agent |
| external-secrets | webhook | control plane (10250) | DNS, API |
| external-secrets | cert controller | - | DNS, API |
| monitoring | operator (and its cleanup Job) | control plane (9443), vmagent (8080) | DNS, API |
| monitoring | vmsingle | vmagent, vmalert, Grafana, KEDA (8428) | - |
| monitoring | vmagent | - | DNS, API, every scrape target's port, node exporters and kubelets |
| monitoring | vmalert | vmagent (8080) | DNS, API, vmsingle, vmalertmanager |
| monitoring | vmalertmanager | vmalert, vmagent, Grafana (9093), its peers (9094) | DNS, API, peers, receivers (HTTPS), Pod Identity agent (SNS) |
| monitoring | Grafana | vmagent (3000) | DNS, API (its sidecars), vmsingle, VictoriaLogs, vmalertmanager, plugins (HTTPS) |
| monitoring | kube-state-metrics | vmagent (8080) | DNS, API |
| logging | VictoriaLogs | Vector, Grafana, vmagent (9428) | - |
| logging | Vector | - | DNS, API, VictoriaLogs |
| envoy-gateway-system | controller | proxies (xDS), rate limit (xDS), control plane (9443) | DNS, API, AI Gateway extension server |
| envoy-gateway-system | certgen Job | - | DNS, API |
| envoy-gateway-system | proxies | anyone on the listeners (the NLB: HTTP, and HTTPS with tls), vmagent (metrics) | DNS, controller (xDS), models, router, rate limit, hosted fallbacks |
| envoy-gateway-system | rate limit | proxies (8081) | DNS, controller (xDS), Redis |
| envoy-gateway-system | Redis | rate limit (6379) | - |
| envoy-ai-gateway-system | controller | Envoy Gateway (1063), control plane (9443) | DNS, API |
| semantic-router | router | proxies (gRPC), vmagent (metrics) | DNS, Hugging Face (HTTPS) |
| cert-manager | controller | vmagent (9402) | DNS, API; with ACME: the CA and Route 53 (HTTPS), Pod Identity agent |
| cert-manager | webhook | control plane (10250) | DNS, API |
| cert-manager | CA injector, startupapicheck Job | - | DNS, API |

Node exporter runs on the host network, where policies do not apply. Rules that name optional parts
(the router, the rate limit service, hosted fallbacks) exist only when the stack has them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..catalog.vllm import VLLM_PORT
from ..config import PlatformConfig
from ..config.observability import is_platform_metrics_url
from . import platform_pods as pods
from .gateway.routing import uses_global_rate_limit
from .observability.receivers import sns_topic_arns
from .network_policy import (
    PRIVATE_RANGES,
    default_deny,
    dns_egress,
    from_anywhere,
    from_control_plane,
    https_egress_outside_cluster,
    kubernetes_api_egress,
    namespace_peer,
    network_policy,
    pod_identity_egress,
    tcp,
)
from .services import ai_gateway, cert_manager, envoy_gateway, external_secrets, keda, semantic_router
from .services.common import MANAGED_LABELS
from .services.envoy_gateway_names import AI_GATEWAY_EXTENSION_PORT

_BASICS = (dns_egress(), kubernetes_api_egress())  # what every controller needs


def _labels(component: str) -> dict[str, str]:
    return {**MANAGED_LABELS, "app.kubernetes.io/component": component}


def _in(peer_labels: dict[str, str]) -> dict:
    """Pods of the policy's own namespace."""
    return {"podSelector": {"matchLabels": dict(peer_labels)}}


def _allow(peers: list[dict], *ports: int) -> dict:
    return {"from": peers, "ports": tcp(*ports)}


def _to(peers: list[dict], *ports: int) -> dict:
    return {"to": peers, "ports": tcp(*ports)}


def _vmagent(platform: PlatformConfig) -> dict:
    return namespace_peer(platform.observability.namespace, pods.VMAGENT)


def _policy(namespace: str, name: str, selector: dict[str, str], ingress: list[dict], egress: list[dict]) -> dict:
    return network_policy(name, namespace, _labels(name), selector, ingress, egress)


def _namespace(namespace: str, *policies: dict) -> list[dict]:
    return [default_deny(namespace, MANAGED_LABELS), *policies]


def _metrics_query_egress(platform: PlatformConfig) -> dict:
    """Where KEDA's Prometheus scaler queries: the platform's vmsingle, or the external endpoint's port."""
    url = platform.observability.metrics_url
    if is_platform_metrics_url(url):
        return _to([namespace_peer(platform.observability.namespace, pods.VMSINGLE)], pods.VMSINGLE_PORT)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"ports": tcp(port)}


def keda_policies(platform: PlatformConfig) -> list[dict]:
    ns = keda.NAMESPACE
    return _namespace(
        ns,
        _policy(ns, "keda-operator", pods.KEDA_OPERATOR,
                [_allow([_in(pods.KEDA_METRICS_APISERVER)], pods.KEDA_OPERATOR_GRPC_PORT)],
                [*_BASICS, _metrics_query_egress(platform)]),
        _policy(ns, "keda-metrics-apiserver", pods.KEDA_METRICS_APISERVER,
                [from_control_plane(pods.KEDA_METRICS_APISERVER_PORT)],
                [*_BASICS, _to([_in(pods.KEDA_OPERATOR)], pods.KEDA_OPERATOR_GRPC_PORT)]),
        _policy(ns, "keda-admission-webhooks", pods.KEDA_WEBHOOKS,
                [from_control_plane(pods.KEDA_WEBHOOKS_PORT)], list(_BASICS)),
    )


def external_secrets_policies(platform: PlatformConfig) -> list[dict]:
    ns = external_secrets.NAMESPACE
    return _namespace(
        ns,
        # Secrets Manager: its public endpoint over HTTPS, or an interface endpoint (a private address,
        # in the API rule); credentials from the Pod Identity agent.
        _policy(ns, "external-secrets", pods.ESO_CONTROLLER, [],
                [*_BASICS, https_egress_outside_cluster(), pod_identity_egress()]),
        _policy(ns, "external-secrets-webhook", pods.ESO_WEBHOOK,
                [from_control_plane(pods.ESO_WEBHOOK_PORT)], list(_BASICS)),
        _policy(ns, "external-secrets-cert-controller", pods.ESO_CERT_CONTROLLER, [], list(_BASICS)),
    )


# Ports vmagent scrapes (the stack's VMServiceScrapes and VMPodScrapes, the platform's own and the
# operator's self-scrapes): vLLM, router, Envoy and AI Gateway metrics, DCGM, operator/vmalert/KSM,
# Grafana, VictoriaLogs, vmsingle, vmalertmanager, vmagent itself, CoreDNS, cert-manager.
_SCRAPE_PORTS = (VLLM_PORT, semantic_router.METRICS_PORT, pods.ENVOY_METRICS_PORT, pods.AI_GATEWAY_ADMIN_PORT,
                 9400, 8080, pods.GRAFANA_PORT, pods.VICTORIA_LOGS_PORT, pods.VMSINGLE_PORT,
                 pods.VMALERTMANAGER_PORT, pods.VMAGENT_PORT, 9153, pods.CERT_MANAGER_METRICS_PORT)
_NODE_PORTS = (9100, 10250)  # node exporter (host network) and the kubelet (cAdvisor, probes, resources)


def monitoring_policies(platform: PlatformConfig) -> list[dict]:
    ns = platform.observability.namespace
    logs = namespace_peer(platform.services.logs.namespace, pods.VICTORIA_LOGS)
    vmsingle_clients = [_in(pods.VMAGENT), _in(pods.VMALERT), _in(pods.GRAFANA)]
    if is_platform_metrics_url(platform.observability.metrics_url):
        vmsingle_clients.append(namespace_peer(keda.NAMESPACE, pods.KEDA_OPERATOR))
    vmsingle = [_in(pods.VMSINGLE)]
    return _namespace(
        ns,
        _policy(ns, "victoria-metrics-operator", pods.VM_OPERATOR,
                [from_control_plane(pods.VM_OPERATOR_WEBHOOK_PORT),
                 _allow([_in(pods.VMAGENT)], pods.VM_OPERATOR_METRICS_PORT)], list(_BASICS)),
        _policy(ns, "vmsingle", pods.VMSINGLE, [_allow(vmsingle_clients, pods.VMSINGLE_PORT)], []),
        _policy(ns, "vmagent", pods.VMAGENT, [],
                [*_BASICS, _to([{"namespaceSelector": {}}], *_SCRAPE_PORTS),
                 _to([{"ipBlock": {"cidr": cidr}} for cidr in PRIVATE_RANGES], *_NODE_PORTS)]),
        _policy(ns, "vmalert", pods.VMALERT, [_allow([_in(pods.VMAGENT)], pods.VMALERT_PORT)],
                [*_BASICS, _to(vmsingle, pods.VMSINGLE_PORT),
                 _to([_in(pods.VMALERTMANAGER)], pods.VMALERTMANAGER_PORT)]),
        _policy(ns, "vmalertmanager", pods.VMALERTMANAGER,
                [_allow([_in(pods.VMALERT), _in(pods.VMAGENT), _in(pods.GRAFANA)], pods.VMALERTMANAGER_PORT),
                 _gossip("from", pods.VMALERTMANAGER)],
                [*_BASICS, _gossip("to", pods.VMALERTMANAGER), https_egress_outside_cluster(),
                 *([pod_identity_egress()] if sns_topic_arns(platform) else [])]),  # SNS receivers sign
        # Grafana's sidecars read dashboards and datasources from the API; it installs its plugins at start.
        _policy(ns, "grafana", pods.GRAFANA, [_allow([_in(pods.VMAGENT)], pods.GRAFANA_PORT)],
                [*_BASICS, _to(vmsingle, pods.VMSINGLE_PORT), _to([logs], pods.VICTORIA_LOGS_PORT),
                 _to([_in(pods.VMALERTMANAGER)], pods.VMALERTMANAGER_PORT), https_egress_outside_cluster()]),
        _policy(ns, "kube-state-metrics", pods.KUBE_STATE_METRICS,
                [_allow([_in(pods.VMAGENT)], pods.KUBE_STATE_METRICS_PORT)], list(_BASICS)),
    )


def _gossip(direction: str, peer_labels: dict[str, str]) -> dict:
    ports = [{"protocol": protocol, "port": pods.VMALERTMANAGER_CLUSTER_PORT} for protocol in ("TCP", "UDP")]
    return {"from" if direction == "from" else "to": [_in(peer_labels)], "ports": ports}


def logging_policies(platform: PlatformConfig) -> list[dict]:
    ns = platform.services.logs.namespace
    grafana = namespace_peer(platform.observability.namespace, pods.GRAFANA)
    return _namespace(
        ns,
        _policy(ns, "victoria-logs", pods.VICTORIA_LOGS,
                [_allow([_in(pods.VECTOR), grafana, _vmagent(platform)], pods.VICTORIA_LOGS_PORT)], []),
        _policy(ns, "vector", pods.VECTOR, [], [*_BASICS, _to([_in(pods.VICTORIA_LOGS)], pods.VICTORIA_LOGS_PORT)]),
    )


def envoy_gateway_policies(platform: PlatformConfig) -> list[dict]:
    ns = envoy_gateway.NAMESPACE
    proxies = _in(pods.envoy_proxies(platform.gateway.name))
    rate_limited = uses_global_rate_limit(platform)
    controller_in = [_allow([proxies], pods.ENVOY_GATEWAY_XDS_PORT),
                     from_control_plane(pods.ENVOY_GATEWAY_WEBHOOK_PORT)]
    if rate_limited:
        controller_in.append(_allow([_in(pods.RATE_LIMIT)], pods.ENVOY_GATEWAY_RATE_LIMIT_XDS_PORT))
    extension_server = namespace_peer(ai_gateway.NAMESPACE, pods.AI_GATEWAY_CONTROLLER)
    proxy_out = [dns_egress(), _to([_in(pods.ENVOY_GATEWAY)], pods.ENVOY_GATEWAY_XDS_PORT),
                 _to([namespace_peer(platform.serving.namespace, {"app.kubernetes.io/name": "vllm"})], VLLM_PORT)]
    if platform.gateway.semantic_router.enabled:
        proxy_out.append(_to([namespace_peer(semantic_router.NAMESPACE, semantic_router.SELECTOR)],
                             semantic_router.GRPC_PORT))
    if rate_limited:
        proxy_out.append(_to([_in(pods.RATE_LIMIT)], pods.RATE_LIMIT_GRPC_PORT))
    if platform.gateway.fallbacks:  # hosted providers over HTTPS; Bedrock signs with the Pod Identity's keys
        proxy_out += [https_egress_outside_cluster(), pod_identity_egress()]
    listener_ports = [pods.ENVOY_LISTENER_CONTAINER_PORT]  # with tls: the redirect, and HTTPS
    if platform.gateway.tls is not None:
        listener_ports.append(pods.ENVOY_HTTPS_CONTAINER_PORT)
    policies = [
        _policy(ns, "envoy-gateway", pods.ENVOY_GATEWAY, controller_in,
                [*_BASICS, _to([extension_server], AI_GATEWAY_EXTENSION_PORT)]),
        _policy(ns, "envoy-gateway-certgen", pods.CERTGEN, [], list(_BASICS)),
        _policy(ns, f"{platform.gateway.name}-proxies", pods.envoy_proxies(platform.gateway.name),
                [from_anywhere(*listener_ports),
                 _allow([_vmagent(platform)], pods.ENVOY_METRICS_PORT, pods.AI_GATEWAY_ADMIN_PORT)],
                proxy_out),
    ]
    if rate_limited:
        policies.append(_policy(ns, "envoy-ratelimit", pods.RATE_LIMIT,
                                [_allow([proxies], pods.RATE_LIMIT_GRPC_PORT)],
                                [dns_egress(), _to([_in(pods.ENVOY_GATEWAY)], pods.ENVOY_GATEWAY_RATE_LIMIT_XDS_PORT),
                                 _to([_in(pods.REDIS)], envoy_gateway.REDIS_PORT)]))
    return _namespace(ns, *policies)


def ai_gateway_policies(platform: PlatformConfig) -> list[dict]:
    ns = ai_gateway.NAMESPACE
    envoy_gateway_controller = namespace_peer(envoy_gateway.NAMESPACE, pods.ENVOY_GATEWAY)
    return _namespace(
        ns,
        _policy(ns, "ai-gateway-controller", pods.AI_GATEWAY_CONTROLLER,
                [_allow([envoy_gateway_controller], AI_GATEWAY_EXTENSION_PORT),
                 from_control_plane(pods.AI_GATEWAY_WEBHOOK_PORT)], list(_BASICS)),
    )


def cert_manager_policies(platform: PlatformConfig) -> list[dict]:
    """With an ACME issuer the controller talks to the CA and to Route 53 over HTTPS (credentials from
    the Pod Identity agent) and checks the challenge record through the cluster's DNS; with the private
    CA it needs nothing outside the cluster."""
    ns = cert_manager.NAMESPACE
    controller_out = list(_BASICS)
    tls = platform.gateway.tls
    if tls is not None and tls.issuer == "acme":
        controller_out += [https_egress_outside_cluster(), pod_identity_egress()]
    return _namespace(
        ns,
        _policy(ns, "cert-manager", pods.CERT_MANAGER_CONTROLLER,
                [_allow([_vmagent(platform)], pods.CERT_MANAGER_METRICS_PORT)], controller_out),
        _policy(ns, "cert-manager-webhook", pods.CERT_MANAGER_WEBHOOK,
                [from_control_plane(pods.CERT_MANAGER_WEBHOOK_PORT)], list(_BASICS)),
        _policy(ns, "cert-manager-cainjector", pods.CERT_MANAGER_CAINJECTOR, [], list(_BASICS)),
        _policy(ns, "cert-manager-startupapicheck", pods.CERT_MANAGER_STARTUP_CHECK, [], list(_BASICS)),
    )


def semantic_router_policies(platform: PlatformConfig) -> list[dict]:
    """The router's own policy is semantic_router.render_network_policy; here the namespace's default-deny."""
    return _namespace(semantic_router.NAMESPACE)
