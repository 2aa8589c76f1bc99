"""One problem a cross-section check finds in a stack file: where (a field path) and what."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str | int, ...]  # a field path in the stack file, e.g. ("models", 0, "replicas", "min")


@dataclass(frozen=True)
class Issue:
    path: Path
    message: str

