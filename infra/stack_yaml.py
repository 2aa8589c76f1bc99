"""A stack file's bytes to a YAML document, refusing what would be misread rather than failing later.

The Pulumi CLI reads stack files as UTF-8 YAML. Refused here, each with one line naming the file:
- bytes that are not UTF-8 text (a binary file, UTF-16, latin-1): the CLI would not read them either;
- a key that appears twice in one mapping: YAML loaders keep the last one silently, so an edit at
  the top of a long section could be undone by a forgotten entry further down;
- anchors and aliases: a stack file is data a reviewer reads line by line, and aliases let a few
  lines expand into millions of values (or refer to themselves);
- nesting deeper than MAX_DEPTH levels (no setting needs more; deeper input would exhaust the stack).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .config import ConfigError

MAX_DEPTH = 32
_BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16", b"\xef\xbb\xbf": "UTF-8 with a byte-order mark"}


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and aliases."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark, f"alias *{event.anchor}: anchors and aliases are not allowed in a "
                                             "stack file; allowed: write the value out")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:  # an unhashable key: PyYAML's own error follows
                break
            if first is not key_node.start_mark:
                raise _Refused(key_node.start_mark, f"key {key!r} appears twice in one mapping (first on line "
                                                    f"{first.line + 1}; the last would silently win); allowed: "
                                                    "each key once")
        return super().construct_mapping(node, deep)


class _Refused(Exception):
    def __init__(self, mark, message: str):
        super().__init__(message)
        self.mark, self.message = mark, message


def _depth_problem(node, depth: int = 0) -> str | None:
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels; allowed: at most {MAX_DEPTH}"
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        problem = _depth_problem(child, depth + 1)
        if problem:
            return problem
    return None


def _text(path: Path, data: bytes) -> str:
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise ConfigError([f"{path}: the file is {name}; allowed: UTF-8 text without a byte-order mark"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                           "allowed: a UTF-8 YAML file"]) from None
    if "\x00" in text:
        raise ConfigError([f"{path}: not a text file (it contains NUL bytes); allowed: a UTF-8 YAML file"])
    return text


def load_yaml(path: Path) -> object:
    """The YAML document in `path`, or ConfigError with one line saying what is wrong and where."""
    text = _text(path, path.read_bytes())
    try:
        doc = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise ConfigError([f"{path}: line {exc.mark.line + 1}, column {exc.mark.column + 1}: {exc.message}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError([f"{path}: not valid YAML{where}: {problem}"]) from None
    except RecursionError:
        raise ConfigError([f"{path}: nested deeper than Python can read; allowed: at most {MAX_DEPTH} levels"]) from None
    problem = _depth_problem(doc)
    if problem:
        raise ConfigError([f"{path}: {problem}"])
    return doc
