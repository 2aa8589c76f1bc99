"""Mocks for the platform-service components: the project's plan mocks (random results included)."""

from __future__ import annotations

import pulumi
import pytest

from infra.plan.mocks import PlanMocks, PlanMonitor
from infra.stack_file import load_stack_file
from tests.conftest import ROOT


@pytest.fixture
def services_mocks():
    stack = load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    monitor = PlanMonitor(PlanMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="llm-platform", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(stack.values, stack.secret_keys)
    yield monitor
    pulumi.runtime.reset_options()
    pulumi.runtime.set_all_config({})


def generated(monitor: PlanMonitor, name: str) -> str:
    """What the mocked pulumi_random answered for `name`."""
    return monitor.mocks.output(name, "result", "random:index/randomPassword:RandomPassword")
