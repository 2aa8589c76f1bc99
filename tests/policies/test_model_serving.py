"""Model-serving rules, each with a passing and a failing case built by hand."""

from __future__ import annotations

import pytest

from tests.policies.helpers import (
    DEPLOYMENT,
    JOB,
    NODE_GROUP,
    SCALED_OBJECT,
    changed,
    messages,
    model_stack,
    node_pool,
    pdb,
    stack_violations,
    view,
    violations,
    vllm_container,
    vllm_deployment,
)

# ---- model-fits-gpu -------------------------------------------------------------------------------


def test_model_fits_gpu_passes_for_a_7b_fp8_model_on_one_l4():
    assert stack_violations("model-fits-gpu", model_stack()) == []


def bf16_14b() -> dict:
    d = vllm_deployment(repository="Qwen/Qwen2.5-14B-Instruct")
    args = vllm_container(d)["args"]
    del args[args.index("--quantization"):args.index("--quantization") + 2]  # BF16 weights: 27.4 GiB
    return d


def test_model_fits_gpu_fails_for_bf16_14b_on_one_l4_and_names_the_fix():
    d = bf16_14b()
    found = stack_violations("model-fits-gpu", model_stack(d))
    assert len(found) == 1
    message, where = found[0]
    assert message.startswith("model 'coder' does not fit 1 x L4")
    assert "would fit with gpusPerReplica: 2 (2 x L4)" in message  # the same advice as the stack file check
    assert where.endswith("::coder-deployment")


def test_model_fits_gpu_uses_the_pools_gpu_a_larger_gpu_fits():
    assert stack_violations("model-fits-gpu", model_stack(bf16_14b(), pool=node_pool(gpu="L40S"))) == []


