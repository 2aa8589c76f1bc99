"""Register one rendered Kubernetes object (a plain dict) as the matching pulumi_kubernetes resource.

Every kind the SDK has a class for is registered through that class: its token is what the provider
expects (`kubernetes:core/v1:PersistentVolume`), and Pulumi's await logic applies. Only kinds the SDK
does not know (custom resources) go through `CustomResource`, whose token is `kubernetes:<apiVersion>:<kind>`;
for a core kind that would be `kubernetes:v1:<Kind>`, which the provider's Check rejects.

The table of typed classes is read from pulumi_kubernetes itself (the resource-module registry its
package __init__ hands to the Pulumi runtime), so it covers every group/version/kind of the pinned SDK.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from functools import cache
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

_NOT_A_KIND = re.compile(r"Patch$")  # server-side-apply patch resources share the registry
_NOT_AN_API = ("helm.sh/", "yaml/", "kustomize/")  # Helm releases and the YAML/Kustomize helpers


def _registry_text() -> str:
    """The `resource_modules` JSON that pulumi_kubernetes/__init__.py registers with the runtime."""
    tree = ast.parse(Path(k8s.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "register":
            for keyword in node.keywords:
                if keyword.arg == "resource_modules" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    raise RuntimeError(f"no resource-module registry in {k8s.__file__}; has pulumi_kubernetes changed its layout?")


def api_version_of(module: str) -> str:
    """`core/v1` -> `v1`; `apps/v1` -> `apps/v1`: the SDK's module name is the API group/version."""
    return module.removeprefix("core/")


@cache
def typed_kinds() -> dict[tuple[str, str], tuple[str, str]]:
    """(apiVersion, kind) -> (Python module, class name) for every built-in kind the SDK has a class for."""
    table: dict[tuple[str, str], tuple[str, str]] = {}
    for entry in json.loads(_registry_text()):
        if entry["mod"].startswith(_NOT_AN_API):
            continue
        for token, class_name in entry["classes"].items():
            kind = token.rsplit(":", 1)[-1]
            if not _NOT_A_KIND.search(kind):
                table[(api_version_of(entry["mod"]), kind)] = (entry["fqn"], class_name)
    return table


@cache
def built_in_groups() -> frozenset[tuple[str, str]]:
    """(API group, kind) of every built-in kind, at any version ("" is the core group)."""
    return frozenset((api.rpartition("/")[0], kind) for api, kind in typed_kinds())


@cache
def typed_class(api_version: str, kind: str) -> type[pulumi.CustomResource] | None:
    found = typed_kinds().get((api_version, kind))
    if found is None:
        return None
    return getattr(importlib.import_module(found[0]), found[1])


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def register(name: str, obj: dict, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Built-in kinds get their typed class; custom resources go through CustomResource. A built-in
    group/kind at a version the SDK lacks is an error, not a CustomResource the provider would reject.
    Either way the engine receives exactly the rendered object."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    fields = {_snake(k): v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    typed = typed_class(api_version, kind)
    if typed is not None:
        return typed(name, opts=opts, **fields)
    if (api_version.rpartition("/")[0], kind) in built_in_groups():
        raise ValueError(f"{name}: {kind} {api_version} is a built-in kind at a version the pinned "
                         "pulumi_kubernetes has no class for; allowed: a version it has, e.g. "
                         + ", ".join(sorted(a for a, k in typed_kinds() if k == kind)))
    return k8s.apiextensions.CustomResource(name, api_version=api_version, kind=kind, opts=opts, **fields)
