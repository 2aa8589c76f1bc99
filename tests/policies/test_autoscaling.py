"""Autoscaling rules, each with a passing and a failing case built by hand."""

from __future__ import annotations

import pytest

from tests.policies.helpers import (
    HPA,
    NODE_GROUP,
    SCALED_OBJECT,
    messages,
    model_stack,
    node_pool,
    scaled_object,
    stack_violations,
    view,
    violations,
    vllm_deployment,
)

# ---- autoscaling-bounds-ordered -------------------------------------------------------------------


def test_autoscaling_bounds_ordered_passes():
    assert violations("autoscaling-bounds-ordered", SCALED_OBJECT, scaled_object(low=1, high=3)) == []
    assert violations("autoscaling-bounds-ordered", SCALED_OBJECT, scaled_object(low=2, high=2)) == []
    assert violations("autoscaling-bounds-ordered", HPA, {"spec": {"minReplicas": 1, "maxReplicas": 4}}) == []


@pytest.mark.parametrize("typ, props, expected", [
    (SCALED_OBJECT, scaled_object(low=3, high=2), "minReplicaCount 3 is greater than maxReplicaCount 2"),
    (SCALED_OBJECT, scaled_object(low=1, high=None), "maxReplicaCount is not set (KEDA's default is 100)"),
    (HPA, {"spec": {"minReplicas": 5, "maxReplicas": 4}}, "minReplicas 5 is greater than maxReplicas 4"),
])
def test_autoscaling_bounds_ordered_fails(typ, props, expected):
    assert [expected in m for m in violations("autoscaling-bounds-ordered", typ, props)] == [True]


# ---- autoscaling-within-pool-capacity -------------------------------------------------------------


def test_pool_capacity_passes_with_room_for_the_surge_replica():
    # 3 replicas x 1 GPU + 1 surge = 4 GPUs = the pool's limit
    assert stack_violations("autoscaling-within-pool-capacity", model_stack(scaler=scaled_object(high=3))) == []


def test_pool_capacity_fails_without_room_for_the_surge_replica():
    found = stack_violations("autoscaling-within-pool-capacity", model_stack(scaler=scaled_object(high=4)))
    assert messages(found) == ["model 'coder': 4 replicas x 1 GPU(s) plus one surge replica need 5 GPUs, "
                               "but pool 'l4' allows 4"]
    assert found[0][1].endswith("::coder-deployment")


def test_pool_capacity_counts_gpus_per_replica_and_a_string_limit():
    d = vllm_deployment(gpus=4)
    ok = model_stack(d, pool=node_pool(limit="16"), scaler=scaled_object(high=3))
    assert stack_violations("autoscaling-within-pool-capacity", ok) == []
    too_many = model_stack(d, pool=node_pool(limit="12"), scaler=scaled_object(high=3))
    assert "need 16 GPUs, but pool 'l4' allows 12" in messages(stack_violations("autoscaling-within-pool-capacity",
                                                                                 too_many))[0]


def test_pool_capacity_unset_maximum_counts_at_kedas_default():
    found = messages(stack_violations("autoscaling-within-pool-capacity", model_stack(scaler=scaled_object(high=None))))
    assert found and "100 replicas" in found[0]


def test_pool_capacity_pool_without_a_gpu_limit_fails():
    pool = node_pool()
    del pool["spec"]["limits"]
    found = stack_violations("autoscaling-within-pool-capacity", model_stack(pool=pool))
    assert "has no GPU limit" in messages(found)[0] and found[0][1].endswith("::gpu-pool-node-pool")


def test_pool_capacity_minimum_replicas_of_all_models_must_fit():
    first, second = vllm_deployment("a"), vllm_deployment("b")
    resources = model_stack(first, scaler=scaled_object("a", low=2, high=2))
    resources += [r for r in model_stack(second, scaler=scaled_object("b", low=3, high=3)) if "NodePool" not in r.type]
    found = messages(stack_violations("autoscaling-within-pool-capacity", resources))
    assert "GPU pool 'l4' allows 4 GPUs but its models' minimum replicas need 5" in found


def test_pool_capacity_of_a_node_group_is_nodes_times_gpus_per_node():
    group = {"labels": {"llm-platform.io/gpu-pool": "l4", "llm-platform.io/gpu": "L4"}, "instanceTypes": ["g6.12xlarge"],
             "scalingConfig": {"minSize": 2, "maxSize": 2, "desiredSize": 2}}  # 2 nodes x 4 L4 = 8 GPUs
    resources = [r for r in model_stack(scaler=scaled_object(high=7)) if "NodePool" not in r.type]
    assert stack_violations("autoscaling-within-pool-capacity", resources + [view(NODE_GROUP, "g", group)]) == []
    resources = [r for r in model_stack(scaler=scaled_object(high=8)) if "NodePool" not in r.type]
    assert stack_violations("autoscaling-within-pool-capacity", resources + [view(NODE_GROUP, "g", group)])
