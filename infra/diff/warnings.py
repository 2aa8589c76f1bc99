"""What a reviewer must not miss in a change, beyond which resources it touches: the changes that
AWS refuses or that move or strand data, read from the two stacks' configs.

- an EKS version downgrade (EKS cannot go back) or a skip (it upgrades one minor at a time);
- a region change: every AWS resource is created anew in the new region, and the old ones deleted
  (the weights bucket is protected, so `pulumi up` stops at it);
- a weights bucket or prefix change: every model's weights must be preloaded again at the new location
  (the preload Jobs are renamed with it, so they run before the models roll);
- a serving namespace change: every model, its volume claim and its weight tools are recreated there;
- a model that is gone while a new one appears: clients that call the old name get 404s;
- TLS turned on or off, a new hostname or another issuer: clients must follow (or trust another CA);
- a protected resource the change would replace or delete: `pulumi up` stops there;
- a retained resource the change would replace: the old one is left behind, outside the stack.
"""

from __future__ import annotations

from ..catalog.platform_versions import kubernetes_minor
from ..plan.runner import Plan
from .changes import ResourceChange


def _region(plan: Plan) -> str | None:
    return plan.stack_file.values.get("aws:region")


def _weights_at(plan: Plan) -> str:
    """bucket/prefix of the weights: the bucket as registered (a default name moves with the region and
    the account too), else as configured."""
    bucket = (plan.weights_bucket or {}).get("bucket") or plan.platform.weights.bucket_name or "default-bucket"
    return f"{bucket}/{plan.platform.weights.prefix}"


def version_warnings(old: str, new: str) -> list[str]:
    (old_major, old_minor), (new_major, new_minor) = kubernetes_minor(old), kubernetes_minor(new)
    if (new_major, new_minor) < (old_major, old_minor):
        return [f"DOWNGRADE: cluster.kubernetesVersion {old} -> {new}: EKS cannot downgrade a cluster; the update "
                "fails (allowed: the same or the next minor)"]
    if new_major == old_major and new_minor - old_minor > 1:
        return [f"SKIP: cluster.kubernetesVersion {old} -> {new}: EKS upgrades one minor at a time; the update "
                f"fails (allowed: {old_major}.{old_minor + 1} first)"]
    return []


def warnings(base: Plan | None, new: Plan) -> list[str]:
    """One line per hazard of going from `base` to `new` (none when the stack is new)."""
    if base is None:
        return []
    old_cfg, new_cfg = base.platform, new.platform
    found = version_warnings(old_cfg.cluster.kubernetes_version, new_cfg.cluster.kubernetes_version)
    if _region(base) != _region(new):
        found.append(f"REGION: aws:region {_region(base)} -> {_region(new)}: every AWS resource is created anew in "
                     "the new region and the old ones are deleted; the protected weights bucket stops `pulumi up` "
                     "until it is unprotected or the region is restored")
    old_at, new_at = _weights_at(base), _weights_at(new)
    if old_at != new_at:
        found.append(f"WEIGHTS MOVE: weights s3://{old_at} -> s3://{new_at}: every model's weights are downloaded "
                     "again to the new location before the models roll; the old copies stay (retained)")
    if old_cfg.serving.namespace != new_cfg.serving.namespace:
        found.append(f"NAMESPACE MOVE: serving.namespace {old_cfg.serving.namespace} -> {new_cfg.serving.namespace}: "
                     "every model, its Service address and the weights volume claim are deleted and recreated")
    old_names = {m.name for m in old_cfg.models}
    new_names = {m.name for m in new_cfg.models}
    gone, added = sorted(old_names - new_names), sorted(new_names - old_names)
    if gone and added:
        found.append(f"RENAME?: model(s) {', '.join(gone)} gone while {', '.join(added)} appear(s): clients that "
                     "call the old name get 404 from the gateway")
    found += tls_warnings(old_cfg.gateway.tls, new_cfg.gateway.tls)
    return found


def tls_warnings(old, new) -> list[str]:
    """The gateway's address or its trust changing under its clients (`old`/`new`: gateway.tls or None)."""
    def seen(tls):  # what clients depend on: the name they call and the CA they trust
        return None if tls is None else (tls.hostname, tls.issuer)

    if seen(old) == seen(new):
        return []
    if old is None:
        return [f"TLS ON: the gateway moves to https://{new.hostname}: clients calling it over plain HTTP are "
                "redirected (301), and the API key is no longer checked on port 80"]
    if new is None:
        return [f"TLS OFF: https://{old.hostname} stops answering; the gateway speaks plain HTTP on port 80 and API "
                "keys cross the network in clear text"]
    found = []
    if old.hostname != new.hostname:
        found.append(f"HOSTNAME: gateway.tls.hostname {old.hostname} -> {new.hostname}: the HTTPS listener answers "
                     f"only the new name (clients calling {old.hostname} fail the TLS handshake); point "
                     f"{new.hostname} at the gateway")
    if old.issuer != new.issuer:
        found.append(f"ISSUER: gateway.tls.issuer {old.issuer} -> {new.issuer}: the gateway's certificate is reissued "
                     "by another CA; clients that trust only the old one fail the TLS handshake")
    return found


def _names(changes: list[ResourceChange]) -> str:
    return ", ".join(f"{c.name} ({c.type})" for c in changes)


def change_warnings(changes: list[ResourceChange]) -> list[str]:
    """Hazards read from the resource changes themselves (replacements included)."""
    found = []
    stopped = [c for c in changes if c.protect and c.action in ("replace", "delete")]
    if stopped:
        found.append(f"PROTECTED: {_names(stopped)} would be replaced or deleted, but are protected: `pulumi up` "
                     "stops there; undo the change, or unprotect them (`pulumi state unprotect`) if losing them is "
                     "intended")
    left = [c for c in changes if c.retain_on_delete and c.action == "replace"]
    if left:
        found.append(f"RETAINED: {_names(left)} would be replaced; the old ones are retained, left in AWS outside "
                     "the stack (delete them by hand once their data is no longer needed)")
    return found
