"""How every platform service registers its pieces: the namespace first, then pinned Helm releases."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog.platform_versions import HelmChart

from ..k8s_object import register

MAX_HISTORY = 10


def on_cluster(parent: pulumi.Resource, provider: k8s.Provider,
               depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on))


def namespace(name: str, obj: dict, parent: pulumi.Resource, provider: k8s.Provider,
              depends_on: Sequence[pulumi.Resource]) -> pulumi.CustomResource:
    return register(f"{name}-namespace", obj, on_cluster(parent, provider, depends_on))


def release(resource_name: str, release_name: str, chart: HelmChart, namespace: str, values: pulumi.Input[dict],
            opts: pulumi.ResourceOptions, timeout: int | None = None) -> k8s.helm.v3.Release:
    """A Helm release of `chart` at its pinned version. The namespace is the component's own (never
    created by Helm), and Pulumi waits for the release's workloads to become ready."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart.chart,
        version=chart.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo) if chart.repo else None,
        namespace=namespace,
        create_namespace=False,
        values=values,
        max_history=MAX_HISTORY,
        timeout=timeout,
        opts=opts,
    )
