"""Autoscaling settings that cannot work, rejected at config time (they need the whole stack)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .platform import Issue, PlatformConfig


def autoscaling_issues(platform: "PlatformConfig") -> list["Issue"]:
    """Issues with the models' autoscaling: replicas against the pool cap are checked in
    platform.py; the cold-start and scale-to-zero rules land with the platform services."""
    return []
