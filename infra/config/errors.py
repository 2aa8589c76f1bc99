"""Config errors as the user should read them: one line each, naming the stack file, the field
path as it is spelled in the stack file, what is wrong and what is allowed."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ValidationError


class ConfigError(Exception):
    """Invalid stack configuration. `lines` are ready to print, one problem each."""

    def __init__(self, lines: Sequence[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def format_path(namespace: str, loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for "the mapping key itself", which precedes it
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return f"{namespace}:{text}" if text else namespace


def _unwrap(annotation):
    """The model class a field holds, through Optional, list and dict."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else None
        elif origin in (list, tuple, dict):
            annotation = typing.get_args(annotation)[-1]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def allowed_fields(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """camelCase field names of the model found at `loc` (the parent of an unknown key)."""
    model: type | None = root
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return []
        model = _unwrap(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def describe(error: dict, root: type[BaseModel]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        fields = allowed_fields(root, _model_loc(root, error["loc"][:-1]))
        return "unknown setting" + (f"; allowed: {', '.join(fields)}" if fields else "")
    if kind == "missing":
        return "required setting is missing"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ")
        return f"got {value!r}; allowed: {expected}"
    if kind == "assertion_error":
        return error["msg"].removeprefix("Assertion failed, ")
    return f"{error['msg'][0].lower()}{error['msg'][1:]}; got {value!r}"


def _model_loc(root: type[BaseModel], loc: Sequence[str | int]) -> list[str | int]:
    """Drop dict keys (e.g. a pool name) so the walk only follows field names."""
    out: list[str | int] = []
    model: type | None = root
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel) and isinstance(part, str):
            field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
            if field is None:
                continue  # a mapping key
            out.append(part)
            model = _unwrap(field.annotation)
        else:
            out.append(part)
    return out


def from_validation_error(exc: ValidationError, source: str, namespace: str, root: type[BaseModel]) -> ConfigError:
    lines = []
    for error in exc.errors(include_url=False):
        loc = [p for p in error["loc"] if p not in ("function-after", "function-before")]
        lines.append(f"{source}: {format_path(namespace, loc)}: {describe(error, root)}")
    return ConfigError(lines)
