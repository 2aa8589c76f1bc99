"""Property paths as Pulumi writes them (`spec.template.spec.containers[0].args[0]`,
`metadata.annotations["llm-platform.io/weights"]`) and the marker of an input one side lacks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()  # an input present on one side only


Token = str | int
_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def format_path(tokens: Iterable[Token]) -> str:
    out = ""
    for t in tokens:
        if isinstance(t, int):
            out += f"[{t}]"
        elif t == "*" or _PLAIN_KEY.match(t):
            out += ("." if out else "") + t
        else:
            out += "[" + json.dumps(t) + "]"
    return out


def parse_path(path: str) -> tuple[Token, ...]:
    """Pulumi property path syntax: `a.b[0]["c.d"]`, `[*]` or `*` as wildcards."""
    tokens: list[Token] = []
    i = 0
    while i < len(path):
        c = path[i]
        if c == ".":
            i += 1
        elif c == "[":
            end = path.index("]", i) if path[i + 1] != '"' else path.index('"]', i + 2) + 1
            inner = path[i + 1 : end]
            if inner.startswith('"'):
                tokens.append(json.loads(inner))
            elif inner == "*":
                tokens.append("*")
            else:
                tokens.append(int(inner))
            i = end + 1
        else:
            m = re.match(r"[^.\[]+", path[i:])
            tokens.append(m.group(0))
            i += len(m.group(0))
    return tuple(tokens)


def value_at(value: Any, tokens: tuple[Token, ...]) -> Any:
    for t in tokens:
        if isinstance(t, int):
            value = value[t] if isinstance(value, list) and t < len(value) else MISSING
        else:
            value = value.get(t, MISSING) if isinstance(value, dict) else MISSING
        if value is MISSING:
            return MISSING
    return value


def matches(pattern: tuple[Token, ...], tokens: tuple[Token, ...]) -> bool:
    """`pattern` is `tokens` or one of its ancestors (`*` matches any one key or index)."""
    if len(pattern) > len(tokens):
        return False
    return all(p == "*" or p == t for p, t in zip(pattern, tokens, strict=False))
