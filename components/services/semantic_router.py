"""The vLLM Semantic Router (optional virtual model): namespace `semantic-router`, the pinned chart
release, and its NetworkPolicy, disruption budget and metrics scrape. The gateway's patch that puts
the router in front of the AI Gateway is the gateway component's (components/gateway.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import SEMANTIC_ROUTER_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.services import semantic_router as render

from ..k8s_object import register
from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster


@dataclass(frozen=True)
class SemanticRouterArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    # The VictoriaMetrics operator's CRDs (the scrape) come with the metrics stack release.
    depends_on: tuple[pulumi.Resource, ...] = ()


class SemanticRouter(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    release: k8s.helm.v3.Release
    objects: tuple[pulumi.CustomResource, ...]

    def __init__(self, name: str, args: SemanticRouterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.SEMANTIC_ROUTER, name, None, opts)
        self.namespace = namespace(name, render.render_namespace(), self, args.k8s_provider, args.depends_on)
        # Before the release: the pods start with their flows (the classifier download among them).
        inside = on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace])
        self.network_policies = (
            register(f"{name}-networkpolicy", render.render_network_policy(args.platform), inside),
            *network_policies(name, platform_flows.semantic_router_policies(args.platform), self,
                              args.k8s_provider, [*args.depends_on, self.namespace]))
        # The first start downloads the classifiers (the chart's startup probe allows up to an hour).
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, SEMANTIC_ROUTER_CHART, render.NAMESPACE,
                                    render.chart_values(args.platform),
                                    on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace, *self.network_policies]),
                                    timeout=1800)
        after = on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace, self.release])
        self.objects = tuple(register(f"{name}-{obj['kind'].lower()}", obj, after)
                             for obj in render.render_objects(args.platform))
        self.register_outputs({"namespace": render.NAMESPACE, "release": self.release.name,
                               "grpc": "{}:{}".format(*render.grpc_address())})
