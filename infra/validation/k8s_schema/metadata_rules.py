"""Metadata rules the OpenAPI schemas cannot express: name formats per kind, namespace, label and
annotation keys and values."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .findings import Finding, json_path, json_type

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")
_DNS1035_LABEL_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_ANNOTATIONS_MAX_BYTES = 256 * 1024

_RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})


def metadata_rule_errors(metadata: Any, group: str, kind: str) -> Iterator[Finding]:
    if metadata is None:
        yield "$.metadata", "required object field is missing"
        return
    if not isinstance(metadata, Mapping):
        yield "$.metadata", f"expected object, got {json_type(metadata)}"
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
            path = json_path(("metadata", "labels", key))
            if problem := _qualified_name_problem(key):
                yield path, f"invalid label key {key!r}: {problem}"
            if isinstance(value, str) and (problem := _label_value_problem(value)):
                yield path, f"invalid label value {value!r}: {problem}"
    annotations = metadata.get("annotations")
    if isinstance(annotations, Mapping):
        for key in annotations:
            if problem := _qualified_name_problem(key):
                yield json_path(("metadata", "annotations", key)), f"invalid annotation key {key!r}: {problem}"
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
