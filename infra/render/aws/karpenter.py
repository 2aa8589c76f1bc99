"""Karpenter on EKS as plain data: IAM documents, the interruption queue policy, the EventBridge
patterns and the Helm values. No Pulumi here; components/aws/karpenter.py registers it.

Follows Karpenter's own getting-started CloudFormation at the pinned release (aws/karpenter-provider-aws
v1.14.1, website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml),
with two tightenings: account-scoped ARNs use this account instead of `*`, and the policies name the
cluster's partition. The optional zonal-shift policy is left out (settings.enableZonalShift stays off).
"""

from __future__ import annotations

from .cluster import SYSTEM_NODE_LABEL
from .iam import POLICY_VERSION, managed_policy_arn, partition, pod_identity_trust_policy, trust_policy

NAMESPACE = "kube-system"  # the getting-started default; Pod Identity is bound to it
SERVICE_ACCOUNT = "karpenter"
RELEASE_NAME = "karpenter"  # fixed, so the chart's fullname (and the service account) is "karpenter"
TARGET_ID = "KarpenterInterruptionQueueTarget"
QUEUE_RETENTION_SECONDS = 300  # interruption notices are stale after minutes

NODE_ROLE_POLICY_NAMES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)

# EventBridge rules feeding the interruption queue: name -> (source, detail-type). The first four are
# the classic set; the pinned release's CloudFormation adds capacity-reservation interruptions, which
# Karpenter 1.14 parses (pkg/controllers/interruption/messages/capacityreservationinterruption).
INTERRUPTION_EVENTS: dict[str, tuple[str, str]] = {
    "scheduled-change": ("aws.health", "AWS Health Event"),
    "spot-interruption": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "instance-state-change": ("aws.ec2", "EC2 Instance State-change Notification"),
    "capacity-reservation-interruption": ("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
}

# Read-only calls AWS only authorizes on "*" (EC2 Describe* has no resource-level permissions).
REGIONAL_READ_ACTIONS = (
    "ec2:DescribeCapacityReservations",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribePlacementGroups",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeSubnets",
)


# ---- node role ----------------------------------------------------------------------------------


def node_role_trust() -> dict:
    return trust_policy("ec2.amazonaws.com")


def node_role_policy_arns(region: str) -> tuple[str, ...]:
    return tuple(managed_policy_arn(name, partition(region)) for name in NODE_ROLE_POLICY_NAMES)


# ---- controller role ----------------------------------------------------------------------------


def controller_trust() -> dict:
    """EKS Pod Identity: pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession."""
    return pod_identity_trust_policy()


def _doc(*statements: dict) -> dict:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def controller_policies(
    cluster_name: str, cluster_arn: str, region: str, account_id: str, node_role_arn: str, queue_arn: str
) -> dict[str, dict]:
    """The controller's permissions as the pinned CloudFormation splits them (one managed policy each,
    so no document comes near IAM's 6,144-character limit)."""
    p = partition(region)
    ec2 = f"arn:{p}:ec2:{region}:{account_id}"
    profiles = f"arn:{p}:iam::{account_id}:instance-profile/*"
    cluster_tag = f"kubernetes.io/cluster/{cluster_name}"
    launched = [f"{ec2}:{kind}/*" for kind in
                ("fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request")]
    request_tags = {f"aws:RequestTag/{cluster_tag}": "owned", "aws:RequestTag/eks:eks-cluster-name": cluster_name}
    owned_nodepool = {
        "StringEquals": {f"aws:ResourceTag/{cluster_tag}": "owned"},
        "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
    }
    node_lifecycle = _doc(
        {
            "Sid": "AllowScopedEC2InstanceAccessActions",
            "Effect": "Allow",
            "Resource": [
                f"arn:{p}:ec2:{region}::image/*",
                f"arn:{p}:ec2:{region}::snapshot/*",
                f"{ec2}:security-group/*",
                f"{ec2}:subnet/*",
                f"{ec2}:capacity-reservation/*",
                f"{ec2}:placement-group/*",
            ],
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
        },
        {
            "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
            "Effect": "Allow",
            "Resource": f"{ec2}:launch-template/*",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Condition": owned_nodepool,
        },
        {
            "Sid": "AllowScopedEC2InstanceActionsWithTags",
            "Effect": "Allow",
            "Resource": launched,
            "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            "Condition": {
                "StringEquals": dict(request_tags),
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedResourceCreationTagging",
            "Effect": "Allow",
            "Resource": launched,
            "Action": "ec2:CreateTags",
            "Condition": {
                "StringEquals": {**request_tags,
                                 "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]},
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedResourceTagging",
            "Effect": "Allow",
            "Resource": f"{ec2}:instance/*",
            "Action": "ec2:CreateTags",
            "Condition": {
                **owned_nodepool,
                "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster_name},
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
                },
            },
        },
        {
            "Sid": "AllowScopedDeletion",
            "Effect": "Allow",
            "Resource": [f"{ec2}:instance/*", f"{ec2}:launch-template/*"],
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Condition": owned_nodepool,
        },
    )
    profile_tags = {"aws:RequestTag/topology.kubernetes.io/region": region}
    iam_integration = _doc(
        {
            "Sid": "AllowPassingInstanceRole",
            "Effect": "Allow",
            "Resource": node_role_arn,
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        },
        {
            "Sid": "AllowScopedInstanceProfileCreationActions",
            "Effect": "Allow",
            "Resource": profiles,
            "Action": "iam:CreateInstanceProfile",
            "Condition": {
                "StringEquals": {**request_tags, **profile_tags},
                "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileTagActions",
            "Effect": "Allow",
            "Resource": profiles,
            "Action": "iam:TagInstanceProfile",
            "Condition": {
                "StringEquals": {
                    f"aws:ResourceTag/{cluster_tag}": "owned",
                    "aws:ResourceTag/topology.kubernetes.io/region": region,
                    **request_tags,
                    **profile_tags,
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                },
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileActions",
            "Effect": "Allow",
            "Resource": profiles,
            "Action": [
                "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile",
            ],
            "Condition": {
                "StringEquals": {f"aws:ResourceTag/{cluster_tag}": "owned",
                                 "aws:ResourceTag/topology.kubernetes.io/region": region},
                "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
    )
    eks_integration = _doc(
        {"Sid": "AllowAPIServerEndpointDiscovery", "Effect": "Allow", "Resource": cluster_arn,
         "Action": "eks:DescribeCluster"},
    )
    interruption = _doc(
        {"Sid": "AllowInterruptionQueueActions", "Effect": "Allow", "Resource": queue_arn,
         "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]},
    )
    resource_discovery = _doc(
        {
            "Sid": "AllowRegionalReadActions",
            "Effect": "Allow",
            "Resource": "*",
            "Action": list(REGIONAL_READ_ACTIONS),
            "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
        },
        {"Sid": "AllowSSMReadActions", "Effect": "Allow", "Resource": f"arn:{p}:ssm:{region}::parameter/aws/service/*",
         "Action": "ssm:GetParameter"},
        {"Sid": "AllowPricingReadActions", "Effect": "Allow", "Resource": "*", "Action": "pricing:GetProducts"},
        {"Sid": "AllowUnscopedInstanceProfileListAction", "Effect": "Allow", "Resource": "*",
         "Action": "iam:ListInstanceProfiles"},
        {"Sid": "AllowInstanceProfileReadActions", "Effect": "Allow", "Resource": profiles,
         "Action": "iam:GetInstanceProfile"},
    )
    return {
        "node-lifecycle": node_lifecycle,
        "iam-integration": iam_integration,
        "eks-integration": eks_integration,
        "interruption": interruption,
        "resource-discovery": resource_discovery,
    }


# ---- interruption queue -------------------------------------------------------------------------


def queue_policy(queue_arn: str) -> dict:
    """EventBridge (and SQS itself) may send; nothing may use the queue without TLS."""
    return {
        "Version": POLICY_VERSION,
        "Id": "EC2InterruptionPolicy",
        "Statement": [
            {
                "Sid": "AllowEventBridgeSend",
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                # A Deny on every SQS action is the strict direction: no action may go over plain HTTP.
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def event_patterns() -> dict[str, dict]:
    """EventBridge patterns by rule name. The key is the literal "detail-type" (a `detailType` key
    would silently match nothing)."""
    return {name: {"source": [source], "detail-type": [detail_type]}
            for name, (source, detail_type) in INTERRUPTION_EVENTS.items()}


# ---- Helm values --------------------------------------------------------------------------------


def chart_values(cluster_name: str, queue_name: str) -> dict:
    """Values for the karpenter chart. Every key exists in the chart's values.yaml (checked by a test)."""
    return {
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},  # Pod Identity binds to this name
        "replicas": 2,
        "podDisruptionBudget": {"name": RELEASE_NAME, "maxUnavailable": 1},
        # The controller must not run on capacity it manages: system nodes only (the chart's default
        # affinity also keeps it off any node with a karpenter.sh/nodepool label).
        "nodeSelector": {"kubernetes.io/os": "linux", **SYSTEM_NODE_LABEL},
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
        "controller": {
            # The getting-started guide's sizing (1 CPU / 1 GiB, requests = limits).
            "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        },
        "settings": {
            "clusterName": cluster_name,
            "interruptionQueue": queue_name,  # the queue NAME, not its URL or ARN
        },
    }
