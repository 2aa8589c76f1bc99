"""IAM documents shared by every AWS component (pure JSON-ready dicts)."""

from __future__ import annotations

from ...catalog.aws_zones import partition

__all__ = ["POLICY_VERSION", "managed_policy_arn", "partition", "pod_identity_role_trust", "pod_identity_trust_policy",
           "trust_policy"]

POLICY_VERSION = "2012-10-17"


def trust_policy(service: str, actions: tuple[str, ...] = ("sts:AssumeRole",)) -> dict:
    return {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}],
    }


def pod_identity_trust_policy() -> dict:
    """EKS Pod Identity assumes roles as pods.eks.amazonaws.com and tags the session."""
    return trust_policy("pods.eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession"))


def pod_identity_role_trust(cluster_name: str, namespace: str, service_account: str) -> dict:
    """Pod Identity's trust policy narrowed, with the session tags EKS sets, to one service account of
    one cluster (EKS User Guide, pod-id-role): another pod that gets the role associated cannot assume it."""
    trust = pod_identity_trust_policy()
    trust["Statement"][0]["Condition"] = {"StringEquals": {
        "aws:RequestTag/eks-cluster-name": cluster_name,
        "aws:RequestTag/kubernetes-namespace": namespace,
        "aws:RequestTag/kubernetes-service-account": service_account,
    }}
    return trust


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"
