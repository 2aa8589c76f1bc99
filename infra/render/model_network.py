"""How a model is reached: its Service, and a NetworkPolicy admitting only the gateway and the
metrics scraper, with egress only for what the weight loader needs."""

from __future__ import annotations

from ..catalog.vllm import VLLM_PORT
from ..config import PlatformConfig, ResolvedModel
from .labels import metadata, model_labels, model_selector
from .network_policy import (
    dns_egress,
    https_egress_outside_cluster,
    namespace_peer,
    network_policy,
    pod_identity_egress,
    tcp,
)

def render_service(platform: PlatformConfig, model: ResolvedModel) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(model.name, platform.serving.namespace, model_labels(model)),
        "spec": {
            "type": "ClusterIP",
            "selector": model_selector(model),
            "ports": [{"name": "http", "port": VLLM_PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def render_network_policy(platform: PlatformConfig, model: ResolvedModel) -> dict:
    gateway = namespace_peer(platform.gateway.namespace,
                              {"gateway.envoyproxy.io/owning-gateway-name": platform.gateway.name})
    scraper = namespace_peer(platform.observability.namespace, {"app.kubernetes.io/name": "vmagent"})
    egress = [dns_egress()]
    if platform.weights.loader == "streamer":
        egress += [https_egress_outside_cluster(), pod_identity_egress()]
    return network_policy(model.name, platform.serving.namespace, model_labels(model), model_selector(model),
                          [{"from": [gateway, scraper], "ports": tcp(VLLM_PORT)}], egress)
