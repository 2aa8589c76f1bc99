"""Names, headers and metadata keys shared by the gateway's objects (and by whoever reads its telemetry).

Every namespaced gateway object lives in the gateway namespace, so nothing crosses namespaces and
no ReferenceGrant is needed: the model Backends reach the vLLM Services by FQDN.
"""

from __future__ import annotations

import hashlib
import re

from ...config import PlatformConfig
from ...config.gateway import FallbackConfig
from ..labels import PART_OF

GATEWAY_API = "gateway.networking.k8s.io/v1"
ENVOY_GATEWAY = "gateway.envoyproxy.io/v1alpha1"
AI_GATEWAY = "aigateway.envoyproxy.io/v1beta1"
EXTERNAL_SECRETS = "external-secrets.io/v1"
GATEWAY_GROUP = "gateway.networking.k8s.io"
ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io"
AI_GATEWAY_GROUP = "aigateway.envoyproxy.io"

CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller"
CLUSTER_SECRET_STORE = "aws-secrets-manager"  # the ClusterSecretStore the platform services create
LISTENER_PORT = 80  # the HTTP listener: the API without tls, only the redirect to HTTPS with it
HTTPS_PORT = 443
HTTP_LISTENER = "http"
HTTPS_LISTENER = "https"

MODEL_HEADER = "x-ai-eg-model"  # set by the AI Gateway filter from the request body's "model"
TENANT_HEADER = "x-tenant-id"  # set by the API key filter to the tenant (client id); clients cannot set it
AUTH_HEADER = "authorization"  # "Bearer <key>"; Envoy strips "Bearer " and removes the header (sanitize)
# AI Gateway controller setting (Helm `controller.requestHeaderAttributes`) that turns the tenant header
# into the `tenant.id` attribute of its GenAI metrics, spans and access logs.
REQUEST_HEADER_ATTRIBUTES = f"{TENANT_HEADER}:tenant.id"

# Token usage the AI Gateway filter writes into Envoy dynamic metadata for every response.
COST_NAMESPACE = "io.envoy.ai_gateway"
TOKEN_COSTS: dict[str, str] = {  # metadataKey -> AIGatewayRoute llmRequestCosts type
    "llm_input_token": "InputToken",
    "llm_cached_input_token": "CachedInputToken",
    "llm_output_token": "OutputToken",
    "llm_total_token": "TotalToken",
}
RATE_LIMIT_COST_KEY = "llm_total_token"

REQUEST_BUFFER_LIMIT = "50Mi"  # Envoy's default is 32 KiB; prompts with images or long contexts are larger
ROUTE_RULES_MAX = 15  # AIGatewayRoute.spec.rules maxItems (one more slot is the controller's catch-all)

PROVIDER_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}


def labels() -> dict[str, str]:
    return {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/component": "gateway"}


def gateway_name(platform: PlatformConfig) -> str:
    return platform.gateway.name


def service_name(platform: PlatformConfig) -> str:
    """The proxies' Service (pinned in the EnvoyProxy, so the in-cluster endpoint is predictable)."""
    return platform.gateway.name


def service_account_name(platform: PlatformConfig) -> str:
    """The proxies' service account (pinned, for the Bedrock Pod Identity association)."""
    return platform.gateway.name


def api_keys_name(platform: PlatformConfig) -> str:
    return f"{platform.gateway.name}-api-keys"


def model_backend_name(model: str) -> str:
    return f"model-{model}"


def route_name(platform: PlatformConfig, index: int) -> str:
    """AIGatewayRoute names; the controller generates an HTTPRoute of the same name for each."""
    base = f"{platform.gateway.name}-models"
    return base if index == 0 else f"{base}-{index + 1}"


def fallback_backend_name(fallback: FallbackConfig) -> str:
    """Stable per (provider, model): the model id as a DNS label, with a short hash when it is not one."""
    slug = re.sub(r"[^a-z0-9]+", "-", fallback.model.lower()).strip("-")
    if slug == fallback.model and len(slug) <= 40:
        return f"fallback-{fallback.provider}-{slug}"
    digest = hashlib.sha256(f"{fallback.provider}/{fallback.model}".encode()).hexdigest()[:6]
    return f"fallback-{fallback.provider}-{slug[:36].strip('-')}-{digest}"


def fallback_credentials_name(fallback: FallbackConfig) -> str:
    return f"{fallback_backend_name(fallback)}-credentials"


def gateway_ref(platform: PlatformConfig) -> dict:
    return {"group": GATEWAY_GROUP, "kind": "Gateway", "name": gateway_name(platform)}


def serving_listener(platform: PlatformConfig) -> str:
    """The Gateway listener that serves the API (routes and policies attach to it)."""
    return HTTPS_LISTENER if platform.gateway.tls is not None else HTTP_LISTENER


def listener_ref(platform: PlatformConfig) -> dict:
    """A reference to the serving listener: the whole Gateway without tls (it has one listener), its
    HTTPS listener with tls (the HTTP one only redirects, and must not take the API key or a route)."""
    ref = gateway_ref(platform)
    if platform.gateway.tls is not None:
        ref["sectionName"] = HTTPS_LISTENER
    return ref


def metadata(platform: PlatformConfig, name: str, *, namespaced: bool = True) -> dict:
    meta: dict = {"name": name, "labels": labels()}
    if namespaced:
        meta["namespace"] = platform.gateway.namespace
    return meta


def synced_secret(platform: PlatformConfig, name: str, refresh: str, data: list[dict],
                  meta: dict | None = None) -> dict:
    """An ExternalSecret writing Kubernetes Secret `name` from AWS Secrets Manager through the
    platform's ClusterSecretStore; `meta` (default: the gateway's namespace and labels) is its metadata.
    Retained: if the source vanishes, the last synced Secret stays."""
    return {
        "apiVersion": EXTERNAL_SECRETS,
        "kind": "ExternalSecret",
        "metadata": meta or metadata(platform, name),
        "spec": {
            "refreshInterval": refresh,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": CLUSTER_SECRET_STORE},
            "target": {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": data,
        },
    }


def seconds(value: int) -> str:
    return f"{value}s"
