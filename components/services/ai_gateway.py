"""Envoy AI Gateway: namespace `envoy-ai-gateway-system`, the CRDs release, then the controller release.

Pass Envoy Gateway's release in `depends_on`: the controller watches Envoy Gateway's and the Gateway
API's CRDs, which that release installs (the project's install guide installs Envoy Gateway first).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from infra.catalog import component_types
from infra.catalog.platform_versions import AI_GATEWAY_CHART, AI_GATEWAY_CRDS_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.services import ai_gateway as render

from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster


@dataclass(frozen=True)
class AiGatewayArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()
    # controller.requestHeaderAttributes, e.g. infra.render.gateway.REQUEST_HEADER_ATTRIBUTES (tenant id
    # into the GenAI metrics); None keeps the chart's default.
    request_header_attributes: str | None = None


class AiGateway(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    crds: k8s.helm.v3.Release
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: AiGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.AI_GATEWAY, name, None, opts)
        platform = args.platform
        self.namespace = namespace(name, render.render_namespace(), self, args.k8s_provider, args.depends_on)
        self.network_policies = network_policies(name, platform_flows.ai_gateway_policies(platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])
        self.crds = helm_release(f"{name}-crds", render.CRDS_RELEASE_NAME, AI_GATEWAY_CRDS_CHART, render.NAMESPACE, {},
                                 on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace]))
        # The MCP session key seed: generated once, kept (secret) in the stack state, stable across updates.
        seed = random.RandomPassword(f"{name}-mcp-session-seed", length=48, special=False,
                                     opts=pulumi.ResourceOptions(parent=self))
        # Secret in the state and in previews (the seed is in the values), whatever the provider marks.
        attributes = args.request_header_attributes
        values = pulumi.Output.secret(seed.result.apply(lambda s: render.chart_values(platform, s, attributes)))
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, AI_GATEWAY_CHART, render.NAMESPACE, values,
                                    on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace, self.crds,
                                                *self.network_policies]))
        self.register_outputs({"namespace": render.NAMESPACE, "release": self.release.name,
                               "extension_server": f"{render.CONTROLLER_NAME}.{render.NAMESPACE}"})
