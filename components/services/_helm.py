"""How every platform service registers its namespace (its pinned Helm releases: components/helm_release.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from ..k8s_object import register


def on_cluster(parent: pulumi.Resource, provider: k8s.Provider,
               depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on))


def namespace(name: str, obj: dict, parent: pulumi.Resource, provider: k8s.Provider,
              depends_on: Sequence[pulumi.Resource]) -> pulumi.CustomResource:
    return register(f"{name}-namespace", obj, on_cluster(parent, provider, depends_on))



def network_policies(name: str, objs: Sequence[dict], parent: pulumi.Resource, provider: k8s.Provider,
                     depends_on: Sequence[pulumi.Resource]) -> tuple[pulumi.CustomResource, ...]:
    """A namespace's default-deny and its workloads' flows (infra/render/platform_flows.py). The
    release waits for them: a pod that started before its allow policy would meet only the deny."""
    opts = on_cluster(parent, provider, depends_on)
    return tuple(register(f"{name}-{obj['metadata']['name']}-networkpolicy", obj, opts) for obj in objs)
