"""How every platform service registers its pieces: the namespace first, then pinned Helm releases."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog.platform_versions import HelmChart

from ..helm_release import helm_release
from ..k8s_object import register


def on_cluster(parent: pulumi.Resource, provider: k8s.Provider,
               depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on))


def namespace(name: str, obj: dict, parent: pulumi.Resource, provider: k8s.Provider,
              depends_on: Sequence[pulumi.Resource]) -> pulumi.CustomResource:
    return register(f"{name}-namespace", obj, on_cluster(parent, provider, depends_on))


def release(resource_name: str, release_name: str, chart: HelmChart, namespace: str, values: pulumi.Input[dict],
            opts: pulumi.ResourceOptions, timeout: int | None = None) -> k8s.helm.v3.Release:
    """A Helm release of `chart` at its pinned version in the component's own namespace."""
    return helm_release(resource_name, release_name=release_name, chart=chart, namespace=namespace, values=values,
                        opts=opts, timeout=timeout)
