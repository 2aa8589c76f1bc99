"""The Karpenter component under mocks: what it registers and how the pieces are wired."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.aws.karpenter import Karpenter, KarpenterArgs
from infra.plan.mocks import ACCOUNT, REGION

CLUSTER = "llm-dev"
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"


def build(monitor, **extra) -> dict:
    outputs: dict = {}

    def construct():
        provider = k8s.Provider("cluster", kubeconfig="{}")
        k = Karpenter("karpenter", KarpenterArgs(cluster_name=CLUSTER, cluster_arn=CLUSTER_ARN, region=REGION,
                                                 account_id=ACCOUNT, k8s_provider=provider, **extra))
        pulumi.Output.all(k.node_role_name, k.node_role_arn, k.queue_name).apply(
            lambda v: outputs.update(node_role_name=v[0], node_role_arn=v[1], queue_name=v[2]))

    pulumi.runtime.test(construct)()
    return outputs


def test_every_child_is_parented_to_the_component(pulumi_mocks):
    build(pulumi_mocks)
    component = pulumi_mocks.named("karpenter")
    assert component.type == "llm-platform:aws:Karpenter" and not component.custom
    children = [r for r in pulumi_mocks.registrations if r.name.startswith("karpenter-")]
    assert children and all(r.parent == component.urn for r in children)


def test_chart_values_carry_the_queue_name_output(pulumi_mocks):
    outputs = build(pulumi_mocks)
    (queue,) = pulumi_mocks.of_type("aws:sqs/queue:Queue")
    release = pulumi_mocks.named("karpenter-release")
    settings = release.inputs["values"]["settings"]
    queue_name = pulumi_mocks.mocks.output("karpenter-interruption-queue", "name")
    assert queue_name.startswith("karpenter-interruption-queue-")  # Pulumi's auto-name, as AWS gets it
    assert settings["interruptionQueue"] == outputs["queue_name"] == queue_name
    assert settings["clusterName"] == CLUSTER
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert queue.inputs["messageRetentionSeconds"] == 300


def test_releases_are_pinned_and_ordered(pulumi_mocks):
    build(pulumi_mocks)
    crd = pulumi_mocks.named("karpenter-crd")
    release = pulumi_mocks.named("karpenter-release")
    assert release.type == crd.type == "kubernetes:helm.sh/v3:Release"
    assert release.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    assert crd.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter-crd"
    assert release.inputs["version"] == crd.inputs["version"] == "1.14.1"
    assert release.inputs["name"] == "karpenter" and release.inputs["namespace"] == "kube-system"
    assert release.inputs["skipCrds"] is True
    pod_identity = pulumi_mocks.named("karpenter-pod-identity")
    assert {pod_identity.urn, crd.urn} <= set(release.dependencies)
    provider = pulumi_mocks.named("cluster")
    assert release.provider.startswith(provider.urn) and crd.provider.startswith(provider.urn)


def test_pod_identity_binds_the_chart_service_account(pulumi_mocks):
    build(pulumi_mocks)
    association = pulumi_mocks.named("karpenter-pod-identity")
    release = pulumi_mocks.named("karpenter-release")
    assert association.inputs["namespace"] == release.inputs["namespace"]
    assert association.inputs["serviceAccount"] == release.inputs["values"]["serviceAccount"]["name"] == "karpenter"
    role = pulumi_mocks.named("karpenter-controller-role")
    assert association.inputs["roleArn"] == pulumi_mocks.mocks.output("karpenter-controller-role", "arn")
    assert association.inputs["roleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/karpenter-controller-role-")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    # the controller's permissions exist before Karpenter starts
    attachments = [r for r in pulumi_mocks.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                   if r.name.startswith("karpenter-controller-")]
    assert len(attachments) == 5 and {a.urn for a in attachments} <= set(association.dependencies)


def test_interruption_rules_each_with_a_queue_target(pulumi_mocks):
    build(pulumi_mocks)
    rules = pulumi_mocks.of_type("aws:cloudwatch/eventRule:EventRule")
    targets = pulumi_mocks.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(rules) == len(targets) == 5  # the four classic rules + capacity-reservation interruptions
    detail_types = set()
    for rule in rules:
        pattern = json.loads(rule.inputs["eventPattern"])
        assert set(pattern) == {"source", "detail-type"}
        detail_types |= set(pattern["detail-type"])
    assert {"AWS Health Event", "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation",
            "EC2 Instance State-change Notification"} <= detail_types
    queue_arn = pulumi_mocks.mocks.output("karpenter-interruption-queue", "arn")
    assert queue_arn.startswith(f"arn:aws:sqs:{REGION}:{ACCOUNT}:karpenter-interruption-queue-")
    assert {t.inputs["arn"] for t in targets} == {queue_arn}
    assert {t.inputs["rule"] for t in targets} == {pulumi_mocks.mocks.output(r.name, "name") for r in rules}
    assert {t.inputs["targetId"] for t in targets} == {"KarpenterInterruptionQueueTarget"}


def test_queue_policy_is_tls_only(pulumi_mocks):
    build(pulumi_mocks)
    (policy,) = pulumi_mocks.of_type("aws:sqs/queuePolicy:QueuePolicy")
    doc = json.loads(policy.inputs["policy"])
    assert policy.inputs["queueUrl"] == pulumi_mocks.mocks.output("karpenter-interruption-queue", "url")
    deny = next(s for s in doc["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_controller_policies_are_scoped_to_this_cluster_queue_and_node_role(pulumi_mocks):
    outputs = build(pulumi_mocks)
    documents = {r.name: json.loads(r.inputs["policy"]) for r in pulumi_mocks.of_type("aws:iam/policy:Policy")}
    assert set(documents) == {f"karpenter-controller-{k}" for k in
                              ("node-lifecycle", "iam-integration", "eks-integration", "interruption",
                               "resource-discovery")}
    allows = [s for d in documents.values() for s in d["Statement"] if s["Effect"] == "Allow"]
    for s in allows:
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        assert not any("*" in a for a in actions)
    by_action = {a: s for s in allows for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert by_action["iam:PassRole"]["Resource"] == outputs["node_role_arn"]
    assert by_action["sqs:ReceiveMessage"]["Resource"] == pulumi_mocks.mocks.output("karpenter-interruption-queue", "arn")
    assert by_action["eks:DescribeCluster"]["Resource"] == CLUSTER_ARN


def test_node_role_joins_the_cluster(pulumi_mocks):
    outputs = build(pulumi_mocks)
    (entry,) = pulumi_mocks.of_type("aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["type"] == "EC2_LINUX"
    assert entry.inputs["principalArn"] == outputs["node_role_arn"]
    assert entry.inputs["clusterName"] == CLUSTER
    node_policies = {r.inputs["policyArn"].rsplit("/", 1)[-1]
                     for r in pulumi_mocks.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                     if r.name.startswith("karpenter-node-role-")}
    assert node_policies == {"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
                             "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"}
    assert outputs["node_role_name"] == pulumi_mocks.mocks.output("karpenter-node-role", "name")


def test_kubernetes_version_beyond_the_pinned_karpenter_is_refused(pulumi_mocks):
    with pytest.raises(ValueError, match="supports Kubernetes up to 1.36"):
        build(pulumi_mocks, kubernetes_version="1.37")
