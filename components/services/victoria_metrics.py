"""victoria-metrics-k8s-stack: the observability namespace, Grafana's generated admin credentials and
the pinned release. `metrics_url` is VMSingle's endpoint; it must equal `observability.metricsUrl`."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from infra.catalog import component_types
from infra.catalog.platform_versions import VICTORIA_METRICS_K8S_STACK_CHART
from infra.config import PlatformConfig
from infra.render import platform_flows
from infra.render.observability.receivers import sns_publish_policy, sns_topic_arns
from infra.render.services import victoria_metrics as render

from ..aws.pod_identity import PodIdentityRoleArgs, pod_identity_role
from ..helm_release import helm_release
from ._helm import namespace, network_policies, on_cluster

TIMEOUT_SECONDS = 900  # the operator, then VMSingle's volume, VMAgent, VMAlert, Alertmanager and Grafana


@dataclass(frozen=True)
class VictoriaMetricsStackArgs:
    platform: PlatformConfig
    k8s_provider: k8s.Provider
    depends_on: tuple[pulumi.Resource, ...] = ()  # e.g. the cluster's Pod Identity agent add-on
    cluster_name: pulumi.Input[str] | None = None  # for SNS receivers: Alertmanager's Pod Identity


class VictoriaMetricsStack(pulumi.ComponentResource):
    namespace: pulumi.CustomResource
    network_policies: tuple[pulumi.CustomResource, ...]
    grafana_admin: k8s.core.v1.Secret
    alertmanager_identity: aws.eks.PodIdentityAssociation | None  # only with SNS receivers
    release: k8s.helm.v3.Release
    metrics_url: str

    def __init__(self, name: str, args: VictoriaMetricsStackArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.VICTORIA_METRICS_STACK, name, None, opts)
        platform = args.platform
        self.metrics_url = render.vmsingle_url(platform)
        if platform.observability.metrics_url != self.metrics_url:
            pulumi.log.warn(f"observability.metricsUrl is {platform.observability.metrics_url!r}, but the "
                            f"VictoriaMetrics stack serves {self.metrics_url!r}; KEDA and Grafana read the former",
                            resource=self)
        self.namespace = namespace(name, render.render_namespace(platform), self, args.k8s_provider, args.depends_on)
        inside = on_cluster(self, args.k8s_provider, [*args.depends_on, self.namespace])
        self.network_policies = network_policies(name, platform_flows.monitoring_policies(platform), self,
                                                 args.k8s_provider, [*args.depends_on, self.namespace])

        # Grafana's admin login: a generated password in a Secret the chart reads (admin.existingSecret).
        password = random.RandomPassword(f"{name}-grafana-admin-password", length=32, special=False,
                                         opts=pulumi.ResourceOptions(parent=self))
        self.grafana_admin = k8s.core.v1.Secret(
            f"{name}-grafana-admin", metadata=render.grafana_admin_secret_metadata(platform), type="Opaque",
            string_data={render.GRAFANA_ADMIN_USER_KEY: platform.services.metrics.grafana_admin_user,
                         render.GRAFANA_ADMIN_PASSWORD_KEY: password.result},
            opts=inside)

        self.alertmanager_identity = self._sns_identity(name, args)
        self.release = helm_release(f"{name}-release", render.RELEASE_NAME, VICTORIA_METRICS_K8S_STACK_CHART,
                                    render.namespace_name(platform), render.chart_values(platform),
                                    on_cluster(self, args.k8s_provider,
                                               [*args.depends_on, self.namespace, self.grafana_admin,
                                                *self.network_policies,
                                                *([self.alertmanager_identity] if self.alertmanager_identity
                                                  else [])]),
                                    timeout=TIMEOUT_SECONDS)
        self.register_outputs({"namespace": render.namespace_name(platform), "metrics_url": self.metrics_url,
                               "grafana_service": render.GRAFANA_SERVICE, "release": self.release.name})

    def _sns_identity(self, name: str, args: VictoriaMetricsStackArgs) -> aws.eks.PodIdentityAssociation | None:
        """With SNS receivers: a role that may publish to exactly those topics, bound to the
        VMAlertmanager's service account before Alertmanager starts."""
        topics = sns_topic_arns(args.platform)
        if not topics:
            return None
        if args.cluster_name is None:
            raise ValueError("SNS receivers need cluster_name (Alertmanager's Pod Identity association)")
        return pod_identity_role(PodIdentityRoleArgs(
            cluster_name=args.cluster_name, namespace=render.namespace_name(args.platform),
            service_account=render.ALERTMANAGER_SERVICE_ACCOUNT, policy=json.dumps(sns_publish_policy(topics)),
            description="Alertmanager: publish alerts to the stack's SNS topics",
            role_name=f"{name}-alertmanager-role", policy_name=f"{name}-alertmanager-sns",
            association_name=f"{name}-alertmanager-pod-identity", depends_on=args.depends_on), self)
