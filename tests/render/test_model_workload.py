"""The vLLM workload of one model: ServiceAccount, Deployment, PodDisruptionBudget."""

from __future__ import annotations

import json

import pytest

from infra.render.model_workload import (
    render_deployment,
    render_pod_disruption_budget,
    render_service_account,
    weight_refs,
)
from infra.render.weight_store import WeightRef
from infra.validation.k8s_schema import validate_object

from .conftest import (
    BUCKET,
    DOCS_REPO,
    DOCS_REV,
    LLAMA_REPO,
    LLAMA_REV,
    NAMESPACE,
    QWEN_REPO,
    QWEN_REV,
    SQL_REPO,
    SQL_REV,
    bucket_of,
    TOOLS_DIGEST,
    Variant,
    build_platform,
    variant,
)


def deployment(v: Variant) -> dict:
    return render_deployment(v.platform, bucket_of(v.platform), v.model, TOOLS_DIGEST)


def pod(v: Variant) -> dict:
    return deployment(v)["spec"]["template"]["spec"]


def vllm(v: Variant) -> dict:
    (container,) = pod(v)["containers"]
    assert container["name"] == "vllm"
    return container


def init(v: Variant) -> dict:
    (container,) = pod(v)["initContainers"]
    assert container["name"] == "wait-for-weights"
    return container


def env(container: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container["env"]}


def mounts(container: dict) -> dict[str, dict]:
    return {m["mountPath"]: m for m in container["volumeMounts"]}


def volumes(v: Variant) -> dict[str, dict]:
    return {vol["name"]: vol for vol in pod(v)["volumes"]}


# --------------------------------------------------------------------------------------
# Deployment
# --------------------------------------------------------------------------------------


def test_replicas_are_left_to_keda(any_variant: Variant):
    assert "replicas" not in deployment(any_variant)["spec"]


def test_identity_and_selector(any_variant: Variant):
    d = deployment(any_variant)
    name = any_variant.model.name
    assert d["metadata"]["name"] == name
    assert d["metadata"]["namespace"] == NAMESPACE
    selector = d["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": name}
    labels = d["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert labels["llm-platform.io/gpu-pool"] == any_variant.model.config.pool
    assert labels["llm-platform.io/model"] == name


@pytest.mark.parametrize(("name", "gpus"), [("s3files", "1"), ("lora", "1"), ("tp4", "4"), ("tp4-streamer", "4")])
def test_gpu_request_equals_limit_equals_gpus_per_replica(name: str, gpus: str):
    resources = vllm(variant(name))["resources"]
    assert resources["requests"]["nvidia.com/gpu"] == gpus
    assert resources["limits"]["nvidia.com/gpu"] == gpus


def test_cpu_and_memory_sized_from_the_host_instance():
    # dev: cheapest L4 host g6.xlarge (4 vCPU, 16 GiB). cpu = floor(4 x 1/1 - 0.5) = 3;
    # memory = min(8 + 2 x 1 + ceil(7.61e9 B / 2^30 = 7.09 GiB x 0.25 = 1.77) = 12, floor(16 x 0.8) = 12) = 12Gi
    dev = vllm(variant("s3files"))["resources"]
    assert dev["requests"]["cpu"] == "3"
    assert dev["requests"]["memory"] == "12Gi"
    assert dev["limits"]["memory"] == "12Gi"
    assert "cpu" not in dev["limits"]
    # TP 4 on H100: host p5.48xlarge (8 GPUs, 192 vCPU, 2048 GiB). cpu = min(4 x 4, floor(96 - 0.5)) = 16;
    # memory = min(8 + 2 x 4 + ceil(70.6e9 B / 2^30 = 65.75 GiB x 0.25 = 16.44) = 33, floor(1024 x 0.8)) = 33Gi
    big = vllm(variant("tp4"))["resources"]
    assert big["requests"]["cpu"] == "16"
    assert big["requests"]["memory"] == "33Gi"


def test_resource_overrides_win():
    def custom(cfg):
        cfg["models"][0]["resources"] = {"cpu": "2500m", "memory": "10Gi"}

    platform = build_platform(custom)
    resources = render_deployment(platform, bucket_of(platform), platform.resolved_models[0], TOOLS_DIGEST)["spec"]["template"][
        "spec"]["containers"][0]["resources"]
    assert resources["requests"]["cpu"] == "2500m"
    assert resources["requests"]["memory"] == resources["limits"]["memory"] == "10Gi"


def test_scheduled_on_its_gpu_pool(any_variant: Variant):
    spec = pod(any_variant)
    assert spec["nodeSelector"] == {"llm-platform.io/gpu-pool": any_variant.model.config.pool}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]


def test_pool_label_of_the_tp4_variant():
    assert pod(variant("tp4"))["nodeSelector"] == {"llm-platform.io/gpu-pool": "h100"}


