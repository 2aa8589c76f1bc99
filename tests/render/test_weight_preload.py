"""The preload Job of one repository@revision."""

from __future__ import annotations

import shlex

import pytest

from infra.assets import preload
from infra.program import preload_sizes

from infra.render.weight_preload import render_preload_job
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
    Variant,
    build_platform,
    variant,
    weight_refs,
)

QWEN = WeightRef(QWEN_REPO, QWEN_REV)
# the dev model's fp8 weights: 7.61e9 B / 2^30 = 7.0874 GiB
QWEN_GIB = 7.61e9 / 2**30


def job(name: str = "s3files", ref: WeightRef = QWEN, gib: float = QWEN_GIB) -> dict:
    platform = variant(name).platform
    return render_preload_job(platform, bucket_of(platform), ref, gib)


def pod(j: dict) -> dict:
    return j["spec"]["template"]["spec"]


def container(j: dict) -> dict:
    (c,) = pod(j)["containers"]
    return c


def env(j: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container(j)["env"]}


def mounts(j: dict) -> dict[str, dict]:
    return {m["mountPath"]: m for m in container(j)["volumeMounts"]}


def volumes(j: dict) -> dict[str, dict]:
    return {v["name"]: v for v in pod(j)["volumes"]}


# --------------------------------------------------------------------------------------
# naming
# --------------------------------------------------------------------------------------


def test_name_is_stable_per_repository_and_revision():
    name = job()["metadata"]["name"]
    assert name == QWEN.job_name == WeightRef(QWEN_REPO, QWEN_REV).job_name
    assert name == job()["metadata"]["name"]
    assert name.startswith("preload-qwen2-5-coder-7b-instruct-c03e6d35-")
    assert len(name) <= 63
    # every variant of the platform names the Job the same: it depends on the weights only
    assert job("streamer")["metadata"]["name"] == name


def test_another_revision_is_another_job():
    other = WeightRef(QWEN_REPO, "0" * 40)
    assert other.job_name != QWEN.job_name
    assert other.job_name.startswith("preload-qwen2-5-coder-7b-instruct-00000000-")


def test_same_slug_in_another_organisation_is_another_job():
    # the slug only keeps the name after '/', the digest tells the owners apart
    assert WeightRef(f"someone/{QWEN_REPO.split('/')[1]}", QWEN_REV).job_name != QWEN.job_name


def test_long_repository_names_stay_within_63_characters():
    ref = WeightRef("acme/" + "a-very-long-model-name-" * 5 + "x", "f" * 40)
    name = ref.job_name
    assert len(name) <= 63
    assert not name.startswith("-") and "--" not in name


def test_weights_annotation_names_repository_at_revision():
    j = job()
    assert j["metadata"]["annotations"] == {"llm-platform.io/weights": f"{QWEN_REPO}@{QWEN_REV}"}
    assert j["spec"]["template"]["metadata"]["annotations"] == {"llm-platform.io/weights": f"{QWEN_REPO}@{QWEN_REV}"}


# --------------------------------------------------------------------------------------
# Job spec
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["s3files", "streamer"])
def test_job_runs_once_and_is_cleaned_up_a_week_after_it_finished(name: str):
    spec = job(name)["spec"]
    assert spec["ttlSecondsAfterFinished"] == 7 * 24 * 3600  # time to read a failed Job's logs
    assert spec["parallelism"] == 1
    assert spec.get("completions", 1) == 1
    assert spec["backoffLimit"] >= 1
    assert pod(job(name))["restartPolicy"] == "Never"
    assert job(name)["metadata"]["namespace"] == NAMESPACE


