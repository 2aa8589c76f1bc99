"""Run the real program under Pulumi's mocks and collect what it registers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from ..config import ConfigError, PlatformConfig
from ..program import build
from ..stack_file import StackFile, load_stack, stack_config
from .aws_shapes import DEFAULT_REGION
from .mocks import HELM_RELEASE, PlanMocks, PlanMonitor, Registration, unwrap_secret


@dataclass
class Plan:
    stack_file: StackFile
    platform: PlatformConfig
    resources: list[Registration] = field(default_factory=list)
    mocks: PlanMocks | None = None  # what the mocked providers answered (ids and computed outputs)

    @property
    def stack(self) -> str:
        return self.stack_file.stack

    @property
    def weights_bucket(self) -> dict | None:
        """The weights bucket's inputs as the program registered them (its name resolved); None in a plan
        without one (a hand-made plan)."""
        return next((r.inputs for r in self.resources if r.type == "aws:s3/bucket:Bucket"), None)

    def kubernetes_objects(self) -> list[dict]:
        return [obj for r in self.resources if (obj := kubernetes_object(r)) is not None]


SECRET = "[secret]"


def normalize(value, reveal: bool = False):
    """Undo the protobuf round trip: integral floats back to ints, recursively. Secret values are
    shown as "[secret]", as `pulumi preview` does: the plan never prints them (unless `reveal`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    inner, secret = unwrap_secret(value)
    if secret:
        return normalize(inner, reveal) if reveal else _redact(inner)
    if isinstance(value, dict):
        return {k: normalize(v, reveal) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, reveal) for v in value]
    return value


def _redact(value):
    """Keep a secret's shape (a Secret's stringData stays a mapping), hide every value."""
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return SECRET


def kubernetes_object(resource: Registration) -> dict | None:
    inputs = resource.inputs
    if not resource.custom or not resource.type.startswith("kubernetes:") or "kind" not in inputs:
        return None
    obj = {"apiVersion": inputs["apiVersion"], "kind": inputs["kind"]}
    obj.update({k: v for k, v in inputs.items() if k not in obj})
    return obj


def shown_inputs(resource: Registration) -> dict:
    """The inputs a resource is shown and compared on: a Helm release's value file is shown once, as
    the `values` the provider reads from it (infra.plan.mocks.as_checked), not also as YAML text."""
    if "values" in resource.inputs and "valueYamlFiles" in resource.inputs:
        return {k: v for k, v in resource.inputs.items() if k != "valueYamlFiles"}
    return resource.inputs


def run_plan(stack_file: StackFile, platform: PlatformConfig | None = None) -> Plan:
    """The program under mocks. What it refuses only once it runs (a ValueError naming the setting, such
    as more zones than the looked-up region offers) is a ConfigError on the stack file, not a traceback."""
    platform = platform or stack_config(stack_file)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    region = stack_file.values.get("aws:region", DEFAULT_REGION)
    mocks = PlanMocks(region=region)
    monitor = PlanMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=stack_file.project, stack=stack_file.stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(stack_file.values, stack_file.secret_keys)
    try:
        pulumi.runtime.test(lambda: build(platform, stack_file.stack, region=region))()
    except ValueError as exc:
        raise ConfigError([f"{stack_file.display_path}: {exc}"]) from None
    finally:
        pulumi.runtime.reset_options()
        pulumi.runtime.set_all_config({})
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)
    for r in monitor.registrations:
        if r.type == HELM_RELEASE:
            r.revealed = normalize(r.inputs, reveal=True)
        r.inputs = normalize(r.inputs)
    return Plan(stack_file=stack_file, platform=platform, resources=monitor.registrations, mocks=mocks)


def plan_stack(stack: str, path: Path | None = None) -> Plan:
    """Load a stack (`load_stack`) and plan it: the plan and check commands' first step. Bad input,
    whether the config refuses it or only the running program does, is one ConfigError."""
    stack_file, platform = load_stack(stack, path)
    return run_plan(stack_file, platform)
