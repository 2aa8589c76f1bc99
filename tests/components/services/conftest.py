"""Mocks for the platform-service components: the project's plan mocks (random results included)."""

from __future__ import annotations

import pulumi
import pytest

from infra.plan.mocks import PlanMocks, PlanMonitor
from tests.conftest import reference_stack_file


@pytest.fixture
def services_mocks():
    stack = reference_stack_file("dev")
    monitor = PlanMonitor(PlanMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="llm-platform", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(stack.values, stack.secret_keys)
    yield monitor
    pulumi.runtime.reset_options()
    pulumi.runtime.set_all_config({})


def generated(monitor: PlanMonitor, name: str) -> str:
    """What the mocked pulumi_random answered for `name`."""
    return monitor.mocks.output(name, "result", "random:index/randomPassword:RandomPassword")
