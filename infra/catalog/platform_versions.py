"""Pinned versions of the node-level platform software: Karpenter, the NVIDIA charts, node AMIs.

Every pin is exact: a chart version, or an AMI release for Karpenter's `amiSelectorTerms` alias.
`@latest` is never used: it re-resolves on every AMI release and drifts (replaces) every GPU node.
Chart values are checked against the upstream `values.yaml` vendored in schemas/charts/ (see
schemas/SOURCES.md for tags and commits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class HelmChart:
    """A chart as `k8s.helm.v3.Release` takes it: `chart` plus `version`, and `repo` unless the chart is OCI."""

    chart: str
    version: str
    repo: str | None = None


# Karpenter (aws/karpenter-provider-aws v1.14.1, commit bde00654; schemas/SOURCES.md). The in-tree
# Chart.yaml at that tag still reads 1.13.0; the release pipeline publishes the chart as 1.14.1.
# Install command in the project's getting-started guide (scripts/step08-apply-helm-chart.sh):
#   helm upgrade --install karpenter oci://public.ecr.aws/karpenter/karpenter --version "${KARPENTER_VERSION}"
KARPENTER_VERSION = "1.14.1"
KARPENTER = HelmChart("oci://public.ecr.aws/karpenter/karpenter", KARPENTER_VERSION)
# The same release also publishes its CRDs as a chart: Helm installs a chart's crds/ only once and never
# upgrades them, so the CRDs get their own release (templates/, upgraded with the version).
KARPENTER_CRD = HelmChart("oci://public.ecr.aws/karpenter/karpenter-crd", KARPENTER_VERSION)
# pkg/providers/version/version.go at v1.14.1: MinK8sVersion = "1.26", MaxK8sVersion = "1.36".
KARPENTER_MAX_KUBERNETES = "1.36"

# NVIDIA device plugin (NVIDIA/k8s-device-plugin v0.20.0, deployments/helm/nvidia-device-plugin;
# schemas/charts/nvidia-device-plugin/Chart.yaml). Helm repo from the project README:
#   helm repo add nvdp https://nvidia.github.io/k8s-device-plugin
NVIDIA_DEVICE_PLUGIN = HelmChart("nvidia-device-plugin", "0.20.0", "https://nvidia.github.io/k8s-device-plugin")

# DCGM exporter (NVIDIA/dcgm-exporter tag 4.5.3-4.8.2, deployment/; schemas/charts/dcgm-exporter/Chart.yaml).
# Helm repo from the project README:
#   helm repo add gpu-helm-charts https://nvidia.github.io/dcgm-exporter/helm-charts
DCGM_EXPORTER = HelmChart("dcgm-exporter", "4.8.2", "https://nvidia.github.io/dcgm-exporter/helm-charts")

# EKS-optimized AMI releases for Karpenter's alias (`<family>@<version>`). With an alias Karpenter
# resolves the public SSM parameter of each variant and picks the NVIDIA one for GPU instances.
#
# AL2023: awslabs/amazon-eks-ami release v20261119, the newest AL2023 NVIDIA AMI seen
# (amazon-eks-node-al2023-x86_64-nvidia-<k8s>-v20261119; ../shared/reference/vllm-gpu-aws-facts.md 4.3).
AL2023_AMI_VERSION = "v20261119"
# Bottlerocket: bottlerocket-os/bottlerocket v1.64.0, announced released by the maintainers on
# 2026-08-05 (tracking issue bottlerocket-os/bottlerocket#4895). Its aws-k8s-<k8s>-nvidia variants
# ship the NVIDIA driver *and* the device plugin. Kubernetes 1.37 variants only arrive in v1.66.0
# (bottlerocket-os/bottlerocket#4946), so this pin covers clusters up to 1.36. Karpenter strips the
# leading "v" for the SSM path (/aws/service/bottlerocket/aws-k8s-<k8s>-nvidia/x86_64/1.64.0/image_id).
BOTTLEROCKET_AMI_VERSION = "v1.64.0"
BOTTLEROCKET_MAX_KUBERNETES = "1.36"

AMI_VERSIONS: dict[str, str] = {"al2023": AL2023_AMI_VERSION, "bottlerocket": BOTTLEROCKET_AMI_VERSION}
_MAX_KUBERNETES: dict[str, str] = {"bottlerocket": BOTTLEROCKET_MAX_KUBERNETES}
_PINNED = re.compile(r"^v\d[\d.]*$")


def kubernetes_minor(version: str) -> tuple[int, int]:
    """`1.35` or `1.35.2` -> (1, 35), for comparing Kubernetes versions."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def ami_alias(family: str, kubernetes_version: str) -> str:
    """Karpenter `amiSelectorTerms[].alias` for an AMI family, pinned to the release above."""
    version = AMI_VERSIONS.get(family)
    if version is None:
        raise ValueError(f"amiFamily {family!r} has no pinned AMI release; allowed: {', '.join(AMI_VERSIONS)}")
    if not _PINNED.match(version):  # guards an edit of the pins above, e.g. to "latest"
        raise ValueError(f"AMI release {version!r} for {family} is not pinned; "
                         "allowed: an exact release such as v1.2.3")
    ceiling = _MAX_KUBERNETES.get(family)
    if ceiling is not None and kubernetes_minor(kubernetes_version) > kubernetes_minor(ceiling):
        raise ValueError(
            f"{family}@{version} has no Kubernetes {kubernetes_version} variant (it covers up to {ceiling}); "
            f"allowed: amiFamily al2023, or pin a newer {family} release in infra/catalog/platform_versions.py"
        )
    return f"{family}@{version}"


