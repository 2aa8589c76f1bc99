"""Envoy Gateway (envoyproxy/gateway v1.9.0, chart gateway-helm) configured for the Envoy AI Gateway.

`config.envoyGateway` is the EnvoyGateway configuration object (gateway.envoyproxy.io/v1alpha1, see
api/v1alpha1/envoygateway_types.go at v1.9.0); Helm merges what is set here over the chart's defaults
(gateway controllerName, Kubernetes provider, logging). What AI Gateway v1.1.0 requires of it is
manifests/envoy-gateway-values.yaml at that tag:

- `extensionApis.enableBackend: true`: AIServiceBackends point at Envoy Gateway `Backend` objects;
- `extensionManager`: the AI Gateway controller is the extension server. Every listener, route, cluster
  and secret goes through the translation hook, and the post hooks Translation, Cluster and Route run,
  so the controller can insert its external processor and per-backend settings.

`extensionApis.enableEnvoyPatchPolicy` only with the semantic router (its filter must run before the
AI Gateway's, which only a patch of the listener can do: infra/render/gateway/semantic_router.py).
Otherwise it stays off: the same file calls it "not strictly required", and it lets any namespace with
RBAC for the kind patch raw xDS. Left out on purpose: the InferencePool
`backendResources` add-on (examples/inference-pool; the platform routes to Services, not
InferencePools).

Global rate limiting (`global_rate_limit=True`, which the program sets when some tenant has a token limit,
`infra.render.gateway.uses_global_rate_limit`): Envoy Gateway rejects a BackendTrafficPolicy with
`rateLimit.type: Global` unless its EnvoyGateway configuration names a rate limit backend. `rateLimit`
(api/v1alpha1/envoygateway_types.go at v1.9.0: `backend.type: Redis`, `backend.redis.url`) makes the
controller run the envoyproxy/ratelimit Deployment `envoy-ratelimit` in this namespace, which keeps its
counters in Redis; the docs' "Global Rate Limit" task (site/content/en/v1.9/tasks/traffic/global-rate-limit.md)
sets exactly `config.envoyGateway.rateLimit.backend.type=Redis` and `...backend.redis.url=<host>:6379`.
The platform runs that Redis itself (`render_rate_limit_redis`): one replica, no persistence (counters
are short-lived windows; a restart only resets them), reachable only from the rate limit pods, and
with a password (`requirepass`, from the Secret `ratelimit-redis-auth` the component fills with a
generated password): the rate limit pods get it as `REDIS_AUTH`, which envoyproxy/ratelimit sends, through
`rateLimitDeployment.container.env` (Envoy Gateway merges those over the variables it sets,
internal/infrastructure/kubernetes/resource ExpectedContainerEnv at v1.9.0). `failClosed` follows
`gateway.rateLimitFailure`: closed (the default) answers 500 to the tenants with token limits while the
rate limit service cannot be asked; open lets their requests pass unmetered.

The chart installs the Gateway API (experimental channel) and Envoy Gateway CRDs from its `crds`
subchart, i.e. from a `crds/` directory: Helm installs them once and does not upgrade them.
"""

from __future__ import annotations

from ...catalog.platform_versions import RATE_LIMIT_REDIS_IMAGE
from ...config import PlatformConfig
from ..labels import metadata
from ..network_policy import network_policy, tcp
from ..priority import SERVICES_PRIORITY_CLASS
from . import envoy_gateway_names as names
from .common import (
    MANAGED_LABELS,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    SYSTEM_NODE_SELECTOR,
    namespace,
    resources,
)

NAMESPACE = names.NAMESPACE
RELEASE_NAME = "eg"  # the name the Envoy Gateway and AI Gateway install guides use
# Extension hooks AI Gateway v1.1.0 needs (manifests/envoy-gateway-values.yaml at the tag).
TRANSLATION_HOOKS = ("listener", "route", "cluster", "secret")
POST_HOOKS = ("Translation", "Cluster", "Route")

# Redis behind the global rate limit service.
REDIS_NAME = "ratelimit-redis"
REDIS_PORT = 6379
_REDIS_UID, _REDIS_GID = 999, 1000  # user and group `redis` of the official Alpine image
_REDIS_MEMORY = "128Mi"  # request and limit
_REDIS_MAXMEMORY = "96mb"  # below the limit: Redis evicts instead of being OOM-killed
REDIS_AUTH_SECRET = "ratelimit-redis-auth"  # the Secret (key `password`) the component creates
REDIS_AUTH_KEY = "password"
REDIS_SELECTOR = {"app.kubernetes.io/name": REDIS_NAME, "app.kubernetes.io/component": "rate-limit-store"}
# Labels of the rate limit pods Envoy Gateway creates (internal/infrastructure/kubernetes/ratelimit at
# v1.9.0, testdata/deployments/default.yaml): the only clients Redis admits.
RATE_LIMIT_POD_SELECTOR = {"app.kubernetes.io/name": "envoy-ratelimit", "app.kubernetes.io/component": "ratelimit",
                           "app.kubernetes.io/managed-by": "envoy-gateway"}


def render_namespace() -> dict:
    # Envoy Gateway's controller, its certgen Job and the Envoy proxies it creates here (Envoy and
    # shutdown-manager containers; the AI Gateway's injected extproc) all meet "restricted".
    return namespace(NAMESPACE, "envoy-gateway", "restricted")


def extension_manager() -> dict:
    return {
        "hooks": {
            "xdsTranslator": {
                "translation": {kind: {"includeAll": True} for kind in TRANSLATION_HOOKS},
                "post": list(POST_HOOKS),
            }
        },
        "service": {"fqdn": {"hostname": names.extension_server_hostname(),
                             "port": names.AI_GATEWAY_EXTENSION_PORT}},
    }


