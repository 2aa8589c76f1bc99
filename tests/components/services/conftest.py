"""Mocks for the platform-service components: the project's plan mocks, plus a value for what
pulumi_random computes (the plan mocks answer AWS attributes only)."""

from __future__ import annotations

import pulumi
import pytest

from infra.plan.mocks import PlanMocks, PlanMonitor
from infra.stack_file import load_stack_file
from tests.conftest import ROOT

GENERATED = "generated0password0for0tests00000000000000000000"


class ServiceMocks(PlanMocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        resource_id, state = super().new_resource(args)
        if args.typ == "random:index/randomPassword:RandomPassword":
            state = {**state, "result": GENERATED[: int(args.inputs.get("length", 16))]}
        return resource_id, state


@pytest.fixture
def services_mocks():
    stack = load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    monitor = PlanMonitor(ServiceMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="llm-platform", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(stack.values, stack.secret_keys)
    yield monitor
    pulumi.runtime.reset_options()
    pulumi.runtime.set_all_config({})
