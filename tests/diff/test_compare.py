"""Comparing two plans: the resources a stack-file change touches, replacements, models, cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.diff.compare import diff_plans
from infra.diff.markdown_output import render_markdown
from infra.diff.text_output import render_text
from infra.config.gateway_tls import TlsConfig
from infra.diff.warnings import tls_warnings, version_warnings
from infra.plan.runner import Plan
from tests.conftest import reference_plan
from tests.diff.conftest import NEW_REVISION, OLD_PRELOAD, URN, add_model, one_change, plan_of, reg, remove_model


def urns(changes) -> set[str]:
    return {c.urn for c in changes}


def release_urns(name: str, children: list[tuple[str, str]]) -> set[str]:
    release = "llm-platform:serving:ModelRelease"
    return {f"{URN}pulumi:pulumi:Stack${release}::{name}"} | {
        f"{URN}{release}$kubernetes:{typ}::{name}-{suffix}" for typ, suffix in children}


RELEASE_CHILDREN = [
    ("apps/v1:Deployment", "deployment"), ("core/v1:Service", "service"),
    ("core/v1:ServiceAccount", "service-account"), ("keda.sh/v1alpha1:ScaledObject", "scaled-object"),
    ("networking.k8s.io/v1:NetworkPolicy", "network-policy"), ("policy/v1:PodDisruptionBudget", "pdb"),
    ("operator.victoriametrics.com/v1beta1:VMRule", "rule"),
    ("operator.victoriametrics.com/v1beta1:VMServiceScrape", "service-scrape"),
]


def gateway_urns(name: str) -> set[str]:
    gateway = "llm-platform:gateway:LlmGateway"
    return {f"{URN}{gateway}$kubernetes:aigateway.envoyproxy.io/v1beta1:AIServiceBackend::gateway-model-{name}-service-backend",
            f"{URN}{gateway}$kubernetes:gateway.envoyproxy.io/v1alpha1:Backend::gateway-model-{name}-backend"}


# Objects that list every model: the gateway's route (one rule per model), the dashboard (a row per
# model) and the platform alerts (a gateway rule per model). Adding or removing a model changes them.
SHARED_PER_MODEL = {
    f"{URN}llm-platform:gateway:LlmGateway$kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute::gateway-llm-gateway-models",
    f"{URN}llm-platform:observability:Observability$kubernetes:core/v1:ConfigMap::observability-dashboard",
    f"{URN}llm-platform:observability:Observability$kubernetes:operator.victoriametrics.com/v1beta1:VMRule::observability-rules",
    # prod's semantic router lists every served name (its answer to GET /v1/models)
    f"{URN}llm-platform:services:SemanticRouter$kubernetes:helm.sh/v3:Release::semantic-router-release",
}


def preload_urns(component: str) -> set[str]:
    preload = "llm-platform:weights:WeightPreload"
    # prod reads a Hugging Face token: each preload Job has its own account, role and association
    return {f"{URN}pulumi:pulumi:Stack${preload}::{component}",
            f"{URN}{preload}$kubernetes:batch/v1:Job::{component}-job",
            f"{URN}{preload}$kubernetes:core/v1:ServiceAccount::{component}-service-account",
            f"{URN}{preload}$aws:iam/role:Role::{component}-role",
            f"{URN}{preload}$aws:iam/rolePolicy:RolePolicy::{component}-role-policy",
            f"{URN}{preload}$aws:eks/podIdentityAssociation:PodIdentityAssociation::{component}-pod-identity"}


def preload_name(plan: Plan, repository: str) -> str:
    (component,) = [r.name for r in plan.resources if r.type == "llm-platform:weights:WeightPreload"
                    and any(c.parent == r.urn and repository in str(c.inputs) for c in plan.resources)]
    return component


# --- a revision swap --------------------------------------------------------------------------------


def test_revision_swap_changes_that_models_deployment_and_replaces_its_preload_only(plans):
    d = diff_plans(plans["base"], plans["swap"])
    new_preload = preload_name(plans["swap"], NEW_REVISION)
    assert new_preload.startswith("preload-qwen3-8b-00000000-")

    deployment = f"{URN}llm-platform:serving:ModelRelease$kubernetes:apps/v1:Deployment::qwen3-8b-deployment"
    assert urns(d.changed) == {deployment}
    assert urns(d.added) == preload_urns(new_preload)
    assert urns(d.removed) == preload_urns(OLD_PRELOAD)
    assert d.summary() == "6 to add, 1 to change (0 replaced), 6 to destroy"

    (change,) = d.changed
    assert change.action == "update"  # a rolling update, not a replacement
    paths = {c.path: c for c in change.changes}
    args0 = paths["spec.template.spec.containers[0].args[0]"]
    assert args0.old.endswith("/Qwen/Qwen3-8B/b968826d9c46dd6066d109eabc6255188de91218")
    assert args0.new.endswith(f"/Qwen/Qwen3-8B/{NEW_REVISION}")
    weights = paths['metadata.annotations["llm-platform.io/weights"]']
    assert (weights.old, weights.new) == ("Qwen/Qwen3-8B@b968826d9c46dd6066d109eabc6255188de91218",
                                          f"Qwen/Qwen3-8B@{NEW_REVISION}")
    assert 'spec.template.metadata.annotations["llm-platform.io/weights"]' in paths

    # The preload Job is named after repository@revision: the new Job replaces the old one.
    new_job = next(c for c in d.added if c.type == "kubernetes:batch/v1:Job")
    old_job = next(c for c in d.removed if c.type == "kubernetes:batch/v1:Job")
    assert new_job.supersedes == old_job.urn and old_job.superseded_by == new_job.urn
    assert new_job.weights == (f"Qwen/Qwen3-8B@{NEW_REVISION}",)

    (impact,) = d.models
    assert (impact.name, impact.status) == ("qwen3-8b", "changed")
    assert [(c.path, c.new) for c in impact.config_changes] == [("revision", NEW_REVISION)]
    assert urns(impact.resources) == {deployment} | preload_urns(new_preload) | preload_urns(OLD_PRELOAD)

    text = render_text(d)
    assert "  ~ kubernetes:apps/v1:Deployment  qwen3-8b-deployment" in text
    assert f"    + kubernetes:batch/v1:Job  {new_preload}-job" in text
    assert f"replaces {OLD_PRELOAD}-job" in text
    assert "Resources: 6 to add, 1 to change (0 replaced), 6 to destroy" in text


def test_a_change_to_a_preload_jobs_template_replaces_it_delete_first(plans):
    d = diff_plans(plans["base"], plans["token"])
    jobs = [c for c in d.changed if c.type == "kubernetes:batch/v1:Job"]
    assert len(jobs) == 4 and not d.added and not d.removed
    for job in jobs:
        assert job.action == "replace" and job.delete_before_replace
        assert job.replace_paths == ["spec.template.spec.containers[0].env[6].value"]
    # each preload identity's policy names the secret: in-place updates
    others = [c for c in d.changed if c not in jobs]
    assert [(c.type, c.action) for c in others] == [("aws:iam/rolePolicy:RolePolicy", "update")] * 4
    assert {m.name for m in d.models} == {"qwen-coder", "qwen3-8b", "qwen3-coder-30b", "llama-70b"}
    assert "-/+ kubernetes:batch/v1:Job" in render_text(d)
    assert "@@ -/+ replace kubernetes:batch/v1:Job" in render_markdown(d)
    assert d.summary() == "0 to add, 8 to change (4 replaced), 0 to destroy"


def test_a_helm_value_change_is_shown_once_on_the_values_the_provider_reads(plans):
    d = diff_plans(plans["base"], plans["keda"])
    (release,) = d.changed
    assert release.type == "kubernetes:helm.sh/v3:Release" and release.action == "update"
    assert [c.path for c in release.changes] == ["values.operator.replicaCount", "values.podDisruptionBudget"]


# --- a new model, a removed model ---------------------------------------------------------------


def test_a_new_model_adds_its_release_and_preload_and_changes_nothing_else(plans):
    d = diff_plans(plans["base"], plans["add"])
    preload = preload_name(plans["add"], "Qwen/Qwen2.5-14B-Instruct")
    assert urns(d.added) == release_urns("qwen-14b", RELEASE_CHILDREN) | preload_urns(preload) | gateway_urns("qwen-14b")
    # Only the objects that list every model change; the pools have room and their limits come
    # from the stack file.
    assert urns(d.changed) == SHARED_PER_MODEL and d.removed == []
    assert [(m.name, m.status) for m in d.models] == [("qwen-14b", "added")]


def test_a_new_model_sharing_weights_reuses_the_preload(plans):
    d = diff_plans(plans["base"], plans["add-shared"])
    assert urns(d.added) == release_urns("qwen3-8b-large", RELEASE_CHILDREN) | gateway_urns("qwen3-8b-large")
    assert urns(d.changed) == SHARED_PER_MODEL and d.removed == []
    assert [(m.name, m.status) for m in d.models] == [("qwen3-8b-large", "added")]


def test_a_removed_model_removes_its_release_and_preload_only(plans):
    d = diff_plans(plans["base"], plans["remove"])
    preload = preload_name(plans["base"], "Qwen/Qwen2.5-Coder-7B-Instruct")
    assert urns(d.removed) == (release_urns("qwen-coder", RELEASE_CHILDREN) | preload_urns(preload)
                               | gateway_urns("qwen-coder"))
    assert d.added == [] and urns(d.changed) == SHARED_PER_MODEL
    assert [(m.name, m.status) for m in d.models] == [("qwen-coder", "removed")]
    assert not any(c.superseded_by for c in d.removed)
    assert "17 to destroy" in render_text(d)


def test_cost_delta_follows_the_models(plans):
    pytest.importorskip("infra.cost")
    added = diff_plans(plans["base"], plans["add"])
    assert added.cost.max_delta > 0 and added.cost.min_delta > 0
    (impact,) = added.models
    assert impact.cost_max_delta > 0
    removed = diff_plans(plans["base"], plans["remove"])
    assert removed.cost.max_delta < 0 and removed.cost.min_delta < 0
    swap = diff_plans(plans["base"], plans["swap"])
    assert swap.cost.max_delta == pytest.approx(0) and swap.cost.min_delta == pytest.approx(0)
    assert "+$" in render_markdown(added) and "-$" in render_markdown(removed)


def test_an_alias_matches_a_renamed_resource(platform):
    typ = "aws:iam/role:Role"
    old = reg(typ, "old", {"name": "r"})
    new = reg(typ, "new", {"name": "r"}, aliases=[old.urn])
    change = one_change(platform, old, new)
    assert (change.action, change.old_urn, change.changes) == ("update", old.urn, [])


# ---- hazards the configs show ----------------------------------------------------------------------


def _warnings_against_prod(new_mutation, tmp: Path) -> list[str]:
    return diff_plans(reference_plan("prod"), plan_of(tmp / "new", new_mutation), cost=False).warnings


@pytest.mark.parametrize(("old", "new", "says"), [
    ("1.35", "1.34", "DOWNGRADE: cluster.kubernetesVersion 1.35 -> 1.34: EKS cannot downgrade"),
    ("1.33", "1.35", "SKIP: cluster.kubernetesVersion 1.33 -> 1.35: EKS upgrades one minor at a time"),
])
def test_eks_downgrades_and_skipped_minors_are_warned(old, new, says):
    (found,) = version_warnings(old, new)
    assert found.startswith(says)
    assert version_warnings(old, old) == [] and version_warnings("1.34", "1.35") == []


def test_region_and_weight_location_moves_are_warned(tmp_path):
    def region_and_weights(c):
        c["aws:region"] = "us-west-2"
        c["llm-platform:weights"]["prefix"] = "weights-v2"

    found = _warnings_against_prod(region_and_weights, tmp_path)
    # The default bucket name carries the region, so the protected, retained bucket is replaced too.
    assert [w.split(":")[0] for w in found] == ["REGION", "WEIGHTS MOVE", "PROTECTED", "RETAINED"]
    move = next(w for w in found if w.startswith("WEIGHTS MOVE"))
    assert "-us-east-1-an/models -> s3://" in move and "-us-west-2-an/weights-v2:" in move


def test_a_swap_has_no_warning_and_a_model_rename_has_one(plans, tmp_path):
    assert diff_plans(plans["base"], plans["swap"], cost=False).warnings == []
    assert render_text(diff_plans(plans["base"], plans["remove"], cost=False)).count("Warnings:") == 0
    renamed = diff_plans(plans["base"], plan_of(tmp_path, lambda c: (remove_model(c), add_model(c))), cost=False)
    assert any(w.startswith("RENAME?: model(s) qwen-coder gone while qwen-14b appear(s)") for w in renamed.warnings)
    assert "> [!WARNING]" in render_markdown(renamed) and "  ! RENAME?" in render_text(renamed)


PRIVATE = TlsConfig(issuer="privateCa", hostname="llm.internal.example.com")
PUBLIC = TlsConfig(issuer="acme", hostname="llm.internal.example.com",
                   acme={"email": "ops@example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"})


@pytest.mark.parametrize("old,new,says", [
    (None, PRIVATE, ["TLS ON"]),
    (PRIVATE, None, ["TLS OFF"]),
    (PRIVATE, PUBLIC, ["ISSUER"]),
    (PRIVATE, PRIVATE.model_copy(update={"hostname": "llm.example.com"}), ["HOSTNAME"]),
    (PRIVATE, PUBLIC.model_copy(update={"hostname": "llm.example.com"}), ["HOSTNAME", "ISSUER"]),
    (PRIVATE, PRIVATE, []),
    (None, None, []),
])
def test_the_gateways_address_or_trust_changing_is_warned(old, new, says):
    assert [w.split(":")[0] for w in tls_warnings(old, new)] == says


def test_a_new_gateway_hostname_is_warned_in_the_diff(tmp_path):
    found = _warnings_against_prod(lambda c: c["llm-platform:gateway"]["tls"].update(hostname="ai.example.com"),
                                   tmp_path)
    assert found == ["HOSTNAME: gateway.tls.hostname llm.example.com -> ai.example.com: the HTTPS listener answers "
                     "only the new name (clients calling llm.example.com fail the TLS handshake); point "
                     "ai.example.com at the gateway"]
