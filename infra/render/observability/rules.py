"""Platform-wide alert rules (one VMRule in the observability namespace), each with a runbook line.

- gateway: 5xx ratio of the gateway's responses, client-observed time to first token per model
  (the AI Gateway's GenAI histogram, against each model's `slo.ttftP95Seconds`), Envoy metrics
  missing, GenAI telemetry missing while vLLM serves;
- GPUs (DCGM exporter default counters): XID errors, temperature, uncorrectable memory errors
  (row remapping, which is how A100/H100-class GPUs retire rows after an uncorrectable ECC error;
  the ECC volatile/aggregate counters are not among the exporter's default counters), row remap
  failure, and GPU nodes without DCGM metrics;
- models: a model with ready replicas whose vLLM metrics are not scraped, and a weight preload Job
  that failed (its models cannot start);
- TLS (when the gateway has it): the gateway's certificate not ready, expiring within 14 days (its
  renewal has failed for weeks: cert-manager renews at two thirds of the lifetime, 30 days before for
  the private CA), or without metrics (the two alerts before are then blind);
- semantic router (when enabled): no router up (the virtual model then falls back to `defaultModel`),
  routing latency.

Per-model SLO alerts (TTFT, error ratio, KV saturation, queue, availability, cold-start budget)
are in model_monitoring.py, next to each model.
"""

from __future__ import annotations

from ...config import PlatformConfig
from ..labels import metadata
from ..promql import fmt
from ..gateway.tls import certificate_name
from ..weight_store import PRELOAD_JOB_PREFIX
from ..services.semantic_router import METRICS_SERVICE as SEMANTIC_ROUTER_METRICS_SERVICE
from ..services.semantic_router import NAMESPACE as SEMANTIC_ROUTER_NAMESPACE
from .scrapes import observability_labels

GATEWAY_LISTENERS = "https?-[0-9]+"  # Envoy Gateway's data-plane HTTP connection managers (stats listener excluded)


def _rule(alert: str, expr: str, for_: str | None, severity: str, component: str, summary: str, runbook: str,
          **labels: str) -> dict:
    """`for_` None: fire on the first evaluation (events that do not heal by waiting)."""
    rule = {"alert": alert, "expr": expr}
    if for_ is not None:
        rule["for"] = for_
    rule["labels"] = {"severity": severity, "component": component, **labels}
    rule["annotations"] = {"summary": summary, "runbook": runbook}
    return rule


def gateway_rules(platform: PlatformConfig) -> list[dict]:
    gw = platform.gateway.namespace
    listeners = f'namespace="{gw}",envoy_http_conn_manager_prefix=~"{GATEWAY_LISTENERS}"'
    ratio = platform.observability.alerts.gateway_error_ratio
    rules = [
        _rule("LLMGatewayErrorRateHigh",
              f'sum(rate(envoy_http_downstream_rq_xx{{{listeners},envoy_response_code_class="5"}}[10m])) / '
              f"sum(rate(envoy_http_downstream_rq_completed{{{listeners}}}[10m])) > {fmt(ratio)}",
              "10m", "critical", "gateway",
              f"more than {fmt(ratio * 100)}% of the gateway's responses are 5xx",
              "Find the model with envoy_cluster_upstream_rq_xx by envoy_cluster_name; 503s with no healthy "
              "upstream mean no ready replica (a model waking from zero, or down: see its LLMModelUnavailable)."),
    ]
    for model in platform.resolved_models:
        slo = model.config.slo.ttft_p95_seconds
        rules.append(_rule(
            "LLMGatewayTimeToFirstTokenHigh",
            "histogram_quantile(0.95, sum by (le) (rate(gen_ai_server_time_to_first_token_seconds_bucket"
            f'{{namespace="{gw}",gen_ai_original_model="{model.name}"}}[5m]))) > {fmt(slo)}',
            "10m", "warning", "gateway",
            f"{model.name}: p95 time to first token seen by clients above {fmt(slo)}s",
            "Compare with vLLM's own LLMModelTimeToFirstTokenHigh: only here means gateway overhead or requests "
            "served by the fallback; there too means the model is saturated.",
            model=model.name))
    rules += [
        _rule("LLMGatewayMetricsMissing",
              f'absent(envoy_server_live{{namespace="{gw}"}})',
              "10m", "warning", "gateway",
              "no Envoy metrics from the gateway: its traffic, errors and the scale-from-zero trigger are blind",
              f"Check the VMPodScrape llm-gateway targets in vmagent, that the proxies run in {gw}, and that "
              "network policies there admit vmagent on ports 19001 and 1064."),
        _rule("LLMGatewayGenAITelemetryMissing",
              f'(sum(rate(vllm:request_success_total{{namespace="{platform.serving.namespace}"}}[15m])) > 0) '
              f'unless on() (sum(rate(gen_ai_server_request_duration_seconds_count{{namespace="{gw}"}}[15m])) > 0)',
              "15m", "warning", "gateway",
              "models serve requests but the gateway records no GenAI metrics (token usage per tenant is blind)",
              "Check the aigw-admin (1064) endpoint of the llm-gateway VMPodScrape; if it is up, traffic is "
              "bypassing the gateway."),
    ]
    return rules


