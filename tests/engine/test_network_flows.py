"""Who can reach what, evaluated over the real pods: every workload of every Helm release (rendered
by the real Helm engine), the program's own objects, and the pods the operators create (their labels
from the operators' sources), against every NetworkPolicy the plan registers (tests/engine/network_policy.py
applies the API's semantics). The platform must work (each flow a component needs is open, every
webhook answers the control plane, every scrape target answers vmagent) and nothing else may pass."""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from urllib.parse import urlsplit

import pytest

from infra.render import platform_pods as pods
from infra.render.gateway.names import HTTPS_PORT, LISTENER_PORT
from infra.render.network_policy import POD_IDENTITY_AGENT
from infra.render.services import envoy_gateway
from tests.conftest import REFERENCE_STACKS, reference_plan

from .network_policy import Address, Cluster, Pod
from .test_helm_releases import applied_objects

_WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
API_CLUSTER_IP = Address("kubernetes API (ClusterIP)", "172.20.0.1")
CONTROL_PLANE = Address("EKS control plane ENI", "10.40.250.10")
INTERNET = Address("a public HTTPS endpoint", "52.94.133.131")
CLIENT = Address("a client of the load balancer", "10.40.200.7")
POD_IDENTITY = Address("EKS Pod Identity agent", POD_IDENTITY_AGENT.split("/")[0])


def _template(obj: dict) -> dict:
    spec = obj["spec"]
    return spec["jobTemplate"]["spec"]["template"] if obj["kind"] == "CronJob" else spec["template"]


def _operator_pods(objects: list[dict], gateway_name: str, rate_limited: bool) -> list[tuple[str, str, dict, dict]]:
    """(name, namespace, labels, ports) of the pods no chart renders. VictoriaMetrics operator
    (api/operator/v1beta1 SelectorLabels: name = the kind in lower case, instance = the object's name,
    component monitoring, managed-by vm-operator; port `http` = spec.port); Envoy Gateway 1.9.0
    (internal/infrastructure/kubernetes/proxy and ratelimit: the proxy and rate limit labels, a
    listener port below 1024 served on port + 10000)."""
    found = []
    for obj in objects:
        kind = obj["kind"]
        if kind in ("VMSingle", "VMAgent", "VMAlert", "VMAlertmanager"):
            name = kind.lower()
            labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": obj["metadata"]["name"],
                      "app.kubernetes.io/component": "monitoring", "managed-by": "vm-operator"}
            ports = {"http": int(obj["spec"]["port"])}
            if kind == "VMAlertmanager":
                ports["cluster"] = pods.VMALERTMANAGER_CLUSTER_PORT
            found.append((f"{name}-{obj['metadata']['name']}", obj["metadata"]["namespace"], labels, ports))
    proxy_labels = {**pods.envoy_proxies(gateway_name),
                    "gateway.envoyproxy.io/owning-gateway-namespace": envoy_gateway.NAMESPACE}
    found.append((f"{gateway_name}-envoy", envoy_gateway.NAMESPACE, proxy_labels,
                  {"http-80": LISTENER_PORT + 10000, "https-443": HTTPS_PORT + 10000, "metrics": 19001,
                   "aigw-admin": 1064}))
    if rate_limited:
        found.append(("envoy-ratelimit", envoy_gateway.NAMESPACE, dict(pods.RATE_LIMIT),
                      {"grpc": 8081, "metrics": 19001}))
    return found


@cache
def cluster(stack: str) -> Cluster:
    plan = reference_plan(stack)
    objects = applied_objects(stack)
    addresses = ipaddress.IPv4Network("10.40.0.0/17").hosts()
    inventory: list[Pod] = []
    for obj in objects:
        if obj["kind"] in _WORKLOADS:
            template = _template(obj)
            ports = {p.get("name", str(p["containerPort"])): p["containerPort"]
                     for c in template["spec"].get("containers", []) for p in c.get("ports", [])}
            inventory.append(Pod(obj["metadata"]["name"], obj["metadata"]["namespace"],
                                 template["metadata"].get("labels", {}), str(next(addresses)), ports,
                                 bool(template["spec"].get("hostNetwork"))))
    rate_limited = any(o["kind"] == "Deployment" and o["metadata"]["name"] == envoy_gateway.REDIS_NAME
                       for o in objects)
    for name, namespace, labels, ports in _operator_pods(objects, plan.platform.gateway.name, rate_limited):
        inventory.append(Pod(name, namespace, labels, str(next(addresses)), ports))
    inventory.append(Pod("coredns", "kube-system", {"k8s-app": "kube-dns"}, str(next(addresses)), {"dns": 53}))
    inventory.append(Pod("stranger", "default", {"app": "curious"}, str(next(addresses))))
    namespaces = {o["metadata"]["name"]: o["metadata"].get("labels", {}) for o in objects if o["kind"] == "Namespace"}
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    return Cluster(inventory, namespaces, policies)


