"""The metrics stack under mocks with an SNS receiver: Alertmanager's Pod Identity role may publish
to exactly the listed topics and is bound to the operator's VMAlertmanager account before the
release starts; without SNS receivers there is no AWS resource at all."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.services import VictoriaMetricsStack, VictoriaMetricsStackArgs
from infra.render.services import victoria_metrics as render
from tests.conftest import reference_config

CLUSTER = "llm-dev"
TOPIC = "arn:aws:sns:us-east-1:123456789012:llm-alerts"
SNS = {"name": "topic", "type": "sns", "topicArn": TOPIC}


def build(platform, cluster_name=CLUSTER) -> None:
    def construct():
        VictoriaMetricsStack("metrics", VictoriaMetricsStackArgs(
            platform, k8s.Provider("cluster", kubeconfig="{}"), cluster_name=cluster_name))

    pulumi.runtime.test(construct)()


def test_an_sns_receiver_gets_a_publish_only_identity_before_alertmanager_starts(services_mocks):
    build(reference_config("dev", observability={"receivers": [SNS]}))
    m = services_mocks
    role, grant, association = (m.named("metrics-alertmanager-role"), m.named("metrics-alertmanager-sns"),
                                m.named("metrics-alertmanager-pod-identity"))
    assert json.loads(grant.inputs["policy"])["Statement"] == [
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": [TOPIC]}]
    condition = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:RequestTag/kubernetes-service-account"] == render.ALERTMANAGER_SERVICE_ACCOUNT \
        == "vmalertmanager-vm"  # the VictoriaMetrics operator's PrefixedName of the chart's VMAlertmanager "vm"
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "monitoring", "vmalertmanager-vm")
    assert grant.urn in association.dependencies
    assert association.urn in m.named("metrics-release").dependencies


def test_without_sns_receivers_no_aws_resource(services_mocks):
    build(reference_config("dev"))
    assert not [r for r in services_mocks.registrations if r.type.startswith("aws:")]


def test_sns_receivers_need_the_cluster_name(services_mocks):
    with pytest.raises(Exception, match="SNS receivers need cluster_name"):
        build(reference_config("dev", observability={"receivers": [SNS]}), cluster_name=None)
