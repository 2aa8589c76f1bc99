"""The plan lists exactly the Secrets Manager secrets the program grants read access to, with who reads
each and what its value must be."""

from __future__ import annotations

import pytest

from infra.plan.secrets import needed_secrets, secret_lines, shape_problem
from infra.render.gateway import gateway_secret_names
from infra.render.observability.receivers import receiver_secret_names
from tests.conftest import REFERENCE_STACKS, reference_config


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_the_list_is_what_the_program_reads(stack):
    platform = reference_config(stack)
    read = [*gateway_secret_names(platform), *receiver_secret_names(platform)]
    if platform.weights.hugging_face_token_secret:
        read.append(platform.weights.hugging_face_token_secret)
    listed = [s.name for s in needed_secrets(platform)]
    assert sorted(listed) == sorted(set(read)) and len(listed) == len(set(listed))


def test_each_secret_says_who_reads_it_and_its_shape():
    lines = secret_lines(reference_config("prod"), "us-east-1")
    assert lines[0].startswith("Secrets the stack reads from AWS Secrets Manager (us-east-1)")
    tenant = next(line for line in lines if "tenants/web-app" in line)
    assert "tenant web-app" in tenant and "Authorization: Bearer" in tenant
    token = next(line for line in lines if "hugging-face-token" in line)
    assert '{"token": "hf_..."}' in token  # the two shapes the preload script accepts
    assert lines[-1].startswith("  create one with: aws secretsmanager create-secret --region us-east-1")


def test_one_secret_read_twice_is_listed_once_with_both_readers():
    platform = reference_config("dev", observability={"receivers": [
        {"name": "hook", "type": "webhook", "credentialsSecret": "llm-platform/dev/tenants/dev-team"}]})
    (secret,) = [s for s in needed_secrets(platform) if s.name == "llm-platform/dev/tenants/dev-team"]
    assert secret.reader == "tenant dev-team (gateway API key); alert receiver hook"


@pytest.mark.parametrize(("kind", "value", "problem"), [
    ("api-key", "a" * 64, None),
    ("api-key", "short", "is 5 characters"),
    ("api-key", "", "is empty"),
    ("raw", " sk-abc", "leading or trailing whitespace"),
    ("hf-token", "hf_abc", None),
    ("hf-token", '{"token": "hf_abc"}', None),
    ("hf-token", '{"token": "abc"}', "is not a Hugging Face token"),
    ("hf-token", "{not json", 'is neither a raw token nor JSON {"token": "hf_..."}'),
    ("slack-url", "https://hooks.slack.com/services/T/B/x", None),
    ("slack-url", "https://example.com/hook", "is not a Slack incoming-webhook URL"),
    ("url", "http://alerts.internal/hook", "is not an https:// URL"),
    ("pagerduty-key", "0123456789abcdef0123456789ABCDEF", None),
    ("pagerduty-key", "R0123", "is not a PagerDuty Events API v2 routing key"),
])
def test_secret_shapes(kind, value, problem):
    found = shape_problem(kind, value)
    assert found is None if problem is None else (found is not None and problem in found)
    if found is not None and value.strip():
        assert value.strip() not in found  # the value itself is never echoed