def _platform_pods(c: Cluster) -> list[Pod]:
    """Pods in the namespaces the platform creates (not host-network: policies do not apply there)."""
    return [p for p in c.pods if p.namespace in c.namespace_labels and not p.host_network]


STACKS = pytest.mark.parametrize("stack", REFERENCE_STACKS)


@STACKS
def test_every_namespace_the_platform_creates_has_a_default_deny(stack):
    c = cluster(stack)
    for namespace in c.namespace_labels:
        denies = [p for p in c.policies if p["metadata"]["namespace"] == namespace and p["spec"] == {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}]
        assert denies, f"{stack}: namespace {namespace} has no default-deny NetworkPolicy"
    assert _platform_pods(c), "no pods found: the inventory is broken"


@STACKS
def test_a_pod_without_its_own_policy_can_do_nothing(stack):
    c = cluster(stack)
    for namespace in c.namespace_labels:
        nobody = Pod("unknown", namespace, {"app": "unknown"}, "10.40.127.250")
        assert not c.allows(nobody, INTERNET, 443) and not c.allows(nobody, API_CLUSTER_IP, 443)
        assert not c.allows(c.pod("default", app="curious"), nobody, 8080)


_DATASTORES = {"vmsingle-vm", "victoria-logs", envoy_gateway.REDIS_NAME}  # they only answer: no egress at all


@STACKS
def test_every_platform_pod_but_the_datastores_resolves_names(stack):
    c = cluster(stack)
    dns = c.pod("kube-system", **{"k8s-app": "kube-dns"})
    blocked = {p.name for p in _platform_pods(c) if not c.allows(p, dns, 53, "UDP")}
    assert blocked == _DATASTORES & {p.name for p in c.pods}, f"{stack}: cannot reach DNS: {sorted(blocked)}"


def _service_pods(c: Cluster, namespace: str, name: str, objects: list[dict]) -> tuple[list[Pod], dict]:
    service = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == name
                   and o["metadata"]["namespace"] == namespace)
    selector = service["spec"]["selector"]
    return ([p for p in c.pods if p.namespace == namespace and all(p.labels.get(k) == v for k, v in selector.items())],
            service)


def _pod_port(entry: dict, pod: Pod) -> int | None:
    """A Service port's target on one pod; None for a named port the pod lacks (no endpoint there, as in
    the EndpointSlice: e.g. a hook Job that carries the controller's labels)."""
    target = entry.get("targetPort", entry["port"])
    return pod.ports.get(target) if isinstance(target, str) else int(target)


@STACKS
def test_every_webhook_and_aggregated_api_answers_the_control_plane(stack):
    c = cluster(stack)
    objects = applied_objects(stack)
    checked, blocked = 0, []
    for obj in objects:
        refs = []
        if obj["kind"] in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            refs = [w["clientConfig"]["service"] for w in obj["webhooks"] if "service" in w["clientConfig"]]
        elif obj["kind"] == "APIService" and obj["spec"].get("service"):
            refs = [obj["spec"]["service"]]
        for ref in refs:
            targets, service = _service_pods(c, ref["namespace"], ref["name"], objects)
            assert targets, f"{stack}: {obj['metadata']['name']} calls {ref['name']}, which selects no pod"
            entries = service["spec"]["ports"]
            entry = next(e for e in entries if e["port"] == ref.get("port", 443))
            for pod in targets:
                port = _pod_port(entry, pod)
                if port is None:
                    continue
                checked += 1
                if not c.allows(CONTROL_PLANE, pod, port):
                    blocked.append(f"{obj['metadata']['name']} -> {pod.name}:{port}")
    assert checked >= 4, "no webhook found: the inventory is broken"
    assert not blocked, f"{stack}: the control plane cannot call: {sorted(set(blocked))}"


