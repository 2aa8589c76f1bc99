"""Strict, offline schema validation of rendered Kubernetes objects.

Used by the test suite and by the offline ``plan`` command. Nothing here talks to a
cluster or to the network: every schema is pinned data shipped with the project.

Built-in kinds (``v1``, ``apps/v1``, ``networking.k8s.io/v1``, ...)
    are validated against the upstream OpenAPI schemas shipped by the
    ``kubernetes-validate`` package, using its *strict* variant (unknown fields are
    errors) for exactly the requested Kubernetes minor version ("1.34" -> the
    ``v1.34.0-local-strict`` schemas). We load those schemas through the package's
    own helpers and build the same Draft 2020-12 validator ``kubernetes_validate.validate``
    builds, but compile it once per kind and report *every* error instead of the
    first one: calling ``kubernetes_validate.validate`` re-reads the 1.5 MB definitions
    file on every call (~11 ms per object) and stops at the first error.

Custom resources
    are validated against the CustomResourceDefinitions vendored under
    ``schemas/crds/**`` (see ``schemas/SOURCES.md``), found by (group, kind). The
    ``spec.versions[]`` entry named like the object's apiVersion version must exist
    and be served. Its ``openAPIV3Schema`` is validated as JSON Schema draft 4 after a
    one-off rewrite of a copy (cached per group/kind/version) that adds the
    Kubernetes semantics plain jsonschema does not know:

    * strictness, like ``kubectl apply --validate=strict`` (server-side field
      validation): every structural object schema without ``additionalProperties``
      and without ``x-kubernetes-preserve-unknown-fields: true`` gets
      ``additionalProperties: false``. That includes objects that declare no
      ``properties`` at all (e.g. Envoy Gateway's ``http3: {}`` or ``gzip: {}``
      markers): the API server prunes every field of such an object, so strict
      field validation reports them as unknown. Sub-schemas inside
      ``allOf``/``anyOf``/``oneOf``/``not`` are left open, because there they only
      add constraints to properties declared on the enclosing structural schema;
    * ``nullable: true`` -> ``null`` is accepted; a ``null`` anywhere else is an
      error (the API server would silently drop it, which in rendered output is
      almost always a bug);
    * ``x-kubernetes-int-or-string: true`` -> integer or string;
    * the root ``metadata`` (``type: object`` in every CRD) is replaced by the
      strict ``ObjectMeta`` schema of the requested Kubernetes version.

Metadata rules the OpenAPI schemas cannot express are checked for every object:
``metadata.name`` is required and must be a DNS-1123 subdomain (a DNS-1035 label for
Services, a DNS-1123 label for Namespaces, a path segment for RBAC kinds),
``metadata.namespace`` must be a DNS-1123 label, and label / annotation keys and
label values must be syntactically valid.

Not checked: CEL rules (``x-kubernetes-validations``) are NOT evaluated, ``format``
values are not enforced, and nothing that needs a live cluster (admission webhooks,
defaulting, referenced objects existing) is attempted.

Every error string reads ``<kind>/<namespace>/<name>: <json path>: <message>``, with
``-`` standing for an absent namespace (cluster-scoped objects) and ``<unnamed>`` for an
absent name.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from kubernetes_validate.utils import all_versions, schema_contents
from referencing import Registry, Resource

__all__ = [
    "SCHEMAS_DIR",
    "UnsupportedKubernetesVersionError",
    "validate_object",
    "validate_objects",
]

SCHEMAS_DIR: Path = Path(__file__).resolve().parents[2] / "schemas"
"""The repository's vendored schema data (``schemas/`` at the repository root)."""

_CRDS_DIR: Path = SCHEMAS_DIR / "crds"
_OBJECT_META_REF = (
    "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
)
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnsupportedKubernetesVersionError(ValueError):
    """The requested Kubernetes version has no schemas in the installed kubernetes-validate."""


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def validate_object(obj: Mapping[str, Any], kubernetes_version: str) -> list[str]:
    """Validate one rendered Kubernetes object; return its errors (empty list = valid).

    ``kubernetes_version`` is ``"1.34"`` (``"v1.34"`` and ``"1.34.2"`` are accepted too;
    only major.minor matters). Raises :class:`UnsupportedKubernetesVersionError` if no
    schemas for that minor version are installed: that is a configuration error of the
    caller, not a property of the object.
    """
    schema_dir = _core_schema_dir(kubernetes_version)
    prefix = _object_prefix(obj)
    return [f"{prefix}: {path}: {message}" for path, message in _dedupe(_object_errors(obj, schema_dir))]


