"""Container arguments compared by meaning: `[model, --flag, value, --switch, --key=value]` is a
positional list plus flags, so one inserted flag is one change (not every later position), a changed
value is that flag's change, and a flag that moved is no change at all. The order still matters to
Kubernetes (a reordered list is a new pod template), so a pure reordering is reported once, whole."""

from __future__ import annotations

import re
from typing import Any

from .paths import Token

_FLAG = re.compile(r"^--?[A-Za-z][A-Za-z0-9_.-]*(=.*)?$", re.S)
ARGUMENT_KEYS = ("args", "command")


def is_argument_list(path: tuple[Token, ...], old: Any, new: Any) -> bool:
    """A container's args/command on both sides, as strings, with at least one flag."""
    return (bool(path) and path[-1] in ARGUMENT_KEYS and isinstance(old, list) and isinstance(new, list)
            and all(isinstance(v, str) for v in old + new) and any(_FLAG.match(v) for v in old + new))


def by_meaning(args: list[str]) -> dict[Token, Any]:
    """Positionals by their index among positionals (int keys), flags by name (str keys): a flag's value
    (the next token unless that is a flag, or what follows `=`), True for a switch, a list if repeated."""
    out: dict[Token, Any] = {}
    positional = 0
    i = 0
    while i < len(args):
        token = args[i]
        if not _FLAG.match(token):
            out[positional] = token
            positional += 1
            i += 1
            continue
        name, eq, value = token.partition("=")
        if not eq:
            if i + 1 < len(args) and not _FLAG.match(args[i + 1]):
                value, i = args[i + 1], i + 1
            else:
                value = True
        i += 1
        if name in out:
            previous = out[name]
            out[name] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            out[name] = value
    return out
