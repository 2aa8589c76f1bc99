"""Mocks that record everything the program registers, with the options the engine would see, and
answer with what the real providers return: ids and ARNs in AWS's formats (IAM ARNs carry no region),
auto-names with Pulumi's random suffix, zones that exist in the stack's region, and random strings of
the configured length and alphabet. Every generated value is derived from the resource's type and
logical name, so a plan is reproducible (as the real values are stable in the stack state after the first update)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field

import pulumi
from pulumi.runtime.mocks import MockMonitor

from ..render.helm_values import provider_values
from ..catalog.aws_zones import zones_of
from .aws_shapes import ACCOUNT, DEFAULT_REGION, DEPLOYER_ROLE, aws_outputs, resource_id

REGION = DEFAULT_REGION  # the reference stacks' region; PlanMocks(region=...) answers for another one
__all__ = ["ACCOUNT", "REGION", "DEPLOYER_ROLE", "PlanMocks", "PlanMonitor", "Registration", "fake_outputs"]


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\0".join(parts).encode()).digest()


def random_string(seed: str, inputs: dict) -> str:
    """A string as pulumi_random's RandomPassword/RandomString makes it: `length` characters from the
    enabled classes (upper, lower, numeric, special or `overrideSpecial`), at least `min*` of each."""
    length = int(inputs.get("length", 16))
    classes = []
    for key, alphabet in (("upper", string.ascii_uppercase), ("lower", string.ascii_lowercase),
                          ("numeric", string.digits)):
        if inputs.get(key, True):
            classes.append((alphabet, int(inputs.get(f"min{key.title()}", 0))))
    if inputs.get("special", True):
        classes.append((inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?", int(inputs.get("minSpecial", 0))))
    alphabet = "".join(a for a, _ in classes)
    stream = _digest(seed, "random")
    chars, counter = [], 0
    while len(chars) < length:
        if counter >= len(stream):
            stream += _digest(seed, str(counter))
        chars.append(alphabet[stream[counter] % len(alphabet)])
        counter += 1
    position = 0
    for cls, minimum in classes:  # honour the minimums, as the provider does
        for _ in range(minimum):
            chars[position % length] = cls[stream[position] % len(cls)]
            position += 1
    return "".join(chars)


# Invokes the program makes, answered as AWS would for the mocked account and the stack's region.
def _invokes(region: str) -> dict:
    def zones(args: dict) -> dict:
        excluded = set(args.get("excludeZoneIds") or ()) | set(args.get("excludeNames") or ())
        found = [(n, i) for n, i in zones_of(region) if not {n, i} & excluded]
        return {"names": [n for n, _ in found], "zoneIds": [i for _, i in found], "id": region}

    return {
        "aws:eks/getCluster:getCluster": lambda args: existing_cluster(args.get("name"), region),
        "aws:index/getAvailabilityZones:getAvailabilityZones": zones,
        # An existing cluster's vpc-cni add-on as EKS installs it: no configuration values.
        "aws:eks/getAddon:getAddon": lambda args: {
            "clusterName": args.get("clusterName"), "addonName": args.get("addonName"), "configurationValues": "",
            "addonVersion": "v1.21.1-eksbuild.7", "id": f"{args.get('clusterName')}:{args.get('addonName')}"},
        # The deployer, as CI's OIDC role or a user's SSO role: an assumed-role session, not the role.
        "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
            "accountId": ACCOUNT, "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{DEPLOYER_ROLE}/offline-plan",
            "userId": "AROAOFFLINEPLAN000000:offline-plan", "id": ACCOUNT},
        "aws:iam/getSessionContext:getSessionContext": lambda args: _session_context(args.get("arn", "")),
        "aws:index/getPartition:getPartition": lambda args: {"partition": "aws", "dnsSuffix": "amazonaws.com",
                                                             "id": "aws"},
        "aws:index/getRegion:getRegion": lambda args: {"name": region, "region": region, "id": region},
    }


def existing_cluster(name: str, region: str) -> dict:
    """aws.eks.get_cluster of a cluster the stack does not create: in a VPC with two private subnets."""
    vpc = {"vpcId": resource_id("aws:ec2/vpc:Vpc", f"{name}-vpc", {}),
           "subnetIds": [resource_id("aws:ec2/subnet:Subnet", f"{name}-subnet-{i}", {}) for i in range(2)]}
    found = aws_outputs("aws:eks/cluster:Cluster", name, {"name": name, "version": "1.34", "vpcConfig": vpc}, region)
    return {**found, "id": name}


def _session_context(arn: str) -> dict:
    """What aws.iam.get_session_context returns: for an assumed-role session, the role behind it."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        _, role, session = parts[5].split("/", 2)
        issuer = f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
        return {"arn": arn, "issuerArn": issuer, "issuerName": role, "sessionName": session,
                "issuerId": "AROAOFFLINEPLAN000000", "id": arn}
    return {"arn": arn, "issuerArn": arn, "issuerName": "", "sessionName": "", "issuerId": "", "id": arn}


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
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    import_id: str | None = None  # the `import` resource option: an existing resource this one adopts
    revealed: dict | None = None  # a Helm release's inputs with secrets shown (for the engine tests only)

    @property
    def kind(self) -> str:
        """The last part of the type token, e.g. `Bucket` or `Deployment`."""
        return self.type.rsplit(":", 1)[-1]


