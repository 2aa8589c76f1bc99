"""Built-in kinds: the strict upstream OpenAPI schemas shipped by kubernetes-validate, one compiled
validator per (Kubernetes minor, apiVersion, kind)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.protocols import Validator
from kubernetes_validate.utils import all_versions, schema_contents
from referencing import Registry, Resource

from .findings import Finding, schema_errors


OBJECT_META_REF = (
    "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
)


class UnsupportedKubernetesVersionError(ValueError):
    """The requested Kubernetes version has no schemas in the installed kubernetes-validate."""


_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


@functools.cache
def core_schema_dir(kubernetes_version: str) -> str:
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


def minor_of_schemas(schema_dir: str) -> str:
    return _minor_of(schema_dir.removeprefix("v").split("-", 1)[0])


@dataclass(frozen=True)
class _CoreCatalog:
    """The definitions of one Kubernetes version, as a reference registry."""

    registry: Registry
    groups: frozenset[str]


@functools.cache
def core_catalog(schema_dir: str) -> _CoreCatalog:
    definitions = schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", minor_of_schemas(schema_dir))
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
        schema = schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", minor_of_schemas(schema_dir))
    except FileNotFoundError:
        return None
    return jsonschema.Draft202012Validator(schema, registry=core_catalog(schema_dir).registry)


def core_errors(obj: Mapping[str, Any], api_version: str, kind: str, schema_dir: str) -> Iterator[Finding]:
    validator = _core_validator(schema_dir, api_version, kind)
    if validator is None:
        yield "$.kind", (
            f"Kubernetes {minor_of_schemas(schema_dir)} has no built-in kind {kind} in {api_version} "
            f"(misspelt kind, or an API version that is not served by this Kubernetes version)"
        )
        return
    yield from schema_errors(validator, obj)


@functools.cache
def object_meta_validator(schema_dir: str) -> Validator:
    return jsonschema.Draft202012Validator({"$ref": OBJECT_META_REF}, registry=core_catalog(schema_dir).registry)
