"""Karpenter's IAM documents, interruption queue policy, EventBridge patterns and Helm values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.catalog.platform_versions import KARPENTER, KARPENTER_CRD, check_karpenter_supports
from infra.render.aws import karpenter
from infra.render.aws.cluster import SYSTEM_NODE_LABEL

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
CLUSTER = "llm-dev"
REGION = "us-east-1"
ACCOUNT = "123456789012"
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"
NODE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/karpenter-node-role-1a2b3c"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:karpenter-interruption-queue-1a2b3c"

# Read-only verbs: the only ones allowed on Resource "*".
READ_PREFIXES = ("Describe", "Get", "List")


def policies() -> dict[str, dict]:
    return karpenter.controller_policies(CLUSTER, CLUSTER_ARN, REGION, ACCOUNT, NODE_ROLE_ARN, QUEUE_ARN)


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements(doc: dict) -> list[dict]:
    return doc["Statement"]


def allow_statements() -> list[dict]:
    return [s for doc in policies().values() for s in statements(doc) if s["Effect"] == "Allow"]


def actions_of(doc: dict) -> dict[str, dict]:
    """action -> the statement granting it (first one)."""
    found: dict[str, dict] = {}
    for s in statements(doc):
        for action in as_list(s["Action"]):
            found.setdefault(action, s)
    return found


def upstream_values(chart: str) -> dict:
    return yaml.safe_load((SCHEMAS / "charts" / chart / "values.yaml").read_text())


def unknown_value_keys(values: dict, upstream: dict, free_form: frozenset[str] = frozenset(),
                       prefix: str = "") -> list[str]:
    """Key paths set in `values` that the chart's values.yaml does not have. Descends only where
    upstream has a non-empty map; an empty map, a list or a scalar upstream ends the path (the chart
    passes such values through as a whole). `free_form` names non-empty upstream maps whose keys are
    the user's own (e.g. nodeSelector)."""
    unknown = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if key not in upstream:
            unknown.append(path)
        elif (isinstance(value, dict) and isinstance(upstream[key], dict) and upstream[key]
              and path not in free_form):
            unknown += unknown_value_keys(value, upstream[key], free_form, f"{path}.")
    return unknown


# ---- IAM ----------------------------------------------------------------------------------------


def test_no_wildcard_action_is_allowed():
    for s in allow_statements():
        for action in as_list(s["Action"]):
            assert "*" not in action, (s["Sid"], action)
            assert ":" in action and action.split(":", 1)[1][0].isupper(), action


def test_no_write_action_on_every_resource():
    for s in allow_statements():
        if "*" in as_list(s["Resource"]):
            for action in as_list(s["Action"]):
                assert action.split(":", 1)[1].startswith(READ_PREFIXES), (s["Sid"], action)


def test_every_allow_statement_names_its_resource_and_has_a_sid():
    sids = [s["Sid"] for s in allow_statements()]
    assert len(sids) == len(set(sids))
    for s in allow_statements():
        assert s["Resource"], s["Sid"]


def test_instance_creation_is_conditioned_on_this_clusters_request_tags():
    lifecycle = policies()["node-lifecycle"]
    for action in ("ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"):
        tagged = [s for s in statements(lifecycle) if action in as_list(s["Action"]) and "Condition" in s
                  and "aws:RequestTag/eks:eks-cluster-name" in s["Condition"].get("StringEquals", {})]
        assert tagged, action
        for s in tagged:
            equals = s["Condition"]["StringEquals"]
            assert equals[f"aws:RequestTag/kubernetes.io/cluster/{CLUSTER}"] == "owned"
            assert equals["aws:RequestTag/eks:eks-cluster-name"] == CLUSTER
            assert s["Condition"]["StringLike"] == {"aws:RequestTag/karpenter.sh/nodepool": "*"}
    # the untagged RunInstances/CreateFleet grant covers only the inputs (AMIs, subnets, SGs, ...),
    # never the instance, fleet or launch template being created
    untagged = next(s for s in statements(lifecycle) if s["Sid"] == "AllowScopedEC2InstanceAccessActions")
    assert "Condition" not in untagged
    assert not any(r.endswith((":instance/*", ":fleet/*", ":launch-template/*")) for r in untagged["Resource"])


