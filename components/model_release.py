"""One served model: its workload, Service, disruption budget, network policy, autoscaling,
scrape config and SLO alerts. Everything is rendered by infra.render; this only registers it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.catalog import component_types
from infra.catalog.vllm import VLLM_PORT
from infra.config import PlatformConfig, ResolvedModel
from infra.render import model_autoscaling, model_monitoring, model_network, model_workload

from .k8s_object import register


@dataclass(frozen=True)
class ModelReleaseArgs:
    platform: PlatformConfig
    bucket: str  # the weights bucket
    model: ResolvedModel
    tools_digest: str
    preloads: tuple[pulumi.Resource, ...] = ()  # the rollout waits for these
    depends_on: tuple[pulumi.Resource, ...] = ()  # every object waits for these (e.g. the namespace)
    # The Deployment also waits for what its pods need to start: the volumes they mount, their GPU
    # pool, their Pod Identity association (None: not needed).
    workload_needs: tuple[pulumi.Resource | None, ...] = ()
    autoscaler: pulumi.Resource | None = None  # KEDA: its ScaledObject's CRD and controller
    monitoring: pulumi.Resource | None = None  # the VictoriaMetrics operator: its scrape and rule CRDs


class ModelRelease(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: ModelReleaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.MODEL_RELEASE, name, None, opts)
        platform, model = args.platform, args.model
        first = list(args.depends_on)

        def after(*resources: pulumi.Resource | None) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=first + [r for r in resources if r is not None])

        account = register(f"{name}-service-account", model_workload.render_service_account(platform, model),
                           after())
        rollout_minutes = platform.startup_budget_seconds(model) // 60 + 15
        deployment = register(
            f"{name}-deployment",
            model_workload.render_deployment(platform, args.bucket, model, args.tools_digest),
            pulumi.ResourceOptions.merge(after(account, *args.workload_needs, *args.preloads), pulumi.ResourceOptions(
                custom_timeouts=pulumi.CustomTimeouts(create=f"{rollout_minutes}m", update=f"{rollout_minutes}m"),
            )),
        )
        service = register(f"{name}-service", model_network.render_service(platform, model), after())
        register(f"{name}-pdb", model_workload.render_pod_disruption_budget(platform, model), after())
        register(f"{name}-network-policy", model_network.render_network_policy(platform, model), after())
        register(f"{name}-scaled-object", model_autoscaling.render_scaled_object(platform, model),
                 after(deployment, args.autoscaler))
        register(f"{name}-service-scrape", model_monitoring.render_service_scrape(platform, model),
                 after(service, args.monitoring))
        register(f"{name}-rule", model_monitoring.render_rule(platform, model), after(args.monitoring))
        self.endpoint = pulumi.Output.from_input(
            f"http://{name}.{platform.serving.namespace}.svc.cluster.local:{VLLM_PORT}/v1"
        )
        self.register_outputs({"endpoint": self.endpoint})
