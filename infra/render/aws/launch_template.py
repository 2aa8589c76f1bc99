"""The launch template of a managed node group, as aws.ec2.LaunchTemplate arguments: encrypted gp3
volumes and the instance metadata service as the platform wants it on every node: IMDSv2 only and one
hop, so a pod that is not on the host network cannot reach the node role's credentials (pods get
their AWS identity from Pod Identity). No AMI and no instance profile: EKS fills both in for managed
node groups. Karpenter's EC2NodeClass says the same in its own field names (gpu_pool.py)."""

from __future__ import annotations

IMDS = {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1}


def launch_template_args(root_gib: int, os_gib: int | None = None, capacity_reservation_id: str | None = None) -> dict:
    """`os_gib`: a separate OS volume first (Bottlerocket), the data volume second."""
    ebs = {"volume_size": root_gib, "volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"}
    devices = [{"device_name": "/dev/xvda", "ebs": ebs}]
    if os_gib is not None:
        devices = [{"device_name": "/dev/xvda", "ebs": {**ebs, "volume_size": os_gib}},
                   {"device_name": "/dev/xvdb", "ebs": ebs}]
    found: dict = {"block_device_mappings": devices, "metadata_options": dict(IMDS)}
    if capacity_reservation_id:
        found["capacity_reservation_specification"] = {
            "capacity_reservation_target": {"capacity_reservation_id": capacity_reservation_id},
        }
    return found
