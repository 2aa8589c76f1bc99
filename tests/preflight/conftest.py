"""AWS as the preflight sees it, faked: moto for STS, IAM, Secrets Manager, S3 and EC2 (which it
implements), botocore's Stubber for Service Quotas and the EKS version calls (which it does not):
a stubbed call is checked against the service's own API model, parameters and response alike."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import boto3
import pytest
from botocore.stub import Stubber

from infra.plan.aws_shapes import ACCOUNT
from tests.conftest import reference_config

REGION = "us-east-1"
G_SPOT, G_ON_DEMAND = "All G and VT Spot Instance Requests", "Running On-Demand G and VT instances"


@dataclass
class FakeAws:
    real: dict = field(default_factory=dict)  # moto-backed clients
    stubs: dict = field(default_factory=dict)  # Stubber-backed clients

    def client(self, service: str):
        if service in self.stubs:
            return self.stubs[service][0]
        if service not in self.real:
            self.real[service] = boto3.client(service, region_name=REGION)
        return self.real[service]

    def stub(self, service: str) -> Stubber:
        if service not in self.stubs:
            client = boto3.client(service, region_name=REGION)
            stubber = Stubber(client)
            stubber.activate()
            self.stubs[service] = (client, stubber)
        return self.stubs[service][1]

    def quotas(self, values: dict[str, float]) -> None:
        self.stub("service-quotas").add_response("list_service_quotas", {"Quotas": [
            {"ServiceCode": "ec2", "QuotaName": name, "QuotaCode": f"L-{i:08X}", "Value": value}
            for i, (name, value) in enumerate(values.items())]}, {"ServiceCode": "ec2"})

    def eks_offers(self, platform, version_status: str = "STANDARD_SUPPORT", missing: tuple[str, ...] = ()) -> None:
        eks = self.stub("eks")
        version = platform.cluster.kubernetes_version
        eks.add_response("describe_cluster_versions", {"clusterVersions": [
            {"clusterVersion": version, "versionStatus": version_status}]}, {"clusterVersions": [version]})
        for addon, pinned in sorted(platform.addon_versions().items()):
            versions = [] if addon in missing else [{"addonVersion": pinned}]
            eks.add_response("describe_addon_versions", {"addons": [
                {"addonName": addon, "addonVersions": versions + [{"addonVersion": "v0.0.1-eksbuild.1"}]}]},
                {"addonName": addon, "kubernetesVersion": version})


@pytest.fixture
def aws(monkeypatch):
    import moto

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert ACCOUNT == "123456789012" == os.environ.get("MOTO_ACCOUNT_ID", "123456789012")  # moto's default
    with moto.mock_aws():
        yield FakeAws()


@pytest.fixture
def dev():
    return reference_config("dev")
