"""Settings the renderers used to refuse with a traceback at plan time, refused at config time instead."""

from __future__ import annotations

import json

import pytest

from infra.config import ConfigError
from tests.conftest import reference_config, reference_stack_file

DEV = reference_stack_file("dev")
L4 = json.loads(DEV.values["llm-platform:gpuPools"])["l4"]
WEIGHTS = json.loads(DEV.values["llm-platform:weights"])


def only_line(**sections) -> str:
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", **sections)
    (line,) = caught.value.lines
    assert line.startswith(f"{DEV.display_path}: llm-platform:"), line
    return line


def test_a_node_group_pool_has_one_capacity_type():
    line = only_line(gpuPools={"l4": L4 | {"provisioner": "nodeGroup", "gpuLimit": 8}})
    assert "gpuPools.l4: a managed node group has one capacity type" in line


def test_a_node_group_pool_holds_at_least_one_of_its_nodes():
    line = only_line(gpuPools={"l4": L4 | {"provisioner": "nodeGroup", "capacityTypes": ["on-demand"]}})
    assert "gpuLimit 4 is less than one node of this node group (8 L4); allowed: gpuLimit >= 8" in line
    reference_config("dev", gpuPools={"l4": L4 | {"provisioner": "nodeGroup", "capacityTypes": ["on-demand"],
                                                  "instanceTypes": ["g6.xlarge"]}})


@pytest.mark.parametrize("key", ["L4", "l4_pool", "-l4", "a" * 31])
def test_a_pool_key_that_cannot_name_objects_is_refused_by_its_key(key):
    line = only_line(gpuPools={key: L4})
    assert f"gpuPools.{key}: {key!r} is not a valid name" in line


@pytest.mark.parametrize("secret", ["bad name", "arn:aws:secretsmanager::123:secret:x", "x" * 513])
def test_a_malformed_hugging_face_token_secret_is_refused(secret):
    line = only_line(weights=WEIGHTS | {"huggingFaceTokenSecret": secret})
    assert "weights.huggingFaceTokenSecret: " in line and "is not a Secrets Manager secret" in line


def test_a_model_that_cannot_load_within_the_startup_probe_is_refused_naming_the_loader():
    """A 1,200 GiB checkpoint read at ~250 MiB/s from S3 Files needs over 80 minutes; the probe allows 60."""
    models = json.loads(DEV.values["llm-platform:models"])
    huge = {"parametersBillion": 600, "layers": 61, "attentionHeads": 128, "kvHeads": 128, "headDim": 128,
            "maxContext": 131072, "checkpointDtype": "bf16"}
    models[0] |= {"architecture": huge}
    with pytest.raises(ConfigError) as caught:
        reference_config("dev", models=models)
    lines = [line for line in caught.value.lines if "weights.loader" in line]
    assert lines and "longer than the startup probe's 3600 s" in lines[0] and "allowed: streamer" in lines[0]


def test_the_metrics_url_follows_the_observability_namespace():
    assert reference_config("dev", observability={"namespace": "obs"}).observability.metrics_url == \
        "http://vmsingle-vm.obs.svc:8428"
    external = "http://prometheus.example.internal:9090"
    assert reference_config("dev", observability={"namespace": "obs", "metricsUrl": external}) \
        .observability.metrics_url == external


def test_the_platforms_metrics_url_in_another_namespace_is_refused():
    line = only_line(observability={"namespace": "obs", "metricsUrl": "http://vmsingle-vm.monitoring.svc:8428"})
    assert "llm-platform:observability: metricsUrl" in line and "but it runs in 'obs'" in line
