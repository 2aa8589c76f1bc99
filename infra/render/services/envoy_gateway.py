"""Envoy Gateway (envoyproxy/gateway v1.9.0, chart gateway-helm) configured for the Envoy AI Gateway.

`config.envoyGateway` is the EnvoyGateway configuration object (gateway.envoyproxy.io/v1alpha1, see
api/v1alpha1/envoygateway_types.go at v1.9.0); Helm merges what is set here over the chart's defaults
(gateway controllerName, Kubernetes provider, logging). What AI Gateway v1.1.0 requires of it is
manifests/envoy-gateway-values.yaml at that tag:

- `extensionApis.enableBackend: true`: AIServiceBackends point at Envoy Gateway `Backend` objects;
- `extensionManager`: the AI Gateway controller is the extension server. Every listener, route, cluster
  and secret goes through the translation hook, and the post hooks Translation, Cluster and Route run,
  so the controller can insert its external processor and per-backend settings.

Left out on purpose: `extensionApis.enableEnvoyPatchPolicy` (the same file calls it "not strictly
required"; it lets any namespace with RBAC for the kind patch raw xDS), the InferencePool
`backendResources` add-on (examples/inference-pool; the platform routes to Services, not
InferencePools) and the token rate-limit add-on (it needs a Redis).

The chart installs the Gateway API (experimental channel) and Envoy Gateway CRDs from its `crds`
subchart, i.e. from a `crds/` directory: Helm installs them once and does not upgrade them.
"""

from __future__ import annotations

from ...config import PlatformConfig
from . import envoy_gateway_names as names
from .common import SYSTEM_NODE_SELECTOR, namespace, resources

NAMESPACE = names.NAMESPACE
RELEASE_NAME = "eg"  # the name the Envoy Gateway and AI Gateway install guides use
# Extension hooks AI Gateway v1.1.0 needs (manifests/envoy-gateway-values.yaml at the tag).
TRANSLATION_HOOKS = ("listener", "route", "cluster", "secret")
POST_HOOKS = ("Translation", "Cluster", "Route")


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


def chart_values(platform: PlatformConfig) -> dict:
    controller = platform.services.envoy_gateway.controller
    return {
        "deployment": {
            "replicas": controller.replicas,  # leader election is on by default in Envoy Gateway
            "envoyGateway": {"resources": resources(controller.resources)},
            "pod": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR)},
        },
        "podDisruptionBudget": {"minAvailable": 1 if controller.replicas > 1 else 0},
        "certgen": {"job": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR)}},
        "kubernetesClusterDomain": names.CLUSTER_DOMAIN,
        "config": {
            "envoyGateway": {
                "extensionApis": {"enableBackend": True},
                "extensionManager": extension_manager(),
            }
        },
    }