def gpu_rules(platform: PlatformConfig) -> list[dict]:
    temperature = platform.observability.alerts.gpu_temperature_celsius
    return [
        _rule("LLMGPUXidError",
              "max by (node, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0",
              "1m", "critical", "gpu",
              "GPU {{ $labels.gpu }} on {{ $labels.node }} reported XID {{ $value }}",
              "XID 48, 63, 64, 74, 79, 92-95 are hardware (ECC, NVLink, fell off the bus): kubectl cordon and drain "
              "the node, Karpenter replaces it; 13, 31, 43 are application faults: read the vLLM logs."),
        _rule("LLMGPUTemperatureHigh",
              f"max by (node, gpu) (DCGM_FI_DEV_GPU_TEMP) > {temperature}",
              "10m", "warning", "gpu",
              f"GPU {{{{ $labels.gpu }}}} on {{{{ $labels.node }}}} above {temperature} C for 10 minutes",
              "Expect clock throttling and higher latency; if it persists on one node, cordon and drain it so "
              "Karpenter replaces the instance."),
        _rule("LLMGPUUncorrectableMemoryError",
              "max by (node, gpu) (increase(DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS[1h])) > 0",
              None, "warning", "gpu",
              "GPU {{ $labels.gpu }} on {{ $labels.node }} had an uncorrectable ECC error (a memory row was remapped)",
              "The remap takes effect at the next GPU reset: drain the node when convenient; Karpenter replaces it."),
        _rule("LLMGPURowRemapFailure",
              "max by (node, gpu) (DCGM_FI_DEV_ROW_REMAP_FAILURE) > 0",
              None, "critical", "gpu",
              "GPU {{ $labels.gpu }} on {{ $labels.node }} failed to remap a memory row after an ECC error",
              "The GPU can corrupt results: kubectl cordon and drain the node now and let Karpenter replace it."),
        _rule("LLMGPUMetricsMissing",
              'count by (node) (kube_node_status_capacity{resource="nvidia_com_gpu"} > 0) '
              "unless on(node) count by (node) (DCGM_FI_DEV_GPU_UTIL)",
              "15m", "warning", "gpu",
              "GPU node {{ $labels.node }} exports no DCGM metrics",
              "Check the dcgm-exporter pod on that node in kube-system (tolerations, GPU pool affinity) and the "
              "VMServiceScrape dcgm-exporter targets in vmagent."),
    ]


def model_rules(platform: PlatformConfig) -> list[dict]:
    if not platform.resolved_models:
        return []
    ns = platform.serving.namespace
    names = "|".join(m.name for m in platform.resolved_models)
    return [
        _rule("LLMModelMetricsMissing",
              f'(sum by (deployment) (kube_deployment_status_replicas_available{{namespace="{ns}",'
              f'deployment=~"{names}"}}) > 0) unless on(deployment) label_replace(sum by (model_name) '
              f'(vllm:num_requests_running{{namespace="{ns}"}}), "deployment", "$1", "model_name", "(.+)")',
              "10m", "warning", "models",
              "{{ $labels.deployment }} has ready replicas but no vLLM metrics: its autoscaling and SLO alerts are blind",
              "Check the model's VMServiceScrape targets in vmagent and that its NetworkPolicy admits vmagent from "
              f"{platform.observability.namespace}."),
        _rule("LLMWeightPreloadFailed",
              f'kube_job_failed{{namespace="{ns}",job_name=~"{PRELOAD_JOB_PREFIX}.+",condition="true"}} == 1',
              None, "critical", "models",
              "weight preload Job {{ $labels.job_name }} failed: the models using these weights cannot start",
              f"kubectl -n {ns} logs job/{{{{ $labels.job_name }}}}: the last line says why. 'for good (no retry)' "
              "is a wrong repository or revision, or a gated repository without access for the token "
              "(weights.huggingFaceTokenSecret); otherwise the retries or the deadline ran out. Fix it, delete the "
              "Job and run `pulumi up` again."),
    ]


