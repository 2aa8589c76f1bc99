"""The OpenAI-compatible gateway in front of the models (Envoy AI Gateway).

This issue only fixes where the gateway lives, so model network policies admit its proxies;
tenants, keys, limits and fallbacks land with the gateway layer.
"""

from __future__ import annotations

from .base import K8sName, StackModel


class GatewayConfig(StackModel):
    name: K8sName = "llm-gateway"
    namespace: K8sName = "envoy-gateway-system"
