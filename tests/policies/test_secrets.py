"""secrets-not-in-plain-config over hand-built inputs (and the stack file's pseudo resource)."""

from __future__ import annotations

import pytest

from policies.rules.secrets import STACK_CONFIG_TYPE
from tests.policies.helpers import DEPLOYMENT, HELM, JOB, changed, violations, vllm_container, vllm_deployment

RULE = "secrets-not-in-plain-config"
HF_TOKEN = "hf_" + "A1b2C3d4E5" * 4
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-platform/prod/hugging-face-token"


def preload_job(env: list[dict]) -> dict:
    return {"spec": {"template": {"spec": {"containers": [{"name": "preload", "image": "python:3.12.14", "env": env}]}}}}


def test_references_to_secrets_pass():
    job = preload_job([{"name": "HF_TOKEN_SECRET_ARN", "value": SECRET_ARN},
                       {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}])
    assert violations(RULE, JOB, job) == []
    assert violations(RULE, DEPLOYMENT, vllm_deployment()) == []
    assert violations(RULE, HELM, {"chart": "x", "values": {"auth": {"existingSecret": "creds", "password": "",
                                                                    "passwordFile": "/run/secrets/pw"}}}) == []
    plain_config = {"aws:region": "us-east-1", "llm-platform:weights": {"huggingFaceTokenSecret": "llm/hf-token"}}
    assert violations(RULE, STACK_CONFIG_TYPE, plain_config) == []


@pytest.mark.parametrize("typ, props, expected", [
    (JOB, preload_job([{"name": "HF_TOKEN", "value": "x" * 12}]),
     "container 'preload' env HF_TOKEN has a literal value (use valueFrom.secretKeyRef)"),
    (DEPLOYMENT, changed(vllm_deployment(), lambda d: vllm_container(d)["args"].extend(["--api-key", HF_TOKEN])),
     "holds a Hugging Face token in plain text"),
    (HELM, {"chart": "x", "values": {"grafana": {"adminPassword": "hunter2"}}}, "values.grafana.adminPassword is a"),
    (HELM, {"chart": "x", "values": {"auth": {"password": "hunter2"}}}, "values.auth.password is a credential setting"),
    (STACK_CONFIG_TYPE, {"aws:secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "aws:secretKey is a credential"),
    (STACK_CONFIG_TYPE, {"aws:accessKey": "AKIAIOSFODNN7EXAMPLE"}, "holds an AWS access key id"),
    (STACK_CONFIG_TYPE, {"llm-platform:weights": {"huggingFaceTokenSecret": HF_TOKEN}},
     "llm-platform:weights.huggingFaceTokenSecret holds a Hugging Face token"),
    ("pulumi:providers:kubernetes", {"kubeconfig": "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."}, "holds a private key"),
])
def test_plain_secrets_fail(typ, props, expected):
    found = violations(RULE, typ, props)
    assert any(expected in m for m in found), found


def test_kubernetes_secret_objects_are_where_secret_data_belongs():
    assert violations(RULE, "kubernetes:core/v1:Secret", {"stringData": {"token": HF_TOKEN}}) == []


def test_external_secrets_name_keys_and_are_not_flagged():
    from policies.rules.secrets import check_plain_secrets

    props = {"spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"},
                      "data": [{"secretKey": "team-a", "remoteRef": {"key": "llm/tenants/team-a"}}]}}
    assert check_plain_secrets("kubernetes:external-secrets.io/v1:ExternalSecret", props, "urn") == []
    # the same literal under a credential-like key elsewhere is still caught
    assert check_plain_secrets("kubernetes:core/v1:ConfigMap", {"data": {"secretKey": "team-a"}}, "urn")
