"""What the program means, asserted on what Helm renders for the reference stacks (not on our values)."""

from __future__ import annotations

import json
import re

import yaml

from infra.catalog.semantic_router import CLASSIFIER_REPOSITORIES
from infra.render.services.semantic_router_config import classifier_paths
from tests.conftest import REFERENCE_STACKS, reference_plan

from .test_helm_releases import rendered

RANDOM = "random:index/randomPassword:RandomPassword"


def _containers(obj: dict) -> list[dict]:
    spec = obj["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def _workloads(objs: list[dict]) -> list[dict]:
    return [o for o in objs if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet")]


def test_keda_and_the_router_run_without_cpu_limits_but_with_memory_limits():
    """The charts' defaults set CPU limits (KEDA 1, the router 2); the program deletes them (no throttling)."""
    for stack in REFERENCE_STACKS:
        for release in ("keda-release", "semantic-router-release"):
            objs = rendered(stack).get(release)
            if objs is None:
                continue
            for workload in _workloads(objs):
                for c in _containers(workload):
                    limits = (c.get("resources") or {}).get("limits") or {}
                    assert "cpu" not in limits and "memory" in limits, (stack, workload["metadata"]["name"], c["name"])


def test_the_router_loads_only_the_classifiers_it_uses_and_exports_no_traces():
    config_map = next(o for o in rendered("prod")["semantic-router-release"] if o["kind"] == "ConfigMap"
                      and "config.yaml" in o.get("data", {}))
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert "bert_model" not in config and "pii_model" not in config["classifier"]
    paths = set(re.findall(r"models/[\w-]+", config_map["data"]["config.yaml"]))
    assert paths == {"models/mom-domain-classifier", "models/mom-jailbreak-classifier"}  # prod has the guard on
    # what the plan warns is fetched unpinned is exactly what the router will download
    assert paths == set(classifier_paths(reference_plan("prod").platform)) <= set(CLASSIFIER_REPOSITORIES)
    assert "jaeger" not in config_map["data"]["config.yaml"] and config["observability"]["tracing"] == {}


def test_the_ai_gateway_controller_gets_the_generated_seed_not_the_charts_default():
    for stack in REFERENCE_STACKS:
        plan = reference_plan(stack)
        seed = next(plan.mocks.output(r.name, "result", RANDOM) for r in plan.resources
                    if r.type == RANDOM and r.name.endswith("mcp-session-seed"))
        controller = next(o for o in rendered(stack)["ai-gateway-release"] if o["kind"] == "Deployment")
        args = [a for c in _containers(controller) for a in c.get("args", [])]
        assert f"--mcpSessionEncryptionSeed={seed}" in args
        assert not any("default-insecure-seed" in a for a in args)


def test_grafana_logs_in_with_the_generated_secret():
    for stack in REFERENCE_STACKS:
        grafana = next(o for o in rendered(stack)["metrics-release"]
                       if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("grafana"))
        env = {e["name"]: e for c in _containers(grafana) for e in c.get("env", [])}
        for name, key in (("GF_SECURITY_ADMIN_USER", "admin-user"), ("GF_SECURITY_ADMIN_PASSWORD", "admin-password")):
            assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "grafana-admin", "key": key}


def test_nothing_is_fetched_from_a_branch_at_install_time():
    """No sync job pulls dashboards or rules from GitHub `master`/`main` (the operator's cleanup hook stays)."""
    for stack in REFERENCE_STACKS:
        for release, objs in rendered(stack).items():
            text = json.dumps([o for o in objs if o["kind"] != "CustomResourceDefinition"])
            assert not re.search(r"raw\.githubusercontent\.com/[^\s\"]+/(master|main)/", text), (stack, release)
        jobs = [o["metadata"]["name"] for o in rendered(stack)["metrics-release"] if o["kind"] in ("Job", "CronJob")]
        assert jobs == ["vm-victoria-metrics-operator-cleanup-hook"]


def test_node_exporter_and_the_log_shipper_reach_gpu_nodes():
    for stack in REFERENCE_STACKS:
        for release, name in (("metrics-release", "node-exporter"), ("logs-release", "vector")):
            (daemonset,) = [o for o in rendered(stack)[release]
                            if o["kind"] == "DaemonSet" and name in o["metadata"]["name"]]
            tolerations = daemonset["spec"]["template"]["spec"].get("tolerations", [])
            assert any(t.get("operator") == "Exists" and t.get("effect") in (None, "NoSchedule") for t in tolerations)


def test_images_are_pinned_to_a_tag_or_digest():
    for stack in REFERENCE_STACKS:
        for release, objs in rendered(stack).items():
            for workload in _workloads(objs) + [o for o in objs if o["kind"] == "Job"]:
                for c in _containers(workload):
                    image = c["image"]
                    assert "@sha256:" in image or re.search(r":[\w.-]+$", image.rsplit("/", 1)[-1]), (release, image)
                    assert not image.endswith(":latest"), (release, image)


def test_no_helm_test_pod_and_the_operator_and_log_store_run_with_the_default_seccomp_profile():
    from .test_helm_releases import rendered_release

    metrics = rendered_release("prod", "metrics-release")
    assert not [o for o in metrics if o["kind"] == "Pod"]  # grafana's `helm test` Pod is off
    logs = rendered_release("prod", "logs-release")
    for objs, kind, name in ((metrics, "Deployment", "vm-victoria-metrics-operator"),
                             (logs, "StatefulSet", "victoria-logs"), (logs, "DaemonSet", "vl-vector")):
        (obj,) = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
        assert obj["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name


def test_the_alertmanager_runs_as_the_account_an_sns_receivers_identity_binds():
    """The operator names the VMAlertmanager's account vmalertmanager-<name> unless the spec names one."""
    from infra.render.services.victoria_metrics import ALERTMANAGER_SERVICE_ACCOUNT

    for stack in REFERENCE_STACKS:
        (alertmanager,) = [o for o in rendered(stack)["metrics-release"] if o["kind"] == "VMAlertmanager"]
        assert "serviceAccountName" not in alertmanager["spec"]
        assert f"vmalertmanager-{alertmanager['metadata']['name']}" == ALERTMANAGER_SERVICE_ACCOUNT


def test_the_access_commands_name_what_is_really_there():
    from infra.render.access import GRAFANA_SERVICE_PORT, access_commands
    from infra.render.services.victoria_metrics import GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_SECRET, GRAFANA_SERVICE

    for stack in REFERENCE_STACKS:
        plan = reference_plan(stack)
        commands = access_commands(plan.platform, "us-east-1")
        (service,) = [o for o in rendered(stack)["metrics-release"]
                      if o["kind"] == "Service" and o["metadata"]["name"] == GRAFANA_SERVICE]
        assert GRAFANA_SERVICE_PORT in [p["port"] for p in service["spec"]["ports"]]
        assert f"svc/{GRAFANA_SERVICE} 3000:{GRAFANA_SERVICE_PORT}" in commands["grafana"]
        (admin,) = [r for r in plan.resources if r.name == "metrics-grafana-admin"]
        assert admin.inputs["metadata"]["name"] == GRAFANA_ADMIN_SECRET
        assert GRAFANA_ADMIN_PASSWORD_KEY in str(admin.inputs["stringData"])
        assert f"--name {plan.platform.cluster.name} " in commands["kubeconfig"]
        assert ("gatewayCa" in commands) == (plan.platform.gateway.tls.issuer == "privateCa")
        # The port-forward names the proxies' Service as the EnvoyProxy pins it, and a port the Gateway listens on.
        (proxy,) = [r.inputs for r in plan.resources if r.inputs.get("kind") == "EnvoyProxy"]
        pinned = proxy["spec"]["provider"]["kubernetes"]["envoyService"]["name"]
        (gateway,) = [r.inputs for r in plan.resources if r.inputs.get("kind") == "Gateway"]
        ports = {listener["port"] for listener in gateway["spec"]["listeners"]}
        namespace, _, service, mapping = commands["gatewayPortForward"].split()[2:6]
        assert (namespace, service) == (gateway["metadata"]["namespace"], f"svc/{pinned}")
        assert int(mapping.split(":")[1]) in ports
        tenants = plan.platform.gateway.tenants
        assert {k.split(":", 1)[1] for k in commands if k.startswith("tenantKey:")} == set(tenants)
        assert f"https://{plan.platform.gateway.tls.hostname}/v1/models" in commands["firstRequest"]
