"""The EKS cluster component under mocks: security properties on the registered inputs."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.aws.cluster import Cluster, ClusterArgs
from infra.plan.mocks import ACCOUNT, DEPLOYER_ROLE
from tests.conftest import reference_config, reference_stack_file

VERSIONS = {"vpc-cni": "v1.0.0-eksbuild.1", "kube-proxy": "v1.34.0-eksbuild.1",
            "eks-pod-identity-agent": "v1.0.0-eksbuild.1", "coredns": "v1.0.0-eksbuild.1",
            "aws-efs-csi-driver": "v1.0.0-eksbuild.1", "aws-ebs-csi-driver": "v1.0.0-eksbuild.1"}


def platform(**cluster_overrides):
    cluster = json.loads(reference_stack_file("dev").values["llm-platform:cluster"]) | cluster_overrides
    return reference_config("dev", cluster=cluster)


def build(monitor, cfg) -> dict:
    outputs = {}

    def construct():
        c = Cluster("cluster", ClusterArgs(platform=cfg, stack="dev", private_subnet_ids=["subnet-a", "subnet-b"],
                                           addon_versions=VERSIONS))
        pulumi.Output.all(c.endpoint, c.certificate_authority, c.security_group_id).apply(
            lambda v: outputs.update(endpoint=v[0], ca=v[1], sg=v[2]))

    pulumi.runtime.test(construct)()
    return outputs


def test_cluster_is_private_encrypted_api_authenticated_and_logged(pulumi_mocks):
    outputs = build(pulumi_mocks, platform())
    (eks,) = pulumi_mocks.of_type("aws:eks/cluster:Cluster")
    inputs = eks.inputs
    assert inputs["name"] == "llm-dev" and inputs["version"] == "1.35"
    assert inputs["vpcConfig"]["endpointPrivateAccess"] is True
    assert inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in inputs["vpcConfig"]
    assert inputs["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert inputs["encryptionConfig"]["resources"] == ["secrets"]
    (key,) = pulumi_mocks.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert inputs["encryptionConfig"]["provider"]["keyArn"] == pulumi_mocks.mocks.output("cluster-secrets-key", "arn")
    assert inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    (logs,) = pulumi_mocks.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert logs.urn in eks.dependencies and logs.inputs["name"] == "/aws/eks/llm-dev/cluster"
    assert inputs["bootstrapSelfManagedAddons"] is False
    answered = pulumi_mocks.mocks.created["cluster-eks"]["aws:eks/cluster:Cluster"][1]
    assert outputs == {"endpoint": answered["endpoint"], "ca": answered["certificateAuthority"]["data"],
                       "sg": answered["vpcConfig"]["clusterSecurityGroupId"]}


def test_public_endpoint_only_for_its_allow_list_and_admins_get_explicit_entries(pulumi_mocks):
    admin = "arn:aws:iam::123456789012:role/platform-admins"
    build(pulumi_mocks, platform(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"],
                                 adminRoleArns=[admin], deployerAccess=False))
    (eks,) = pulumi_mocks.of_type("aws:eks/cluster:Cluster")
    assert eks.inputs["vpcConfig"]["endpointPublicAccess"] is True
    assert eks.inputs["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    (entry,) = pulumi_mocks.of_type("aws:eks/accessEntry:AccessEntry")
    (association,) = pulumi_mocks.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert entry.inputs["principalArn"] == admin and entry.inputs["type"] == "STANDARD"
    assert association.inputs["policyArn"].endswith("AmazonEKSClusterAdminPolicy")
    assert association.inputs["accessScope"] == {"type": "cluster"}


DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/{DEPLOYER_ROLE}"  # the role behind the mocks' assumed-role session


def entries(monitor) -> dict[str, str]:
    return {r.name: r.inputs["principalArn"] for r in monitor.of_type("aws:eks/accessEntry:AccessEntry")}


def test_the_deployer_gets_cluster_admin_through_the_role_behind_its_session(pulumi_mocks):
    build(pulumi_mocks, platform())
    assert entries(pulumi_mocks) == {"cluster-deployer": DEPLOYER}  # not the sts assumed-role ARN
    (association,) = pulumi_mocks.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert association.inputs["principalArn"] == DEPLOYER
    assert association.inputs["policyArn"].endswith("AmazonEKSClusterAdminPolicy")
    assert pulumi_mocks.named("cluster-deployer").urn in association.dependencies


def test_admins_keep_their_entries_and_a_listed_deployer_gets_no_second_one(pulumi_mocks):
    admin = f"arn:aws:iam::{ACCOUNT}:role/platform-admins"
    build(pulumi_mocks, platform(adminRoleArns=[admin, DEPLOYER]))
    assert entries(pulumi_mocks) == {"cluster-admin-0": admin, "cluster-admin-1": DEPLOYER}


def test_a_stack_can_turn_the_deployer_entry_off(pulumi_mocks):
    build(pulumi_mocks, platform(deployerAccess=False))
    assert entries(pulumi_mocks) == {}


def test_the_deployer_principal_is_the_role_of_a_session_or_the_user():
    from infra.render.aws.cluster import deployer_principal

    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/gh-run-1"
    assert deployer_principal(session, f"arn:aws:iam::{ACCOUNT}:role/ci") == f"arn:aws:iam::{ACCOUNT}:role/ci"
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert deployer_principal(user, user) == user
    with pytest.raises(ValueError, match="root user"):
        deployer_principal(f"arn:aws:iam::{ACCOUNT}:root", "")


def test_addons_are_pinned_and_ordered_around_the_system_nodes(pulumi_mocks):
    build(pulumi_mocks, platform())
    addons = {r.inputs["addonName"]: r for r in pulumi_mocks.of_type("aws:eks/addon:Addon")}
    assert set(addons) == set(VERSIONS)
    assert all(addons[n].inputs["addonVersion"] == v for n, v in VERSIONS.items())
    (nodes,) = pulumi_mocks.of_type("aws:eks/nodeGroup:NodeGroup")
    for early in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        assert addons[early].urn in nodes.dependencies
    for late in ("coredns", "aws-efs-csi-driver", "aws-ebs-csi-driver"):
        assert nodes.urn in addons[late].dependencies
    efs = addons["aws-efs-csi-driver"].inputs["podIdentityAssociations"]
    assert sorted(a["serviceAccount"] for a in efs) == ["efs-csi-controller-sa", "efs-csi-node-sa"]
    (ebs,) = addons["aws-ebs-csi-driver"].inputs["podIdentityAssociations"]
    assert ebs["serviceAccount"] == "ebs-csi-controller-sa"
    assert nodes.inputs["capacityType"] == "ON_DEMAND"
    assert nodes.inputs["labels"] == {"llm-platform.io/node-role": "system"}
    assert nodes.inputs["scalingConfig"]["minSize"] == 2


def test_every_child_is_parented_to_the_component(pulumi_mocks):
    build(pulumi_mocks, platform())
    component = next(r for r in pulumi_mocks.registrations if r.type == "llm-platform:aws:Cluster")
    assert all(r.parent == component.urn for r in pulumi_mocks.registrations if r is not component)
    roles = [json.loads(r.inputs["assumeRolePolicy"]) for r in pulumi_mocks.of_type("aws:iam/role:Role")]
    assert all("*" not in json.dumps(statement["Action"]) for role in roles for statement in role["Statement"])


def test_the_ebs_csi_driver_acts_through_its_own_pod_identity_role(pulumi_mocks):
    build(pulumi_mocks, platform())
    (role,) = [r for r in pulumi_mocks.of_type("aws:iam/role:Role") if r.name == "cluster-ebs-csi-role"]
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    (attachment,) = [r for r in pulumi_mocks.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                     if r.inputs["role"] == pulumi_mocks.mocks.output(role.name, "name")]
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    addon = next(r for r in pulumi_mocks.of_type("aws:eks/addon:Addon") if r.inputs["addonName"] == "aws-ebs-csi-driver")
    (association,) = addon.inputs["podIdentityAssociations"]
    assert association["roleArn"] == pulumi_mocks.mocks.output(role.name, "arn")
    assert attachment.urn in addon.dependencies  # the permissions exist before the controller starts


def test_networks_allowed_to_the_private_endpoint_get_https_on_the_cluster_security_group(pulumi_mocks):
    build(pulumi_mocks, platform(privateAccessCidrs=["10.20.0.0/24"]))
    (rule,) = pulumi_mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    sg = pulumi_mocks.mocks.output("cluster-eks", "vpcConfig", "aws:eks/cluster:Cluster")["clusterSecurityGroupId"]
    assert rule.inputs["securityGroupId"] == sg and rule.inputs["cidrIpv4"] == "10.20.0.0/24"
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (443, 443, "tcp")


def test_the_private_endpoint_allow_list_refuses_the_internet():
    from infra.config import ConfigError

    with pytest.raises((ConfigError, ValueError)):
        platform(privateAccessCidrs=["0.0.0.0/0"])


def test_the_vpc_cni_enforces_network_policies(pulumi_mocks):
    """Without enableNetworkPolicy the CNI ignores every NetworkPolicy the platform renders."""
    build(pulumi_mocks, platform())
    (cni,) = [r for r in pulumi_mocks.of_type("aws:eks/addon:Addon") if r.inputs["addonName"] == "vpc-cni"]
    assert json.loads(cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_system_nodes_get_imdsv2_with_one_hop_and_an_encrypted_root_volume(pulumi_mocks):
    build(pulumi_mocks, platform())
    (template,) = pulumi_mocks.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                                  "httpPutResponseHopLimit": 1}
    (root,) = template.inputs["blockDeviceMappings"]
    assert root["ebs"]["encrypted"] == "true" and root["ebs"]["volumeType"] == "gp3"
    (nodes,) = pulumi_mocks.of_type("aws:eks/nodeGroup:NodeGroup")
    assert nodes.inputs["launchTemplate"]["id"] == pulumi_mocks.mocks.id_of("cluster-system-launch-template")
    assert "diskSize" not in nodes.inputs  # the size is in the launch template (EKS refuses both)
