"""Every Helm release the platform installs: a chart at its pinned version, with its values sent as
one YAML file so that nulls (deleted chart defaults) survive the SDK (infra/render/helm_values.py)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from infra.catalog.platform_versions import HelmChart
from infra.render.helm_values import values_file

MAX_HISTORY = 10


def helm_release(resource_name: str, release_name: str, chart: HelmChart, namespace: str,
                 values: pulumi.Input[dict] | None, opts: pulumi.ResourceOptions, timeout: int | None = None,
                 skip_crds: bool = False) -> k8s.helm.v3.Release:
    """A Helm release of `chart` at its pinned version. The namespace is never created by Helm (the
    component owns it), and Pulumi waits for the release's workloads to become ready."""
    files = None
    if values is not None:
        files = [pulumi.Output.from_input(values).apply(lambda v: pulumi.StringAsset(values_file(v)))]
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart.chart,
        version=chart.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo) if chart.repo else None,
        namespace=namespace,
        create_namespace=False,
        value_yaml_files=files,
        allow_null_values=True,
        skip_crds=skip_crds or None,
        max_history=MAX_HISTORY,
        timeout=timeout,
        opts=opts,
    )
