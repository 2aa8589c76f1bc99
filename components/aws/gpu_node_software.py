"""What every GPU node runs besides the models: the NVIDIA device plugin (AL2023 pools only; the
Bottlerocket NVIDIA variants bring their own) and the DCGM exporter, as pinned Helm releases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog import component_types
from infra.catalog.platform_versions import DCGM_EXPORTER, NVIDIA_DEVICE_PLUGIN, HelmChart
from infra.config.gpu_pools import GpuPoolConfig
from infra.render.aws import gpu_pool as render

from ..helm_release import helm_release

NAMESPACE = "kube-system"


@dataclass(frozen=True)
class GpuNodeSoftwareArgs:
    pools: Mapping[str, GpuPoolConfig]
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()


class GpuNodeSoftware(pulumi.ComponentResource):
    device_plugin: k8s.helm.v3.Release | None
    dcgm_exporter: k8s.helm.v3.Release

    def __init__(self, name: str, args: GpuNodeSoftwareArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.GPU_NODE_SOFTWARE, name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on))

        def release(suffix: str, chart: HelmChart, values: dict) -> k8s.helm.v3.Release:
            return helm_release(f"{name}-{suffix}", release_name=chart.chart, chart=chart, namespace=NAMESPACE,
                                values=values, opts=on_cluster)

        plugin_values = render.device_plugin_values(args.pools)
        self.device_plugin = (release("device-plugin", NVIDIA_DEVICE_PLUGIN, plugin_values)
                              if plugin_values is not None else None)
        self.dcgm_exporter = release("dcgm-exporter", DCGM_EXPORTER, render.dcgm_exporter_values(args.pools))
        self.register_outputs({"device_plugin_pools": render.device_plugin_pools(args.pools)})
