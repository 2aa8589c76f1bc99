"""Render a plan's Helm releases with the real Helm engine (the Helm Go SDK, through helm-python-sdk)
over the vendored upstream charts (schemas/helm-charts), with the values exactly as the provider
would hand them to Helm (infra.plan.mocks.as_checked: the SDK's serialisation, then decodeRelease)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache

import helm_python as helm
import yaml
from helm_python import _native

from infra.plan.mocks import HELM_RELEASE, Registration
from infra.plan.runner import Plan
from tests.conftest import ROOT

CHARTS = ROOT / "schemas" / "helm-charts"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the CRDs are megabytes of YAML
SUMS = ROOT / "schemas" / "SHA256SUMS"


class NotVendored(AssertionError):
    pass


@cache
def _sums() -> dict[str, str]:
    return {path: digest for digest, path in (line.split("  ", 1) for line in SUMS.read_text().splitlines())}


def archive(chart: str, version: str) -> bytes:
    """The vendored archive of `chart` at `version`, checked against schemas/SHA256SUMS."""
    path = CHARTS / f"{chart.rsplit('/', 1)[-1]}-{version}.tgz"
    rel = path.relative_to(SUMS.parent).as_posix()
    if not path.exists():
        raise NotVendored(f"chart {chart} {version} is pinned but schemas/{rel} is not vendored: export the "
                          f"chart at that version and add it (schemas/helm-charts/SOURCES.md)")
    data = path.read_bytes()
    if _sums().get(rel) != hashlib.sha256(data).hexdigest():
        raise AssertionError(f"schemas/{rel} does not match its sum in schemas/SHA256SUMS")
    return data


def chart(chart_ref: str, version: str) -> helm.Chart:
    """A fresh handle each time: rendering prunes disabled subcharts from the loaded chart in place
    (Helm's ProcessDependencies), so a handle must never be reused across renders."""
    loaded = helm.Chart.load_archive(_archive(chart_ref, version))
    if loaded.version != version:
        raise NotVendored(f"schemas/helm-charts holds {loaded.name} {loaded.version}, the program pins {version}")
    return loaded


@cache
def _archive(chart_ref: str, version: str) -> bytes:
    return archive(chart_ref, version)


@dataclass(frozen=True)
class Release:
    registration: Registration
    chart_ref: str
    version: str
    name: str
    namespace: str
    values: dict

    @property
    def chart(self) -> helm.Chart:
        return chart(self.chart_ref, self.version)


def releases(plan: Plan) -> list[Release]:
    found = []
    for r in plan.resources:
        if r.type != HELM_RELEASE:
            continue
        sent = r.revealed or r.inputs
        found.append(Release(r, sent["chart"], sent["version"], sent["name"], sent["namespace"],
                             sent.get("values") or {}))
    return found


@cache
def _render(chart_ref: str, version: str, name: str, namespace: str, values_json: str, kube_version: str,
            api_versions: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    opts = {"name": name, "namespace": namespace, "is_install": True, "kube_version": kube_version,
            "api_versions": list(api_versions)}
    with chart(chart_ref, version) as loaded:
        raw = _native.call_string("helm_render", loaded._raw(), values_json, json.dumps(opts))
    return tuple(sorted(json.loads(raw).items()))


def _render_args(release: Release, kubernetes_version: str, api_versions: tuple[str, ...],
                 values: dict | None) -> tuple:
    chosen = release.values if values is None else values
    return (release.chart_ref, release.version, release.name, release.namespace, json.dumps(chosen, sort_keys=True),
            f"v{kubernetes_version}.0", tuple(sorted(api_versions)))


def render_uncached(release: Release, kubernetes_version: str, api_versions: tuple[str, ...] = ()) -> dict[str, str]:
    """A render of its own (templates that generate certificates come out different each time)."""
    return dict(_render.__wrapped__(*_render_args(release, kubernetes_version, api_versions, None)))


# PEM certificates and keys, base64-encoded or not, as charts' genCA/genSignedCert produce them anew on
# every render; masked so two renders of the same values compare equal.
_GENERATED = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,}={0,2}|-----BEGIN [A-Z ]+-----[^-]+-----END [A-Z ]+-----")


def comparable(manifests: dict[str, str]) -> dict[str, str]:
    return {path: _GENERATED.sub("<generated>", text) for path, text in manifests.items()}


def render(release: Release, kubernetes_version: str, api_versions: tuple[str, ...] = (),
           values: dict | None = None) -> dict[str, str]:
    """Template path -> rendered text (`lookup` finds nothing, as on a first install)."""
    return dict(_render(*_render_args(release, kubernetes_version, api_versions, values)))


# How Helm 3 (the engine in the Kubernetes provider) cuts a template's output into documents
# (pkg/releaseutil/manifest.go, SplitManifests): a line
# starting with `---`, whatever follows it on the line (cert-manager's rbac.yaml renders `---# comment`,
# which a YAML parser reads as one scalar).
_SEPARATOR = re.compile(r"(?:^|\s*\n)---\s*")


def objects(manifests: dict[str, str], namespace: str) -> list[dict]:
    """The Kubernetes objects Helm would apply, each namespaced one in the release namespace unless set."""
    found = []
    for path, text in manifests.items():
        if not path.endswith((".yaml", ".yml", ".tpl", ".json")):  # not NOTES.txt
            continue
        for part in _SEPARATOR.split(text):
            doc = yaml.load(part, Loader=_LOADER)
            if isinstance(doc, dict) and doc.get("kind"):
                found.append(doc)
    for obj in found:
        if obj["kind"] not in CLUSTER_SCOPED:
            obj.setdefault("metadata", {}).setdefault("namespace", namespace)
    return found


def crds(release: Release, manifests: dict[str, str]) -> list[dict]:
    """CRDs the release installs: its templates' and its chart's crds/ (unless skipCrds)."""
    found = [o for o in objects(manifests, release.namespace) if o["kind"] == "CustomResourceDefinition"]
    if not release.registration.inputs.get("skipCrds"):
        with release.chart as loaded:
            for crd in loaded.crds:
                found += [d for d in yaml.load_all(crd["data"], Loader=_LOADER) if isinstance(d, dict)]
    return found


CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "APIService", "PriorityClass", "StorageClass", "CSIDriver", "IngressClass",
    "RuntimeClass", "GatewayClass", "ClusterSecretStore", "ClusterExternalSecret", "ClusterTriggerAuthentication",
    "NodePool", "EC2NodeClass", "NodeClaim", "ClusterGenerator", "ClusterPushSecret",
})
