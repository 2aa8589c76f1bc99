"""The program as `pulumi up` runs it: config read from the engine, errors as one-line RunErrors."""

from __future__ import annotations

import json

import pulumi
import pytest

from infra.program import run
from tests.conftest import reference_stack_file


def test_run_reads_the_stack_config_the_engine_hands_it(pulumi_mocks):
    pulumi.runtime.test(run)()
    names = {r.name for r in pulumi_mocks.registrations}
    assert {"cluster", "serving", "qwen-coder", "qwen-coder-deployment"} <= names
    provider = next(r for r in pulumi_mocks.registrations if r.type == "pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    assert kubeconfig["users"][0]["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", "llm-dev"]
    deployment = next(r for r in pulumi_mocks.registrations if r.name == "qwen-coder-deployment")
    assert deployment.provider and deployment.provider.startswith(provider.urn)


def test_run_rejects_bad_config_before_registering_anything(pulumi_mocks):
    values = dict(reference_stack_file("dev").values)
    models = json.loads(values["llm-platform:models"])
    models[0]["quantization"] = "int4"
    values["llm-platform:models"] = json.dumps(models)
    pulumi.runtime.set_all_config(values)
    with pytest.raises(pulumi.RunError) as err:
        pulumi.runtime.test(run)()
    assert str(err.value) == ("stacks/Pulumi.dev.yaml: llm-platform:models[0].quantization: got 'int4'; "
                              "allowed: none, fp8, awq, gptq")
    assert pulumi_mocks.registrations == []
