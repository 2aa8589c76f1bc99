"""Every gateway object validates strictly against the pinned CRDs (and Kubernetes 1.35), and uses
only the stable AI Gateway API."""

from __future__ import annotations

from infra.config import PlatformConfig
from infra.validation.k8s_schema import validate_object

from .conftest import objects


def test_every_object_validates(any_platform: PlatformConfig):
    for obj in objects(any_platform):
        assert validate_object(obj, "1.35") == [], obj["kind"]


def test_api_versions_are_the_pinned_stable_ones(any_platform: PlatformConfig):
    versions = {o["kind"]: o["apiVersion"] for o in objects(any_platform)}
    expected = {
        "GatewayClass": "gateway.networking.k8s.io/v1", "Gateway": "gateway.networking.k8s.io/v1",
        "EnvoyProxy": "gateway.envoyproxy.io/v1alpha1", "ClientTrafficPolicy": "gateway.envoyproxy.io/v1alpha1",
        "SecurityPolicy": "gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy": "gateway.envoyproxy.io/v1alpha1",
        "Backend": "gateway.envoyproxy.io/v1alpha1", "EnvoyPatchPolicy": "gateway.envoyproxy.io/v1alpha1",
        "AIGatewayRoute": "aigateway.envoyproxy.io/v1beta1", "AIServiceBackend": "aigateway.envoyproxy.io/v1beta1",
        "BackendSecurityPolicy": "aigateway.envoyproxy.io/v1beta1", "ExternalSecret": "external-secrets.io/v1",
        "HTTPRoute": "gateway.networking.k8s.io/v1", "Certificate": "cert-manager.io/v1",  # with tls
    }
    assert versions.items() <= expected.items()
    assert "QuotaPolicy" not in versions  # alpha and not enforced upstream


def test_names_are_unique_per_kind_and_namespace(any_platform: PlatformConfig):
    keys = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects(any_platform)]
    assert len(keys) == len(set(keys))