@STACKS
def test_every_scrape_target_answers_vmagent(stack):
    c = cluster(stack)
    plan = reference_plan(stack)
    objects = applied_objects(stack)
    vmagent = c.pod(plan.platform.observability.namespace, **pods.VMAGENT)
    checked, blocked = 0, []
    for scrape in (o for o in objects if o["kind"] in ("VMServiceScrape", "VMPodScrape")):
        spec = scrape["spec"]
        names = (spec.get("namespaceSelector") or {}).get("matchNames") or [scrape["metadata"]["namespace"]]
        selector = spec["selector"].get("matchLabels", {})
        if scrape["kind"] == "VMPodScrape":
            targets = [(p, p.ports[e["port"]]) for p in c.pods if p.namespace in names
                       and all(p.labels.get(k) == v for k, v in selector.items())
                       for e in spec["podMetricsEndpoints"]]
        else:
            targets = []
            for service in (o for o in objects if o["kind"] == "Service" and o["metadata"]["namespace"] in names
                            and all(o["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())):
                members, _ = _service_pods(c, service["metadata"]["namespace"], service["metadata"]["name"], objects)
                for endpoint in spec["endpoints"]:
                    entry = next(e for e in service["spec"]["ports"] if e.get("name") == endpoint["port"])
                    targets += [(pod, port) for pod in members if (port := _pod_port(entry, pod)) is not None]
        for pod, port in targets:
            checked += 1
            if not c.allows(vmagent, pod, port):
                blocked.append(f"{scrape['metadata']['name']} -> {pod.namespace}/{pod.name}:{port}")
    assert checked >= 8, "too few scrape targets resolved: the inventory is broken"
    assert not blocked, f"{stack}: vmagent cannot scrape: {sorted(set(blocked))}"


def _vllm(c: Cluster, stack: str) -> list[Pod]:
    found = [p for p in c.pods if p.labels.get("app.kubernetes.io/name") == "vllm"]
    assert found, f"{stack}: no vLLM pods"
    return found


@STACKS
def test_only_the_gateway_and_the_scraper_reach_vllm(stack):
    c = cluster(stack)
    platform = reference_plan(stack).platform
    allowed = {f"{platform.gateway.name}-envoy", "vmagent-vm"}
    for model in _vllm(c, stack):
        reached = {p.name for p in c.pods if p is not model and c.allows(p, model, 8000)}
        assert reached == allowed, f"{stack}: {model.name} is reachable from {sorted(reached)}"


@STACKS
def test_who_reaches_victoriametrics_and_grafana(stack):
    c = cluster(stack)
    ns = reference_plan(stack).platform.observability.namespace
    vmsingle, grafana = c.pod(ns, **pods.VMSINGLE), c.pod(ns, **pods.GRAFANA)
    assert {p.name for p in c.pods if p is not vmsingle and c.allows(p, vmsingle, 8428)} == {
        "vmagent-vm", "vmalert-vm", "vm-grafana", "keda-operator"}
    # People reach Grafana through `kubectl port-forward`, which enters the pod and is no policy's business.
    assert {p.name for p in c.pods if p is not grafana and c.allows(p, grafana, 3000)} == {"vmagent-vm"}


def test_only_the_rate_limit_service_reaches_redis():
    c = cluster("prod")
    redis = c.pod(envoy_gateway.NAMESPACE, **pods.REDIS)
    assert {p.name for p in c.pods if p is not redis and c.allows(p, redis, 6379)} == {"envoy-ratelimit"}
    assert not c.allows(redis, INTERNET, 443) and not c.allows(redis, API_CLUSTER_IP, 443)


def _flows(stack: str) -> list[tuple[str, dict, object, int, str]]:
    """(namespace, labels) of a source, a destination (pod labels in a namespace, or an address), port,
    protocol: what each component needs to work."""
    platform = reference_plan(stack).platform
    mon, logs, eg = platform.observability.namespace, platform.services.logs.namespace, envoy_gateway.NAMESPACE
    proxies = pods.envoy_proxies(platform.gateway.name)
    flows = [
        ("keda", pods.KEDA_METRICS_APISERVER, ("keda", pods.KEDA_OPERATOR), 9666),
        ("keda", pods.KEDA_OPERATOR, API_CLUSTER_IP, 443),
        ("keda", pods.KEDA_OPERATOR, (mon, pods.VMSINGLE), 8428),
        ("external-secrets", pods.ESO_CONTROLLER, INTERNET, 443),
        ("external-secrets", pods.ESO_CONTROLLER, POD_IDENTITY, 80),
        ("external-secrets", pods.ESO_CERT_CONTROLLER, API_CLUSTER_IP, 443),
        (mon, pods.VMAGENT, (mon, pods.VMSINGLE), 8428),
        (mon, pods.VMAGENT, API_CLUSTER_IP, 443),
        (mon, pods.VMAGENT, ("kube-system", {"k8s-app": "kube-dns"}), 9153),
        (mon, pods.VMAGENT, CONTROL_PLANE, 10250),  # a kubelet: a node address in the VPC
        (mon, pods.VMALERT, (mon, pods.VMSINGLE), 8428),
        (mon, pods.VMALERT, (mon, pods.VMALERTMANAGER), 9093),
        (mon, pods.GRAFANA, (mon, pods.VMSINGLE), 8428),
        (mon, pods.GRAFANA, (logs, pods.VICTORIA_LOGS), 9428),
        (mon, pods.GRAFANA, API_CLUSTER_IP, 443),
        (mon, pods.GRAFANA, INTERNET, 443),
        (mon, pods.VM_OPERATOR, API_CLUSTER_IP, 443),
        (logs, pods.VECTOR, (logs, pods.VICTORIA_LOGS), 9428),
        (logs, pods.VECTOR, API_CLUSTER_IP, 443),
        (eg, pods.ENVOY_GATEWAY, ("envoy-ai-gateway-system", pods.AI_GATEWAY_CONTROLLER), 1063),
        (eg, pods.CERTGEN, API_CLUSTER_IP, 443),
        (eg, proxies, (eg, pods.ENVOY_GATEWAY), 18000),
        ("envoy-ai-gateway-system", pods.AI_GATEWAY_CONTROLLER, API_CLUSTER_IP, 443),
    ]
    flows = [(*f, "TCP") for f in flows]
    flows.append((mon, pods.VMALERTMANAGER, (mon, pods.VMALERTMANAGER), 9094, "UDP"))
    if platform.gateway.semantic_router.enabled:
        flows += [(eg, proxies, ("semantic-router", {"app.kubernetes.io/name": "semantic-router"}), 50051, "TCP"),
                  ("semantic-router", {"app.kubernetes.io/name": "semantic-router"}, INTERNET, 443, "TCP")]
    if platform.gateway.fallbacks:
        flows += [(eg, proxies, INTERNET, 443, "TCP"), (eg, proxies, POD_IDENTITY, 80, "TCP")]
    return flows


@STACKS
def test_each_component_has_the_flows_it_needs(stack):
    c = cluster(stack)
    closed = []
    for namespace, labels, destination, port, protocol in _flows(stack):
        source = c.pod(namespace, **labels)
        target = c.pod(destination[0], **destination[1]) if isinstance(destination, tuple) else destination
        if not c.allows(source, target, port, protocol):
            closed.append(f"{source.name} -> {target.name}:{port}/{protocol}")
    proxy = c.pod(envoy_gateway.NAMESPACE, **pods.envoy_proxies(reference_plan(stack).platform.gateway.name))
    listeners = [LISTENER_PORT] + ([HTTPS_PORT] if reference_plan(stack).platform.gateway.tls else [])
    for port in listeners:  # the NLB forwards clients' connections to the listener's container port
        if not c.allows(CLIENT, proxy, port + 10000):
            closed.append(f"{CLIENT.name} -> {proxy.name}:{port + 10000}")
    for model in _vllm(c, stack):
        if not c.allows(proxy, model, 8000):
            closed.append(f"{proxy.name} -> {model.name}:8000")
    assert not closed, f"{stack}: needed but closed: {closed}"


def test_the_rate_limit_flows_are_open_when_tenants_have_token_limits():
    c = cluster("prod")
    eg = envoy_gateway.NAMESPACE
    proxy = c.pod(eg, **pods.envoy_proxies(reference_plan("prod").platform.gateway.name))
    ratelimit, redis, controller = c.pod(eg, **pods.RATE_LIMIT), c.pod(eg, **pods.REDIS), c.pod(eg, **pods.ENVOY_GATEWAY)
    assert c.allows(proxy, ratelimit, 8081) and c.allows(ratelimit, redis, 6379) and c.allows(ratelimit, controller, 18001)


@STACKS
def test_only_what_must_leave_the_cluster_can(stack):
    c = cluster(stack)
    platform = reference_plan(stack).platform
    expected = {"external-secrets", "vm-grafana", "vmalertmanager-vm"}
    if platform.gateway.semantic_router.enabled:
        expected.add("semantic-router")
    if platform.gateway.fallbacks:
        expected.add(f"{platform.gateway.name}-envoy")
    if platform.gateway.tls is not None and platform.gateway.tls.issuer == "acme":
        expected.add("cert-manager")  # the ACME CA and Route 53
    if platform.weights.loader == "streamer":
        expected |= {p.name for p in _vllm(c, stack)}
    preloads = {p.name for p in c.pods if p.labels.get("app.kubernetes.io/name") == "weight-preload"}
    leaving = {p.name for p in _platform_pods(c) if c.allows(p, INTERNET, 443)} - preloads
    assert leaving == expected, f"{stack}: extra {sorted(leaving - expected)}, missing {sorted(expected - leaving)}"


def test_every_pod_selector_of_the_flow_map_selects_a_real_pod():
    c = cluster("prod")  # the stack with every optional part: router, rate limit, fallbacks
    selectors = {name: value for name, value in vars(pods).items()
                 if name.isupper() and isinstance(value, dict) and value}
    assert len(selectors) >= 20
    empty = [name for name, labels in selectors.items()
             if not any(all(p.labels.get(k) == v for k, v in labels.items()) for p in c.pods)]
    assert not empty, f"select no pod: {empty}"


_HOST = re.compile(r"^(?:[a-z0-9-]+\.)?(?P<service>[a-z0-9-]+)\.(?P<namespace>[a-z0-9-]+)\.svc(?:\.cluster\.local\.?)?$")


def _configured_urls(stack: str) -> list[tuple[dict, str]]:
    """(client pod labels, URL) for every in-cluster address a platform client is configured with:
    Grafana's datasources, vmagent's remote write, vmalert's datasource, notifiers and remote read/write,
    KEDA's Prometheus triggers and Vector's sink."""
    objects = applied_objects(stack)
    found = []
    for obj in objects:
        kind, spec = obj["kind"], obj.get("spec") or {}
        if kind == "ConfigMap" and obj["metadata"]["name"].endswith("grafana-ds"):
            found += [(pods.GRAFANA, url) for text in obj["data"].values() for url in re.findall(r"url: *(\S+)", text)]
        elif kind == "ConfigMap" and obj["metadata"]["name"].startswith("vector-"):
            found += [(pods.VECTOR, url) for text in obj["data"].values() for url in re.findall(r"http://[^\s\"',]+", text)]
        elif kind == "VMAgent":
            found += [(pods.VMAGENT, rw["url"]) for rw in spec.get("remoteWrite", [])]
        elif kind == "VMAlert":
            found += [(pods.VMALERT, spec[k]["url"]) for k in ("datasource", "remoteRead", "remoteWrite") if k in spec]
            found += [(pods.VMALERT, n["url"]) for n in spec.get("notifiers", [])]
        elif kind == "ScaledObject":
            found += [(pods.KEDA_OPERATOR, t["metadata"]["serverAddress"]) for t in spec["triggers"]
                      if t["type"] == "prometheus"]
    return found


@STACKS
def test_every_in_cluster_address_a_client_is_configured_with_is_reachable(stack):
    c = cluster(stack)
    objects = applied_objects(stack)
    checked, blocked = 0, []
    for client_labels, url in _configured_urls(stack):
        parts = urlsplit(url)
        host = _HOST.match(parts.hostname or "")
        if host is None:
            continue  # not an in-cluster Service (0.0.0.0 listen addresses and the like)
        client = next(p for p in c.pods if all(p.labels.get(k) == v for k, v in client_labels.items()))
        service, namespace = host["service"], host["namespace"]
        if any(o["kind"] == "Service" and o["metadata"]["name"] == service and o["metadata"]["namespace"] == namespace
               for o in objects):
            members, svc = _service_pods(c, namespace, service, objects)
            entry = next(e for e in svc["spec"]["ports"] if e["port"] == parts.port)
            targets = [(p, port) for p in members if (port := _pod_port(entry, p)) is not None]
        else:  # a Service the VictoriaMetrics operator creates: named like the pods it serves
            targets = [(p, parts.port) for p in c.pods if p.name == service and p.namespace == namespace]
        assert targets, f"{stack}: {url} resolves to no pod"
        for pod, port in targets:
            checked += 1
            if not c.allows(client, pod, port):
                blocked.append(f"{client.name} -> {url}")
    assert checked >= 6
    assert not blocked, f"{stack}: configured but closed: {sorted(set(blocked))}"