def redis_url() -> str:
    """What Envoy Gateway hands the rate limit service as REDIS_URL: host:port, no scheme."""
    return f"{REDIS_NAME}.{NAMESPACE}.svc.{names.CLUSTER_DOMAIN}:{REDIS_PORT}"


def rate_limit(platform: PlatformConfig) -> dict:
    """EnvoyGateway `rateLimit` (api/v1alpha1/envoygateway_types.go `RateLimit` at v1.9.0)."""
    return {"backend": {"type": "Redis", "redis": {"url": redis_url()}},
            "failClosed": platform.gateway.rate_limit_failure == "closed"}


def _redis_password_env(name: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": REDIS_AUTH_SECRET, "key": REDIS_AUTH_KEY}}}


def redis_auth_secret_metadata() -> dict:
    return metadata(REDIS_AUTH_SECRET, NAMESPACE, _redis_labels())


def chart_values(platform: PlatformConfig, global_rate_limit: bool = False) -> dict:
    """`global_rate_limit`: configure the global rate limit service (and run its Redis, see
    `render_rate_limit_redis`); needed as soon as a BackendTrafficPolicy has a global rate limit."""
    controller = platform.services.envoy_gateway.controller
    values = {
        "deployment": {
            "replicas": controller.replicas,  # leader election is on by default in Envoy Gateway
            "envoyGateway": {"resources": resources(controller.resources)},
            "pod": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR)},
            "priorityClassName": SERVICES_PRIORITY_CLASS,
        },
        "podDisruptionBudget": {"minAvailable": 1 if controller.replicas > 1 else 0},
        "certgen": {"job": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR)}},
        "kubernetesClusterDomain": names.CLUSTER_DOMAIN,
        "config": {
            "envoyGateway": {
                "extensionApis": {"enableBackend": True,
                                  **({"enableEnvoyPatchPolicy": True} if platform.gateway.semantic_router.enabled
                                     else {})},
                "extensionManager": extension_manager(),
            }
        },
    }
    if global_rate_limit:
        envoy_gateway = values["config"]["envoyGateway"]
        envoy_gateway["rateLimit"] = rate_limit(platform)
        # The rate limit Deployment the controller creates goes to the system nodes too, and signs in to
        # Redis. The chart merges this over its own `provider` block (type Kubernetes, the ratelimit
        # image), which stays.
        envoy_gateway["provider"] = {"type": "Kubernetes", "kubernetes": {"rateLimitDeployment": {
            "pod": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR), "priorityClassName": SERVICES_PRIORITY_CLASS},
            "container": {"env": [_redis_password_env("REDIS_AUTH")]}}}}
    return values


def _redis_labels() -> dict[str, str]:
    return {**MANAGED_LABELS, **REDIS_SELECTOR}


def _redis_container() -> dict:
    return {
        "name": "redis",
        "image": RATE_LIMIT_REDIS_IMAGE,
        # The image's entrypoint prefixes `redis-server` to arguments that start with "-". Counters only:
        # no snapshots, no append-only file; under memory pressure evict the keys closest to expiring.
        # Clients sign in with the generated password (Kubernetes expands $(REDIS_PASSWORD) from the env);
        # the NetworkPolicy limits who can connect at all. redis-cli (the readiness probe) reads REDISCLI_AUTH.
        "args": ["--save", "", "--appendonly", "no", "--requirepass", "$(REDIS_PASSWORD)",
                 "--maxmemory", _REDIS_MAXMEMORY, "--maxmemory-policy", "volatile-ttl"],
        "env": [_redis_password_env("REDIS_PASSWORD"), _redis_password_env("REDISCLI_AUTH")],
        "ports": [{"name": "redis", "containerPort": REDIS_PORT, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "50m", "memory": _REDIS_MEMORY}, "limits": {"memory": _REDIS_MEMORY}},
        "securityContext": {**RESTRICTED_CONTAINER_SECURITY_CONTEXT, "runAsUser": _REDIS_UID,
                            "runAsGroup": _REDIS_GID},
        "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5, "timeoutSeconds": 2},
        "livenessProbe": {"tcpSocket": {"port": "redis"}, "initialDelaySeconds": 10, "periodSeconds": 10},
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],  # the image's working directory
    }


def render_rate_limit_redis() -> list[dict]:
    """The Redis the global rate limit service counts in: Deployment, Service and a NetworkPolicy that
    admits only the rate limit pods, all in Envoy Gateway's namespace."""
    labels = _redis_labels()
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(REDIS_NAME, NAMESPACE, labels),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(REDIS_SELECTOR)},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
                    "priorityClassName": SERVICES_PRIORITY_CLASS,
                    "securityContext": {**RESTRICTED_POD_SECURITY_CONTEXT, "runAsUser": _REDIS_UID,
                                        "runAsGroup": _REDIS_GID, "fsGroup": _REDIS_GID},
                    "containers": [_redis_container()],
                    "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(REDIS_NAME, NAMESPACE, labels),
        "spec": {
            "type": "ClusterIP",
            "selector": dict(REDIS_SELECTOR),
            "ports": [{"name": "redis", "port": REDIS_PORT, "targetPort": "redis", "protocol": "TCP"}],
        },
    }
    policy = network_policy(REDIS_NAME, NAMESPACE, labels, REDIS_SELECTOR,
                            [{"from": [{"podSelector": {"matchLabels": dict(RATE_LIMIT_POD_SELECTOR)}}],
                              "ports": tcp(REDIS_PORT)}], [])
    return [deployment, service, policy]
