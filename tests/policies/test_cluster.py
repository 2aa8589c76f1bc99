"""Cluster and node rules, each with a passing and a failing case built by hand."""

from __future__ import annotations

import pytest

from tests.policies.helpers import CLUSTER, NODE_CLASS, changed, violations

PRIVATE = {
    "name": "llm-dev",
    "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True, "subnetIds": ["subnet-a"]},
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:us-east-1:1:key/k"}},
    "enabledClusterLogTypes": ["api", "audit", "authenticator"],
}
NODE_CLASS_PROPS = {"spec": {
    "amiSelectorTerms": [{"alias": "al2023@v20261119"}],
    "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": "200Gi", "encrypted": True}}],
}}
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def test_eks_endpoint_private_passes_private_or_allow_listed():
    assert violations("eks-endpoint-private", CLUSTER, PRIVATE) == []
    listed = changed(PRIVATE, lambda p: p["vpcConfig"].update(endpointPublicAccess=True,
                                                               publicAccessCidrs=["203.0.113.0/24"]))
    assert violations("eks-endpoint-private", CLUSTER, listed) == []


@pytest.mark.parametrize("vpc, expected", [
    ({"endpointPublicAccess": True}, "is public with no publicAccessCidrs"),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}, "to the whole internet (0.0.0.0/0)"),
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["10.0.0.0/8", "::/0"]}, "to the whole internet (::/0)"),
    ({"subnetIds": ["subnet-a"]}, "is public by default"),
])
def test_eks_endpoint_private_fails(vpc, expected):
    found = violations("eks-endpoint-private", CLUSTER, {**PRIVATE, "vpcConfig": vpc})
    assert len(found) == 1 and expected in found[0], found


def test_eks_secrets_encrypted():
    assert violations("eks-secrets-encrypted", CLUSTER, PRIVATE) == []
    assert violations("eks-secrets-encrypted", CLUSTER, changed(PRIVATE, lambda p: p.pop("encryptionConfig")))


def test_eks_audit_logging():
    assert violations("eks-audit-logging", CLUSTER, PRIVATE) == []
    assert violations("eks-audit-logging", CLUSTER, {**PRIVATE, "enabledClusterLogTypes": ["api"]})


def test_node_imdsv2():
    assert violations("node-imdsv2", NODE_CLASS, NODE_CLASS_PROPS) == []
    assert violations("node-imdsv2", LAUNCH_TEMPLATE, {"metadataOptions": {"httpTokens": "required",
                                                                           "httpPutResponseHopLimit": 1}}) == []
    loose = changed(NODE_CLASS_PROPS, lambda p: p["spec"]["metadataOptions"].update(httpTokens="optional",
                                                                                     httpPutResponseHopLimit=2))
    assert len(violations("node-imdsv2", NODE_CLASS, loose)) == 2
    assert violations("node-imdsv2", LAUNCH_TEMPLATE, {})


def test_node_volumes_encrypted():
    assert violations("node-volumes-encrypted", NODE_CLASS, NODE_CLASS_PROPS) == []
    assert violations("node-volumes-encrypted", LAUNCH_TEMPLATE,
                      {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]}) == []
    plain = changed(NODE_CLASS_PROPS, lambda p: p["spec"]["blockDeviceMappings"][0]["ebs"].update(encrypted=False))
    assert violations("node-volumes-encrypted", NODE_CLASS, plain) == ["volume '/dev/xvda' is not encrypted"]
