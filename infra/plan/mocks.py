"""Mocks that record everything the program registers, with the options the engine would see."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi.runtime.mocks import MockMonitor

ACCOUNT = "123456789012"  # an obviously fake account: nothing leaves this machine
REGION = "us-east-1"

# Invokes the program makes, answered with plausible values (nothing leaves this machine).
FAKE_INVOKES = {
    "aws:eks/getCluster:getCluster": lambda args: {
        "name": args.get("name"),
        "arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{args.get('name')}",
        "endpoint": f"https://{args.get('name')}.eks.offline.invalid",
        "certificateAuthorities": [{"data": "T0ZGTElORS1QTEFO"}],
        "version": "1.34",
        "vpcConfig": {"clusterSecurityGroupId": f"sg-{args.get('name')}-cluster", "vpcId": "vpc-0offline0000000",
                      "subnetIds": ["subnet-0offline000000a", "subnet-0offline000000b"]},
    },
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args: {
        "names": [f"{REGION}{z}" for z in "abcdef"], "zoneIds": [f"use1-az{i}" for i in range(1, 7)],
    },
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/offline", "userId": "offline",
    },
    "aws:index/getPartition:getPartition": lambda args: {"partition": "aws", "dnsSuffix": "amazonaws.com"},
    "aws:index/getRegion:getRegion": lambda args: {"name": REGION, "region": REGION},
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

    @property
    def kind(self) -> str:
        """The last part of the type token, e.g. `Bucket` or `Deployment`."""
        return self.type.rsplit(":", 1)[-1]


def fake_outputs(typ: str, name: str, inputs: dict) -> dict:
    """Outputs AWS would compute, shaped like the real ones, so the wiring that reads them resolves.

    Every AWS resource gets an `arn` and a `name`; a few types get the attributes the program reads.
    """
    if not typ.startswith("aws:"):
        return {}
    module, kind = typ.split(":")[1].split("/")[0], typ.rsplit(":", 1)[-1]
    physical = inputs.get("name") or name
    out = {"arn": f"arn:aws:{module}:{REGION}:{ACCOUNT}:{kind[0].lower() + kind[1:]}/{physical}", "name": physical}
    if typ == "aws:eks/cluster:Cluster":
        out |= {
            "endpoint": f"https://{physical}.eks.offline.invalid",
            "certificateAuthority": {"data": "T0ZGTElORS1QTEFO"},
            "vpcConfig": {**inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{physical}-cluster"},
            "status": "ACTIVE",
        }
    elif typ == "aws:sqs/queue:Queue":
        out |= {"url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical}",
                "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{physical}"}
    elif typ == "aws:s3/bucket:Bucket" or typ.startswith("aws:s3/bucketV2"):
        out |= {"bucket": inputs.get("bucket") or physical, "arn": f"arn:aws:s3:::{inputs.get('bucket') or physical}"}
    elif typ == "aws:iam/role:Role":
        out["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{physical}"
    elif typ == "random:index/randomPassword:RandomPassword":
        out["result"] = "offline-plan-placeholder"  # a real run generates it; never printed
    elif typ == "aws:kms/key:Key":
        out["keyId"] = f"{name}-key-id"
    return out


class PlanMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = {**args.inputs, **fake_outputs(args.typ, args.name, args.inputs)}
        return f"{args.name}-offline-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        fake = FAKE_INVOKES.get(args.token)
        return fake(args.args) if fake else {}


class PlanMonitor(MockMonitor):
    """MockMonitor that keeps, per URN, the parent and resource options from the raw request."""

    def __init__(self, mocks: PlanMocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    # ---- lookups over what was registered (for the tests and tools that inspect a run) ---------

    def named(self, name: str) -> Registration:
        return next(r for r in self.registrations if r.name == name)

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def of_kind(self, kind: str) -> list[Registration]:
        return [r for r in self.registrations if r.kind == kind]

    def children(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent == parent.urn]

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
