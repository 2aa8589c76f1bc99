"""Pod Security Admission, offline: the Pod Security Standards' baseline and restricted checks
(kubernetes/pod-security-admission, policy/check_*.go, latest version) over the pod template of
any workload, as the admission plugin applies them for a namespace's `enforce` level."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

LEVEL_LABEL = "pod-security.kubernetes.io/enforce"
LEVELS = ("privileged", "baseline", "restricted")

_BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                          "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
_SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                 "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                 "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                 "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
_RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                       "projected", "secret", "image"}
_SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}


def pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec a workload creates (Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob)."""
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec")
    if kind in ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "ReplicationController"):
        return (spec.get("template") or {}).get("spec")
    return None


def _containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or ()


def _baseline(spec: Mapping[str, Any]) -> Iterator[str]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            yield f"{key}=true"
    pod_ctx = spec.get("securityContext") or {}
    for volume in spec.get("volumes") or ():
        if "hostPath" in volume:
            yield f"hostPath volume {volume.get('name')!r}"
    for sysctl in pod_ctx.get("sysctls") or ():
        if sysctl.get("name") not in _SAFE_SYSCTLS:
            yield f"unsafe sysctl {sysctl.get('name')!r}"
    contexts = [("pod", pod_ctx)] + [(c.get("name"), c.get("securityContext") or {}) for c in _containers(spec)]
    for name, ctx in contexts:
        if ctx.get("privileged"):
            yield f"container {name!r} is privileged"
        if ctx.get("procMount") not in (None, "Default"):
            yield f"container {name!r} procMount {ctx.get('procMount')}"
        if ((ctx.get("seLinuxOptions") or {}).get("type") or "") not in _SELINUX_TYPES:
            yield f"{name!r} seLinuxOptions.type {ctx['seLinuxOptions']['type']!r}"
        if (ctx.get("seccompProfile") or {}).get("type") == "Unconfined":
            yield f"{name!r} seccompProfile Unconfined"
        if (ctx.get("appArmorProfile") or {}).get("type") == "Unconfined":
            yield f"{name!r} appArmorProfile Unconfined"
        if ctx.get("windowsOptions", {}).get("hostProcess"):
            yield f"{name!r} windows hostProcess"
    for c in _containers(spec):
        added = set(((c.get("securityContext") or {}).get("capabilities") or {}).get("add") or ())
        if added - _BASELINE_CAPABILITIES:
            yield f"container {c.get('name')!r} adds capabilities {sorted(added - _BASELINE_CAPABILITIES)}"
        for port in c.get("ports") or ():
            if port.get("hostPort"):
                yield f"container {c.get('name')!r} hostPort {port['hostPort']}"


def _restricted(spec: Mapping[str, Any]) -> Iterator[str]:
    for volume in spec.get("volumes") or ():
        kinds = set(volume) - {"name"}
        if kinds and not kinds <= _RESTRICTED_VOLUMES:
            yield f"volume {volume.get('name')!r} of type {sorted(kinds)} (restricted allows {sorted(_RESTRICTED_VOLUMES)})"
    pod_ctx = spec.get("securityContext") or {}
    for c in _containers(spec):
        ctx, name = c.get("securityContext") or {}, c.get("name")
        if ctx.get("allowPrivilegeEscalation") is not False:
            yield f"container {name!r} must set allowPrivilegeEscalation=false"
        caps = ctx.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or ()):
            yield f"container {name!r} must drop ALL capabilities"
        if set(caps.get("add") or ()) - {"NET_BIND_SERVICE"}:
            yield f"container {name!r} may add only NET_BIND_SERVICE"
        non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
        if non_root is not True:
            yield f"container {name!r} must set runAsNonRoot=true"
        if ctx.get("runAsUser", pod_ctx.get("runAsUser")) == 0:
            yield f"container {name!r} must not run as uid 0"
        seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"container {name!r} must set seccompProfile RuntimeDefault or Localhost"
    if pod_ctx.get("runAsUser") == 0:
        yield "pod must not run as uid 0"


def violations(obj: Mapping[str, Any], level: str) -> list[str]:
    """What the admission plugin would refuse at `level` for this object's pods ([] when admitted)."""
    if level not in LEVELS:
        raise ValueError(f"unknown Pod Security level {level!r}; allowed: {', '.join(LEVELS)}")
    spec = pod_spec(obj)
    if spec is None or level == "privileged":
        return []
    found = list(_baseline(spec))
    if level == "restricted":
        found += list(_restricted(spec))
    return found
