"""The default StorageClass: encrypted gp3 volumes from the EBS CSI driver add-on."""

from __future__ import annotations

from infra.catalog.eks_addons import ADDONS, EKS_ADDON_VERSIONS
from infra.render.storage_class import render_default_storage_class
from infra.validation.k8s_schema import validate_object


def test_schema_valid_on_every_catalogued_minor():
    sc = render_default_storage_class()
    for minor in ("1.34", "1.35"):
        assert validate_object(sc, minor) == []


def test_the_default_class_is_encrypted_gp3_from_the_ebs_csi_driver():
    sc = render_default_storage_class()
    assert (sc["apiVersion"], sc["kind"]) == ("storage.k8s.io/v1", "StorageClass")
    assert "namespace" not in sc["metadata"]  # cluster-scoped
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc["provisioner"] == "ebs.csi.aws.com"
    assert sc["parameters"] == {"type": "gp3", "encrypted": "true"}  # parameter values are strings
    assert sc["reclaimPolicy"] == "Retain"  # metrics and logs volumes outlive their claims
    assert sc["volumeBindingMode"] == "WaitForFirstConsumer"  # the volume in the zone of the pod's node
    assert sc["allowVolumeExpansion"] is True


def test_its_provisioner_is_an_add_on_the_platform_installs_and_pins():
    assert ("aws-ebs-csi-driver", False) in ADDONS
    assert EKS_ADDON_VERSIONS["1.35"]["aws-ebs-csi-driver"] == "v1.57.1-eksbuild.1"
    assert EKS_ADDON_VERSIONS["1.34"]["aws-ebs-csi-driver"] == "v1.56.0-eksbuild.1"


def test_it_registers_as_a_typed_storage_class(pulumi_mocks):
    import pulumi

    from components.k8s_object import register

    pulumi.runtime.test(lambda: register("default-storage-class", render_default_storage_class(),
                                         pulumi.ResourceOptions()))()
    (sc,) = [r for r in pulumi_mocks.registrations if r.name == "default-storage-class"]
    assert sc.type == "kubernetes:storage.k8s.io/v1:StorageClass"
    assert sc.inputs["provisioner"] == "ebs.csi.aws.com" and sc.inputs["allowVolumeExpansion"] is True
