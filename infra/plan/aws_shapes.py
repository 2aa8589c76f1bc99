"""What AWS (through pulumi-aws) returns for the resources the program creates: ids in AWS's formats,
ARNs by service (IAM and S3 ARNs have no region; S3's no account), Pulumi's auto-names (the logical
name plus a random 7-character suffix when no name is set); the availability zones of each region are
infra/catalog/aws_zones.py's.
Values are derived from the logical name, so the offline plan is reproducible."""

from __future__ import annotations

import base64
import hashlib
import uuid

ACCOUNT = "123456789012"  # an obviously fake account: nothing leaves this machine
DEFAULT_REGION = "us-east-1"
DEPLOYER_ROLE = "llm-platform-deployer"  # the role the offline plan's caller identity is a session of

# Types whose physical name Pulumi generates when the program sets none: (name property, lowercase).
AUTO_NAMED = {
    "aws:iam/role:Role": ("name", False), "aws:iam/policy:Policy": ("name", False),
    "aws:iam/rolePolicy:RolePolicy": ("name", False), "aws:sqs/queue:Queue": ("name", False),
    "aws:cloudwatch/eventRule:EventRule": ("name", False), "aws:cloudwatch/logGroup:LogGroup": ("name", False),
    "aws:ec2/securityGroup:SecurityGroup": ("name", False), "aws:eks/cluster:Cluster": ("name", False),
    "aws:s3/bucket:Bucket": ("bucket", True), "aws:ec2/launchTemplate:LaunchTemplate": ("name", False),
}

# EC2 ids: a prefix and 17 hex digits.
_EC2_PREFIX = {
    "vpc": "vpc", "subnet": "subnet", "securityGroup": "sg", "internetGateway": "igw", "natGateway": "nat",
    "routeTable": "rtb", "eip": "eipalloc", "vpcEndpoint": "vpce", "routeTableAssociation": "rtbassoc",
    "launchTemplate": "lt", "route": "r-rtb",
}


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def physical_name(typ: str, name: str, inputs: dict) -> str:
    """The name AWS gets: the one the program set, or Pulumi's auto-name `<logical>-<7 hex>`."""
    key, lower = AUTO_NAMED.get(typ, ("name", False))
    if inputs.get(key):
        return inputs[key]
    if inputs.get(f"{key}Prefix"):
        return f"{inputs[f'{key}Prefix']}{_hex(typ + name, 26)}"
    if typ not in AUTO_NAMED:
        return name
    auto = f"{name}-{_hex(typ + name, 7)}"
    return auto.lower() if lower else auto


def resource_id(typ: str, name: str, state: dict) -> str:
    """The id pulumi-aws reports for a resource (the import id), by type."""
    if typ.startswith("random:"):
        return "none"
    if typ.startswith("kubernetes:"):  # the provider's id: <namespace>/<name>, or <name> if cluster-scoped
        meta = state.get("metadata") if isinstance(state.get("metadata"), dict) else {}
        own, namespace = meta.get("name") or state.get("name"), meta.get("namespace") or state.get("namespace")
        if own:
            return f"{namespace}/{own}" if namespace else own
    if not typ.startswith("aws:"):
        return f"{name}-{_hex(typ + name, 8)}"
    module, kind = typ.split(":")[1].split("/")[0], typ.rsplit(":", 1)[-1]
    kind = kind[0].lower() + kind[1:]
    seed = typ + name
    if module == "ec2" and kind in _EC2_PREFIX:
        return f"{_EC2_PREFIX[kind]}-0{_hex(seed, 16)}"
    if typ == "aws:kms/key:Key":
        return state["keyId"]
    if typ == "aws:sqs/queue:Queue":
        return state["url"]
    if typ == "aws:iam/policy:Policy":
        return state["arn"]
    if typ in ("aws:s3/filesFileSystem:FilesFileSystem", "aws:efs/fileSystem:FileSystem"):
        return f"fs-0{_hex(seed, 16)}"
    if typ == "aws:s3/filesAccessPoint:FilesAccessPoint":
        return f"fsap-0{_hex(seed, 16)}"
    if typ == "aws:s3/filesMountTarget:FilesMountTarget":
        return f"fsmt-0{_hex(seed, 16)}"
    if typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
        return f"{state.get('clusterName')},a-{_hex(seed, 17)}"
    if module == "s3" and state.get("bucket"):
        return state["bucket"]
    return state.get("name") or f"{name}-{_hex(seed, 8)}"


