"""The vLLM Semantic Router (chart semantic-router 0.2.0, image extproc v0.2.0): the optional virtual
model's classifier, an Envoy external processor the gateway calls before its own routing
(infra/render/gateway/semantic_router.py patches it into the Gateway's listener).

What the chart gets (deploy/helm/semantic-router at v0.2.0, values keys checked against its
values.yaml in tests):

- the router's config (`config`, semantic_router_config.py) in the chart's ConfigMap, read from
  /app/config/config.yaml;
- no PVC (`persistence.enabled: false`): the classifiers (two BERT-size models, about 1 GB) are
  downloaded from Hugging Face into an emptyDir at /app/models when a pod starts, so each replica is
  independent of zones and volumes; the chart's startup probe allows an hour for it;
- a restricted pod: the image has no USER, so it runs as uid/gid 1000 with a read-only root
  filesystem; /app/models, the Hugging Face CLI's home (HF_HOME) and /tmp are emptyDirs;
- no RBAC (`rbac.create: false`): the ClusterRole is for the router's own CRDs, read only when its
  config source is Kubernetes; it reads its config file;
- on the system nodes, the CPU classifiers sized by `gateway.semanticRouter.resources`.

Next to the release: a NetworkPolicy (gRPC only from the gateway's Envoy pods, metrics only from
vmagent; egress DNS and HTTPS outside the cluster for the model download), a PodDisruptionBudget with
more than one replica, and a VMServiceScrape of the router's metrics Service.
"""

from __future__ import annotations

from ...catalog.platform_versions import SEMANTIC_ROUTER_IMAGE_REPOSITORY, SEMANTIC_ROUTER_VERSION
from ...config import PlatformConfig
from ...config.services import SEMANTIC_ROUTER_NAMESPACE
from ..labels import metadata
from ..network_policy import dns_egress, https_egress_outside_cluster, namespace_peer, network_policy, tcp
from ..observability.gateway_metrics import ENVOY_PROXY_LABELS
from ..observability.scrapes import OWNING_GATEWAY_LABEL
from .common import (
    MANAGED_LABELS,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    SYSTEM_NODE_SELECTOR,
    namespace,
    resources_over_chart_limits,
)
from .envoy_gateway_names import CLUSTER_DOMAIN
from .semantic_router_config import router_config

NAMESPACE = SEMANTIC_ROUTER_NAMESPACE
RELEASE_NAME = "semantic-router"  # contains the chart name, so the chart's fullname is the release name
GRPC_PORT = 50051  # the chart's service.grpc (the router's --port default)
METRICS_PORT = 9190  # the chart's service.metrics (the router's --metrics-port default), path /metrics
METRICS_SERVICE = f"{RELEASE_NAME}-metrics"
# The chart's selector labels (templates/_helpers.tpl `semantic-router.selectorLabels`).
SELECTOR = {"app.kubernetes.io/name": "semantic-router", "app.kubernetes.io/instance": RELEASE_NAME,
            "app": "semantic-router"}
_UID = 1000
MODELS_DIR = "/app/models"  # the router downloads into models/ under its working directory /app
HF_HOME = "/app/hf-home"
_MODELS_SIZE = "4Gi"  # emptyDir limit: the two classifiers take about 1 GiB


def grpc_address() -> tuple[str, int]:
    return f"{RELEASE_NAME}.{NAMESPACE}.svc.{CLUSTER_DOMAIN}", GRPC_PORT


def grpc_authority() -> str:
    return f"{RELEASE_NAME}.{NAMESPACE}:{GRPC_PORT}"


def render_namespace() -> dict:
    return namespace(NAMESPACE, "semantic-router", "restricted")


def _volumes() -> tuple[list[dict], list[dict]]:
    dirs = {"models": (MODELS_DIR, _MODELS_SIZE), "hf-home": (HF_HOME, "1Gi"), "tmp": ("/tmp", "256Mi")}
    volumes = [{"name": name, "emptyDir": {"sizeLimit": size}} for name, (_, size) in dirs.items()]
    mounts = [{"name": name, "mountPath": path} for name, (path, _) in dirs.items()]
    return volumes, mounts


def chart_values(platform: PlatformConfig) -> dict:
    router = platform.gateway.semantic_router
    volumes, mounts = _volumes()
    return {
        "replicaCount": router.replicas,
        "image": {"repository": SEMANTIC_ROUTER_IMAGE_REPOSITORY, "tag": SEMANTIC_ROUTER_VERSION,
                  "pullPolicy": "IfNotPresent"},
        "rbac": {"create": False},
        "podSecurityContext": {**RESTRICTED_POD_SECURITY_CONTEXT, "runAsUser": _UID, "runAsGroup": _UID,
                               "fsGroup": _UID},
        "securityContext": {**RESTRICTED_CONTAINER_SECURITY_CONTEXT, "runAsUser": _UID, "runAsGroup": _UID},
        "resources": resources_over_chart_limits(router.resources),  # the chart's default limits 2 CPUs
        "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
        "persistence": {"enabled": False},
        "extraVolumes": volumes,
        "extraVolumeMounts": mounts,
        # Replaces the chart's list: no Hugging Face token (the classifiers are public); the download
        # CLI's cache, and any home-directory write (uid 1000 has no home in the image), on writable volumes.
        "env": [{"name": "LD_LIBRARY_PATH", "value": "/app/lib"}, {"name": "HF_HOME", "value": HF_HOME},
                {"name": "HOME", "value": "/tmp"}],
        "config": router_config(platform),
        "toolsDb": [],
    }


def _labels(component: str) -> dict[str, str]:
    return {**MANAGED_LABELS, "app.kubernetes.io/component": component}


def render_network_policy(platform: PlatformConfig) -> dict:
    gateway = namespace_peer(platform.gateway.namespace,
                             {**ENVOY_PROXY_LABELS, OWNING_GATEWAY_LABEL: platform.gateway.name})
    scraper = namespace_peer(platform.observability.namespace, {"app.kubernetes.io/name": "vmagent"})
    return network_policy(RELEASE_NAME, NAMESPACE, _labels("semantic-router"), SELECTOR,
                          [{"from": [gateway], "ports": tcp(GRPC_PORT)}, {"from": [scraper], "ports": tcp(METRICS_PORT)}],
                          # The classifiers come from huggingface.co (and its CDN) at start-up.
                          [dns_egress(), https_egress_outside_cluster()])


def render_pod_disruption_budget(platform: PlatformConfig) -> dict | None:
    """Only with a second replica: with one, minAvailable 1 would block every node drain."""
    if platform.gateway.semantic_router.replicas < 2:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(RELEASE_NAME, NAMESPACE, _labels("semantic-router")),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(SELECTOR)}},
    }


def render_service_scrape(platform: PlatformConfig) -> dict:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": metadata(RELEASE_NAME, NAMESPACE, _labels("semantic-router-metrics")),
        "spec": {
            # The chart's metrics Service carries the selector labels plus `service: metrics`.
            "selector": {"matchLabels": {**SELECTOR, "service": "metrics"}},
            "endpoints": [{"port": "metrics", "path": "/metrics",
                           "interval": platform.observability.scrape_interval, "scrapeTimeout": "10s"}],
        },
    }


def render_objects(platform: PlatformConfig) -> list[dict]:
    """What the component registers after the release (the Service must exist to scrape); the
    NetworkPolicy (`render_network_policy`) goes before it."""
    objects = []
    pdb = render_pod_disruption_budget(platform)
    if pdb is not None:
        objects.append(pdb)
    objects.append(render_service_scrape(platform))
    return objects
