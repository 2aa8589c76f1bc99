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

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .core_kinds import (
    UnsupportedKubernetesVersionError,
    core_catalog,
    core_errors,
    core_schema_dir,
    minor_of_schemas,
)
from .custom_resources import SCHEMAS_DIR, crd_index, custom_resource_errors
from .findings import Finding, dedupe, json_type, object_prefix
from .metadata_rules import metadata_rule_errors

__all__ = [
    "SCHEMAS_DIR",
    "UnsupportedKubernetesVersionError",
    "validate_object",
    "validate_objects",
]


def validate_object(obj: Mapping[str, Any], kubernetes_version: str) -> list[str]:
    """Validate one rendered Kubernetes object; return its errors (empty list = valid).

    ``kubernetes_version`` is ``"1.34"`` (``"v1.34"`` and ``"1.34.2"`` are accepted too;
    only major.minor matters). Raises :class:`UnsupportedKubernetesVersionError` if no
    schemas for that minor version are installed: that is a configuration error of the
    caller, not a property of the object.
    """
    schema_dir = core_schema_dir(kubernetes_version)
    prefix = object_prefix(obj)
    return [f"{prefix}: {path}: {message}" for path, message in dedupe(object_errors(obj, schema_dir))]


def validate_objects(objs: Iterable[Mapping[str, Any]], kubernetes_version: str) -> list[str]:
    """Validate many objects; return all their errors, in input order."""
    errors: list[str] = []
    for obj in objs:
        errors.extend(validate_object(obj, kubernetes_version))
    return errors


def object_errors(obj: Mapping[str, Any], schema_dir: str) -> Iterator[Finding]:
    if not isinstance(obj, Mapping):
        yield "$", f"expected a Kubernetes object (mapping), got {json_type(obj)}"
        return
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not api_version:
        yield "$.apiVersion", "required string field is missing or empty"
    if not isinstance(kind, str) or not kind:
        yield "$.kind", "required string field is missing or empty"
    if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
        return

    group, _, version = api_version.rpartition("/")
    core = core_catalog(schema_dir)
    if group in core.groups or "." not in group:
        yield from core_errors(obj, api_version, kind, schema_dir)
        yield from metadata_rule_errors(obj.get("metadata"), group, kind)
    elif group in crd_index().groups:
        yield from custom_resource_errors(obj, group, version, kind, schema_dir)
    else:
        message = (
            f"no schema for group/kind {group}/{kind}: not a built-in Kubernetes {minor_of_schemas(schema_dir)} "
            f"API group and no CRD of group {group} is vendored; vendor its CRD into schemas/crds"
        )
        yield "$.apiVersion", message
