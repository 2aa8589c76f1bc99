"""Alert receivers: Alertmanager's routes and receivers, the synced secrets, and their validation."""

from __future__ import annotations

import pytest

from infra.config import ConfigError
from infra.render.observability.receivers import (
    RECEIVERS_SECRET,
    alertmanager_config,
    alertmanager_secrets,
    receiver_secret_names,
    render_receivers_external_secret,
    sns_publish_policy,
    sns_topic_arns,
)
from infra.render.services import external_secrets, victoria_metrics
from infra.validation.k8s_schema import validate_object
from tests.conftest import reference_config

PAGER = {"name": "oncall", "type": "pagerduty", "credentialsSecret": "alerts/pagerduty", "severities": ["critical"]}
SLACK = {"name": "team", "type": "slack", "credentialsSecret": "alerts/slack", "channel": "#llm"}
HOOK = {"name": "hook", "type": "webhook", "credentialsSecret": "alerts/hook"}
TOPIC = "arn:aws:sns:eu-west-1:123456789012:llm-alerts"
SNS = {"name": "pager-topic", "type": "sns", "topicArn": TOPIC, "severities": ["critical"]}


def with_receivers(*receivers):
    return reference_config("dev", observability={"receivers": list(receivers)})


def test_without_receivers_alerts_stay_in_alertmanager():
    platform = reference_config("dev")
    assert alertmanager_config(platform) == {
        "route": {"receiver": "blackhole", "group_by": ["alertname", "namespace"], "group_wait": "30s",
                  "group_interval": "5m", "repeat_interval": "4h"},
        "receivers": [{"name": "blackhole"}]}
    assert alertmanager_secrets(platform) == [] and render_receivers_external_secret(platform) is None
    assert "secrets" not in victoria_metrics.chart_values(platform)["alertmanager"]["spec"]
    assert external_secrets.secret_namespaces(platform) == ["envoy-gateway-system"]


def test_each_receiver_reads_its_secret_from_a_file_and_gets_its_severities():
    platform = with_receivers(PAGER, SLACK, HOOK)
    config = alertmanager_config(platform)
    assert config["route"]["routes"] == [
        {"receiver": "oncall", "matchers": ['severity=~"critical"'], "continue": True},
        {"receiver": "team", "matchers": ['severity=~"critical|warning"'], "continue": True},
        {"receiver": "hook", "matchers": ['severity=~"critical|warning"'], "continue": True}]
    directory = f"/etc/vm/secrets/{RECEIVERS_SECRET}"
    assert config["receivers"][1:] == [
        {"name": "oncall", "pagerduty_configs": [{"routing_key_file": f"{directory}/oncall", "send_resolved": True}]},
        {"name": "team", "slack_configs": [{"api_url_file": f"{directory}/team", "send_resolved": True,
                                            "channel": "#llm"}]},
        {"name": "hook", "webhook_configs": [{"url_file": f"{directory}/hook", "send_resolved": True}]}]
    assert "alerts/slack" not in str(config)  # only files, never the secrets' names or values
    values = victoria_metrics.chart_values(platform)["alertmanager"]
    assert values["spec"]["secrets"] == [RECEIVERS_SECRET] and values["config"] == config


def test_the_secrets_are_synced_into_the_observability_namespace_only_from_there():
    platform = with_receivers(PAGER, SLACK)
    secret = render_receivers_external_secret(platform)
    assert validate_object(secret, "1.35") == []
    assert secret["metadata"]["namespace"] == "monitoring" and secret["spec"]["target"]["name"] == RECEIVERS_SECRET
    assert secret["spec"]["data"] == [{"secretKey": "oncall", "remoteRef": {"key": "alerts/pagerduty"}},
                                      {"secretKey": "team", "remoteRef": {"key": "alerts/slack"}}]
    assert external_secrets.secret_namespaces(platform) == ["envoy-gateway-system", "monitoring"]
    assert receiver_secret_names(platform) == ["alerts/pagerduty", "alerts/slack"]


@pytest.mark.parametrize("receivers, says", [
    ([PAGER, {**SLACK, "name": "oncall"}], "receiver names repeat (oncall)"),
    ([{**PAGER, "channel": "#x"}], "channel is a Slack setting"),
    ([{**HOOK, "name": "blackhole"}], "'blackhole' is the receiver of unrouted alerts"),
    ([{**HOOK, "name": "Hook"}], "is not a receiver name"),
    ([{**HOOK, "type": "email"}], "observability.receivers[0].type"),
    ([{**HOOK, "type": "sns"}], "an sns receiver needs topicArn"),
    ([{**SNS, "credentialsSecret": "alerts/sns"}], "not a stored credential; allowed: remove credentialsSecret"),
    ([{"name": "team", "type": "slack"}], "a slack receiver needs credentialsSecret"),
    ([{**HOOK, "topicArn": TOPIC}], "topicArn is an sns setting"),
    ([{**SNS, "topicArn": TOPIC + ".fifo"}], "(a FIFO topic: Alertmanager sends no message group ID)"),
    ([{**SNS, "topicArn": "arn:aws:sqs:us-east-1:123456789012:alerts"}], "is not a standard SNS topic ARN"),
    ([{**HOOK, "credentialsSecret": "arn:aws:iam::123456789012:role/x"}], "credentialsSecret"),
])
def test_bad_receivers_are_one_line_each(receivers, says):
    with pytest.raises(ConfigError) as caught:
        with_receivers(*receivers)
    assert any(says in line for line in caught.value.lines), caught.value.lines


def test_the_prod_plan_lets_external_secrets_read_the_receivers_secrets_and_syncs_them_after_its_store():
    from tests.conftest import reference_plan

    plan = reference_plan("prod")
    by_name = {r.name: r for r in plan.resources}
    (policy,) = [str(r.inputs["policy"]) for r in plan.resources
                 if r.name == "external-secrets-read-secrets" and r.type == "aws:iam/policy:Policy"]
    for name in receiver_secret_names(plan.platform):
        assert f"secret:{name}-??????" in policy
    receivers = by_name["observability-receivers"]
    assert by_name["external-secrets-cluster-secret-store"].urn in receivers.dependencies


def test_an_sns_receiver_signs_with_the_topics_region_and_needs_no_secret():
    platform = with_receivers(SNS)
    config = alertmanager_config(platform)
    assert config["receivers"][1:] == [{"name": "pager-topic", "sns_configs": [
        {"topic_arn": TOPIC, "sigv4": {"region": "eu-west-1"}, "send_resolved": True}]}]
    assert alertmanager_secrets(platform) == [] and render_receivers_external_secret(platform) is None
    assert receiver_secret_names(platform) == [] and sns_topic_arns(platform) == [TOPIC]
    assert external_secrets.secret_namespaces(platform) == ["envoy-gateway-system"]  # nothing to sync there
    assert sns_publish_policy([TOPIC]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": [TOPIC]}]}


def test_alertmanager_reaches_the_pod_identity_agent_only_with_sns_receivers():
    from infra.render import platform_flows
    from infra.render.network_policy import pod_identity_egress

    def egress(platform):
        (policy,) = [p for p in platform_flows.monitoring_policies(platform) if p["metadata"]["name"] == "vmalertmanager"]
        return policy["spec"]["egress"]

    assert pod_identity_egress() in egress(with_receivers(SNS, SLACK))
    assert pod_identity_egress() not in egress(with_receivers(SLACK))
