"""Typed stack configuration: the single source of truth for everything the program renders."""

from .errors import ConfigError
from .issues import Issue
from .platform import PlatformConfig, ResolvedModel

__all__ = ["ConfigError", "Issue", "PlatformConfig", "ResolvedModel"]