def _arn(service: str, region: str, resource: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def aws_outputs(typ: str, name: str, inputs: dict, region: str) -> dict:
    """The computed attributes pulumi-aws returns that the program (or a reader of the plan) uses."""
    module, kind = typ.split(":")[1].split("/")[0], typ.rsplit(":", 1)[-1]
    physical = physical_name(typ, name, inputs)
    seed = typ + name
    out: dict = {AUTO_NAMED[typ][0]: physical} if typ in AUTO_NAMED else {}
    if typ == "aws:iam/role:Role":
        out |= {"arn": f"arn:aws:iam::{ACCOUNT}:role{inputs.get('path') or '/'}{physical}",
                "uniqueId": f"AROA{_hex(seed, 17).upper()}"}
    elif typ == "aws:iam/policy:Policy":
        out |= {"arn": f"arn:aws:iam::{ACCOUNT}:policy/{physical}", "policyId": f"ANPA{_hex(seed, 17).upper()}"}
    elif typ == "aws:eks/cluster:Cluster":
        host = _hex(seed, 32).upper()
        pem = "-----BEGIN CERTIFICATE-----\nT0ZGTElORS1QTEFOLUNB\n-----END CERTIFICATE-----\n"
        out |= {
            "arn": _arn("eks", region, f"cluster/{physical}"),
            "endpoint": f"https://{host}.gr7.{region}.eks.amazonaws.com",
            "certificateAuthority": {"data": base64.b64encode(pem.encode()).decode()},
            "vpcConfig": {**(inputs.get("vpcConfig") or {}), "clusterSecurityGroupId": f"sg-0{_hex(seed + 'sg', 16)}",
                          "vpcId": (inputs.get("vpcConfig") or {}).get("vpcId") or f"vpc-0{_hex(seed + 'vpc', 16)}"},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{host}"}]}],
            "status": "ACTIVE", "version": inputs.get("version") or "1.35",
        }
        out["certificateAuthorities"] = [out["certificateAuthority"]]
    elif typ == "aws:sqs/queue:Queue":
        out |= {"url": f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{physical}", "arn": _arn("sqs", region, physical)}
    elif typ == "aws:s3/bucket:Bucket":
        out |= {"bucket": physical, "arn": f"arn:aws:s3:::{physical}",
                "bucketNamespace": inputs.get("bucketNamespace") or "global",
                "bucketRegionalDomainName": f"{physical}.s3.{region}.amazonaws.com"}
    elif typ == "aws:kms/key:Key":
        key_id = str(uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16], version=4))
        out |= {"keyId": key_id, "arn": _arn("kms", region, f"key/{key_id}")}
    elif typ == "aws:kms/alias:Alias":
        out |= {"arn": _arn("kms", region, physical)}
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        out |= {"arn": _arn("logs", region, f"log-group:{physical}")}
    elif typ == "aws:cloudwatch/eventRule:EventRule":
        out |= {"arn": _arn("events", region, f"rule/{physical}")}
    elif typ == "aws:eks/nodeGroup:NodeGroup":
        group = inputs.get("nodeGroupName") or f"{inputs.get('nodeGroupNamePrefix') or name + '-'}{_hex(seed, 26)}"
        suffix = uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16])
        out |= {"nodeGroupName": group,
                "arn": _arn("eks", region, f"nodegroup/{inputs.get('clusterName')}/{group}/{suffix}")}
    elif typ == "aws:ec2/launchTemplate:LaunchTemplate":
        out |= {"latestVersion": 1, "arn": _arn("ec2", region, f"launch-template/lt-0{_hex(seed, 16)}")}
    elif typ == "aws:s3/filesFileSystem:FilesFileSystem":
        out |= {"arn": _arn("s3files", region, f"file-system/fs-0{_hex(seed, 16)}")}
    elif typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
        association = f"a-{_hex(seed, 17)}"
        out |= {"associationId": association,
                "associationArn": _arn("eks", region, f"podidentityassociation/{inputs.get('clusterName')}/{association}")}
    elif module == "ec2" and kind[0].lower() + kind[1:] in _EC2_PREFIX:
        ident = resource_id(typ, name, {})
        out |= {"arn": _arn("ec2", region, f"{kind[0].lower() + kind[1:]}/{ident}")}
        if typ == "aws:ec2/eip:Eip":
            out |= {"allocationId": ident, "publicIp": f"198.51.100.{int(_hex(seed, 2), 16) % 250 + 1}"}
    return out