@pytest.mark.parametrize("name", ["s3files", "streamer"])
def test_a_failure_no_retry_can_fix_fails_the_job_at_once(name: str):
    spec = job(name)["spec"]
    (container,) = pod(job(name))["containers"]
    fail, ignore = spec["podFailurePolicy"]["rules"]
    # the script's exit codes for a bad configuration and a permanent failure (infra/assets/preload.py)
    assert fail == {"action": "FailJob", "onExitCodes": {"containerName": container["name"], "operator": "In",
                                                          "values": [preload.EXIT_CONFIG, preload.EXIT_PERMANENT]}}
    assert ignore == {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}
    assert pod(job(name))["restartPolicy"] == "Never"  # what a podFailurePolicy requires


def test_deadline_allows_the_download_plus_an_hour():
    # 7.0874 GiB x 1024 = 7,257.5 MiB at 50 MiB/s = 145.15 s -> 146 s; + 3600 s
    assert job()["spec"]["activeDeadlineSeconds"] == 3746


def test_runs_on_cpu_nodes():
    spec = pod(job())
    assert not any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", []))
    assert "llm-platform.io/gpu-pool" not in spec.get("nodeSelector", {})
    resources = container(job())["resources"]
    assert "nvidia.com/gpu" not in resources["requests"]
    assert "nvidia.com/gpu" not in resources.get("limits", {})


