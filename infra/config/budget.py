"""The environment's monthly spending limit, checked by the cost policy."""

from __future__ import annotations

from pydantic import Field

from .base import StackModel


class BudgetConfig(StackModel):
    monthly_usd: float = Field(gt=0, description="estimated monthly cost may not exceed this")
