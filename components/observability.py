"""Platform-wide observability: scrapes of the gateway and the GPUs, the platform alert rules and the
Grafana dashboard. Everything is rendered by infra.render.observability; this only registers it.

The objects are VictoriaMetrics operator custom resources and a ConfigMap in the observability
namespace, so they need the metrics stack first (its CRDs, namespace and Grafana): pass it in
`depends_on`. Per-model scrapes and alerts belong to each ModelRelease.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.catalog import component_types
from infra.config import PlatformConfig
from infra.render.observability.dashboard import DASHBOARD_UID
from infra.render.observability.objects import render_observability

from .k8s_object import register


@dataclass(frozen=True)
class ObservabilityArgs:
    platform: PlatformConfig
    depends_on: tuple[pulumi.Resource, ...] = ()  # the metrics stack (VictoriaMetrics operator CRDs, Grafana)


class Observability(pulumi.ComponentResource):
    dashboard_uid: pulumi.Output[str]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.OBSERVABILITY, name, None, opts)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        for suffix, obj in render_observability(args.platform).items():
            register(f"{name}-{suffix}", obj, child)
        self.dashboard_uid = pulumi.Output.from_input(DASHBOARD_UID)
        self.register_outputs({"dashboard_uid": self.dashboard_uid})