def validate_objects(objs: Iterable[Mapping[str, Any]], kubernetes_version: str) -> list[str]:
    """Validate many objects; return all their errors, in input order."""
    errors: list[str] = []
    for obj in objs:
        errors.extend(validate_object(obj, kubernetes_version))
    return errors


# --------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------

_Finding = tuple[str, str]
"""(JSON path, message) of one problem, before the object prefix is added."""


def _object_errors(obj: Mapping[str, Any], schema_dir: str) -> Iterator[_Finding]:
    if not isinstance(obj, Mapping):
        yield "$", f"expected a Kubernetes object (mapping), got {_json_type(obj)}"
        return
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not api_version:
        yield "$.apiVersion", "required string field is missing or empty"
    if not isinstance(kind, str) or not kind:
        yield "$.kind", "required string field is missing or empty"
    if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
        return

    group, _, version = api_version.rpartition("/")
    core = _core_catalog(schema_dir)
    if group in core.groups or "." not in group:
        yield from _core_errors(obj, api_version, kind, schema_dir)
        yield from _metadata_rule_errors(obj.get("metadata"), group, kind)
    elif group in _crd_index().groups:
        yield from _custom_resource_errors(obj, group, version, kind, schema_dir)
    else:
        message = (
            f"no schema for group/kind {group}/{kind}: not a built-in Kubernetes {_minor(schema_dir)} "
            f"API group and no CRD of group {group} is vendored; vendor its CRD into schemas/crds"
        )
        yield "$.apiVersion", message


def _custom_resource_errors(
    obj: Mapping[str, Any], group: str, version: str, kind: str, schema_dir: str
) -> Iterator[_Finding]:
    crd = _crd_index().get(group, kind)
    if crd is None:
        defined = ", ".join(sorted(_crd_index().kinds(group)))
        yield "$.kind", (
            f"no schema for group/kind {group}/{kind}: the vendored {group} CRDs define {defined}; "
            f"vendor its CRD into schemas/crds"
        )
        return
    served = ", ".join(crd.served_versions()) or "none"
    entry = crd.versions.get(version)
    if entry is None:
        yield "$.apiVersion", f"{group}/{kind} has no version {version!r} in {crd.source}; served versions: {served}"
        return
    if not entry.get("served", False):
        yield "$.apiVersion", (
            f"version {version!r} of {group}/{kind} is not served (served: false in {crd.source}); "
            f"served versions: {served}"
        )
        return
    yield from _schema_errors(_crd_validator(group, kind, version), obj)
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping):
        yield from _schema_errors(_object_meta_validator(schema_dir), metadata, base=("metadata",))
    yield from _metadata_rule_errors(metadata, group, kind)


# --------------------------------------------------------------------------------------
# Built-in kinds: kubernetes-validate's strict schemas
# --------------------------------------------------------------------------------------

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


@functools.cache
def _core_schema_dir(kubernetes_version: str) -> str:
    """``"1.34"`` -> ``"v1.34.0-local-strict"``, if kubernetes-validate ships it."""
    match = _VERSION_RE.match(kubernetes_version.strip())
    shipped = sorted(set(all_versions()), key=lambda v: tuple(int(p) for p in v.split(".")))
    if match is None:
        raise UnsupportedKubernetesVersionError(
            f"not a Kubernetes version: {kubernetes_version!r} (expected e.g. '1.34')"
        )
    wanted = f"{int(match[1])}.{int(match[2])}.0"
    if wanted not in shipped:
        raise UnsupportedKubernetesVersionError(
            f"kubernetes-validate has no schemas for Kubernetes {int(match[1])}.{int(match[2])}; "
            f"installed: {', '.join(_minor_of(v) for v in shipped)}"
        )
    return f"v{wanted}-local-strict"


def _minor_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _minor(schema_dir: str) -> str:
    return _minor_of(schema_dir.removeprefix("v").split("-", 1)[0])


@dataclass(frozen=True)
class _CoreCatalog:
    """The definitions of one Kubernetes version, as a reference registry."""

    registry: Registry
    groups: frozenset[str]