def test_shared_memory_only_with_tensor_parallelism():
    for name in ("s3files", "streamer", "lora"):
        assert "shm" not in volumes(variant(name))
        assert "/dev/shm" not in mounts(vllm(variant(name)))
    tp = variant("tp4")
    # 4 GiB per GPU: 4 x 4 = 16Gi, in memory
    assert volumes(tp)["shm"] == {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}
    assert mounts(vllm(tp))["/dev/shm"]["name"] == "shm"


def test_restricted_security_context(any_variant: Variant):
    spec = pod(any_variant)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 1000
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    for container in spec["containers"] + spec["initContainers"]:
        sc = container["securityContext"]
        assert sc["runAsNonRoot"] is True
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}


def test_writable_paths_are_volumes_under_a_read_only_root(any_variant: Variant):
    container = vllm(any_variant)
    paths = mounts(container)
    assert "/tmp" in paths and "/cache" in paths
    assert not paths["/cache"].get("readOnly", False)
    values = env(container)
    for var in ("HOME", "XDG_CACHE_HOME", "HF_HOME", "VLLM_CACHE_ROOT", "TRITON_CACHE_DIR"):
        assert values[var].startswith("/cache"), var
    assert values["HF_HUB_OFFLINE"] == "1"
    assert values["VLLM_NO_USAGE_STATS"] == "1"


@pytest.mark.parametrize(("name", "budget"), [("s3files", 600), ("streamer", 600), ("tp4", 1440), ("tp4-streamer", 660)])
def test_startup_probe_covers_the_startup_budget(name: str, budget: int):
    # Loading reads the checkpoint as published (bf16 here, quantized to fp8 on load), at 4 s/GiB from
    # s3files and 1 s/GiB streamed; engine 120 s (+60 s with TP); twice that, rounded up to a minute,
    # at least 600 s:
    #   dev 7.61e9 x 2 B = 14.17 GiB s3files: 2 x (120 + 56.7) = 353.4 -> 360 -> 600
    #   70B 70.6e9 x 2 B = 131.5 GiB s3files TP4: 2 x (180 + 526.0) = 1412.0 -> 1440
    #   70B streamer TP4: 2 x (180 + 131.5) = 623.0 -> 660
    v = variant(name)
    container = vllm(v)
    probe = container["startupProbe"]
    assert probe["httpGet"] == {"path": "/health", "port": "http"}
    assert probe["failureThreshold"] * probe["periodSeconds"] == budget
    assert env(container)["VLLM_ENGINE_READY_TIMEOUT_S"] == str(budget)
    assert deployment(v)["spec"]["progressDeadlineSeconds"] > budget


def test_rolling_update_adds_before_it_removes(any_variant: Variant):
    strategy = deployment(any_variant)["spec"]["strategy"]
    assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def test_container_image_args_and_port():
    v = variant("s3files")
    container = vllm(v)
    assert container["image"] == "vllm/vllm-openai:v0.33.0"
    assert container["args"][0] == f"/models/{QWEN_REPO}/{QWEN_REV}"
    assert "command" not in container  # the image's entrypoint is `vllm serve`
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert init(v)["image"] == container["image"]


def test_annotations_carry_weights_and_tools_digest():
    d = deployment(variant("s3files"))
    key = f"{QWEN_REPO}@{QWEN_REV}"
    assert d["metadata"]["annotations"] == {"llm-platform.io/weights": key}
    assert d["spec"]["template"]["metadata"]["annotations"] == {
        "llm-platform.io/weights": key, "llm-platform.io/tools-digest": TOOLS_DIGEST,
        "karpenter.sh/do-not-disrupt": "true"}