def check_karpenter_supports(kubernetes_version: str) -> None:
    """Karpenter refuses to start on a Kubernetes minor newer than it was built for."""
    if kubernetes_minor(kubernetes_version) > kubernetes_minor(KARPENTER_MAX_KUBERNETES):
        raise ValueError(
            f"Karpenter {KARPENTER_VERSION} supports Kubernetes up to {KARPENTER_MAX_KUBERNETES}, "
            f"not {kubernetes_version}; allowed: cluster.kubernetesVersion <= {KARPENTER_MAX_KUBERNETES}, "
            "or pin a newer Karpenter in infra/catalog/platform_versions.py"
        )


# ---- Platform services (infra/render/services/, components/services/) ---------------------------
# Each values.yaml is vendored at the pinned version in schemas/charts/ (schemas/SOURCES.md).

# KEDA (kedacore/charts tag v2.20.2; schemas/charts/keda). Helm repo as in the reference platform (5.2):
#   helm repo add kedacore https://kedacore.github.io/charts
KEDA_CHART = HelmChart("keda", "2.20.2", "https://kedacore.github.io/charts")

# Envoy Gateway (envoyproxy/gateway v1.9.0; schemas/charts/gateway-helm). The release workflow pushes the
# chart as both v1.9.0 and 1.9.0 (.github/workflows/release.yaml at the tag):
#   helm install eg oci://docker.io/envoyproxy/gateway-helm --version <version> -n envoy-gateway-system
ENVOY_GATEWAY_CHART = HelmChart("oci://docker.io/envoyproxy/gateway-helm", "1.9.0")

# Envoy AI Gateway (envoyproxy/ai-gateway v1.1.0; schemas/charts/ai-gateway-helm). CRDs chart first, then
# the controller (site/docs/getting-started/installation.md at the tag); published as v1.1.0 (and 1.1.0).
AI_GATEWAY_CRDS_CHART = HelmChart("oci://docker.io/envoyproxy/ai-gateway-crds-helm", "v1.1.0")
AI_GATEWAY_CHART = HelmChart("oci://docker.io/envoyproxy/ai-gateway-helm", "v1.1.0")


@dataclass(frozen=True)
class VersionPairing:
    """Why two pins that upstream did not test together are kept together, with the sources."""

    component: str
    version: str
    tested_with: str
    pinned_with: str
    reasons: tuple[str, ...]


# Envoy AI Gateway v1.1.0 was built and released against Envoy Gateway v1.8.1 (go.mod and
# release-notes/v1.1.0.md at the tag, 2026-08-21). The platform pins Envoy Gateway 1.9.0, because:
ENVOY_GATEWAY_PAIRING = VersionPairing(
    component="envoy-ai-gateway", version=AI_GATEWAY_CHART.version, tested_with="1.8.1",
    pinned_with=ENVOY_GATEWAY_CHART.version,
    reasons=(
        # site/versioned_docs/version-1.1/compatibility.md at v1.1.0: "v1.1.x | v1.8.1+ (Envoy Proxy v1.38.x)".
        "upstream's compatibility matrix for AI Gateway v1.1.x names Envoy Gateway v1.8.1 as the floor (v1.8.1+)",
        # .github/workflows/build_and_test.yaml at v1.1.0: the e2e matrix runs `latest` (Envoy Gateway's
        # main branch, newer than 1.8.1) next to v1.8.1 (tests/internal/e2elib/e2elib.go: EG_VERSION, else latest).
        "its e2e suite at the tag runs against Envoy Gateway's main branch as well as v1.8.1",
        # The AI Gateway controller extends Envoy Gateway through the extension server and the v1alpha1
        # gateway.envoyproxy.io and Gateway API v1 kinds; the ones the platform renders are validated
        # against Envoy Gateway 1.9.0's CRDs (schemas/crds), and the one ordering the platform relies on
        # (the EnvoyPatchPolicy before the AI Gateway's ext_proc) is simulated with 1.9.0's patch logic
        # (tests/render/gateway/test_semantic_router.py).
        "every Envoy Gateway object the platform renders is validated against 1.9.0's CRDs, and the filter "
        "order it depends on is tested with 1.9.0's patch semantics",
    ),
)

