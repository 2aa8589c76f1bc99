"""Which changes replace a resource: the rules per provider and a resource's own replaceOnChanges."""

from __future__ import annotations

import copy

from infra.diff.formatting import change_notes
from tests.diff.conftest import one_change, pvc, reg

def test_replacement_rules(platform):
    typ = "kubernetes:core/v1:PersistentVolumeClaim"
    assert one_change(platform, reg(typ, "w", pvc("1Gi")), reg(typ, "w", pvc("2Gi"))).action == "update"
    assert one_change(platform, reg(typ, "w", pvc("1Gi")), reg(typ, "w", pvc("1Gi", "other"))).action == "replace"

    dep = "kubernetes:apps/v1:Deployment"
    base = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "m"},
            "spec": {"selector": {"matchLabels": {"a": "1"}}, "replicas": 1}}
    moved = copy.deepcopy(base)
    moved["spec"]["selector"]["matchLabels"]["a"] = "2"
    scaled = copy.deepcopy(base)
    scaled["spec"]["replicas"] = 2
    renamed = copy.deepcopy(base)
    renamed["metadata"]["name"] = "n"
    assert one_change(platform, reg(dep, "m", base), reg(dep, "m", moved)).action == "replace"
    assert one_change(platform, reg(dep, "m", base), reg(dep, "m", scaled)).action == "update"
    assert one_change(platform, reg(dep, "m", base), reg(dep, "m", renamed)).replace_paths == ["metadata.name"]

    eks = "aws:eks/cluster:Cluster"
    cluster = {"name": "c", "vpcConfig": {"subnetIds": ["a", "b"]}, "encryptionConfig": {"resources": ["secrets"]}}
    subnets = copy.deepcopy(cluster)
    subnets["vpcConfig"]["subnetIds"] = ["a", "c"]
    unencrypted = {k: v for k, v in cluster.items() if k != "encryptionConfig"}
    assert one_change(platform, reg(eks, "c", cluster), reg(eks, "c", subnets)).action == "update"
    assert one_change(platform, reg(eks, "c", cluster), reg(eks, "c", unencrypted)).action == "replace"
    assert one_change(platform, reg(eks, "c", unencrypted), reg(eks, "c", cluster)).action == "update"
    bucket = "aws:s3/bucket:Bucket"
    kept = {"protect": True, "retain_on_delete": True}
    renamed_bucket = one_change(platform, reg(bucket, "b", {"bucket": "x"}, **kept),
                                reg(bucket, "b", {"bucket": "y"}, **kept))
    assert renamed_bucket.action == "replace" and renamed_bucket.replace_paths == ["bucket"]
    notes = change_notes(renamed_bucket)
    assert any(n.startswith("PROTECTED") for n in notes) and any(n.startswith("retained on delete") for n in notes)

    # a resource's own replaceOnChanges
    cm = "kubernetes:core/v1:Namespace"
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "llm", "labels": {"a": "1"}}}
    relabeled = copy.deepcopy(ns)
    relabeled["metadata"]["labels"]["a"] = "2"
    assert one_change(platform, reg(cm, "n", ns), reg(cm, "n", relabeled)).action == "update"
    assert one_change(platform, reg(cm, "n", ns, replace_on_changes=["metadata.labels"]),
                      reg(cm, "n", relabeled, replace_on_changes=["metadata.labels"])).action == "replace"
