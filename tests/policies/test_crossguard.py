"""CrossGuard runs the same rule code: through the adapter's policy objects in process (args built as
the analyzer builds them, props behind pulumi_policy's unknown-checking proxy), and through the real
pack started the way the Pulumi CLI starts it (`python -u policies`, then gRPC: GetAnalyzerInfo,
Configure, Analyze, AnalyzeStack)."""

from __future__ import annotations

import copy
import queue
import subprocess
import sys
import threading

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from infra.check import policy_config
from policies.crossguard import policies, view_of
from policies.rules import BY_NAME, RULES
from tests.conftest import ROOT, reference_plan
from tests.policies.helpers import (
    DEPLOYMENT,
    changed,
    model_stack,
    urn,
    vllm_container,
    vllm_deployment,
)


def options(protect: bool = False, parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def policy(name: str):
    return {p.name: p for p in policies()}[name]


def validate_resource(name: str, typ: str, props: dict) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    args = ResourceValidationArgs(typ, unknown_checking_proxy(copy.deepcopy(props)), urn(typ, "x"), "x", options(), None)
    result = policy(name).validate(args, lambda message, u=None: reported.append((message, u)))
    assert result is None  # synchronous: nothing for the analyzer to await
    return reported


def policy_resources(registrations) -> list[PolicyResource]:
    """Stack-policy resources as the analyzer builds them: props proxied, parents and dependencies linked."""
    made = {}
    for r in registrations:
        props = unknown_checking_proxy(copy.deepcopy(r.props if hasattr(r, "props") else r.inputs))
        made[r.urn] = PolicyResource(r.type, props, r.urn, r.name, options(r.protect, r.parent), None, None, [], {})
    for r in registrations:
        made[r.urn].parent = made.get(r.parent) if r.parent else None
        made[r.urn].dependencies = [made[d] for d in r.dependencies if d in made]
    return list(made.values())


def validate_stack(name: str, resources: list[PolicyResource], config: dict | None = None):
    reported: list[tuple[str, str | None]] = []
    args = StackValidationArgs(resources, config or {})
    policy(name).validate(args, lambda message, u=None: reported.append((message, u)))
    return reported


# ---- the adapter, in process ----------------------------------------------------------------------


def test_one_policy_per_rule_with_its_metadata():
    made = policies()
    assert [p.name for p in made] == [r.name for r in RULES]
    for p, rule in zip(made, RULES):
        assert p.description == rule.description and p.remediation_steps == rule.remediation
        assert p.enforcement_level.value == rule.enforcement
        assert isinstance(p, ResourceValidationPolicy if rule.kind == "resource" else StackValidationPolicy)
        assert (p.config_schema is not None) == (rule.config_schema is not None)


def test_resource_policy_reports_what_the_rule_finds_through_the_proxy():
    broken = changed(vllm_deployment(), lambda d: vllm_container(d)["resources"]["limits"].pop("nvidia.com/gpu"))
    reported = validate_resource("vllm-gpu-limits", DEPLOYMENT, broken)
    assert reported == [(m, None) for m in BY_NAME["vllm-gpu-limits"].check(DEPLOYMENT, broken, urn(DEPLOYMENT, "x"))]
    assert len(reported) == 1
    assert validate_resource("vllm-gpu-limits", DEPLOYMENT, vllm_deployment()) == []


def test_a_value_unknown_during_preview_is_not_a_pass():
    unknown_image = changed(vllm_deployment(), lambda d: vllm_container(d).update(image=UNKNOWN_STRING_VALUE))
    with pytest.raises(UnknownValueError):  # the analyzer reports "can't run policy ... during preview"
        validate_resource("image-pinned", DEPLOYMENT, unknown_image)
    # the secrets scan walks every input and skips unknowns instead of giving up on the resource
    assert validate_resource("secrets-not-in-plain-config", DEPLOYMENT, unknown_image) == []
    unknown_env = changed(vllm_deployment(), lambda d: vllm_container(d)["env"].append(
        {"name": "API_TOKEN", "value": UNKNOWN_STRING_VALUE}))
    assert validate_resource("secrets-not-in-plain-config", DEPLOYMENT, unknown_env) == []


def test_stack_policy_sees_resources_configs_and_urns():
    stack = policy_resources(model_stack(with_pdb=False))
    reported = validate_stack("vllm-pod-disruption-budget", stack)
    assert reported == [("model 'coder' has no PodDisruptionBudget selecting its pods",
                         urn(DEPLOYMENT, "coder-deployment", "llm-platform:serving:ModelRelease"))]
    assert validate_stack("vllm-pod-disruption-budget", policy_resources(model_stack())) == []
    over = {"stack": "dev", "monthlyUsd": 100, "estimatedMonthlyUsd": 250.0}
    assert "exceeds the budget of $100" in validate_stack("budget-within-limit", stack, over)[0][0]


def test_view_of_a_policy_resource_keeps_protect_parent_and_dependencies():
    parent = PolicyResource("llm-platform:aws:WeightStore", {}, "urn:p", "p", options(), None, None, [], {})
    dep = PolicyResource("aws:kms/key:Key", {}, "urn:k", "k", options(), None, None, [], {})
    bucket = PolicyResource("aws:s3/bucket:Bucket", {}, "urn:b", "b", options(protect=True), None, None, [], {})
    r = PolicyResource("aws:s3/bucketPolicy:BucketPolicy", {}, "urn:x", "x", options(), None, parent, [dep],
                       {"bucket": [bucket]})
    v = view_of(r)
    assert (v.parent, v.dependencies, v.retain_on_delete) == ("urn:p", ("urn:k", "urn:b"), None)
    assert view_of(bucket).protect is True


@pytest.fixture(scope="module")
def dev_plan():
    return reference_plan("dev")


def test_the_dev_plan_passes_every_policy_in_process(dev_plan):
    config = policy_config(dev_plan.platform, dev_plan.stack)
    custom = [r for r in dev_plan.resources if r.custom]
    mandatory = []
    for p in policies():
        rule = BY_NAME[p.name]
        if rule.kind == "resource":
            for r in custom:
                args = ResourceValidationArgs(r.type, unknown_checking_proxy(copy.deepcopy(r.inputs)), r.urn, r.name,
                                              options(r.protect), None)
                p.validate(args, lambda m, u=None, r=r, rule=rule: mandatory.append((rule.name, r.name, m)))
        else:
            stack = policy_resources(dev_plan.resources)
            p.validate(StackValidationArgs(stack, config.get(p.name, {})),
                       lambda m, u=None, rule=rule: mandatory.append((rule.name, u, m)))
    assert mandatory == []


# ---- the pack, as the Pulumi CLI runs it ----------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory):
    """`python -u <repo>/policies` from an unrelated directory: the pack prints its gRPC port and serves."""
    process = subprocess.Popen([sys.executable, "-u", str(ROOT / "policies")], cwd=tmp_path_factory.mktemp("cwd"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        port = int(lines.get(timeout=120).strip())
    except (queue.Empty, ValueError):
        process.kill()
        pytest.fail(f"the policy pack did not start: {process.stderr.read()}")
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        channel.close()
        process.kill()
        process.wait(timeout=30)


def _struct(props: dict) -> struct_pb2.Struct:
    return json_format.ParseDict(copy.deepcopy(props), struct_pb2.Struct())


def _mandatory(response) -> list:
    return [d for d in response.diagnostics if d.enforcementLevel == analyzer_pb2.MANDATORY]


def test_the_pack_describes_every_rule(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "llm-platform"
    described = {p.name: p for p in info.policies}
    assert list(described) == [r.name for r in RULES]
    for rule in RULES:
        p = described[rule.name]
        assert p.remediation_steps == rule.remediation
        level = analyzer_pb2.MANDATORY if rule.enforcement == "mandatory" else analyzer_pb2.ADVISORY
        assert p.enforcementLevel == level
        assert p.policy_type == (analyzer_pb2.POLICY_TYPE_RESOURCE if rule.kind == "resource"
                                 else analyzer_pb2.POLICY_TYPE_STACK)


def test_the_pack_analyzes_a_resource_like_the_rule(analyzer):
    broken = changed(vllm_deployment(), lambda d: vllm_container(d).update(image="vllm/vllm-openai:latest"))
    response = analyzer.Analyze(analyzer_pb2.AnalyzeRequest(type=DEPLOYMENT, urn=urn(DEPLOYMENT, "coder"), name="coder",
                                                           properties=_struct(broken)))
    found = [(d.policyName, d.message) for d in _mandatory(response)]
    assert [name for name, _ in found] == ["image-pinned"]
    assert "container 'vllm'" in found[0][1] and "uses 'latest'" in found[0][1]
    clean = analyzer.Analyze(analyzer_pb2.AnalyzeRequest(type=DEPLOYMENT, urn=urn(DEPLOYMENT, "coder"), name="coder",
                                                        properties=_struct(vllm_deployment())))
    assert list(clean.diagnostics) == []


def test_the_pack_passes_every_resource_of_the_dev_stack(analyzer, dev_plan):
    found = []
    for r in dev_plan.resources:
        if r.custom:
            response = analyzer.Analyze(analyzer_pb2.AnalyzeRequest(type=r.type, urn=r.urn, name=r.name,
                                                                   properties=_struct(r.inputs)))
            found += [(d.policyName, r.name, d.message) for d in response.diagnostics]
    assert found == []


def _stack_request(plan, unprotect: str | None = None) -> analyzer_pb2.AnalyzeStackRequest:
    return analyzer_pb2.AnalyzeStackRequest(resources=[
        analyzer_pb2.AnalyzerResource(
            type=r.type, urn=r.urn, name=r.name, properties=_struct(r.inputs), parent=r.parent or "",
            dependencies=r.dependencies,
            options=analyzer_pb2.AnalyzerResourceOptions(protect=r.protect and r.name != unprotect))
        for r in plan.resources])


def test_the_pack_passes_the_dev_stack_and_catches_an_unprotected_weight_bucket(analyzer, dev_plan):
    config = policy_config(dev_plan.platform, dev_plan.stack)
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={
        name: analyzer_pb2.PolicyConfig(properties=_struct(props)) for name, props in config.items()}))
    assert _mandatory(analyzer.AnalyzeStack(_stack_request(dev_plan))) == []
    found = _mandatory(analyzer.AnalyzeStack(_stack_request(dev_plan, unprotect="weight-store-bucket")))
    found = [(d.policyName, d.urn.rsplit("::", 1)[-1]) for d in found]
    assert found == [("weight-bucket-retained", "weight-store-bucket")]
