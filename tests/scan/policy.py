"""Which checkov findings over the applied objects fail the scan (`make checkov`): every check is
required except the few below, each with the reason it does not hold here, and except named upstream
objects that need what a check forbids, each with its reason and exactly the checks it may fail.
A finding outside both lists fails the scan, so a new chart version or a new object cannot bring a
weakness in unnoticed; an exemption for an object that no longer exists fails the tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Checks that do not hold on this platform, whatever the object.
SOFT: dict[str, str] = {
    "CKV_K8S_43": "images are pinned by tag, not yet by digest: resolving digests needs the registries, which "
                  "these machines cannot reach (open work, issue 'Secure and robust by default')",
    "CKV_K8S_11": "no CPU limits, deliberately: CFS throttling stalls controllers and token streams; every "
                  "container has CPU requests and a memory limit",
    "CKV_K8S_15": "imagePullPolicy IfNotPresent with pinned, immutable tags: Always would add a registry round "
                  "trip to every start and a registry outage to every reschedule",
    "CKV_K8S_40": "UIDs are the images' own non-root users (Pod Security 'restricted' enforces runAsNonRoot in "
                  "every platform namespace); remapping them above 10000 breaks file ownership in the images",
    "CKV_K8S_38": "the charts mount the service account token, which controllers and operators need; the "
                  "platform's own pods (models, preload Jobs, Redis) do not mount one. VictoriaLogs, the semantic "
                  "router and the device plugin mount it without needing it (their accounts are granted little "
                  "or nothing): turning it off per chart is open work",
}

_PROBES = ("CKV_K8S_8", "CKV_K8S_9")
_ROOT_ON_THE_NODE = ("CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_29", "CKV_K8S_30",
                     "CKV_K8S_31", "CKV_K8S_37")


@dataclass(frozen=True)
class Exemption:
    reason: str
    checks: frozenset[str]


def _exempt(reason: str, *checks: str) -> Exemption:
    return Exemption(reason, frozenset(checks))


# Upstream objects, by checkov's resource id (<Kind>.<namespace, "default" if cluster-scoped>.<name>).
EXEMPT: dict[str, Exemption] = {
    # ---- node agents: they exist to touch the node ----
    "DaemonSet.kube-system.nvidia-device-plugin": _exempt(
        "NVIDIA device plugin: runs as root to register with the kubelet through its socket directory "
        "(hostPath); upstream ships no probes", *_PROBES, "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_31"),
    "DaemonSet.kube-system.nvidia-device-plugin-mps-control-daemon": _exempt(
        "NVIDIA MPS control daemon: rendered by the device plugin chart with it, but scheduled only on nodes "
        "labelled nvidia.com/mps.capable=true, which the platform never sets (no MPS sharing)",
        *_PROBES, *_ROOT_ON_THE_NODE, "CKV_K8S_16", "CKV_K8S_17"),
    "DaemonSet.kube-system.dcgm-exporter": _exempt(
        "DCGM exporter: reads GPU counters as root with SYS_ADMIN (profiling metrics), upstream's security "
        "context", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_25", "CKV_K8S_29", "CKV_K8S_31", "CKV_K8S_39"),
    "DaemonSet.monitoring.vm-prometheus-node-exporter": _exempt(
        "node exporter: host network and PID namespaces are how it sees the node", "CKV_K8S_17", "CKV_K8S_19",
        "CKV_K8S_20", "CKV_K8S_28", "CKV_K8S_31", "CKV_K8S_37"),
    "DaemonSet.logging.vl-vector": _exempt(
        "Vector: reads every container's log files under /var/log on the node as root (seccomp RuntimeDefault "
        "is set); upstream ships no probes", *_PROBES, "CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_28",
        "CKV_K8S_30", "CKV_K8S_37"),
    # ---- controllers as their charts ship them ----
    "Deployment.monitoring.vm-grafana": _exempt(
        "Grafana chart: its dashboard and datasource sidecars carry no resources and write their files to the "
        "root filesystem, the admin password arrives as an environment variable from the generated Secret, and "
        "it has no liveness probe", *_PROBES, "CKV_K8S_10", "CKV_K8S_12", "CKV_K8S_13", "CKV_K8S_22",
        "CKV_K8S_35"),
    "ClusterRoleBinding.default.vm-grafana-clusterrolebinding": _exempt(
        "Grafana's sidecars read dashboards and datasources from ConfigMaps and Secrets in every namespace",
        "CKV2_K8S_5"),
    "Deployment.envoy-ai-gateway-system.ai-gateway-controller": _exempt(
        "Envoy AI Gateway controller: writes its extension server's files to the root filesystem", "CKV_K8S_22"),
    "Job.envoy-gateway-system.eg-gateway-helm-certgen": _exempt(
        "Envoy Gateway's certgen hook Job: one short run at install, no resources in the chart",
        "CKV_K8S_10", "CKV_K8S_12", "CKV_K8S_13"),
    "RoleBinding.envoy-gateway-system.eg-gateway-helm-certgen": _exempt(
        "certgen writes the control plane's certificates as Secrets", "CKV2_K8S_5"),
    "Job.monitoring.vm-victoria-metrics-operator-cleanup-hook": _exempt(
        "VictoriaMetrics operator's uninstall hook (kubectl as root, runs only on uninstall)",
        "CKV_K8S_23", "CKV_K8S_29", "CKV_K8S_31"),
    "ClusterRole.monitoring.vm-victoria-metrics-operator-cleanup-hook": _exempt(
        "the uninstall hook deletes every VictoriaMetrics object", "CKV_K8S_49"),
    "ClusterRole.default.vm-victoria-metrics-operator": _exempt(
        "the operator creates the service accounts, roles and bindings of the components it runs",
        "CKV_K8S_157", "CKV_K8S_158"),
    "ClusterRole.default.vm-victoria-metrics-operator-victoriametrics-admin": _exempt(
        "aggregated admin role over the operator's own API group", "CKV_K8S_49"),
    "ClusterRole.default.ai-gateway-controller:envoy-ai-gateway-system": _exempt(
        "the AI Gateway controller manages its webhook and every object of its API groups", "CKV_K8S_49",
        "CKV_K8S_155"),
    "ClusterRole.default.cert-manager-cainjector": _exempt(
        "cainjector's job is writing CA bundles into webhook configurations", "CKV_K8S_155"),
    "ClusterRole.default.eg-gateway-helm-certgen:envoy-gateway-system": _exempt(
        "certgen patches the topology injector webhook's CA bundle", "CKV_K8S_155"),
    "ClusterRole.default.external-secrets-cert-controller": _exempt(
        "External Secrets' cert controller writes its webhooks' CA bundles", "CKV_K8S_155"),
    "ClusterRole.default.keda-operator-minimal-cluster-role": _exempt(
        "KEDA's operator writes its admission webhook's CA bundle", "CKV_K8S_155"),
    "Deployment.external-secrets.external-secrets": _exempt("External Secrets chart: no probes on the controller",
                                                            *_PROBES),
    "Deployment.external-secrets.external-secrets-cert-controller": _exempt(
        "External Secrets chart: no liveness probe on the cert controller", "CKV_K8S_8"),
    "Deployment.external-secrets.external-secrets-webhook": _exempt(
        "External Secrets chart: no liveness probe on the webhook", "CKV_K8S_8"),
    "Deployment.cert-manager.cert-manager": _exempt("cert-manager chart: no readiness probe on the controller",
                                                    "CKV_K8S_9"),
    "Deployment.cert-manager.cert-manager-cainjector": _exempt("cert-manager chart: no probes on cainjector",
                                                               *_PROBES),
    # ---- the platform's own ----
    "Deployment.envoy-gateway-system.ratelimit-redis": _exempt(
        "Redis takes its password on the command line (--requirepass), from an environment variable filled "
        "from the generated Secret; it never appears in the object", "CKV_K8S_35"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str  # checkov's resource id
    name: str  # the check's title

    @property
    def line(self) -> str:
        return f"{self.check} {self.resource}: {self.name}"


def required_failures(findings: Iterable[Finding]) -> list[Finding]:
    """The failed checks the scan does not accept."""
    found = []
    for f in findings:
        exemption = EXEMPT.get(f.resource)
        if f.check in SOFT or (exemption is not None and f.check in exemption.checks):
            continue
        found.append(f)
    return found


def resource_id(obj: dict) -> str:
    """checkov's id of a Kubernetes object."""
    meta = obj.get("metadata") or {}
    return f"{obj['kind']}.{meta.get('namespace') or 'default'}.{meta.get('name')}"
