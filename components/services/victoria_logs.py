"""VictoriaLogs: its namespace and the pinned victoria-logs-single release (with the vector shipper).

Pass the VictoriaMetrics stack's release in `depends_on`: this release creates a VMServiceScrape (the
operator's CRD) and Grafana dashboards in the monitoring namespace."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import VICTORIA_LOGS_SINGLE_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.services import victoria_logs as render

from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster

TIMEOUT_SECONDS = 600  # the volume, then the StatefulSet and the vector DaemonSet on every node


@dataclass(frozen=True)
class VictoriaLogsArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()


class VictoriaLogs(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    release: k8s.helm.v3.Release
    read_url: str

    def __init__(self, name: str, args: VictoriaLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.VICTORIA_LOGS, name, None, opts)
        platform = args.platform
        self.read_url = render.read_url(platform)
        self.namespace = namespace(name, render.render_namespace(platform), self, args.k8s_provider, args.depends_on)
        self.network_policies = network_policies(name, platform_flows.logging_policies(platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, VICTORIA_LOGS_SINGLE_CHART,
                                    render.namespace_name(platform), render.chart_values(platform),
                                    on_cluster(self, args.k8s_provider,
                                               [*args.depends_on, self.namespace, *self.network_policies]),
                                    timeout=TIMEOUT_SECONDS)
        self.register_outputs({"namespace": render.namespace_name(platform), "read_url": self.read_url,
                               "release": self.release.name})
