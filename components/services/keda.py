"""KEDA: namespace `keda` and the pinned kedacore/keda release (its CRDs included)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import KEDA_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.services import keda as render

from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster


@dataclass(frozen=True)
class KedaArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()


class Keda(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: KedaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.KEDA, name, None, opts)
        self.namespace = namespace(name, render.render_namespace(), self, args.k8s_provider, args.depends_on)
        self.network_policies = network_policies(name, platform_flows.keda_policies(args.platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, KEDA_CHART, render.NAMESPACE,
                                    render.chart_values(args.platform),
                                    on_cluster(self, args.k8s_provider,
                                               [*args.depends_on, self.namespace, *self.network_policies]))
        self.register_outputs({"namespace": render.NAMESPACE, "release": self.release.name})
