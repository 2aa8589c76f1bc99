"""NetworkPolicy building blocks (networking.k8s.io/v1): peers, the rules every workload shares, and
the policy object itself.

What the VPC CNI's policy agent does with them (EKS, `enableNetworkPolicy: "true"`, standard mode):

- it sees a packet before kube-proxy's DNAT, so a connection to a Service is matched on the Service's
  ClusterIP; the policy controller adds the ClusterIPs of the Services that select the pods a
  `podSelector` peer names, which is why pod peers work through Services;
- the Kubernetes API is not a pod: pods reach it through the `kubernetes` Service's ClusterIP
  (inside the cluster's service range, 10.100.0.0/16 or 172.20.0.0/16 on EKS) or the control plane's
  ENIs in the cluster's subnets; both are private addresses, so `kubernetes_api_egress` allows TCP 443
  to the private ranges (the other pods listening on 443 there keep their own ingress rules);
- webhooks and aggregated APIs are called by the control plane from those ENIs: `from_control_plane`
  admits the private ranges on the webhook's port only;
- the node's own address is always allowed (kubelet probes), and host-network pods are not subject to
  policies at all.
"""

from __future__ import annotations

from ..config.serving import DEFAULT_DENY_POLICY

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")  # RFC 1918
POD_IDENTITY_AGENT = "169.254.170.23/32"  # EKS Pod Identity agent (the link-local credentials endpoint)
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by Kubernetes on every namespace
_API_VERSION = "networking.k8s.io/v1"


def tcp(*ports: int) -> list[dict]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def namespace_peer(namespace: str, pod_labels: dict[str, str]) -> dict:
    """The pods with `pod_labels` in `namespace`."""
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}},
            "podSelector": {"matchLabels": dict(pod_labels)}}


def dns_egress() -> dict:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def https_egress_outside_cluster() -> dict:
    """HTTPS to public addresses only (Hugging Face, AWS public endpoints, hosted providers)."""
    return {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}], "ports": tcp(443)}


def kubernetes_api_egress() -> dict:
    """TCP 443 to private addresses: the API server's ClusterIP or its ENIs (and AWS interface endpoints)."""
    return {"to": [{"ipBlock": {"cidr": cidr}} for cidr in PRIVATE_RANGES], "ports": tcp(443)}


def pod_identity_egress() -> dict:
    return {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": tcp(80)}


def from_control_plane(*ports: int) -> dict:
    """Ingress for a webhook or an aggregated API: the control plane calls it from private addresses."""
    return {"from": [{"ipBlock": {"cidr": cidr}} for cidr in PRIVATE_RANGES], "ports": tcp(*ports)}


def from_anywhere(*ports: int) -> dict:
    """Ingress from any source on these ports (a load balancer's targets)."""
    return {"ports": tcp(*ports)}


def network_policy(name: str, namespace: str, labels: dict[str, str], pod_selector: dict[str, str],
                   ingress: list[dict], egress: list[dict]) -> dict:
    """A policy for the selected pods covering both directions: what is not listed is denied."""
    return {
        "apiVersion": _API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "podSelector": {"matchLabels": dict(pod_selector)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def default_deny(namespace: str, labels: dict[str, str]) -> dict:
    """Every pod of the namespace, no traffic either way unless another policy allows it."""
    return {
        "apiVersion": _API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": DEFAULT_DENY_POLICY, "namespace": namespace, "labels": dict(labels)},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
