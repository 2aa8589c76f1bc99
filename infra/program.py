"""The Pulumi program: stack config in, the platform's resources out.

`run()` is what `pulumi up` executes (from infra/__main__.py); `build()` is the wiring, shared with
the offline plan, which runs it under Pulumi's mocks. Layers, bottom up: network and EKS cluster
(or an existing cluster), Karpenter and the GPU pools, the weight store, then the serving layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.cluster import Cluster, ClusterArgs
from components.aws.gpu_node_software import GpuNodeSoftware, GpuNodeSoftwareArgs
from components.aws.gpu_pool import GpuPool, GpuPoolArgs
from components.aws.karpenter import Karpenter, KarpenterArgs
from components.aws.network import Network, NetworkArgs
from components.aws.weight_store import WeightStore, WeightStoreArgs
from components.gateway import LlmGateway, LlmGatewayArgs
from components.k8s_object import register
from components.model_release import ModelRelease, ModelReleaseArgs
from components.observability import Observability, ObservabilityArgs
from components.services import install_platform_services
from components.serving_namespace import ServingNamespace, ServingNamespaceArgs
from components.weight_preload import WeightPreload, WeightPreloadArgs

from .config import ConfigError, PlatformConfig
from .kubeconfig import eks_kubeconfig
from .render.access import access_commands
from .render.aws.cluster import enforces_network_policy
from .render.gateway import REQUEST_HEADER_ATTRIBUTES, gateway_secret_names, secret_resource_arns, uses_global_rate_limit
from .render.model_workload import WAIT_SCRIPT, digest, weight_refs
from .render.serving_namespace import tool_scripts
from .render.observability.receivers import receiver_secret_names
from .render.priority import SERVING_PRIORITY_CLASS, render_priority_classes
from .render.storage_class import render_default_storage_class
from .render.weight_store import WeightRef, bucket_name
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


@dataclass(frozen=True)
class ClusterAccess:
    """What every layer above needs to know about the cluster, created or existing."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    endpoint: pulumi.Input[str]
    certificate_authority: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    node_role_arn: pulumi.Input[str] | None  # managed node groups' role (created clusters only)
    block_storage: pulumi.Resource | None  # the EBS CSI driver add-on (created clusters only)
    efs_csi_role_name: pulumi.Input[str] | None  # the S3 Files client identity (created clusters only)
    ready: tuple[pulumi.Resource, ...]  # what must exist before anything runs on the cluster


def check_network_policy_enforcement(cluster_name: str) -> None:
    """An existing cluster keeps its own VPC CNI settings: say so when its NetworkPolicies would be ignored."""
    try:
        cni = aws.eks.get_addon(cluster_name=cluster_name, addon_name="vpc-cni")
        enforced = enforces_network_policy(cni.configuration_values)
    except Exception:  # noqa: BLE001 - no managed vpc-cni add-on (a self-managed CNI): nothing to read
        enforced = None
    if enforced is None:
        pulumi.log.warn(f"cluster {cluster_name}: no managed vpc-cni add-on; make sure its CNI enforces "
                        "NetworkPolicy, or the platform's network isolation is not in force")
    elif not enforced:
        pulumi.log.warn(f"cluster {cluster_name}: the vpc-cni add-on does not enforce NetworkPolicy; set its "
                        'configuration value {"enableNetworkPolicy": "true"}, or the gateway can be bypassed')


def cluster_access(platform: PlatformConfig, stack: str, region: str) -> ClusterAccess:
    name = platform.cluster.name
    network_cfg = platform.network
    if platform.cluster.existing:
        found = aws.eks.get_cluster(name=name)
        check_network_policy_enforcement(name)
        vpc = found.vpc_config
        return ClusterAccess(
            name=name, arn=found.arn, endpoint=found.endpoint,
            certificate_authority=found.certificate_authorities[0].data,
            security_group_id=vpc.cluster_security_group_id,
            vpc_id=network_cfg.existing_vpc_id or vpc.vpc_id,
            private_subnet_ids=list(network_cfg.existing_private_subnet_ids or vpc.subnet_ids),
            node_role_arn=None, block_storage=None, efs_csi_role_name=None, ready=(),
        )
    network = Network("network", NetworkArgs(config=network_cfg, cluster_name=name, stack=stack, region=region))
    cluster = Cluster("cluster", ClusterArgs(platform=platform, stack=stack,
                                             private_subnet_ids=network.private_subnet_ids,
                                             addon_versions=platform.addon_versions()))
    return ClusterAccess(
        name=cluster.name, arn=cluster.arn, endpoint=cluster.endpoint,
        certificate_authority=cluster.certificate_authority, security_group_id=cluster.security_group_id,
        vpc_id=network.vpc_id, private_subnet_ids=network.private_subnet_ids,
        node_role_arn=cluster.node_role_arn, block_storage=cluster.ebs_csi_driver,
        efs_csi_role_name=cluster.efs_csi_role_name, ready=(cluster,),
    )


