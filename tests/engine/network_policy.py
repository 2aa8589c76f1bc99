"""NetworkPolicy semantics (networking.k8s.io/v1, as the Kubernetes API reference defines them) for
the flow tests: given the pods, their namespaces and the policies, may a connection be made?

- A pod is isolated for a direction when some policy of its namespace selects it and lists that
  direction in `policyTypes` (absent: Ingress, plus Egress when the policy has egress rules). An
  isolated pod allows exactly what the union of those policies' rules allows; a connection needs
  the source's egress and the destination's ingress.
- A peer is an `ipBlock` (cidr minus except), a `namespaceSelector` (pods of the matching
  namespaces), a `podSelector` (pods of the policy's namespace) or both (pods matching both). An
  absent or empty `from`/`to` matches everything; so does an absent `ports`.
- A port is a number or a name resolved against the destination pod's container ports.
- Pods have VPC addresses (VPC CNI), so ipBlocks match pods too. Host-network pods and the node are
  not subject to policies (the VPC CNI agent always admits the node's own address).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from policies.rules.kube import selector_matches as selects  # the policy pack's LabelSelector matcher


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: Mapping[str, str]
    ip: str
    ports: Mapping[str, int] = field(default_factory=dict)  # container port name -> number
    host_network: bool = False


@dataclass(frozen=True)
class Address:
    """Something that is not a pod: the API server's ClusterIP, the control plane, the internet."""

    name: str
    ip: str


Endpoint = Pod | Address


@dataclass
class Cluster:
    pods: list[Pod]
    namespace_labels: dict[str, dict[str, str]]
    policies: list[dict]

    def _namespace_labels(self, namespace: str) -> dict[str, str]:
        return {"kubernetes.io/metadata.name": namespace, **self.namespace_labels.get(namespace, {})}

    def _policies_for(self, pod: Pod, direction: str) -> list[dict]:
        found = []
        for policy in self.policies:
            if policy["metadata"]["namespace"] != pod.namespace:
                continue
            spec = policy["spec"]
            types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
            if direction in types and selects(spec.get("podSelector", {}), pod.labels):
                found.append(policy)
        return found

    def _peer_matches(self, peer: Mapping, policy_namespace: str, other: Endpoint) -> bool:
        if "ipBlock" in peer:
            address = ipaddress.ip_address(other.ip)
            block = peer["ipBlock"]
            return (address in ipaddress.ip_network(block["cidr"])
                    and not any(address in ipaddress.ip_network(c) for c in block.get("except") or ()))
        if not isinstance(other, Pod):
            return False
        if "namespaceSelector" in peer:
            if not selects(peer["namespaceSelector"], self._namespace_labels(other.namespace)):
                return False
        elif other.namespace != policy_namespace:
            return False
        return selects(peer.get("podSelector", {}), other.labels)

    @staticmethod
    def _port_matches(ports: Iterable[Mapping] | None, port: int, protocol: str, destination: Endpoint) -> bool:
        if not ports:
            return True
        for entry in ports:
            if entry.get("protocol", "TCP") != protocol:
                continue
            wanted = entry.get("port")
            if wanted is None:
                return True
            if isinstance(wanted, str):
                wanted = destination.ports.get(wanted) if isinstance(destination, Pod) else None
                if wanted is None:
                    continue
            if wanted <= port <= entry.get("endPort", wanted):
                return True
        return False

    def _side_allows(self, pod: Pod, direction: str, other: Endpoint, port: int, protocol: str,
                     destination: Endpoint) -> bool:
        if pod.host_network:
            return True
        policies = self._policies_for(pod, direction)
        if not policies:
            return True
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for policy in policies:
            for rule in policy["spec"].get(key) or ():
                peers = rule.get(peers_key) or [{}]
                if not any(p == {} or self._peer_matches(p, pod.namespace, other) for p in peers):
                    continue
                if self._port_matches(rule.get("ports"), port, protocol, destination):
                    return True
        return False

    def allows(self, source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP") -> bool:
        """Whether `source` may open a connection to `destination` on `port`."""
        if isinstance(source, Pod) and not self._side_allows(source, "Egress", destination, port, protocol,
                                                               destination):
            return False
        if isinstance(destination, Pod) and not self._side_allows(destination, "Ingress", source, port, protocol,
                                                                    destination):
            return False
        return True

    def pod(self, namespace: str, **labels: str) -> Pod:
        """The one pod (first match) in `namespace` carrying these labels."""
        for pod in self.pods:
            if pod.namespace == namespace and all(pod.labels.get(k) == v for k, v in labels.items()):
                return pod
        raise LookupError(f"no pod with {labels} in {namespace}")
