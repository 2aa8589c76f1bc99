"""The Gateway itself: GatewayClass, EnvoyProxy (how the proxies run and are exposed), Gateway and
the ClientTrafficPolicy for what clients send (large bodies, long streams)."""

from __future__ import annotations

from ...config import PlatformConfig
from ..observability.gateway_metrics import CLUSTER_STAT_NAME
from ..platform_pods import envoy_proxies
from ..priority import SERVICES_PRIORITY_CLASS
from .tls import public_endpoint, render_listeners
from .names import (
    AUTH_HEADER,
    COST_NAMESPACE,
    CONTROLLER_NAME,
    ENVOY_GATEWAY,
    ENVOY_GATEWAY_GROUP,
    GATEWAY_API,
    MODEL_HEADER,
    REQUEST_BUFFER_LIMIT,
    TENANT_HEADER,
    gateway_name,
    gateway_ref,
    metadata,
    seconds,
    service_account_name,
    service_name,
)

# Annotations read by the in-tree AWS cloud provider and by the AWS Load Balancer Controller alike.
NLB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
NLB_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
NLB_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal"  # the in-tree provider's spelling

ACCESS_LOG_FIELDS = {
    "start_time": "%START_TIME%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "response_code": "%RESPONSE_CODE%",
    "response_flags": "%RESPONSE_FLAGS%",
    "duration_ms": "%DURATION%",
    "attempts": "%UPSTREAM_REQUEST_ATTEMPT_COUNT%",
    "upstream_host": "%UPSTREAM_HOST%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%",
    "tenant": f"%REQ({TENANT_HEADER.upper()})%",
    "model": f"%REQ({MODEL_HEADER.upper()})%",
    "input_tokens": f"%DYNAMIC_METADATA({COST_NAMESPACE}:llm_input_token)%",
    "cached_input_tokens": f"%DYNAMIC_METADATA({COST_NAMESPACE}:llm_cached_input_token)%",
    "output_tokens": f"%DYNAMIC_METADATA({COST_NAMESPACE}:llm_output_token)%",
    "total_tokens": f"%DYNAMIC_METADATA({COST_NAMESPACE}:llm_total_token)%",
}
assert not any(AUTH_HEADER in v.lower() for v in ACCESS_LOG_FIELDS.values())  # never log the key


def render_gateway_class(platform: PlatformConfig) -> dict:
    return {
        "apiVersion": GATEWAY_API,
        "kind": "GatewayClass",
        "metadata": metadata(platform, gateway_name(platform), namespaced=False),
        "spec": {
            "controllerName": CONTROLLER_NAME,
            "description": "llm-platform: OpenAI-compatible gateway to the models",
            "parametersRef": {"group": ENVOY_GATEWAY_GROUP, "kind": "EnvoyProxy", "name": gateway_name(platform),
                              "namespace": platform.gateway.namespace},
        },
    }


def load_balancer_annotations(platform: PlatformConfig) -> dict[str, str]:
    if platform.gateway.internal:
        return {NLB_TYPE: "nlb", NLB_SCHEME: "internal", NLB_INTERNAL: "true"}
    return {NLB_TYPE: "nlb", NLB_SCHEME: "internet-facing"}


def render_envoy_proxy(platform: PlatformConfig) -> dict:
    gateway = platform.gateway
    service: dict = {
        "name": service_name(platform),
        "type": "LoadBalancer",
        "annotations": load_balancer_annotations(platform),
    }
    if gateway.allowed_source_cidrs:
        service["loadBalancerSourceRanges"] = list(gateway.allowed_source_cidrs)
    kubernetes: dict = {
        "envoyDeployment": {
            "replicas": gateway.replicas,
            "pod": {"priorityClassName": SERVICES_PRIORITY_CLASS},
            "container": {"resources": {
                "requests": {"cpu": gateway.resources.cpu, "memory": gateway.resources.memory},
                "limits": {"memory": gateway.resources.memory},
            }},
        },
        "envoyService": service,
        "envoyServiceAccount": {"name": service_account_name(platform)},
    }
    if gateway.replicas > 1:
        kubernetes["envoyPDB"] = {"minAvailable": 1}
        # One zone (or node) down leaves proxies serving: spread across zones strictly, across nodes
        # where the scheduler can.
        selector = {"matchLabels": envoy_proxies(gateway.name)}
        kubernetes["envoyDeployment"]["pod"]["topologySpreadConstraints"] = [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": selector},
            {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": selector},
        ]
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "EnvoyProxy",
        "metadata": metadata(platform, gateway_name(platform)),
        "spec": {
            "provider": {"type": "Kubernetes", "kubernetes": kubernetes},
            # Let streamed completions finish when a proxy is replaced.
            "shutdown": {"drainTimeout": seconds(gateway.request_timeout_seconds), "minDrainDuration": "5s"},
            "telemetry": {
                "accessLog": {"settings": [{
                    "format": {"type": "JSON", "json": dict(ACCESS_LOG_FIELDS)},
                    "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}],
                }]},
                # Cluster stats named after the route rule (= the model): scale-from-zero reads them.
                "metrics": {"clusterStatName": CLUSTER_STAT_NAME},
            },
        },
    }


def render_gateway(platform: PlatformConfig) -> dict:
    return {
        "apiVersion": GATEWAY_API,
        "kind": "Gateway",
        "metadata": metadata(platform, gateway_name(platform)),
        "spec": {
            "gatewayClassName": gateway_name(platform),
            "listeners": render_listeners(platform),
        },
    }


def render_client_traffic_policy(platform: PlatformConfig) -> dict:
    timeout = seconds(platform.gateway.request_timeout_seconds)
    return {
        "apiVersion": ENVOY_GATEWAY,
        "kind": "ClientTrafficPolicy",
        "metadata": metadata(platform, gateway_name(platform)),
        "spec": {
            "targetRefs": [gateway_ref(platform)],
            "connection": {"bufferLimit": REQUEST_BUFFER_LIMIT},
            "timeout": {"http": {
                "requestHeadersReceivedTimeout": "10s",
                # The default (5 min) would cut a long non-streamed completion: nothing flows until it ends.
                "streamIdleTimeout": timeout,
            }},
            # Only the API key filter may set the tenant: drop whatever a client sends.
            "headers": {"earlyRequestHeaders": {"remove": [TENANT_HEADER]}},
        },
    }


def endpoint(platform: PlatformConfig) -> str:
    """The OpenAI base URL: `https://<hostname>/v1` with tls (the certificate's only name, in-cluster
    clients included); without, the in-cluster one (the NLB's hostname is in the Gateway's status.addresses)."""
    return public_endpoint(platform) or \
        f"http://{service_name(platform)}.{platform.gateway.namespace}.svc.cluster.local/v1"