@functools.cache
def _core_catalog(schema_dir: str) -> _CoreCatalog:
    definitions = schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", _minor(schema_dir))
    groups = frozenset(
        gvk["group"]
        for definition in definitions["$defs"].values()
        for gvk in definition.get("x-kubernetes-group-version-kind", ())
    )
    return _CoreCatalog(registry=Resource.from_contents(definitions) @ Registry(), groups=groups)


@functools.cache
def _core_validator(schema_dir: str, api_version: str, kind: str) -> Validator | None:
    # Same file naming as kubernetes_validate.validate: rbac.authorization.k8s.io/v1 -> rbac-v1.
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", _minor(schema_dir))
    except FileNotFoundError:
        return None
    return jsonschema.Draft202012Validator(schema, registry=_core_catalog(schema_dir).registry)


def _core_errors(obj: Mapping[str, Any], api_version: str, kind: str, schema_dir: str) -> Iterator[_Finding]:
    validator = _core_validator(schema_dir, api_version, kind)
    if validator is None:
        yield "$.kind", (
            f"Kubernetes {_minor(schema_dir)} has no built-in kind {kind} in {api_version} "
            f"(misspelt kind, or an API version that is not served by this Kubernetes version)"
        )
        return
    yield from _schema_errors(validator, obj)


@functools.cache
def _object_meta_validator(schema_dir: str) -> Validator:
    return jsonschema.Draft202012Validator({"$ref": _OBJECT_META_REF}, registry=_core_catalog(schema_dir).registry)


# --------------------------------------------------------------------------------------
# Custom resources: vendored CRDs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Crd:
    source: str
    versions: Mapping[str, Mapping[str, Any]]

    def served_versions(self) -> list[str]:
        return [name for name, entry in self.versions.items() if entry.get("served", False)]


class _CrdIndex:
    """Vendored CRDs by group and kind.

    Files are indexed by name (controller-gen's ``<group>_<plural>.yaml``) and parsed
    only when a custom resource of their group is first validated; a file whose name
    does not follow that convention is parsed up front. A named file that turns out to
    hold another group is a vendoring mistake and raises.
    """

    def __init__(self, crds_dir: Path) -> None:
        self._crds_dir = crds_dir
        self._files_by_group: dict[str, list[Path]] = {}
        self._parsed: dict[str, dict[str, _Crd]] = {}
        self._named: set[Path] = set()
        for path in sorted(crds_dir.rglob("*.yaml")):
            group, sep, _ = path.name.partition("_")
            if sep and "." in group:
                self._files_by_group.setdefault(group, []).append(path)
                self._named.add(path)
            else:
                for crd_group, _kind, _crd in self._load_file(path):
                    self._files_by_group.setdefault(crd_group, []).append(path)

    @property
    def groups(self) -> frozenset[str]:
        return frozenset(self._files_by_group)

    def kinds(self, group: str) -> list[str]:
        return list(self._group(group))

    def get(self, group: str, kind: str) -> _Crd | None:
        return self._group(group).get(kind)

    def _group(self, group: str) -> dict[str, _Crd]:
        if group not in self._parsed:
            kinds: dict[str, _Crd] = {}
            for path in self._files_by_group.get(group, []):
                for crd_group, kind, crd in self._load_file(path):
                    if crd_group != group:
                        if path in self._named:
                            raise RuntimeError(f"{crd.source} is named for group {group} but defines {crd_group}")
                        continue
                    if kind in kinds:
                        raise RuntimeError(f"{group}/{kind} is defined twice: {kinds[kind].source} and {crd.source}")
                    kinds[kind] = crd
            self._parsed[group] = kinds
        return self._parsed[group]

    def _load_file(self, path: Path) -> Iterator[tuple[str, str, _Crd]]:
        source = path.relative_to(self._crds_dir.parent.parent).as_posix()
        for doc in _parsed_documents(path):
            if doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            versions = {entry["name"]: entry for entry in spec["versions"]}
            yield spec["group"], spec["names"]["kind"], _Crd(source=source, versions=versions)


_PARSE_CACHE = Path(tempfile.gettempdir()) / "llm-platform-crd-cache"


