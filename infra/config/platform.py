"""The whole stack file as one typed object, plus the checks that need more than one section.

`PlatformConfig` is the single source of truth: renderers and components read only from it (and
from the per-model facts `ResolvedModel` derives from it, such as the VRAM fit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from pydantic import Field

from ..catalog.aws_zones import eks_zones, partition
from ..catalog.eks_addons import ADDONS, EKS_ADDON_VERSIONS
from ..catalog.gpus import GIB, InstanceType
from ..catalog.platform_versions import ami_alias, check_karpenter_supports
from ..catalog.models import ModelArchitecture, catalog_model
from ..catalog.s3_buckets import explicit_name_problem
from ..catalog.vllm import MANAGED_FLAGS, MANAGED_SHORT_FLAGS, QUANTIZATION, vllm_cli
from ..sizing import FitInput, FitReport, PoolRoom, checkpoint_gib, explain_misfit, fit, tensor_parallel_problem
from ..startup_budget import MAX_BUDGET_SECONDS, expected_start_seconds, startup_budget_for
from .base import PoolName, StackModel
from .autoscaling_checks import autoscaling_issues
from .budget import BudgetConfig
from .cluster import ClusterConfig, NetworkConfig, share_problem
from .gateway import ENVOY_GATEWAY_NAMESPACE, GatewayConfig, gateway_issues
from .gpu_pools import GpuPoolConfig
from .models import ModelConfig
from .observability import ObservabilityConfig
from .serving import KUBERNETES_NAMESPACES, PRELOAD_JOB_PREFIX, SHARED_OBJECT_NAMES, ServingConfig
from .services import (
    AI_GATEWAY_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    EXTERNAL_SECRETS_NAMESPACE,
    KEDA_NAMESPACE,
    SEMANTIC_ROUTER_NAMESPACE,
    ServicesConfig,
)
from .issues import Issue, Path
from .weights import WeightsConfig


# The namespaces of the platform services that the stack cannot move, and whose they are.
_FIXED_NAMESPACES = {KEDA_NAMESPACE: "KEDA", EXTERNAL_SECRETS_NAMESPACE: "External Secrets",
                     ENVOY_GATEWAY_NAMESPACE: "Envoy Gateway", AI_GATEWAY_NAMESPACE: "the Envoy AI Gateway",
                     SEMANTIC_ROUTER_NAMESPACE: "the semantic router", CERT_MANAGER_NAMESPACE: "cert-manager"}


@dataclass(frozen=True)
class ResolvedModel:
    """A model with everything derived from the rest of the stack: pool, architecture, fit, defaults."""

    config: ModelConfig
    index: int
    pool: GpuPoolConfig
    architecture: ModelArchitecture
    fit: FitReport
    tool_call_parser: str | None
    reasoning_parser: str | None
    host_instance: InstanceType  # the cheapest instance of the pool that can host one replica

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def gpus(self) -> int:
        return self.config.gpus_per_replica

    @property
    def weights_gib(self) -> float:
        """Size of the weights in GPU memory (after quantization)."""
        return self.fit.weights_bytes / GIB

    @property
    def checkpoint_gib(self) -> float:
        """Size of the checkpoint as published: what is downloaded, stored and read at start-up."""
        return checkpoint_gib(self.architecture)

    @property
    def cpu_request(self) -> str:
        if self.config.resources.cpu:
            return self.config.resources.cpu
        share = self.host_instance.vcpu * self.gpus / self.host_instance.gpus
        return str(max(1, min(4 * self.gpus, math.floor(share - 0.5))))

    @property
    def memory_request(self) -> str:
        if self.config.resources.memory:
            return self.config.resources.memory
        share = self.host_instance.memory_gib * self.gpus / self.host_instance.gpus
        desired = 8 + 2 * self.gpus + math.ceil(self.weights_gib * 0.25)
        return f"{min(desired, math.floor(share * 0.8))}Gi"


class PlatformConfig(StackModel):
    cluster: ClusterConfig
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    gpu_pools: dict[PoolName, GpuPoolConfig] = Field(min_length=1)
    weights: WeightsConfig = Field(default_factory=WeightsConfig)
    serving: ServingConfig = Field(default_factory=ServingConfig)
    models: list[ModelConfig] = Field(default_factory=list)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    services: ServicesConfig = Field(default_factory=ServicesConfig)
    budget: BudgetConfig | None = None

    # ---- derived facts -------------------------------------------------------------------------

    def architecture_of(self, model: ModelConfig) -> ModelArchitecture | None:
        if model.architecture is not None:
            return model.architecture
        entry = catalog_model(model.repository)
        return entry.architecture if entry else None

    def reasoning_parser_of(self, model: ModelConfig) -> str | None:
        """The vLLM reasoning parser the model is served with (the stack's, else the catalog's)."""
        entry = catalog_model(model.repository)
        return _parser(model.reasoning_parser, entry.reasoning_parser if entry else None)

    @cached_property
    def resolved_models(self) -> tuple[ResolvedModel, ...]:
        """Every model resolved; only valid after `issues()` returned nothing."""
        return tuple(self._resolve(i, m) for i, m in enumerate(self.models))

    def _resolve(self, index: int, model: ModelConfig) -> ResolvedModel:
        pool = self.gpu_pools[model.pool]
        arch = self.architecture_of(model)
        assert arch is not None
        entry = catalog_model(model.repository)
        hosts = [i for i in pool.instances if i.gpus >= model.gpus_per_replica]
        host = min(hosts, key=lambda i: (i.on_demand_hourly_usd or math.inf, i.gpus))
        return ResolvedModel(
            config=model,
            index=index,
            pool=pool,
            architecture=arch,
            fit=fit(self._fit_input(model, pool, arch)),
            tool_call_parser=_parser(model.tool_call_parser, entry.tool_call_parser if entry else None),
            reasoning_parser=self.reasoning_parser_of(model),
            host_instance=host,
        )

    @staticmethod
    def _fit_input(model: ModelConfig, pool: GpuPoolConfig, arch: ModelArchitecture) -> FitInput:
        return FitInput(
            architecture=arch,
            gpu=pool.gpu_type,
            gpus=model.gpus_per_replica,
            quantization=model.quantization,
            kv_cache_dtype=model.kv_cache_dtype,
            context_window=model.context_window,
            memory_utilization=model.gpu_memory_utilization,
            lora=bool(model.lora_adapters),
        )

    def startup_budget_seconds(self, model: ResolvedModel) -> int:
        """How long one of the model's replicas may take from container start to serving."""
        return startup_budget_for(model.gpus, model.checkpoint_gib, self.weights.loader)

    def addon_versions(self) -> dict[str, str]:
        """EKS add-on versions: the catalog's for the cluster's Kubernetes minor, overridden by the stack."""
        return {**EKS_ADDON_VERSIONS.get(self.cluster.kubernetes_version, {}), **self.cluster.addon_versions}

    # ---- checks across sections ----------------------------------------------------------------

    def issues(self) -> list[Issue]:
        found: list[Issue] = []
        names = [m.name for m in self.models]
        adapters = {a.name for m in self.models for a in m.lora_adapters}
        adapter_owner: dict[str, str] = {}
        for i, model in enumerate(self.models):
            at: Path = ("models", i)
            for j, adapter in enumerate(model.lora_adapters):
                owner = adapter_owner.setdefault(adapter.name, model.name)
                if owner != model.name:
                    found.append(Issue(at + ("loraAdapters", j, "name"), f"{adapter.name!r} is already an adapter of "
                                       f"model {owner!r}; served names must be unique across the platform"))
            if names.count(model.name) > 1:
                found.append(Issue(at + ("name",), f"{model.name!r} is used by more than one model; names must be unique"))
            if model.name in SHARED_OBJECT_NAMES or model.name == self.weights.volume_claim_name:
                found.append(Issue(at + ("name",), f"{model.name!r} is the name of an object every model shares in "
                                   f"namespace {self.serving.namespace!r}; allowed: a name other than "
                                   f"{', '.join(sorted({*SHARED_OBJECT_NAMES, self.weights.volume_claim_name}))}"))
            if model.name.startswith(PRELOAD_JOB_PREFIX):
                found.append(Issue(at + ("name",), f"{model.name!r} starts like the preload Jobs and their service "
                                   f"accounts ({PRELOAD_JOB_PREFIX}<model>-<revision>-<hash>); allowed: a name not "
                                   f"starting with {PRELOAD_JOB_PREFIX!r}"))
            if model.name in adapters:
                found.append(Issue(at + ("name",), f"{model.name!r} is also a LoRA adapter name; served names must be unique"))
            found += self._model_issues(at, model)
        found += self._pool_capacity_issues()
        found += self._addon_issues()
        found += self._provisioner_issues()
        found += autoscaling_issues(self)
        found += gateway_issues(self)
        found += self._allow_list_issues()
        found += self._namespace_issues()
        found += self.cluster.name_issues()
        return found

    def region_issues(self, region: str) -> list[Issue]:
        """What the stack asks of its region (`aws:region`): admins of its partition, an account regional
        bucket name of that region, and a created VPC's zones must exist there."""
        found = [Issue(("cluster", "adminRoleArns"), f"{arn!r} is in partition {arn.split(':')[1]}, but {region} is "
                       f"in {partition(region)}; allowed: a principal of partition {partition(region)}")
                 for arn in self.cluster.admin_role_arns if arn.split(":")[1] != partition(region)]
        bucket = self.weights.bucket_name and explicit_name_problem(self.weights.bucket_name, region)
        if bucket:
            found.append(Issue(("weights", "bucketName"), bucket))
        adopt = self.weights.adopt
        if adopt is not None and adopt.kms_key_arn.split(":")[3] != region:
            found.append(Issue(("weights", "adopt", "kmsKeyArn"), f"{adopt.kms_key_arn!r} is a key of region "
                               f"{adopt.kms_key_arn.split(':')[3]}, but the stack deploys to {region}; allowed: the "
                               f"kept bucket's key, in {region}"))
        return found + self._zone_issues(region)

    def _zone_issues(self, region: str) -> list[Issue]:
        if self.cluster.existing or self.network.existing_vpc_id:
            return []
        zones = eks_zones(region)
        wanted = self.network.availability_zones
        if zones is None or wanted <= len(zones):
            return []
        allowed = "2" if len(zones) == 2 else f"2 to {len(zones)}"
        return [Issue(("network", "availabilityZones"), f"{wanted} zones, but {region} has {len(zones)} that can "
                      f"hold an EKS cluster ({', '.join(zones)}); allowed: {allowed} in {region}")]

    def _namespace_issues(self) -> list[Issue]:
        """The namespaces the platform creates: none of Kubernetes' own, none a fixed service namespace,
        and not one twice."""
        configured: dict[Path, str] = {("serving", "namespace"): self.serving.namespace,
                                       ("observability", "namespace"): self.observability.namespace,
                                       ("services", "logs", "namespace"): self.services.logs.namespace}
        found: list[Issue] = []
        seen: dict[str, Path] = {}
        for at, ns in configured.items():
            if ns in KUBERNETES_NAMESPACES:
                found.append(Issue(at, f"{ns!r} belongs to Kubernetes; the platform creates (and on destroy "
                                       "deletes) its namespaces; allowed: another name"))
            elif ns in _FIXED_NAMESPACES:
                found.append(Issue(at, f"{ns!r} is the namespace of {_FIXED_NAMESPACES[ns]}, which the platform "
                                       "creates; allowed: another name"))
            elif ns in seen:
                found.append(Issue(seen[ns], f"{ns!r} is also {'.'.join(at)}; both would create it; allowed: "
                                             "different namespaces"))
            seen.setdefault(ns, at)
        return found

    def _allow_list_issues(self) -> list[Issue]:
        """Each allow-list within the stack's network.maxInternetShare of the public address space."""
        lists = {("cluster", "publicAccessCidrs"): self.cluster.public_access_cidrs,
                 ("cluster", "privateAccessCidrs"): self.cluster.private_access_cidrs,
                 ("gateway", "allowedSourceCidrs"): self.gateway.allowed_source_cidrs}
        limit = self.network.max_internet_share
        return [Issue(at, problem) for at, cidrs in lists.items() if (problem := share_problem(cidrs, limit))]

    def _provisioner_issues(self) -> list[Issue]:
        found: list[Issue] = []
        version = self.cluster.kubernetes_version
        for name, pool in self.gpu_pools.items():
            at: Path = ("gpuPools", name)
            if pool.provisioner == "karpenter":
                try:
                    check_karpenter_supports(version)
                except ValueError as exc:
                    found.append(Issue(at + ("provisioner",), str(exc)))
                try:
                    ami_alias(pool.ami_family, version)
                except ValueError as exc:
                    found.append(Issue(at + ("amiFamily",), str(exc)))
            elif self.cluster.existing:
                found.append(Issue(at + ("provisioner",), "a nodeGroup pool needs a cluster the platform creates "
                                   "(it uses the platform's node role); allowed with an existing cluster: karpenter"))
        return found

    def _addon_issues(self) -> list[Issue]:
        if self.cluster.existing:
            return []  # the platform does not manage an existing cluster's add-ons
        at: Path = ("cluster", "addonVersions")
        versions = self.addon_versions()
        missing = [name for name, _ in ADDONS if name not in versions]
        if missing:
            return [Issue(at, f"no pinned version of {', '.join(missing)} for Kubernetes "
                          f"{self.cluster.kubernetes_version} in the catalog; pin it here (e.g. from `aws eks "
                          "describe-addon-versions`)")]
        efs = versions["aws-efs-csi-driver"]
        if self.weights.loader == "s3files" and tuple(map(int, efs[1:].split("-")[0].split("."))) < (3, 0, 0):
            return [Issue(at + ("aws-efs-csi-driver",), f"{efs} cannot mount S3 Files; allowed: v3.0.0 or newer")]
        return []

    def _model_issues(self, at: Path, model: ModelConfig) -> list[Issue]:
        pool = self.gpu_pools.get(model.pool)
        if pool is None:
            return [Issue(at + ("pool",), f"{model.pool!r} is not a GPU pool of this stack; allowed: {', '.join(self.gpu_pools)}")]
        arch = self.architecture_of(model)
        if arch is None:
            return [Issue(at + ("architecture",), f"{model.repository} is not in the model catalog; declare its "
                          "architecture (parametersBillion, layers, attentionHeads, kvHeads, headDim, maxContext)")]
        found: list[Issue] = []
        found += _parser_issues(at, model)
        found += _engine_arg_issues(at, model)
        if model.context_window > arch.max_context:
            found.append(Issue(at + ("contextWindow",), f"{model.context_window} exceeds the model's maximum context "
                               f"{arch.max_context}; allowed: 256..{arch.max_context}"))
        if arch.checkpoint_dtype == "fp8" and model.quantization in ("awq", "gptq"):
            found.append(Issue(at + ("quantization",), f"{model.repository} is an FP8 checkpoint; allowed: none or fp8"))
        if model.gpus_per_replica > pool.max_gpus_per_node:
            found.append(Issue(at + ("gpusPerReplica",), f"{model.gpus_per_replica} GPUs do not fit one node of pool "
                               f"{model.pool!r} (at most {pool.max_gpus_per_node} {pool.gpu} per node)"))
            return found
        problem = tensor_parallel_problem(arch, model.gpus_per_replica)
        if problem:
            found.append(Issue(at + ("gpusPerReplica",), problem))
            return found
        report = fit(self._fit_input(model, pool, arch))
        if not report.fits:
            room = PoolRoom(model.pool, pool.gpu_limit, model.replicas.max)
            found.append(Issue(at, f"{model.name!r} {explain_misfit(report, room)}"))
        start = expected_start_seconds(model.gpus_per_replica, checkpoint_gib(arch), self.weights.loader)
        if start > MAX_BUDGET_SECONDS:
            found.append(Issue(("weights", "loader"), f"{model.name!r} is modelled to take {start:.0f} s to load its "
                               f"{checkpoint_gib(arch):.0f} GiB with {self.weights.loader}, longer than the startup "
                               f"probe's {MAX_BUDGET_SECONDS} s (it would be restarted before it serves); allowed: "
                               "streamer, or a smaller checkpoint for this model"))
        return found

    def _pool_capacity_issues(self) -> list[Issue]:
        found: list[Issue] = []
        for pool_name, pool in self.gpu_pools.items():
            members = [(i, m) for i, m in enumerate(self.models) if m.pool == pool_name]
            for i, m in members:
                # A rolling update adds one replica before removing one: keep a surge replica's GPUs free.
                peak = (m.replicas.max + 1) * m.gpus_per_replica
                if peak > pool.gpu_limit:
                    found.append(Issue(("models", i, "replicas", "max"), f"{m.replicas.max} replicas x "
                                       f"{m.gpus_per_replica} GPU(s) plus one surge replica need {peak} GPUs, but pool "
                                       f"{pool_name!r} allows {pool.gpu_limit}; allowed: max <= "
                                       f"{pool.gpu_limit // m.gpus_per_replica - 1}, or raise gpuPools.{pool_name}.gpuLimit"))
            floor = sum(m.replicas.min * m.gpus_per_replica for _, m in members)
            if floor > pool.gpu_limit:
                found.append(Issue(("gpuPools", pool_name, "gpuLimit"), f"{pool.gpu_limit} GPUs cannot hold the "
                                   f"minimum replicas of its models ({floor} GPUs); allowed: >= {floor}"))
        return found