def test_model_fits_gpu_reads_tensor_parallel_and_the_node_group_gpu():
    d = vllm_deployment(gpus=2)
    group = {"labels": {"llm-platform.io/gpu-pool": "l4", "llm-platform.io/gpu": "L4"}, "instanceTypes": ["g6.12xlarge"],
             "scalingConfig": {"minSize": 1, "maxSize": 2, "desiredSize": 1},
             "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]}
    resources = [r for r in model_stack(d) if "NodePool" not in r.type] + [view(NODE_GROUP, "gpu-l4", group)]
    assert stack_violations("model-fits-gpu", resources) == []


def test_model_fits_gpu_needs_the_architecture_of_a_model_outside_the_catalog():
    d = vllm_deployment(repository="acme/custom-3b", revision="b" * 40)
    found = messages(stack_violations("model-fits-gpu", model_stack(d)))
    assert found and "not in the model catalog" in found[0]
    arch = {"parametersBillion": 3, "layers": 28, "attentionHeads": 16, "kvHeads": 8, "headDim": 128,
            "maxContext": 32768}
    assert stack_violations("model-fits-gpu", model_stack(d), {"architectures": {"acme/custom-3b": arch}}) == []


# ---- vllm-gpu-limits ------------------------------------------------------------------------------


def test_vllm_gpu_limits_passes_when_limits_match_tensor_parallel():
    assert violations("vllm-gpu-limits", DEPLOYMENT, vllm_deployment(gpus=4)) == []


@pytest.mark.parametrize("broken, expected", [
    (lambda c: c["resources"]["limits"].pop("nvidia.com/gpu"), "has no resources.limits['nvidia.com/gpu']"),
    (lambda c: c["resources"]["limits"].update({"nvidia.com/gpu": "2"}), "but vLLM runs --tensor-parallel-size 1"),
    (lambda c: c["resources"]["requests"].update({"nvidia.com/gpu": "2"}), "requests '2' GPU(s) but limits 1"),
])
def test_vllm_gpu_limits_fails(broken, expected):
    d = changed(vllm_deployment(), lambda d: broken(vllm_container(d)))
    found = violations("vllm-gpu-limits", DEPLOYMENT, d)
    assert any(expected in m for m in found), found


# ---- vllm-pool-toleration -------------------------------------------------------------------------


def test_vllm_pool_toleration_passes():
    assert stack_violations("vllm-pool-toleration", model_stack()) == []


@pytest.mark.parametrize("broken, expected", [
    (lambda d: d["spec"]["template"]["spec"]["tolerations"].clear(), "does not tolerate pool 'l4'"),
    (lambda d: d["spec"]["template"]["spec"]["nodeSelector"].clear(), "does not select a GPU pool"),
    (lambda d: d["spec"]["template"]["spec"]["nodeSelector"].update({"llm-platform.io/gpu-pool": "h100"}),
     "which no NodePool or node group"),
])
def test_vllm_pool_toleration_fails(broken, expected):
    found = messages(stack_violations("vllm-pool-toleration", model_stack(changed(vllm_deployment(), broken))))
    assert found and expected in found[0], found


# ---- vllm-probes ----------------------------------------------------------------------------------


def test_vllm_probes():
    assert violations("vllm-probes", DEPLOYMENT, vllm_deployment()) == []
    d = changed(vllm_deployment(), lambda d: vllm_container(d).pop("startupProbe"))
    assert violations("vllm-probes", DEPLOYMENT, d) == ["container 'vllm' has no startupProbe"]


# ---- vllm-pod-disruption-budget / vllm-network-policy ---------------------------------------------


def test_vllm_pod_disruption_budget():
    assert stack_violations("vllm-pod-disruption-budget", model_stack()) == []
    found = messages(stack_violations("vllm-pod-disruption-budget", model_stack(with_pdb=False)))
    assert found == ["model 'coder' has no PodDisruptionBudget selecting its pods"]
    blocking = [r for r in model_stack(with_pdb=False)] + [view("kubernetes:policy/v1:PodDisruptionBudget", "p",
                                                                 pdb(max_unavailable=0))]
    assert "no node drain can ever finish" in messages(stack_violations("vllm-pod-disruption-budget", blocking))[0]


def test_vllm_pod_disruption_budget_in_another_namespace_does_not_count():
    other = changed(pdb(), lambda p: p["metadata"].update(namespace="default"))
    resources = model_stack(with_pdb=False) + [view("kubernetes:policy/v1:PodDisruptionBudget", "p", other)]
    assert stack_violations("vllm-pod-disruption-budget", resources)


def test_vllm_network_policy():
    assert stack_violations("vllm-network-policy", model_stack()) == []
    found = messages(stack_violations("vllm-network-policy", model_stack(with_network_policy=False)))
    assert found == ["model 'coder' has no NetworkPolicy of its own restricting ingress to its pods"]


# ---- advisory -------------------------------------------------------------------------------------


def test_workload_security_context():
    assert violations("workload-security-context", DEPLOYMENT, vllm_deployment()) == []
    d = changed(vllm_deployment(), lambda d: vllm_container(d).pop("securityContext"))
    found = violations("workload-security-context", DEPLOYMENT, d)
    assert found == ["container 'vllm' allows privilege escalation, keeps Linux capabilities"]
    job = {"spec": {"template": {"spec": {"containers": [{"name": "x", "image": "a:1"}]}}}}
    assert "may run as root" in violations("workload-security-context", JOB, job)[0]


def test_vllm_hub_offline():
    assert violations("vllm-hub-offline", DEPLOYMENT, vllm_deployment()) == []
    d = changed(vllm_deployment(), lambda d: vllm_container(d)["env"].clear())
    assert violations("vllm-hub-offline", DEPLOYMENT, d)


def test_vllm_surge_rollout():
    assert violations("vllm-surge-rollout", DEPLOYMENT, vllm_deployment()) == []
    d = changed(vllm_deployment(), lambda d: d["spec"].pop("strategy"))  # Kubernetes defaults: 25% / 25%
    assert len(violations("vllm-surge-rollout", DEPLOYMENT, d)) == 2


def test_vllm_autoscaled():
    assert stack_violations("vllm-autoscaled", model_stack()) == []
    resources = [r for r in model_stack() if r.type != SCALED_OBJECT]
    assert messages(stack_violations("vllm-autoscaled", resources)) == [
        "model 'coder' is not autoscaled (no ScaledObject or HorizontalPodAutoscaler targets it)"]