def fake_outputs(typ: str, name: str, inputs: dict, region: str = DEFAULT_REGION) -> dict:
    """Outputs a provider computes, shaped like the real ones (AWS attributes, random results)."""
    if typ.startswith("random:"):
        return {"result": random_string(name, inputs)}
    if typ.startswith("aws:"):
        return aws_outputs(typ, name, inputs, region)
    return {}


HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")  # Pulumi's secret marker


def unwrap_secret(value) -> tuple[object, bool]:
    """A deserialized input without Pulumi's secret wrapper, and whether it had one."""
    if isinstance(value, dict) and value.get(SECRET_SIG[0]) == SECRET_SIG[1]:
        return value.get("value"), True
    return value, False


def _secret(value) -> dict:
    return {SECRET_SIG[0]: SECRET_SIG[1], "value": value}


def as_checked(typ: str, inputs: dict) -> dict:
    """A Helm release's inputs as the provider's Check returns them: its value files read (as text)
    and merged into `values` (decodeRelease), which is what previews, policies and diffs see."""
    if typ != HELM_RELEASE or not inputs.get("valueYamlFiles"):
        return inputs
    items, secret = unwrap_secret(inputs["valueYamlFiles"])
    files = []
    for item in items:
        asset, wrapped = unwrap_secret(item)
        if not isinstance(asset, pulumi.StringAsset):  # unknown during a preview: Check waits too
            return inputs
        secret |= wrapped
        files.append(asset.text)
    values, wrapped = unwrap_secret(inputs.get("values"))
    merged = provider_values(files, values, bool(inputs.get("allowNullValues")))
    texts = [_secret(text) if secret else text for text in files]
    return {**inputs, "valueYamlFiles": texts, "values": _secret(merged) if secret or wrapped else merged}


class PlanMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str = DEFAULT_REGION):
        self.region = region
        self._invokes = _invokes(region)
        self.created: dict[str, dict[str, tuple[str, dict]]] = {}  # logical name -> type -> (id, state)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = {**args.inputs, **fake_outputs(args.typ, args.name, args.inputs, self.region)}
        answer = resource_id(args.typ, args.name, state), state
        self.created.setdefault(args.name, {})[args.typ] = answer
        return answer

    def _answer(self, name: str, typ: str | None) -> tuple[str, dict]:
        answers = self.created[name]
        if typ is None and len(answers) > 1:
            raise KeyError(f"{name} names {sorted(answers)}; pass the type")
        return answers[typ] if typ else next(iter(answers.values()))

    def id_of(self, name: str, typ: str | None = None) -> str:
        return self._answer(name, typ)[0]

    def output(self, name: str, key: str, typ: str | None = None):
        return self._answer(name, typ)[1][key]

    def call(self, args: pulumi.runtime.MockCallArgs):
        fake = self._invokes.get(args.token)
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
                    inputs=as_checked(request.type, rpc.deserialize_properties(request.object)),
                    parent=request.parent or None,
                    provider=request.provider or None,
                    dependencies=list(request.dependencies),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    aliases=[a.urn or a.spec.name for a in request.aliases] if request.aliases else [],
                    ignore_changes=list(request.ignoreChanges),
                    replace_on_changes=list(request.replaceOnChanges),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    import_id=request.importId or None,
                )
            )
        return response
