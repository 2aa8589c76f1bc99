"""The Pulumi program: stack config in, the platform's resources out.

`run()` is what `pulumi up` executes (from infra/__main__.py); `build()` is the wiring, shared with
the offline plan, which runs it under Pulumi's mocks.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.model_release import ModelRelease, ModelReleaseArgs
from components.serving_namespace import ServingNamespace, ServingNamespaceArgs
from components.weight_preload import WeightPreload, WeightPreloadArgs

from .config import ConfigError, PlatformConfig
from .kubeconfig import eks_kubeconfig
from .render.model_workload import digest, weight_refs
from .render.serving_namespace import tool_scripts
from .render.weight_store import WeightRef
from .stack_file import platform_config, stack_file_path


def current_config_values() -> dict[str, str]:
    """Every config value the engine handed this program (what `pulumi.Config` reads from)."""
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def run() -> None:
    stack, project = pulumi.get_stack(), pulumi.get_project()
    source = f"stacks/{stack_file_path(stack).name}"
    try:
        platform = platform_config(current_config_values(), source, project)
    except ConfigError as exc:
        raise pulumi.RunError("\n".join(exc.lines)) from None
    build(platform, stack, region=current_config_values().get("aws:region", "us-east-1"))


def cluster_provider(platform: PlatformConfig, region: str) -> k8s.Provider:
    """The Kubernetes provider for the cluster the platform targets, looked up by name.

    The AWS layer (VPC, EKS, Karpenter, S3) will create the cluster when `cluster.existing` is
    false; until it lands, the cluster is looked up by name in both modes.
    """
    cluster = aws.eks.get_cluster_output(name=platform.cluster.name)
    kubeconfig = pulumi.Output.all(cluster.endpoint, cluster.certificate_authorities).apply(
        lambda v: eks_kubeconfig(platform.cluster.name, v[0], v[1][0]["data"], region)
    )
    return k8s.Provider("cluster", kubeconfig=kubeconfig, enable_server_side_apply=True)


ADAPTER_GIB_ESTIMATE = 2.0  # LoRA adapters are megabytes to a few GiB; only sizes the Job's deadline


def preload_sizes(platform: PlatformConfig) -> dict[WeightRef, float]:
    """Each repository@revision that some model asks to preload, with its checkpoint size in GiB:
    one preload Job per entry, shared by every model that uses those weights."""
    sizes: dict[WeightRef, float] = {}
    for model in platform.resolved_models:
        if model.config.preload:
            base, *adapters = weight_refs(model)
            sizes.setdefault(base, model.checkpoint_gib)
            for ref in adapters:
                sizes.setdefault(ref, ADAPTER_GIB_ESTIMATE)
    return sizes


def build(platform: PlatformConfig, stack: str, region: str = "us-east-1") -> dict[str, pulumi.Output]:
    provider = cluster_provider(platform, region)
    on_cluster = pulumi.ResourceOptions(providers=[provider])
    serving = ServingNamespace("serving", ServingNamespaceArgs(platform=platform), on_cluster)

    preloads: dict[WeightRef, WeightPreload] = {
        ref: WeightPreload(
            ref.job_name,
            WeightPreloadArgs(platform=platform, stack=stack, weights=ref, weights_gib=gib,
                              depends_on=(serving,)),
            on_cluster,
        )
        for ref, gib in preload_sizes(platform).items()
    }

    tools_digest = digest(*tool_scripts().values())
    endpoints = {}
    for model in platform.resolved_models:
        release = ModelRelease(
            model.name,
            ModelReleaseArgs(
                platform=platform, stack=stack, model=model, tools_digest=tools_digest,
                preloads=tuple(preloads[r].job for r in weight_refs(model) if r in preloads),
                depends_on=(serving,),
            ),
            on_cluster,
        )
        endpoints[model.name] = release.endpoint
    pulumi.export("namespace", serving.namespace)
    pulumi.export("modelEndpoints", endpoints)
    return endpoints
