"""ModelRelease, WeightPreload and ServingNamespace under Pulumi mocks: what they register, how."""

from __future__ import annotations

import pulumi

from components.model_release import ModelRelease, ModelReleaseArgs
from components.serving_namespace import ServingNamespace, ServingNamespaceArgs
from components.weight_preload import WeightPreload, WeightPreloadArgs
from infra.render.model_workload import weight_refs
from tests.conftest import reference_config


def dev_platform():
    return reference_config("dev")


def register(construct):
    """Run `construct` as a Pulumi program; returns once every registration has completed."""
    pulumi.runtime.test(construct)()


def test_model_release_registers_each_child_under_itself(pulumi_mocks):
    platform = dev_platform()
    model = platform.resolved_models[0]
    endpoints = []
    register(lambda: ModelRelease(model.name, ModelReleaseArgs(platform=platform, bucket="weights", model=model,
                                                               tools_digest="x")).endpoint.apply(endpoints.append))
    endpoint = endpoints[0]
    component = pulumi_mocks.named("qwen-coder")
    assert component.type == "llm-platform:serving:ModelRelease" and not component.custom
    children = [r for r in pulumi_mocks.registrations if r.parent == component.urn]
    assert sorted(c.name for c in children) == sorted(
        f"qwen-coder-{s}" for s in
        ("service-account", "deployment", "service", "pdb", "network-policy", "scaled-object",
         "service-scrape", "rule")
    )
    kinds = {c.inputs["kind"] for c in children}
    assert kinds == {"ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy",
                     "ScaledObject", "VMServiceScrape", "VMRule"}
    scaled = pulumi_mocks.named("qwen-coder-scaled-object")
    assert scaled.type == "kubernetes:keda.sh/v1alpha1:ScaledObject"
    assert pulumi_mocks.named("qwen-coder-deployment").urn in scaled.dependencies
    assert endpoint == "http://qwen-coder.llm.svc.cluster.local:8000/v1"


def test_deployment_waits_for_its_preload_job(pulumi_mocks):
    platform = dev_platform()
    model = platform.resolved_models[0]
    ref = weight_refs(model)[0]

    def construct():
        preload = WeightPreload(ref.job_name, WeightPreloadArgs(platform=platform, bucket="weights", weights=ref,
                                                                weights_gib=7.1))
        ModelRelease(model.name, ModelReleaseArgs(platform=platform, bucket="weights", model=model, tools_digest="x",
                                                  preloads=(preload.job,)))

    register(construct)
    job = pulumi_mocks.named(f"{ref.job_name}-job")
    deployment = pulumi_mocks.named("qwen-coder-deployment")
    assert job.delete_before_replace
    assert job.replace_on_changes == ["spec"]  # the API refuses to change a Job's spec: a new Job instead
    assert job.urn in deployment.dependencies
    # only the Deployment waits for weights; the Service etc. may exist before
    assert job.urn not in pulumi_mocks.named("qwen-coder-service").dependencies
    assert job.parent == pulumi_mocks.named(ref.job_name).urn


def test_serving_namespace_children_wait_for_the_namespace(pulumi_mocks):
    platform = dev_platform()
    names = []
    register(lambda: ServingNamespace("serving", ServingNamespaceArgs(platform=platform)).namespace.apply(names.append))
    namespace = names[0]
    assert namespace == "llm"
    ns = pulumi_mocks.named("serving-namespace")
    others = [r for r in pulumi_mocks.registrations if r.name.startswith("serving-") and r is not ns]
    # the preload Jobs' service accounts are their own (components/weight_preload.py)
    assert {r.inputs["kind"] for r in others} == {"NetworkPolicy", "ConfigMap", "PersistentVolumeClaim"}
    assert all(ns.urn in r.dependencies for r in others)