def _parser(value: str, default: str | None) -> str | None:
    if value == "auto":
        return default
    return None if value == "none" else value


def _parser_issues(at: Path, model: ModelConfig) -> list[Issue]:
    cli = vllm_cli()
    found = []
    for field, value, known in (
        ("toolCallParser", model.tool_call_parser, cli.tool_call_parsers),
        ("reasoningParser", model.reasoning_parser, cli.reasoning_parsers),
    ):
        if value not in ("auto", "none") and value not in known:
            found.append(Issue(at + (field,), f"{value!r} is not a parser vLLM {cli.version} registers; allowed: "
                               f"auto, none, {', '.join(sorted(known))}"))
    return found


def _engine_arg_issues(at: Path, model: ModelConfig) -> list[Issue]:
    cli = vllm_cli()
    found = []
    for j, arg in enumerate(model.engine_args):
        where = at + ("engineArgs", j)
        written = arg.split("=", 1)[0]
        # vLLM accepts --snake_case spellings and dotted sub-keys (--compilation-config.mode): compare
        # the canonical flag. Unique-prefix abbreviations are rejected below as unknown flags.
        flag = "--" + written[2:].replace("_", "-").split(".", 1)[0] if written.startswith("--") else written
        flag = MANAGED_SHORT_FLAGS.get(flag, flag)
        if not flag.startswith("--"):
            found.append(Issue(where, f"{arg!r} is not a flag; allowed: one '--flag' or '--flag=value' per item"))
            continue
        managed = MANAGED_FLAGS.get(flag)
        if managed:
            found.append(Issue(where, f"{flag} is managed by the platform: {managed}"))
        elif flag in cli.removed_flags:
            found.append(Issue(where, f"{flag} does not exist in vLLM {cli.version}: {cli.removed_flags[flag]}"))
        elif flag not in cli.serve_flags:
            found.append(Issue(where, f"{flag} is not a `vllm serve` flag in vLLM {cli.version}"))
    return found


def quantization_flag(model: ModelConfig) -> str | None:
    return QUANTIZATION[model.quantization][0]
