"""The stack file's reference, generated from the config models themselves: every field a stack may set
(its path as written in the stack file, its type, its default and its description). Written to
docs/config-reference.md by `python -m infra.config.reference`; a test keeps the committed file equal
to what the models say, so no field goes undocumented."""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .platform import PlatformConfig

TARGET = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in typing.get_args(annotation) if a is not type(None)) + " (optional)"
    if origin in (list, tuple):
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        return f"map of {_type_name(typing.get_args(annotation)[1])}"
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True) if field.default is PydanticUndefined else field.default
    if isinstance(value, BaseModel):
        return "(see fields)"
    if value in (None, [], {}):
        return "-" if value is None else json.dumps(value)
    return f"`{json.dumps(value, default=str)}`"


def rows(model: type[BaseModel] = PlatformConfig, prefix: str = "", seen: frozenset = frozenset()) -> list[tuple]:
    out = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        description = " ".join((field.description or "").split()).replace("|", "\\|")
        out.append((path, _type_name(field.annotation), _default(field), description))
        for child in _models_in(field.annotation):
            if child not in seen:  # a map or list of objects: its fields under <path>.<key> or <path>[]
                origin = typing.get_origin(field.annotation)
                inner = "[]" if origin in (list, tuple) else ".<name>" if origin is dict else ""
                out += rows(child, f"{path}{inner}.", seen | {child})
    return out


def render() -> str:
    lines = ["# Stack file reference", "",
             "Generated from the config models (`python -m infra.config.reference`); every key a stack file's",
             "`llm-platform:<section>` may set. Unknown keys are rejected. Prose and examples: the README.", "",
             "| field | type | default | description |", "|---|---|---|---|"]
    lines += [f"| `{path}` | {kind} | {default} | {text} |" for path, kind, default, text in rows()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(render())
    print(f"wrote {TARGET} ({len(rows())} fields)", file=sys.stderr)
