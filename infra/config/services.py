"""The platform services installed from their upstream charts (autoscaler, gateways, metrics, logs,
secrets sync): where they run and how they are sized."""

from __future__ import annotations

from .base import StackModel


class ServicesConfig(StackModel):
    """Settings of the platform-service controllers. Defaults suit a small production cluster."""