def build(platform: PlatformConfig, stack: str, region: str = "us-east-1") -> dict[str, pulumi.Output]:
    account_id = aws.get_caller_identity().account_id
    bucket = bucket_name(platform, stack, account_id, region)
    tags = {"llm-platform:stack": stack, "llm-platform:cluster": platform.cluster.name}
    access = cluster_access(platform, stack, region)
    # Karpenter finds the security group for new nodes by this tag (the subnets carry it too).
    discovery_tag = aws.ec2.Tag("cluster-security-group-discovery", resource_id=access.security_group_id,
                                key="karpenter.sh/discovery", value=platform.cluster.name,
                                opts=pulumi.ResourceOptions(depends_on=list(access.ready)))
    kubeconfig = pulumi.Output.all(access.name, access.endpoint, access.certificate_authority).apply(
        lambda v: eks_kubeconfig(v[0], v[1], v[2], region))
    provider = k8s.Provider("cluster", kubeconfig=kubeconfig, enable_server_side_apply=True,
                            opts=pulumi.ResourceOptions(depends_on=list(access.ready)))
    on_cluster = pulumi.ResourceOptions(providers=[provider])

    karpenter = None
    if any(p.provisioner == "karpenter" for p in platform.gpu_pools.values()):
        karpenter = Karpenter("karpenter", KarpenterArgs(
            cluster_name=access.name, cluster_arn=access.arn, region=region, account_id=account_id,
            k8s_provider=provider, depends_on=access.ready,
            kubernetes_version=platform.cluster.kubernetes_version, tags=tags))
    pools = {
        name: GpuPool(f"gpu-pool-{name}", GpuPoolArgs(
            pool_name=name, pool=pool, cluster_name=access.name,
            node_role_name=karpenter.node_role_name if karpenter else "",
            node_role_arn=access.node_role_arn or "", private_subnet_ids=access.private_subnet_ids,
            kubernetes_version=platform.cluster.kubernetes_version, k8s_provider=provider,
            # Karpenter's pools: after its controller, the node role's access entry and policies, and the
            # security group's discovery tag (an EC2NodeClass that finds no security group never launches).
            depends_on=((karpenter.release, *karpenter.nodes_can_join, discovery_tag)
                        if karpenter and pool.provisioner == "karpenter" else access.ready),
            tags=tags))
        for name, pool in platform.gpu_pools.items()
    }
    GpuNodeSoftware("gpu-node-software", GpuNodeSoftwareArgs(pools=platform.gpu_pools, k8s_provider=provider,
                                                             depends_on=access.ready))
    store = WeightStore("weight-store", WeightStoreArgs(
        platform=platform, stack=stack, bucket=bucket, region=region, account_id=account_id, cluster_name=access.name,
        vpc_id=access.vpc_id, private_subnet_ids=access.private_subnet_ids,
        node_security_group_id=access.security_group_id, k8s_provider=provider,
        file_client_role_name=access.efs_csi_role_name), pulumi.ResourceOptions(
            depends_on=list(access.ready)))

    storage = []
    if access.block_storage is not None:
        # A default gp3 class, so the metrics and logs volumes bind (existing clusters bring their own).
        storage.append(register("default-storage-class", render_default_storage_class(), pulumi.ResourceOptions(
            provider=provider, depends_on=[access.block_storage])))
    # Before any pod that names them: admission refuses a pod whose priority class does not exist.
    priorities = {obj["metadata"]["name"]: register(f"priority-class-{obj['metadata']['name']}", obj,
                                                    pulumi.ResourceOptions(
                                                        provider=provider, depends_on=list(access.ready),
                                                        # the API refuses to change them: a new class
                                                        replace_on_changes=["value", "preemptionPolicy"]))
                  for obj in render_priority_classes()}
    services = install_platform_services(
        platform, provider, region, account_id, access.name,
        secret_arns=secret_resource_arns([*gateway_secret_names(platform), *receiver_secret_names(platform)],
                                         region, account_id),
        depends_on=(*access.ready, *storage, *priorities.values()),
        global_rate_limit=uses_global_rate_limit(platform),
        request_header_attributes=REQUEST_HEADER_ATTRIBUTES)
    gateway = LlmGateway("gateway", LlmGatewayArgs(
        platform=platform, region=region, cluster_name=access.name, account_id=account_id,
        depends_on=(services.envoy_gateway.release, services.ai_gateway.release,
                    services.external_secrets.cluster_secret_store,
                    *((services.cert_manager.issuer,) if services.cert_manager else ()))), on_cluster)
    Observability("observability", ObservabilityArgs(
        platform=platform, depends_on=(services.metrics.release, services.external_secrets.cluster_secret_store)),
                  on_cluster)

    serving = ServingNamespace("serving", ServingNamespaceArgs(platform=platform, weights_volume=store.volume),
                               on_cluster)
    preloads: dict[WeightRef, WeightPreload] = {
        ref: WeightPreload(
            ref.job_name,
            WeightPreloadArgs(platform=platform, bucket=bucket, weights=ref, weights_gib=gib,
                              hf_token_secret_arn=store.hf_token_secret_arn,
                              hf_token_secret_resource=store.hf_token_secret_resource,
                              cluster_name=access.name, bucket_arn=store.bucket_arn, kms_key_arn=store.kms_key_arn,
                              depends_on=(serving, *store.preload_needs)),
            on_cluster,
        )
        for ref, gib in preload_sizes(platform).items()
    }
    tools_digest = digest(tool_scripts()[WAIT_SCRIPT])  # only what model pods run: a preload fix rolls no model
    endpoints = {}
    for model in platform.resolved_models:
        release = ModelRelease(
            model.name,
            ModelReleaseArgs(
                platform=platform, bucket=bucket, model=model, tools_digest=tools_digest,
                preloads=tuple(preloads[r].job for r in weight_refs(model) if r in preloads),
                depends_on=(serving.namespace_object,),
                workload_needs=(*serving.mounted_by_models, pools[model.config.pool].schedulable,
                                store.serving_identities.get(model.name), priorities[SERVING_PRIORITY_CLASS]),
                autoscaler=services.keda.release, monitoring=services.metrics.release,
            ),
            on_cluster,
        )
        endpoints[model.name] = release.endpoint
    pulumi.export("cluster", access.name)
    pulumi.export("weightBucket", store.bucket_name)
    pulumi.export("namespace", serving.namespace)
    pulumi.export("modelEndpoints", endpoints)
    pulumi.export("gatewayEndpoint", gateway.endpoint)
    pulumi.export("accessCommands", access_commands(platform, region))
    return endpoints