CERTIFICATE_EXPIRY_WARNING_DAYS = 14


def tls_rules(platform: PlatformConfig) -> list[dict]:
    tls = platform.gateway.tls
    if tls is None:
        return []
    gw = platform.gateway.namespace
    cert = f'namespace="{gw}",name="{certificate_name(platform)}"'
    describe = f"kubectl -n {gw} describe certificate {certificate_name(platform)}"
    return [
        _rule("LLMGatewayCertificateNotReady",
              f'max(certmanager_certificate_ready_status{{{cert},condition="False"}}) == 1',
              "30m", "warning", "tls",
              f"the gateway's certificate for {tls.hostname} is not ready: it is not being issued or renewed",
              f"{describe}; then " + (
                  "the CertificateRequest, Order and Challenge it names: a DNS-01 challenge that never completes is "
                  "usually a wrong gateway.tls.acme.hostedZoneId, or a Route 53 permission (the cert-manager "
                  "controller's Pod Identity role)." if tls.issuer == "acme" else
                  "the CertificateRequest it names and `kubectl get clusterissuer llm-platform-ca` (Ready once its "
                  "root, Secret cert-manager/llm-platform-ca, exists).")),
        _rule("LLMGatewayCertificateExpiring",
              f"min(certmanager_certificate_expiration_timestamp_seconds{{{cert}}}) - time() < "
              f"{CERTIFICATE_EXPIRY_WARNING_DAYS * 86400}",
              "1h", "critical", "tls",
              f"the gateway's certificate for {tls.hostname} expires within {CERTIFICATE_EXPIRY_WARNING_DAYS} days "
              "and has not been renewed",
              f"{describe}; renewal has been failing for weeks. Clients start failing at expiry."),
        _rule("LLMGatewayCertificateMetricsMissing",
              f"absent(certmanager_certificate_expiration_timestamp_seconds{{{cert}}})",
              "30m", "warning", "tls",
              "no expiry metric for the gateway's certificate: the certificate alerts are blind",
              "kubectl -n cert-manager get pods; check the cert-manager VMServiceScrape targets in vmagent."),
    ]


def semantic_router_rules(platform: PlatformConfig) -> list[dict]:
    router = platform.gateway.semantic_router
    if not router.enabled:
        return []
    ns = f'namespace="{SEMANTIC_ROUTER_NAMESPACE}"'
    return [
        _rule("LLMSemanticRouterDown",
              f'absent(up{{{ns},service="{SEMANTIC_ROUTER_METRICS_SERVICE}"}} == 1)',
              "5m", "warning", "semantic-router",
              f"no semantic router is up: requests for {router.virtual_model!r} all go to {router.default_model}",
              f"kubectl -n {SEMANTIC_ROUTER_NAMESPACE} get pods; a pod stuck in start-up is usually downloading "
              "its classifiers from huggingface.co (logs; egress on 443). The gateway keeps serving meanwhile."),
        _rule("LLMSemanticRouterSlow",
              "histogram_quantile(0.95, sum by (le) (rate(llm_model_routing_latency_seconds_bucket"
              f"{{{ns}}}[5m]))) > 0.5",
              "15m", "warning", "semantic-router",
              "the semantic router adds more than 0.5s (p95) to requests for the virtual model",
              "The classifiers run on CPU: raise gateway.semanticRouter.resources.cpu or replicas, and check the "
              "router pods' CPU throttling and node pressure."),
    ]


def platform_alert_groups(platform: PlatformConfig) -> list[dict]:
    groups = [
        {"name": "llm-platform.gateway", "interval": "1m", "rules": gateway_rules(platform)},
        {"name": "llm-platform.gpu", "interval": "1m", "rules": gpu_rules(platform)},
        {"name": "llm-platform.models", "interval": "1m", "rules": model_rules(platform)},
        {"name": "llm-platform.semantic-router", "interval": "1m", "rules": semantic_router_rules(platform)},
        {"name": "llm-platform.tls", "interval": "1m", "rules": tls_rules(platform)},
    ]
    return [g for g in groups if g["rules"]]


def render_platform_rule(platform: PlatformConfig) -> dict:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMRule",
        "metadata": metadata("llm-platform", platform.observability.namespace, observability_labels("alerts")),
        "spec": {"groups": platform_alert_groups(platform)},
    }
