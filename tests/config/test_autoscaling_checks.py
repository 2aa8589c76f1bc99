"""Autoscaling settings that cannot work are rejected at config time, one line each naming the stack
file and the field: a cooldown shorter than the model's startup budget, scale to zero without the
explicit opt-in (or the opt-in without min 0, or without the gateway). A maximum beyond the pool's
GPU cap is platform.py's check, reported once."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from infra.config import ConfigError, PlatformConfig
from infra.config.autoscaling_checks import autoscaling_issues
from infra.stack_file import REPO_ROOT, load_stack_file, platform_config

DEV = REPO_ROOT / "stacks" / "Pulumi.dev.yaml"
PROD = REPO_ROOT / "stacks" / "Pulumi.prod.yaml"
NS = "llm-platform"

Cfg = dict[str, Any]


# ---- helpers (as in test_stack_config.py) --------------------------------------------------------


def decoded(values: dict[str, str]) -> Cfg:
    return {k[len(NS) + 1:]: json.loads(v) for k, v in values.items() if k.startswith(f"{NS}:")}


def encoded(cfg: Cfg, base: dict[str, str]) -> dict[str, str]:
    values = {k: v for k, v in base.items() if not k.startswith(f"{NS}:")}
    values.update({f"{NS}:{k}": json.dumps(v) for k, v in cfg.items()})
    return values


def load(cfg: Cfg, stack=DEV) -> PlatformConfig:
    stack_file = load_stack_file(stack)
    return platform_config(encoded(cfg, stack_file.values), stack_file.display_path, stack_file.project)


def config_errors(cfg: Cfg, stack=DEV) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(cfg, stack)
    return info.value.lines


def cfg_of(stack=DEV) -> Cfg:
    return decoded(load_stack_file(stack).values)


def _set(path: str, value: Any) -> Callable[[Cfg], None]:
    def apply(cfg: Cfg) -> None:
        parts = path.split(".")
        node: Any = cfg
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(parts[-1])] = value
        else:
            node[parts[-1]] = value

    return apply


def one_line(cfg: Cfg, path: str, *says: str, stack=DEV) -> str:
    lines = config_errors(cfg, stack)
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith(f"{load_stack_file(stack).display_path}: {NS}:{path}: "), line
    for text in says:
        assert text in line, (text, line)
    return line


# ---- cooldown against the startup budget --------------------------------------------------------


def test_cooldown_shorter_than_the_startup_budget_names_field_and_minimum():
    cfg = cfg_of()
    _set("models.0.autoscaling", {"cooldownSeconds": 300})(cfg)
    one_line(cfg, "models[0].autoscaling.cooldownSeconds",
             "300s is shorter than the model's startup budget of 600s", "allowed: 600..3600",
             "or unset to use the startup budget")


def test_cooldown_of_the_70b_must_cover_its_longer_budget():
    cfg = cfg_of(PROD)
    index = [m["name"] for m in cfg["models"]].index("llama-70b")
    _set(f"models.{index}.autoscaling", {"cooldownSeconds": 900})(cfg)
    one_line(cfg, f"models[{index}].autoscaling.cooldownSeconds",
             "900s is shorter than the model's startup budget of 1440s", "allowed: 1440..3600", stack=PROD)


@pytest.mark.parametrize("cooldown", [600, 601, 3600])
def test_cooldown_at_or_above_the_budget_is_accepted(cooldown: int):
    cfg = cfg_of()
    _set("models.0.autoscaling", {"cooldownSeconds": cooldown})(cfg)
    assert load(cfg).models[0].autoscaling.cooldown_seconds == cooldown


def test_unset_cooldown_is_accepted_and_means_the_budget():
    from infra.render.model_autoscaling import cooldown_seconds

    platform = load(cfg_of())
    model = platform.resolved_models[0]
    assert model.config.autoscaling.cooldown_seconds is None
    assert cooldown_seconds(platform, model) == platform.startup_budget_seconds(model) == 600


@pytest.mark.parametrize("stack", [DEV, PROD])
@pytest.mark.parametrize("loader", ["s3files", "streamer"])
def test_reported_minimum_is_the_budget_the_renderers_use(stack, loader: str):
    """The check computes the budget before models resolve; it must equal the resolved one."""
    cfg = cfg_of(stack)
    cfg["weights"] = {**cfg.get("weights", {}), "loader": loader}
    platform = load(cfg, stack)
    for model in platform.resolved_models:
        shorter = copy.deepcopy(cfg)
        _set(f"models.{model.index}.autoscaling", {"cooldownSeconds": 60})(shorter)
        budget = platform.startup_budget_seconds(model)
        one_line(shorter, f"models[{model.index}].autoscaling.cooldownSeconds",
                 f"startup budget of {budget}s", f"allowed: {budget}..3600", stack=stack)


def test_cooldown_below_sixty_seconds_is_a_schema_error():
    cfg = cfg_of()
    _set("models.0.autoscaling", {"cooldownSeconds": 30})(cfg)
    one_line(cfg, "models[0].autoscaling.cooldownSeconds", "greater than or equal to 60")


# ---- scale to zero -------------------------------------------------------------------------------


def test_min_zero_without_the_opt_in_is_rejected():
    cfg = cfg_of()
    _set("models.0.replicas", {"min": 0, "max": 2})(cfg)
    one_line(cfg, "models[0].replicas.min", "0 replicas means scaling to zero, which must be explicit",
             "allowed: min >= 1, or min 0 with autoscaling.scaleToZero: true")


def test_scale_to_zero_with_a_minimum_above_zero_is_rejected():
    cfg = cfg_of()
    _set("models.0.autoscaling", {"scaleToZero": True})(cfg)
    one_line(cfg, "models[0].autoscaling.scaleToZero", "scaleToZero needs replicas.min: 0 (it is 1)",
             "allowed: replicas.min 0, or scaleToZero: false")


def test_scale_to_zero_with_min_zero_is_accepted():
    cfg = cfg_of()
    _set("models.0.replicas", {"min": 0, "max": 2})(cfg)
    _set("models.0.autoscaling", {"scaleToZero": True})(cfg)
    assert autoscaling_issues(load(cfg)) == []


def test_negative_minimum_is_a_schema_error():
    cfg = cfg_of()
    _set("models.0.replicas", {"min": -1, "max": 2})(cfg)
    one_line(cfg, "models[0].replicas.min", "greater than or equal to 0")


def test_each_model_is_reported_on_its_own_line():
    cfg = cfg_of(PROD)
    _set("models.0.replicas", {"min": 0, "max": 3})(cfg)
    _set("models.1.autoscaling", {"scaleToZero": True, "cooldownSeconds": 120})(cfg)
    lines = config_errors(cfg, PROD)
    paths = [line.split(": ")[1] for line in lines]
    assert paths == [f"{NS}:models[0].replicas.min", f"{NS}:models[1].autoscaling.scaleToZero",
                     f"{NS}:models[1].autoscaling.cooldownSeconds"]


# ---- not repeated here ---------------------------------------------------------------------------


def test_max_beyond_the_pool_cap_is_reported_once_by_the_capacity_check():
    cfg = cfg_of()
    _set("models.0.replicas.max", 4)(cfg)  # (4 + 1 surge) x 1 GPU > gpuLimit 4
    one_line(cfg, "models[0].replicas.max", "plus one surge replica need 5 GPUs", "allowed: max <= 3")


def test_unknown_pool_is_reported_without_a_cooldown_line():
    cfg = cfg_of()
    _set("models.0.pool", "l40s")(cfg)
    _set("models.0.autoscaling", {"cooldownSeconds": 60})(cfg)
    one_line(cfg, "models[0].pool", "'l40s' is not a GPU pool of this stack")


def test_shipped_stacks_have_no_autoscaling_issues():
    for stack in (DEV, PROD):
        assert autoscaling_issues(load(cfg_of(stack), stack)) == []
