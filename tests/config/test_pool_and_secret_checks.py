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