def test_lora_runtime_updates_disabled_only_with_adapters():
    assert env(vllm(variant("lora")))["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "False"
    assert "VLLM_ALLOW_RUNTIME_LORA_UPDATING" not in env(vllm(variant("s3files")))


# --------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------


def test_weight_refs_are_the_base_then_each_adapter():
    assert weight_refs(variant("lora").model) == [
        WeightRef(QWEN_REPO, QWEN_REV), WeightRef(SQL_REPO, SQL_REV), WeightRef(DOCS_REPO, DOCS_REV)]
    assert weight_refs(variant("s3files").model) == [WeightRef(QWEN_REPO, QWEN_REV)]


def waits(v: Variant) -> list[dict]:
    return json.loads(env(init(v))["WEIGHTS"])


def test_init_container_waits_for_the_base_weights_on_the_mount():
    assert waits(variant("s3files")) == [
        {"want": f"{QWEN_REPO}@{QWEN_REV}", "target": f"/models/{QWEN_REPO}/{QWEN_REV}"}]


def test_init_container_waits_for_every_adapter_too():
    assert waits(variant("lora")) == [
        {"want": f"{QWEN_REPO}@{QWEN_REV}", "target": f"/models/{QWEN_REPO}/{QWEN_REV}"},
        {"want": f"{SQL_REPO}@{SQL_REV}", "target": f"/models/{SQL_REPO}/{SQL_REV}"},
        {"want": f"{DOCS_REPO}@{DOCS_REV}", "target": f"/models/{DOCS_REPO}/{DOCS_REV}"},
    ]


def test_init_container_with_streamer_checks_s3_and_copies_adapters():
    assert waits(variant("streamer")) == [
        {"want": f"{QWEN_REPO}@{QWEN_REV}", "target": f"s3://{BUCKET}/models/{QWEN_REPO}/{QWEN_REV}"}]
    assert waits(variant("lora-streamer")) == [
        {"want": f"{QWEN_REPO}@{QWEN_REV}", "target": f"s3://{BUCKET}/models/{QWEN_REPO}/{QWEN_REV}"},
        {"want": f"{SQL_REPO}@{SQL_REV}", "target": f"s3://{BUCKET}/models/{SQL_REPO}/{SQL_REV}",
         "copyTo": "/adapters/sql"},
        {"want": f"{DOCS_REPO}@{DOCS_REV}", "target": f"s3://{BUCKET}/models/{DOCS_REPO}/{DOCS_REV}",
         "copyTo": "/adapters/docs"},
    ]


def test_init_container_runs_the_shipped_script():
    container = init(variant("s3files"))
    assert container["command"] == ["python3", "/opt/llm-platform/wait_for_weights.py"]
    assert mounts(container)["/opt/llm-platform"] == {"name": "tools", "mountPath": "/opt/llm-platform",
                                                      "readOnly": True}
    assert volumes(variant("s3files"))["tools"]["configMap"]["name"] == "weight-tools"
    assert int(env(container)["TIMEOUT_SECONDS"]) > 0


@pytest.mark.parametrize("name", ["s3files", "lora", "tp4"])
def test_weights_are_mounted_read_only(name: str):
    v = variant(name)
    assert volumes(v)["weights"] == {
        "name": "weights", "persistentVolumeClaim": {"claimName": "model-weights", "readOnly": True}}
    for container in (vllm(v), init(v)):
        assert mounts(container)["/models"] == {"name": "weights", "mountPath": "/models", "readOnly": True}


def test_custom_claim_name_is_used():
    def claim(cfg):
        cfg["weights"] = {"loader": "s3files", "volumeClaimName": "shared-weights"}

    platform = build_platform(claim)
    spec = render_deployment(platform, bucket_of(platform), platform.resolved_models[0], TOOLS_DIGEST)["spec"]["template"]["spec"]
    (weights,) = [vol for vol in spec["volumes"] if vol["name"] == "weights"]
    assert weights["persistentVolumeClaim"]["claimName"] == "shared-weights"


@pytest.mark.parametrize("name", ["streamer", "tp4-streamer"])
def test_streamer_mounts_no_weight_volume(name: str):
    v = variant(name)
    assert "weights" not in volumes(v)
    assert "/models" not in mounts(vllm(v))
    assert "/adapters" not in mounts(vllm(v))


def test_streamer_adapters_are_copied_by_init_and_read_only_for_vllm():
    v = variant("lora-streamer")
    assert volumes(v)["adapters"]["emptyDir"]
    assert not mounts(init(v))["/adapters"].get("readOnly", False)
    assert mounts(vllm(v))["/adapters"]["readOnly"] is True


def test_every_mount_has_a_volume_and_every_volume_is_used(any_variant: Variant):
    spec = pod(any_variant)
    declared = {vol["name"] for vol in spec["volumes"]}
    used = {m["name"] for c in spec["containers"] + spec["initContainers"] for m in c["volumeMounts"]}
    assert used == declared


# --------------------------------------------------------------------------------------
# ServiceAccount and PodDisruptionBudget
# --------------------------------------------------------------------------------------


def test_service_account_has_no_token(any_variant: Variant):
    sa = render_service_account(any_variant.platform, any_variant.model)
    assert sa["metadata"]["name"] == any_variant.model.name
    assert sa["automountServiceAccountToken"] is False
    assert pod(any_variant)["serviceAccountName"] == any_variant.model.name


def test_pdb_allows_one_replica_down(any_variant: Variant):
    pdb = render_pod_disruption_budget(any_variant.platform, any_variant.model)
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"] == deployment(any_variant)["spec"]["selector"]


def test_llama_model_path():
    assert vllm(variant("tp4"))["args"][0] == f"/models/{LLAMA_REPO}/{LLAMA_REV}"


def test_workload_objects_are_schema_valid(any_variant: Variant):
    p, m = any_variant.platform, any_variant.model
    for obj in (render_service_account(p, m), deployment(any_variant), render_pod_disruption_budget(p, m)):
        assert validate_object(obj, "1.34") == []



def test_karpenter_never_disrupts_a_node_running_a_replica(any_variant):
    template = deployment(any_variant)["spec"]["template"]
    assert template["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"] == "true"
