"""The cluster's default StorageClass: encrypted gp3 EBS volumes from the EBS CSI driver add-on.

VMSingle and VictoriaLogs claim ReadWriteOnce volumes without naming a class unless
`services.*.storage.storageClass` says otherwise (infra/config/services.py), so the cluster needs a
default class that provisions block volumes. The platform installs the `aws-ebs-csi-driver` EKS add-on
(components/aws/cluster.py); this class is what PersistentVolumeClaims get from it. EKS clusters from
Kubernetes 1.30 on no longer mark their in-tree `gp2` class as the default, so this is the only one.

Parameters are the driver's StorageClass parameters (kubernetes-sigs/aws-ebs-csi-driver
docs/parameters.md): `type: gp3` (3,000 IOPS and 125 MiB/s baseline at any size), `encrypted: "true"`
(the account's default EBS key; parameter values are strings). `WaitForFirstConsumer` creates each volume
in the availability zone of the node its pod is scheduled to, and volumes can grow by editing the claim.
`reclaimPolicy: Retain`: the metrics and logs are data; deleting a claim (a release removed, a
namespace moved, `pulumi destroy`) leaves its EBS volume to be reattached or deleted by hand.
"""

from __future__ import annotations

from .labels import PART_OF, metadata

NAME = "gp3"
PROVISIONER = "ebs.csi.aws.com"  # the EBS CSI driver's CSIDriver name
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def render_default_storage_class() -> dict:
    """A cluster-scoped StorageClass (storage.k8s.io/v1), marked as the cluster's default."""
    labels = {"app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi"}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata(NAME, None, labels, {DEFAULT_CLASS_ANNOTATION: "true"}),
        "provisioner": PROVISIONER,
        "parameters": {"type": "gp3", "encrypted": "true"},
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
    }
