"""Envoy Gateway: namespace `envoy-gateway-system` and the pinned gateway-helm release, configured with
the AI Gateway controller as its extension server; with `global_rate_limit`, also the Redis its global
rate limit service keeps counters in, and Redis's generated password in a Secret both read (before
the release that points the controller at them)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from infra.catalog import component_types
from infra.catalog.platform_versions import ENVOY_GATEWAY_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.services import envoy_gateway as render

from ..k8s_object import register
from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster


@dataclass(frozen=True)
class EnvoyGatewayArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()
    # Run the global rate limit service and its Redis: required once a BackendTrafficPolicy has a global
    # rate limit (infra.render.gateway.uses_global_rate_limit), which Envoy Gateway rejects otherwise.
    global_rate_limit: bool = False


class EnvoyGateway(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    redis: tuple[pulumi.CustomResource, ...]  # empty without global rate limiting
    redis_auth: k8s.core.v1.Secret | None  # None without global rate limiting
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: EnvoyGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.ENVOY_GATEWAY, name, None, opts)
        self.namespace = namespace(name, render.render_namespace(), self, args.k8s_provider, args.depends_on)
        inside = on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace])
        self.network_policies = network_policies(name, platform_flows.envoy_gateway_policies(args.platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])
        self.redis_auth = None
        redis_after = inside
        if args.global_rate_limit:
            # Generated once, kept (secret) in the stack state; Redis requires it, the rate limit pods send it.
            password = random.RandomPassword(f"{name}-redis-password", length=32, special=False,
                                             opts=pulumi.ResourceOptions(parent=self))
            self.redis_auth = k8s.core.v1.Secret(
                f"{name}-redis-auth", metadata=render.redis_auth_secret_metadata(), type="Opaque",
                string_data={render.REDIS_AUTH_KEY: password.result}, opts=inside)
            redis_after = on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace, self.redis_auth])
        self.redis = tuple(
            register(f"{name}-{render.REDIS_NAME}-{obj['kind'].lower()}", obj, redis_after)
            for obj in (render.render_rate_limit_redis() if args.global_rate_limit else ())
        )
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, ENVOY_GATEWAY_CHART, render.NAMESPACE,
                                    render.chart_values(args.platform, args.global_rate_limit),
                                    on_cluster(self, args.k8s_provider,
                                               [*args.depends_on, self.namespace, *self.redis,
                                                *([self.redis_auth] if self.redis_auth else []),
                                                *self.network_policies]))
        outputs = {"namespace": render.NAMESPACE, "release": self.release.name}
        if args.global_rate_limit:
            outputs["rate_limit_redis"] = render.redis_url()
        self.register_outputs(outputs)
