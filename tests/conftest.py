"""Test hygiene for Pulumi: a fresh event loop per test and no global state leaking between tests."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from pathlib import Path

import pulumi
import pytest
import yaml

from infra.plan.mocks import PlanMocks, PlanMonitor
from infra.plan.runner import run_plan
from infra.stack_file import load_stack_file, platform_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_event_loop():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def pulumi_mocks():
    """Mocks for one test (preview=False so every output resolves); state is reset afterwards."""
    stack = reference_stack_file("dev")
    mocks = PlanMocks()
    monitor = PlanMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="llm-platform", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(stack.values, stack.secret_keys)
    yield monitor
    pulumi.runtime.reset_options()
    pulumi.runtime.set_all_config({})


REFERENCE_STACKS = ("dev", "prod")


def reference_stack_file(stack: str = "dev"):
    """A committed reference stack file as the Pulumi CLI reads it (a fresh copy: tests may edit values)."""
    return load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml")


def reference_config(stack: str = "dev", **sections):
    """The validated config of a reference stack, with top-level sections replaced as they would be
    written in the stack file (`reference_config(weights={...})`); a ConfigError if that is invalid."""
    stack_file = reference_stack_file(stack)
    values = dict(stack_file.values) | {f"{stack_file.project}:{k}": json.dumps(v) for k, v in sections.items()}
    return platform_config(values, stack_file.display_path, stack_file.project)


_reference_plans: dict = {}


def reference_plan(stack: str):
    """The plan of a committed reference stack, run once per test session (tests must not mutate it)."""
    if stack not in _reference_plans:
        _reference_plans[stack] = run_plan(reference_stack_file(stack))
    return _reference_plans[stack]


def copied_plan(stack: str):
    """A reference plan whose registrations a test may change (the mocks' answers stay shared)."""
    plan = reference_plan(stack)
    return dataclasses.replace(plan, resources=copy.deepcopy(plan.resources))


@pytest.fixture(params=REFERENCE_STACKS)
def any_reference_plan(request):
    """Each reference stack's plan in turn."""
    return reference_plan(request.param)


SWAPPED_MODEL, SWAPPED_REVISION = "qwen3-8b", "0" * 40
_swapped: dict = {}


def swapped_revision_plan(tmp_root: Path):
    """prod with one model (SWAPPED_MODEL) at another revision: the plan the revision-swap tests of
    the plan, the diff and the AWS layer compare with prod, run once per session (do not mutate it)."""
    if "plan" not in _swapped:
        doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())
        next(m for m in doc["config"]["llm-platform:models"] if m["name"] == SWAPPED_MODEL)["revision"] = SWAPPED_REVISION
        path = tmp_root / "swapped" / "Pulumi.prod.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc))
        _swapped["plan"] = run_plan(load_stack_file(path))
    return _swapped["plan"]

