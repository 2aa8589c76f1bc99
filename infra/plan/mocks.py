"""Mocks that record everything the program registers, with the options the engine would see."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi.runtime.mocks import MockMonitor

# Invokes the program makes, answered with plausible values (nothing leaves this machine).
FAKE_INVOKES = {
    "aws:eks/getCluster:getCluster": lambda args: {
        "name": args.get("name"),
        "endpoint": f"https://{args.get('name')}.eks.offline.invalid",
        "certificateAuthorities": [{"data": "T0ZGTElORS1QTEFO"}],
        "version": "1.34",
    },
}


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    inputs: dict
    parent: str | None
    provider: str | None
    dependencies: list[str] = field(default_factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    aliases: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)


class PlanMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return f"{args.name}-offline-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        fake = FAKE_INVOKES.get(args.token)
        return fake(args.args) if fake else {}


class PlanMonitor(MockMonitor):
    """MockMonitor that keeps, per URN, the parent and resource options from the raw request."""

    def __init__(self, mocks: PlanMocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            from pulumi.runtime import rpc

            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    inputs=rpc.deserialize_properties(request.object),
                    parent=request.parent or None,
                    provider=request.provider or None,
                    dependencies=list(request.dependencies),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    aliases=[a.urn or a.spec.name for a in request.aliases] if request.aliases else [],
                    ignore_changes=list(request.ignoreChanges),
                    replace_on_changes=list(request.replaceOnChanges),
                )
            )
        return response
