"""Findings as one line each: `<kind>/<namespace>/<name>: <json path>: <message>`, deduplicated."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator


Finding = tuple[str, str]
"""(JSON path, message) of one problem, before the object prefix is added."""


_PLAIN_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def object_prefix(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return "<not an object>/-/<unnamed>"
    raw_metadata, raw_kind = obj.get("metadata"), obj.get("kind")
    metadata: Mapping[str, Any] = raw_metadata if isinstance(raw_metadata, Mapping) else {}
    kind = raw_kind if isinstance(raw_kind, str) and raw_kind else "<no kind>"
    namespace = metadata.get("namespace") or "-"
    name = metadata.get("name") or "<unnamed>"
    return f"{kind}/{namespace}/{name}"


def json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _PLAIN_KEY_RE.match(part):
            path += f".{part}"
        else:
            path += "[" + json.dumps(part) + "]"
    return path


def schema_errors(
    validator: Validator, instance: Any, base: Sequence[str | int] = ()
) -> Iterator[Finding]:
    for error in validator.iter_errors(instance):
        yield from _describe(error, tuple(base) + tuple(error.absolute_path))


def _describe(error: jsonschema.ValidationError, parts: tuple[str | int, ...]) -> Iterator[Finding]:
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "additionalProperties" and expected is False and isinstance(value, Mapping):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        patterns = error.schema.get("patternProperties", {}) if isinstance(error.schema, Mapping) else {}
        for key in value:
            if key not in declared and not any(re.search(p, key) for p in patterns):
                yield json_path((*parts, key)), "unknown field"
        return
    if keyword == "required" and isinstance(value, Mapping):
        for key in expected:
            if key not in value:
                yield json_path((*parts, key)), "required field is missing"
        return
    path = json_path(parts)
    if keyword == "type":
        wanted = [expected] if isinstance(expected, str) else list(expected)
        yield path, f"expected {' or '.join(wanted)}, got {json_type(value)}"
    elif keyword == "enum":
        yield path, f"unsupported value {_short(value)}; allowed: {_short(expected, 200)}"
    elif keyword in ("anyOf", "oneOf") and error.context:
        inner = best_match(error.context)
        yield path, f"{_short(value)} matches none of the allowed schemas ({inner.message})"
    else:
        yield path, _short_message(error.message)


def json_type(value: Any) -> str:
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


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))
