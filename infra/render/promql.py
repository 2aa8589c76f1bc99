"""Building PromQL selectors for one model's vLLM metrics (every query passes a real parser in the tests)."""

from __future__ import annotations

from ..config import PlatformConfig, ResolvedModel


def model_matchers(platform: PlatformConfig, model: ResolvedModel, **extra: str) -> str:
    pairs = {"namespace": platform.serving.namespace, "model_name": model.name, **extra}
    return "{" + ",".join(f'{k}="{v}"' if not v.startswith("~") else f'{k}=~"{v[1:]}"' for k, v in pairs.items()) + "}"


def fmt(value: float) -> str:
    """A threshold as KEDA and PromQL want it: a plain decimal string."""
    return f"{value:.6f}".rstrip("0").rstrip(".")