def _parsed_documents(path: Path) -> list[dict]:
    """The YAML documents of a CRD file. Parsing the large upstream CRDs (several MB of YAML) is the
    slowest step of a plan, so each file's parse is kept as JSON, keyed by the file's sha256: a
    changed file is parsed again, a corrupt or missing cache entry is simply rebuilt."""
    raw = path.read_bytes()
    cached = _PARSE_CACHE / f"{hashlib.sha256(raw).hexdigest()}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    documents = [doc for doc in yaml.load_all(raw.decode("utf-8"), Loader=_YAML_LOADER) if doc]
    try:
        _PARSE_CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(documents), encoding="utf-8")
        partial.replace(cached)
    except OSError:
        pass  # a read-only temp dir only costs speed
    return documents


@functools.cache
def _crd_index() -> _CrdIndex:
    return _CrdIndex(_CRDS_DIR)


@functools.cache
def _crd_validator(group: str, kind: str, version: str) -> Validator:
    crd = _crd_index().get(group, kind)
    if crd is None:  # callers look the CRD up first
        raise KeyError(f"no vendored CRD for {group}/{kind}")
    schema = copy.deepcopy(crd.versions[version]["schema"]["openAPIV3Schema"])
    properties = schema.get("properties", {})
    if "metadata" in properties:
        properties["metadata"] = {}  # validated against the strict ObjectMeta instead
    return jsonschema.Draft4Validator(_kubernetes_semantics(schema, structural=True))


def _kubernetes_semantics(node: Any, *, structural: bool) -> Any:
    """Rewrite one (copied) CRD schema node in place for draft-4 validation; see module doc.

    ``structural`` is False inside ``allOf``/``anyOf``/``oneOf``/``not``, whose branches
    only constrain fields declared on the enclosing schema and so must stay open.
    """
    if not isinstance(node, dict):
        return node
    for name, child in node.get("properties", {}).items():
        node["properties"][name] = _kubernetes_semantics(child, structural=structural)
    items = node.get("items")
    if isinstance(items, list):
        node["items"] = [_kubernetes_semantics(item, structural=structural) for item in items]
    elif isinstance(items, dict):
        node["items"] = _kubernetes_semantics(items, structural=structural)
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _kubernetes_semantics(node["additionalProperties"], structural=structural)
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in node:
            node[keyword] = [_kubernetes_semantics(branch, structural=False) for branch in node[keyword]]
    if "not" in node:
        node["not"] = _kubernetes_semantics(node["not"], structural=False)

    if node.get("x-kubernetes-int-or-string") is True and "anyOf" not in node and "oneOf" not in node:
        node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    is_object = node.get("type") == "object" or "properties" in node
    preserves_unknown = node.get("x-kubernetes-preserve-unknown-fields") is True
    if structural and is_object and "additionalProperties" not in node and not preserves_unknown:
        node["additionalProperties"] = False
    if node.get("nullable") is True:
        return {"anyOf": [{"type": "null"}, node]}
    return node


# --------------------------------------------------------------------------------------
# Metadata rules (what the OpenAPI schemas cannot express)
# --------------------------------------------------------------------------------------

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")
_DNS1035_LABEL_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_ANNOTATIONS_MAX_BYTES = 256 * 1024

_RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})


def _metadata_rule_errors(metadata: Any, group: str, kind: str) -> Iterator[_Finding]:
    if metadata is None:
        yield "$.metadata", "required object field is missing"
        return
    if not isinstance(metadata, Mapping):
        yield "$.metadata", f"expected object, got {_json_type(metadata)}"
        return
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        yield "$.metadata.name", "required field is missing or empty"
    else:
        problem = _name_problem(name, group, kind)
        if problem:
            yield "$.metadata.name", f"invalid name {name!r}: {problem}"
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and (problem := _dns1123_label_problem(namespace)):
        yield "$.metadata.namespace", f"invalid namespace {namespace!r}: {problem}"

    labels = metadata.get("labels")
    if isinstance(labels, Mapping):
        for key, value in labels.items():
            path = _json_path(("metadata", "labels", key))
            if problem := _qualified_name_problem(key):
                yield path, f"invalid label key {key!r}: {problem}"
            if isinstance(value, str) and (problem := _label_value_problem(value)):
                yield path, f"invalid label value {value!r}: {problem}"
    annotations = metadata.get("annotations")
    if isinstance(annotations, Mapping):
        for key in annotations:
            if problem := _qualified_name_problem(key):
                yield _json_path(("metadata", "annotations", key)), f"invalid annotation key {key!r}: {problem}"
        size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())
        if size > _ANNOTATIONS_MAX_BYTES:
            yield "$.metadata.annotations", f"total size {size} bytes exceeds the limit of {_ANNOTATIONS_MAX_BYTES}"


