"""Helm values on their way to a release, as pulumi-kubernetes' `helm.v3.Release` carries them.

The Python SDK drops every `None` inside `values` before it leaves the program (pulumi-kubernetes
#2034), so a value meant to delete a chart default (`key: null`, Helm's way) never arrives. The
platform therefore sends each release's values as one YAML file (`valueYamlFiles`) with
`allowNullValues`: the provider reads the file into its values map, keeps its nulls, and Helm's
coalescing then removes those chart defaults (pulumi-kubernetes provider/pkg/provider/helm_release.go:
decodeRelease, mergeMaps with allowNullValues; helm pkg/chart/common/util coalesce).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import yaml


class _ValuesDumper(yaml.SafeDumper):
    """Block-style YAML; long strings (configs, scripts) are never folded."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ValuesDumper.add_representer(str, _str)


def values_file(values: Mapping[str, Any]) -> str:
    """The YAML text of a release's values, nulls included (they delete chart defaults)."""
    return yaml.dump(dict(values), Dumper=_ValuesDumper, sort_keys=True, default_flow_style=False, width=1 << 16)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value if v is not None]
    return value


def _merge(base: dict, override: Mapping) -> dict:
    """mergo.Merge(WithOverride): maps merge key by key, anything else (lists, scalars, null) replaces."""
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def provider_values(files: Sequence[str], values: Mapping[str, Any] | None, allow_null_values: bool) -> dict:
    """The values the provider hands Helm: each file read over the last (top-level keys replace, as
    yaml.Unmarshal into one map does), then `values` merged over them; nulls dropped from both
    unless `allowNullValues`."""
    from_files: dict = {}
    for text in files:
        loaded = yaml.safe_load(text) or {}
        from_files.update(loaded)
    base = from_files if allow_null_values else _without_nulls(from_files)
    extra = dict(values or {}) if allow_null_values else _without_nulls(dict(values or {}))
    return _merge(copy.deepcopy(base), extra)
