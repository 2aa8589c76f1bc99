"""Cluster and nodes: the EKS API endpoint is private unless allow-listed; secrets are envelope-encrypted
and the API audited; GPU nodes use IMDSv2 with one hop and encrypted volumes."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .base import Rule, as_int, as_list, get, mappings
from .kube import is_kind

CLUSTER = "aws:eks/cluster:Cluster"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def _is_node_class(resource_type: str) -> bool:
    return resource_type.startswith("kubernetes:karpenter.k8s.aws/") and is_kind(resource_type, "EC2NodeClass")


def _world(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def check_endpoint(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if resource_type != CLUSTER:
        return []
    vpc = props.get("vpcConfig") or {}
    public = vpc.get("endpointPublicAccess")
    if public is False:
        return []
    where = "is public by default (vpcConfig.endpointPublicAccess unset)" if public is None else "is public"
    cidrs = [str(c) for c in as_list(vpc.get("publicAccessCidrs"))]
    if not cidrs:
        return [f"the API endpoint {where} with no publicAccessCidrs: EKS then allows 0.0.0.0/0"]
    world = [c for c in cidrs if _world(c)]
    if world:
        return [f"the API endpoint {where} to the whole internet ({', '.join(world)})"]
    return []


def check_secrets_encryption(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if resource_type != CLUSTER:
        return []
    configs = mappings(props.get("encryptionConfig"))
    for c in configs:
        if "secrets" in [str(r) for r in as_list(c.get("resources"))] and get(c, "provider", "keyArn"):
            return []
    return ["Kubernetes secrets are not envelope-encrypted with a KMS key (encryptionConfig)"]


def check_audit_logs(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if resource_type != CLUSTER:
        return []
    if "audit" in [str(t) for t in as_list(props.get("enabledClusterLogTypes"))]:
        return []
    return ["the API server's audit log is not sent to CloudWatch (enabledClusterLogTypes lacks audit)"]


def check_imds(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if _is_node_class(resource_type):
        options = get(props, "spec", "metadataOptions")
        if options is None:
            return []  # Karpenter's default: httpTokens required, hop limit 1
    elif resource_type == LAUNCH_TEMPLATE:
        options = props.get("metadataOptions") or {}
    else:
        return []
    found = []
    if options.get("httpTokens") != "required":
        found.append(f"httpTokens {options.get('httpTokens')!r}: IMDSv1 lets any process read the node's credentials")
    hops = options.get("httpPutResponseHopLimit")
    if hops is not None and as_int(hops) != 1:
        found.append(f"httpPutResponseHopLimit {hops}: pods can reach the node role's credentials")
    return found


def check_volumes_encrypted(resource_type: str, props: Mapping[str, Any], urn: str) -> list[str]:
    if _is_node_class(resource_type):
        devices = mappings(get(props, "spec", "blockDeviceMappings"))
    elif resource_type == LAUNCH_TEMPLATE:
        devices = mappings(props.get("blockDeviceMappings"))
    else:
        return []
    return [f"volume {d.get('deviceName')!r} is not encrypted" for d in devices
            if isinstance(d.get("ebs"), Mapping) and str(get(d, "ebs", "encrypted")).lower() != "true"]


RULES = [
    Rule(
        name="eks-endpoint-private",
        description="The EKS API endpoint is private, or public only to an allow-list that is not the whole internet.",
        remediation="Leave `cluster.endpointPublicAccess` false, or set `publicAccessCidrs` to the specific CIDR "
                    "blocks that need the API.",
        enforcement="mandatory",
        kind="resource",
        check=check_endpoint,
    ),
    Rule(
        name="eks-secrets-encrypted",
        description="Kubernetes secrets are envelope-encrypted with a KMS key.",
        remediation="Give the cluster encryptionConfig {resources: [secrets], provider.keyArn: <KMS key>}.",
        enforcement="advisory",
        kind="resource",
        check=check_secrets_encryption,
    ),
    Rule(
        name="eks-audit-logging",
        description="The EKS API server's audit log is enabled.",
        remediation="Keep `audit` in `cluster.logTypes`.",
        enforcement="advisory",
        kind="resource",
        check=check_audit_logs,
    ),
    Rule(
        name="node-imdsv2",
        description="GPU nodes require IMDSv2 with a hop limit of 1, so pods cannot use the node's credentials.",
        remediation="Set metadataOptions httpTokens: required and httpPutResponseHopLimit: 1.",
        enforcement="advisory",
        kind="resource",
        check=check_imds,
    ),
    Rule(
        name="node-volumes-encrypted",
        description="GPU node volumes are encrypted.",
        remediation="Set ebs.encrypted true on every block device mapping.",
        enforcement="advisory",
        kind="resource",
        check=check_volumes_encrypted,
    ),
]