# VictoriaMetrics charts (VictoriaMetrics/helm-charts tags victoria-metrics-k8s-stack-0.91.2 and
# victoria-logs-single-0.13.9, the newest victoria-logs-single tag, 2026-07-16). Helm repo:
#   helm repo add vm https://victoriametrics.github.io/helm-charts/
VICTORIA_METRICS_K8S_STACK_CHART = HelmChart("victoria-metrics-k8s-stack", "0.91.2",
                                             "https://victoriametrics.github.io/helm-charts/")
VICTORIA_LOGS_SINGLE_CHART = HelmChart("victoria-logs-single", "0.13.9", "https://victoriametrics.github.io/helm-charts/")

# External Secrets Operator: chart 2.9.0 (tag helm-chart-2.9.0), app v2.9.0, the release whose CRDs are
# vendored in schemas/crds/external-secrets. Helm repo from the chart README:
#   helm repo add external-secrets https://charts.external-secrets.io
EXTERNAL_SECRETS_CHART = HelmChart("external-secrets", "2.9.0", "https://charts.external-secrets.io")

# cert-manager (cert-manager/cert-manager v1.21.1, 2026-07-29, commit 24e33194; schemas/charts/cert-manager),
# the gateway's certificates (infra/render/services/cert_manager.py). The release tool publishes the chart
# with the tag as its version (a leading "v") to the OCI registry its README installs from:
#   helm install cert-manager oci://quay.io/jetstack/charts/cert-manager --version <tag> --set crds.enabled=true
# Images quay.io/jetstack/cert-manager-{controller,webhook,cainjector,acmesolver,startupapicheck}:v1.21.1
# (the chart's default tag is its appVersion).
CERT_MANAGER_CHART = HelmChart("oci://quay.io/jetstack/charts/cert-manager", "v1.21.1")

# Redis for Envoy Gateway's global rate limit service (infra/render/services/envoy_gateway.py), the
# Docker official image, 7.4 line, Alpine variant. 7.4.11 is a patch release of that line published as
# `redis:7.4.11-alpine` (and `-alpine3.21`); public repositories pin it, e.g. by digest
# `redis:7.4.11-alpine@sha256:858f009f9709ce576febc734aa78b8f6d624b82571f9ddb6bda4377c833b3499`. Not older
# than 7.4.6: 7.4.2 and earlier are open to CVE-2025-21605 (fixed in 7.4.3) and CVE-2025-49844 (Lua
# use-after-free, fixed in 7.4.6). The image runs as user `redis` (uid 999, gid 1000: 7.4/alpine/Dockerfile
# in redis/docker-library-redis) and works in /data.
RATE_LIMIT_REDIS_IMAGE = "docker.io/library/redis:7.4.11-alpine"

# vLLM Semantic Router (vllm-project/semantic-router tag v0.2.0, commit 7fc8070a; schemas/charts/semantic-router),
# the optional virtual model (infra/render/services/semantic_router.py). The tag's release workflows push
# the chart as oci://ghcr.io/vllm-project/charts/semantic-router 0.2.0 (.github/workflows/helm-publish.yml:
# version = tag without "v", appVersion = tag) and the image as
# ghcr.io/vllm-project/semantic-router/extproc:v0.2.0 (.github/workflows/docker-release.yml). The in-tree
# Chart.yaml says appVersion "latest", so the image tag is always set explicitly. 0.2.0 is also the
# reference platform's pin (its 0.3.0 upgrade changed the values schema).
SEMANTIC_ROUTER_VERSION = "v0.2.0"
SEMANTIC_ROUTER_CHART = HelmChart("oci://ghcr.io/vllm-project/charts/semantic-router", "0.2.0")
SEMANTIC_ROUTER_IMAGE_REPOSITORY = "ghcr.io/vllm-project/semantic-router/extproc"