def test_create_tags_only_at_creation_or_on_own_instances():
    lifecycle = policies()["node-lifecycle"]
    tagging = [s for s in statements(lifecycle) if "ec2:CreateTags" in as_list(s["Action"])]
    assert {s["Sid"] for s in tagging} == {"AllowScopedResourceCreationTagging", "AllowScopedResourceTagging"}
    creation = next(s for s in tagging if s["Sid"] == "AllowScopedResourceCreationTagging")
    assert creation["Condition"]["StringEquals"]["ec2:CreateAction"] == ["RunInstances", "CreateFleet",
                                                                         "CreateLaunchTemplate"]
    assert creation["Condition"]["StringEquals"]["aws:RequestTag/eks:eks-cluster-name"] == CLUSTER
    later = next(s for s in tagging if s["Sid"] == "AllowScopedResourceTagging")
    assert later["Condition"]["StringEquals"] == {f"aws:ResourceTag/kubernetes.io/cluster/{CLUSTER}": "owned"}
    assert later["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"] == [
        "eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]


def test_termination_needs_a_nodepool_tag_and_the_cluster_tag():
    deletion = actions_of(policies()["node-lifecycle"])
    for action in ("ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"):
        condition = deletion[action]["Condition"]
        assert condition["StringEquals"] == {f"aws:ResourceTag/kubernetes.io/cluster/{CLUSTER}": "owned"}
        assert condition["StringLike"] == {"aws:ResourceTag/karpenter.sh/nodepool": "*"}


def test_pass_role_only_for_the_node_role_and_only_to_ec2():
    passing = [s for s in allow_statements() if "iam:PassRole" in as_list(s["Action"])]
    assert len(passing) == 1
    assert passing[0]["Resource"] == NODE_ROLE_ARN
    assert passing[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}


def test_instance_profile_actions_are_scoped_by_tags():
    iam = actions_of(policies()["iam-integration"])
    for action in ("iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile",
                   "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"):
        s = iam[action]
        assert s["Resource"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/*"
        equals = s["Condition"]["StringEquals"]
        assert any(k.endswith(f"kubernetes.io/cluster/{CLUSTER}") for k in equals), action
        assert s["Condition"]["StringLike"], action


def test_cluster_queue_ssm_and_pricing_access():
    docs = policies()
    assert actions_of(docs["eks-integration"])["eks:DescribeCluster"]["Resource"] == CLUSTER_ARN
    queue = actions_of(docs["interruption"])
    assert set(queue) == {"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}
    assert {s["Resource"] for s in queue.values()} == {QUEUE_ARN}
    discovery = actions_of(docs["resource-discovery"])
    assert discovery["ssm:GetParameter"]["Resource"] == f"arn:aws:ssm:{REGION}::parameter/aws/service/*"
    assert discovery["pricing:GetProducts"]["Resource"] == "*"
    describe = discovery["ec2:DescribeInstances"]
    assert describe["Condition"] == {"StringEquals": {"aws:RequestedRegion": REGION}}
    assert set(as_list(describe["Action"])) == set(karpenter.REGIONAL_READ_ACTIONS)


def test_policies_are_json_documents_under_the_managed_policy_size_limit():
    for name, doc in policies().items():
        text = json.dumps(doc, separators=(",", ":"))
        assert doc["Version"] == "2012-10-17", name
        assert len(text) < 6144, (name, len(text))


def test_partition_follows_the_region():
    docs = karpenter.controller_policies(CLUSTER, "arn:aws-cn:eks:cn-north-1:1:cluster/x", "cn-north-1", ACCOUNT,
                                         NODE_ROLE_ARN, QUEUE_ARN)
    assert actions_of(docs["resource-discovery"])["ssm:GetParameter"]["Resource"].startswith("arn:aws-cn:ssm:")
    assert karpenter.node_role_policy_arns("us-gov-west-1")[0].startswith("arn:aws-us-gov:iam::aws:policy/")


def test_trust_policies():
    node = karpenter.node_role_trust()["Statement"]
    assert node == [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole"]}]
    controller = karpenter.controller_trust()["Statement"]
    assert controller == [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                           "Action": ["sts:AssumeRole", "sts:TagSession"]}]


def test_node_role_managed_policies():
    assert karpenter.node_role_policy_arns(REGION) == tuple(
        f"arn:aws:iam::aws:policy/{n}" for n in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
                                                 "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"))


# ---- interruption queue -------------------------------------------------------------------------


def test_queue_policy_allows_eventbridge_and_denies_plain_http():
    allow, deny = karpenter.queue_policy(QUEUE_ARN)["Statement"]
    assert allow["Effect"] == "Allow" and allow["Action"] == "sqs:SendMessage" and allow["Resource"] == QUEUE_ARN
    assert allow["Principal"] == {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]}
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Resource"] == QUEUE_ARN
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_event_patterns_use_the_literal_detail_type_key_and_cover_the_interruption_events():
    patterns = karpenter.event_patterns()
    for pattern in patterns.values():
        assert set(pattern) == {"source", "detail-type"}
        assert '"detail-type": [' in json.dumps(pattern)
        assert "detailType" not in json.dumps(pattern)
    pairs = {(p["source"][0], p["detail-type"][0]) for p in patterns.values()}
    assert {
        ("aws.health", "AWS Health Event"),
        ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
        ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
        ("aws.ec2", "EC2 Instance State-change Notification"),
    } <= pairs
    # the pinned v1.14.1 CloudFormation also routes capacity-reservation interruptions
    assert ("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning") in pairs
    assert len(pairs) == len(patterns) == 5


# ---- Helm ---------------------------------------------------------------------------------------


def test_chart_values_carry_the_queue_name_and_cluster_name():
    values = karpenter.chart_values(CLUSTER, "karpenter-interruption-queue-1a2b3c")
    assert values["settings"] == {"clusterName": CLUSTER, "interruptionQueue": "karpenter-interruption-queue-1a2b3c"}


def test_controller_runs_twice_on_system_nodes_with_a_pdb():
    values = karpenter.chart_values(CLUSTER, "q")
    assert values["replicas"] == 2
    assert values["podDisruptionBudget"]["maxUnavailable"] == 1
    assert values["nodeSelector"].items() >= SYSTEM_NODE_LABEL.items()
    assert values["nodeSelector"]["llm-platform.io/node-role"] == "system"
    assert {"key": "CriticalAddonsOnly", "operator": "Exists"} in values["tolerations"]
    resources = values["controller"]["resources"]
    assert resources["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert resources["limits"]["memory"] == "1Gi"
    # Pod Identity is bound to kube-system/karpenter: the chart must create exactly that account
    assert values["serviceAccount"] == {"create": True, "name": karpenter.SERVICE_ACCOUNT}


def test_every_chart_value_key_exists_upstream():
    values = karpenter.chart_values(CLUSTER, "q")
    assert unknown_value_keys(values, upstream_values("karpenter"), frozenset({"nodeSelector"})) == []


def test_key_checker_catches_a_misspelled_key():
    upstream = upstream_values("karpenter")
    assert unknown_value_keys({"settings": {"interruptionQueueName": "q"}}, upstream) == [
        "settings.interruptionQueueName"]
    assert unknown_value_keys({"controler": {}}, upstream) == ["controler"]


def test_chart_is_pinned():
    assert KARPENTER.chart == "oci://public.ecr.aws/karpenter/karpenter"
    assert KARPENTER_CRD.chart == "oci://public.ecr.aws/karpenter/karpenter-crd"
    assert KARPENTER.version == KARPENTER_CRD.version == "1.14.1"
    # the vendored values.yaml is the one of that tag (schemas/SOURCES.md)
    assert "| `charts/karpenter` | karpenter 1.14.1 |" in (SCHEMAS / "SOURCES.md").read_text()


@pytest.mark.parametrize("version,ok", [("1.34", True), ("1.35", True), ("1.36", True), ("1.37", False)])
def test_karpenter_kubernetes_ceiling(version, ok):
    if ok:
        check_karpenter_supports(version)
    else:
        with pytest.raises(ValueError, match="supports Kubernetes up to 1.36"):
            check_karpenter_supports(version)
