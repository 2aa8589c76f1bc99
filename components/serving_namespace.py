"""The serving namespace and what every model in it shares."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.catalog import component_types
from infra.config import PlatformConfig
from infra.render import serving_namespace as render

from .k8s_object import register


@dataclass(frozen=True)
class ServingNamespaceArgs:
    platform: PlatformConfig
    # The PersistentVolume the weights claim is pre-bound to: the claim is created after it.
    weights_volume: pulumi.Resource | None = None


class ServingNamespace(pulumi.ComponentResource):
    namespace: pulumi.Output[str]
    namespace_object: pulumi.CustomResource
    mounted_by_models: tuple[pulumi.CustomResource, ...]  # the weight tools, and the weights claim (S3 Files)

    def __init__(self, name: str, args: ServingNamespaceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.SERVING_NAMESPACE, name, None, opts)
        platform = args.platform
        ns = register(f"{name}-namespace", render.render_namespace(platform), pulumi.ResourceOptions(parent=self))
        inside = pulumi.ResourceOptions(parent=self, depends_on=[ns])
        tools = register(f"{name}-weight-tools", render.render_tools_config_map(platform), inside)
        self.members = [
            register(f"{name}-default-deny", render.render_default_deny(platform), inside),
            register(f"{name}-preload-network-policy", render.render_preload_network_policy(platform), inside),
            tools,
        ]
        self.namespace_object = ns
        self.mounted_by_models = (tools,)
        claim = render.render_weights_claim(platform)
        if claim is not None:
            after = [ns] + ([args.weights_volume] if args.weights_volume is not None else [])
            self.members.append(register(f"{name}-weights-claim", claim,
                                         pulumi.ResourceOptions(parent=self, depends_on=after)))
            self.mounted_by_models += (self.members[-1],)
        self.namespace = ns.metadata.apply(lambda m: m["name"])
        self.register_outputs({"namespace": self.namespace})
