"""Custom resources: the vendored CRDs under schemas/crds, found by (group, kind), their
openAPIV3Schema rewritten once with the Kubernetes semantics plain JSON Schema lacks."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.protocols import Validator

from .core_kinds import object_meta_validator
from .findings import Finding, schema_errors
from .metadata_rules import metadata_rule_errors


SCHEMAS_DIR: Path = Path(__file__).resolve().parents[3] / "schemas"
"""The repository's vendored schema data (``schemas/`` at the repository root)."""

_CRDS_DIR: Path = SCHEMAS_DIR / "crds"
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def custom_resource_errors(
    obj: Mapping[str, Any], group: str, version: str, kind: str, schema_dir: str
) -> Iterator[Finding]:
    crd = crd_index().get(group, kind)
    if crd is None:
        defined = ", ".join(sorted(crd_index().kinds(group)))
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
    yield from schema_errors(crd_validator(group, kind, version), obj)
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping):
        yield from schema_errors(object_meta_validator(schema_dir), metadata, base=("metadata",))
    yield from metadata_rule_errors(metadata, group, kind)


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
def crd_index() -> _CrdIndex:
    return _CrdIndex(_CRDS_DIR)


@functools.cache
def crd_validator(group: str, kind: str, version: str) -> Validator:
    crd = crd_index().get(group, kind)
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
