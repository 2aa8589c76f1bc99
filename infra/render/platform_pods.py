"""Who is who on the network: the labels and ports of every platform pod, as the pinned charts and
operators set them. The network policies (platform_flows.py) select and name pods only through these.

Each selector is the smallest set of labels the pods carry (checked against the real Helm renders and
the operators' sources in tests/render/test_platform_flows.py); policies are namespaced, so a name label
is enough inside one namespace.
"""

from __future__ import annotations

from .gateway.names import HTTPS_PORT, LISTENER_PORT
from .observability.gateway_metrics import ENVOY_PROXY_LABELS
from .observability.scrapes import OWNING_GATEWAY_LABEL
from .services import cert_manager
from .services.envoy_gateway import RATE_LIMIT_POD_SELECTOR, REDIS_SELECTOR

NAME = "app.kubernetes.io/name"

# KEDA 2.20.2 (kedacore/charts keda/templates): operator, metrics API server, admission webhooks.
KEDA_OPERATOR = {NAME: "keda-operator"}
KEDA_OPERATOR_GRPC_PORT = 9666  # "metricsservice": the metrics API server asks the operator for values
KEDA_METRICS_APISERVER = {NAME: "keda-operator-metrics-apiserver"}
KEDA_METRICS_APISERVER_PORT = 6443  # the APIService v1beta1.external.metrics.k8s.io (Service 443 -> 6443)
KEDA_WEBHOOKS = {NAME: "keda-admission-webhooks"}
KEDA_WEBHOOKS_PORT = 9443

# External Secrets 2.9.0 (external-secrets/external-secrets deploy/charts/external-secrets).
ESO_CONTROLLER = {NAME: "external-secrets"}
ESO_WEBHOOK = {NAME: "external-secrets-webhook"}
ESO_WEBHOOK_PORT = 10250
ESO_CERT_CONTROLLER = {NAME: "external-secrets-cert-controller"}

# victoria-metrics-k8s-stack (release "vm"): the operator and the charts it bundles ...
VM_OPERATOR = {NAME: "victoria-metrics-operator"}  # also its cleanup hook Job
VM_OPERATOR_WEBHOOK_PORT = 9443
VM_OPERATOR_METRICS_PORT = 8080
GRAFANA = {NAME: "grafana"}
GRAFANA_PORT = 3000
KUBE_STATE_METRICS = {NAME: "kube-state-metrics"}
KUBE_STATE_METRICS_PORT = 8080
# ... and the pods the operator creates (VictoriaMetrics/operator api/operator/v1beta1: SelectorLabels
# of VMSingle, VMAgent, VMAlert and VMAlertmanager: app.kubernetes.io/name = the kind in lower case).
VMSINGLE = {NAME: "vmsingle"}
VMSINGLE_PORT = 8428
VMAGENT = {NAME: "vmagent"}
VMAGENT_PORT = 8429
VMALERT = {NAME: "vmalert"}
VMALERT_PORT = 8080
VMALERTMANAGER = {NAME: "vmalertmanager"}
VMALERTMANAGER_PORT = 9093
VMALERTMANAGER_CLUSTER_PORT = 9094  # gossip between replicas, TCP and UDP

# victoria-logs-single (release "vl"): the server and its Vector agents.
VICTORIA_LOGS = {NAME: "victoria-logs-single"}
VICTORIA_LOGS_PORT = 9428
VECTOR = {NAME: "vector"}

# Envoy Gateway 1.9.0 (gateway-helm, release "eg"): the controller and its certgen hook Job.
ENVOY_GATEWAY = {NAME: "gateway-helm"}
ENVOY_GATEWAY_XDS_PORT = 18000  # the proxies' xDS
ENVOY_GATEWAY_RATE_LIMIT_XDS_PORT = 18001  # the rate limit service's configuration
ENVOY_GATEWAY_WEBHOOK_PORT = 9443  # topology injector
CERTGEN = {"app": "certgen"}
# The proxies it creates for a Gateway (internal/infrastructure/kubernetes/proxy at v1.9.0). A listener
# port below 1024 is served on port + 10000 in the container (the proxy runs unprivileged).
ENVOY_METRICS_PORT = 19001
AI_GATEWAY_ADMIN_PORT = 1064  # the AI Gateway ext_proc sidecar's metrics


def envoy_container_port(listener_port: int) -> int:
    return listener_port + 10000 if listener_port < 1024 else listener_port


ENVOY_LISTENER_CONTAINER_PORT = envoy_container_port(LISTENER_PORT)
ENVOY_HTTPS_CONTAINER_PORT = envoy_container_port(HTTPS_PORT)
RATE_LIMIT = dict(RATE_LIMIT_POD_SELECTOR)
RATE_LIMIT_GRPC_PORT = 8081
REDIS = dict(REDIS_SELECTOR)

# Envoy AI Gateway 1.1.0 (ai-gateway-helm, release "aieg"): the controller, Envoy Gateway's extension
# server and the webhook that injects the ext_proc sidecar into the proxies.
AI_GATEWAY_CONTROLLER = {NAME: "ai-gateway-helm"}
AI_GATEWAY_WEBHOOK_PORT = 9443

# cert-manager v1.21.1 (cert-manager/cert-manager deploy/charts/cert-manager, release "cert-manager"): the
# controller, the webhook, the CA injector and the startupapicheck hook Job; each serves metrics on 9402.
CERT_MANAGER_CONTROLLER = dict(cert_manager.CONTROLLER_SELECTOR)
CERT_MANAGER_WEBHOOK = {NAME: "webhook"}
CERT_MANAGER_WEBHOOK_PORT = 10250
CERT_MANAGER_CAINJECTOR = {NAME: "cainjector"}
CERT_MANAGER_STARTUP_CHECK = {NAME: "startupapicheck"}
CERT_MANAGER_METRICS_PORT = 9402


def envoy_proxies(gateway_name: str) -> dict[str, str]:
    """The Envoy proxy pods of the platform's Gateway."""
    return {**ENVOY_PROXY_LABELS, OWNING_GATEWAY_LABEL: gateway_name}