def test_restricted_and_without_a_kubernetes_token():
    spec = pod(job())
    assert spec["serviceAccountName"] == job()["metadata"]["name"]  # its own identity (one per weight set)
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    sc = container(job())["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}


def test_image_is_the_pinned_python():
    assert container(job())["image"] == "python:3.12.14-slim-bookworm"


def pip_packages(j: dict) -> tuple[list[str], list[str]]:
    """(options, packages) of the `pip install` in the container command."""
    command = container(j)["command"]
    assert command[:2] == ["sh", "-c"]
    tokens = shlex.split(command[2])
    start = tokens.index("install") + 1
    end = tokens.index("&&")
    assert tokens[start - 2 : start] == ["pip", "install"]
    words = tokens[start:end]
    options = [w for w in words if w.startswith("-")]
    packages = [w for w in words if not w.startswith("-") and w != "/tmp/pydeps"]
    return options, packages


def test_packages_are_pinned_and_installed_without_dependencies():
    options, packages = pip_packages(job())
    assert "--no-deps" in options
    assert "--target" in options
    assert packages
    for package in packages:
        name, sep, version = package.partition("==")
        assert sep == "==" and name and version, package
        assert not any(c in version for c in "<>=*,~! "), package
    names = [p.split("==")[0].lower().replace("_", "-") for p in packages]
    assert len(names) == len(set(names))
    assert {"huggingface-hub", "boto3", "botocore", "hf-xet"} <= set(names)


def test_script_runs_from_the_tools_config_map():
    command = container(job())["command"][2]
    assert command.endswith("PYTHONPATH=/tmp/pydeps exec python3 /opt/llm-platform/preload.py")
    assert mounts(job())["/opt/llm-platform"]["readOnly"] is True
    assert volumes(job())["tools"]["configMap"]["name"] == "weight-tools"


SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-platform/dev/hugging-face-token"


def test_without_a_token_secret_the_job_reads_no_token():
    e = env(job())
    assert "HF_TOKEN" not in e and "HF_TOKEN_SECRET_ARN" not in e
    assert not any("secretKeyRef" in str(v) for v in e.values())


@pytest.mark.parametrize("name", ["s3files", "streamer"])
def test_hugging_face_token_comes_from_secrets_manager_never_from_kubernetes(name: str):
    platform = variant(name).platform
    j = render_preload_job(platform, bucket_of(platform), QWEN, QWEN_GIB, hf_token_secret_arn=SECRET_ARN)
    e = env(j)
    assert e["HF_TOKEN_SECRET_ARN"] == {"name": "HF_TOKEN_SECRET_ARN", "value": SECRET_ARN}
    assert "HF_TOKEN" not in e  # the script fetches it itself, with the Job's Pod Identity
    assert all("valueFrom" not in v for v in e.values())
    assert not any("secret" in v for v in pod(j)["volumes"])
    assert validate_object(j, "1.34") == []


def test_repository_and_revision_in_the_environment():
    e = env(job())
    assert e["REPOSITORY"]["value"] == QWEN_REPO
    assert e["REVISION"]["value"] == QWEN_REV
    assert e["HOME"]["value"].startswith("/tmp")


# --------------------------------------------------------------------------------------
# weight store per loader
# --------------------------------------------------------------------------------------


def test_s3files_writes_through_the_mount_read_write():
    j = job("s3files")
    assert env(j)["TARGET"]["value"] == f"/models/{QWEN_REPO}/{QWEN_REV}"
    assert "STAGING_DIR" not in env(j)
    assert not mounts(j)["/models"].get("readOnly", False)
    claim = volumes(j)["weights"]["persistentVolumeClaim"]
    assert claim["claimName"] == "model-weights"
    assert not claim.get("readOnly", False)
    assert "scratch" not in volumes(j)


def test_streamer_stages_on_scratch_and_uploads_to_s3():
    j = job("streamer")
    assert env(j)["TARGET"]["value"] == f"s3://{BUCKET}/models/{QWEN_REPO}/{QWEN_REV}"
    assert env(j)["STAGING_DIR"]["value"] == "/scratch"
    assert mounts(j)["/scratch"]["name"] == "scratch"
    # int(7.0874 x 1.2 = 8.5) + 10 = 18
    assert volumes(j)["scratch"] == {"name": "scratch", "emptyDir": {"sizeLimit": "18Gi"}}
    assert "weights" not in volumes(j)
    assert "/models" not in mounts(j)


def test_adapter_jobs_target_their_own_paths():
    v = variant("lora")
    refs = weight_refs(v.model)
    assert refs == [QWEN, WeightRef(SQL_REPO, SQL_REV), WeightRef(DOCS_REPO, DOCS_REV)]
    jobs = [render_preload_job(v.platform, bucket_of(v.platform), ref, 2.0) for ref in refs]
    assert len({j["metadata"]["name"] for j in jobs}) == 3
    assert env(jobs[1])["TARGET"]["value"] == f"/models/{SQL_REPO}/{SQL_REV}"
    assert env(jobs[2])["REVISION"]["value"] == DOCS_REV


def test_every_mount_has_a_volume(any_variant: Variant):
    j = render_preload_job(any_variant.platform, bucket_of(any_variant.platform), QWEN, QWEN_GIB)
    assert {m["name"] for m in container(j)["volumeMounts"]} == set(volumes(j))


def test_streamer_scratch_holds_the_checkpoint_as_downloaded():
    v = variant("tp4-streamer")
    # what program.build passes for a model's base weights (program.preload_sizes)
    j = render_preload_job(v.platform, bucket_of(v.platform), WeightRef(LLAMA_REPO, LLAMA_REV), preload_sizes(v.platform)[WeightRef(LLAMA_REPO, LLAMA_REV)])
    size = volumes(j)["scratch"]["emptyDir"]["sizeLimit"]
    assert size.endswith("Gi")
    # 70.6e9 params x 2 B (bf16 checkpoint) = 141.2e9 B = 131.5 GiB
    assert int(size[:-2]) >= 132


def test_custom_bucket_and_claim():
    def custom(cfg):
        cfg["weights"] = {"loader": "streamer", "bucketName": "acme-weights", "prefix": "w"}

    platform = build_platform(custom)
    j = render_preload_job(platform, bucket_of(platform), QWEN, QWEN_GIB)
    assert env(j)["TARGET"]["value"] == f"s3://acme-weights/w/{QWEN_REPO}/{QWEN_REV}"


def test_preload_jobs_are_schema_valid(any_variant: Variant):
    for i, ref in enumerate(weight_refs(any_variant.model)):
        j = render_preload_job(any_variant.platform, bucket_of(any_variant.platform), ref, any_variant.model.weights_gib if i == 0 else 2.0)
        assert validate_object(j, "1.34") == []