def _name_problem(name: str, group: str, kind: str) -> str | None:
    if group == "" and kind == "Service":
        if len(name) > 63 or not _DNS1035_LABEL_RE.match(name):
            return (
                "a Service name must be a DNS-1035 label: at most 63 lower case alphanumeric characters "
                "or '-', starting with a letter and ending with an alphanumeric character"
            )
        return None
    if group == "" and kind == "Namespace":
        return _dns1123_label_problem(name)
    if group == "rbac.authorization.k8s.io" and kind in _RBAC_KINDS:
        if name in (".", "..") or "/" in name or "%" in name:
            return "an RBAC object name may not be '.' or '..' and may not contain '/' or '%'"
        return None
    if len(name) > 253 or not _DNS1123_SUBDOMAIN_RE.match(name):
        return (
            "must be a DNS-1123 subdomain: at most 253 lower case alphanumeric characters, '-' or '.', "
            "starting and ending with an alphanumeric character"
        )
    return None


def _dns1123_label_problem(value: str) -> str | None:
    if len(value) > 63 or not _DNS1123_LABEL_RE.match(value):
        return (
            "must be a DNS-1123 label: at most 63 lower case alphanumeric characters or '-', "
            "starting and ending with an alphanumeric character"
        )
    return None


def _qualified_name_problem(key: Any) -> str | None:
    if not isinstance(key, str) or not key:
        return "must be a non-empty string"
    prefix, sep, name = key.rpartition("/")
    if sep and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN_RE.match(prefix)):
        return "the prefix before '/' must be a DNS-1123 subdomain (at most 253 characters)"
    if not name or len(name) > 63 or not _QUALIFIED_NAME_RE.match(name):
        return (
            "the name part must be at most 63 characters of alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric character"
        )
    return None


def _label_value_problem(value: str) -> str | None:
    if value == "":
        return None
    if len(value) > 63 or not _QUALIFIED_NAME_RE.match(value):
        return (
            "must be empty or at most 63 characters of alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric character"
        )
    return None


# --------------------------------------------------------------------------------------
# Error formatting
# --------------------------------------------------------------------------------------

_PLAIN_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _object_prefix(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return "<not an object>/-/<unnamed>"
    raw_metadata, raw_kind = obj.get("metadata"), obj.get("kind")
    metadata: Mapping[str, Any] = raw_metadata if isinstance(raw_metadata, Mapping) else {}
    kind = raw_kind if isinstance(raw_kind, str) and raw_kind else "<no kind>"
    namespace = metadata.get("namespace") or "-"
    name = metadata.get("name") or "<unnamed>"
    return f"{kind}/{namespace}/{name}"


def _json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _PLAIN_KEY_RE.match(part):
            path += f".{part}"
        else:
            path += "[" + json.dumps(part) + "]"
    return path


def _schema_errors(
    validator: Validator, instance: Any, base: Sequence[str | int] = ()
) -> Iterator[_Finding]:
    for error in validator.iter_errors(instance):
        yield from _describe(error, tuple(base) + tuple(error.absolute_path))


def _describe(error: jsonschema.ValidationError, parts: tuple[str | int, ...]) -> Iterator[_Finding]:
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "additionalProperties" and expected is False and isinstance(value, Mapping):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        patterns = error.schema.get("patternProperties", {}) if isinstance(error.schema, Mapping) else {}
        for key in value:
            if key not in declared and not any(re.search(p, key) for p in patterns):
                yield _json_path((*parts, key)), "unknown field"
        return
    if keyword == "required" and isinstance(value, Mapping):
        for key in expected:
            if key not in value:
                yield _json_path((*parts, key)), "required field is missing"
        return
    path = _json_path(parts)
    if keyword == "type":
        wanted = [expected] if isinstance(expected, str) else list(expected)
        yield path, f"expected {' or '.join(wanted)}, got {_json_type(value)}"
    elif keyword == "enum":
        yield path, f"unsupported value {_short(value)}; allowed: {_short(expected, 200)}"
    elif keyword in ("anyOf", "oneOf") and error.context:
        inner = best_match(error.context)
        yield path, f"{_short(value)} matches none of the allowed schemas ({inner.message})"
    else:
        yield path, _short_message(error.message)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_message(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _dedupe(findings: Iterable[_Finding]) -> list[_Finding]:
    return list(dict.fromkeys(findings))
