"""What the diff tests share: prod-stack variants planned once per session, and one-resource plans."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from infra.diff.compare import diff_plans
from infra.plan.mocks import Registration
from infra.plan.runner import Plan, run_plan
from infra.stack_file import load_stack_file
from tests.conftest import ROOT, SWAPPED_MODEL, SWAPPED_REVISION, reference_config, reference_plan, reference_stack_file, swapped_revision_plan

PROD = yaml.safe_load((ROOT / "stacks" / "Pulumi.prod.yaml").read_text())
URN = "urn:pulumi:prod::llm-platform::"
OLD_PRELOAD = "preload-qwen3-8b-b968826d-93b36b"
NEW_REVISION = SWAPPED_REVISION


def write_stack(folder: Path, mutate=None, doc=None) -> Path:
    doc = copy.deepcopy(doc or PROD)
    if mutate:
        mutate(doc["config"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def plan_of(folder: Path, mutate=None) -> Plan:
    return run_plan(load_stack_file(write_stack(folder, mutate)))


def model(config: dict, name: str) -> dict:
    return next(m for m in config["llm-platform:models"] if m["name"] == name)


def swap_revision(config: dict) -> None:
    model(config, SWAPPED_MODEL)["revision"] = NEW_REVISION


def add_model(config: dict, **overrides) -> None:
    entry = {"name": "qwen-14b", "repository": "Qwen/Qwen2.5-14B-Instruct",
             "revision": "cf98f3b3bbb457ad9e2bb7baf9a0125b6b88caa8", "pool": "l40s", "quantization": "fp8",
             "contextWindow": 32768, "maxNumSeqs": 32, "replicas": {"min": 1, "max": 1}}
    config["llm-platform:models"].append(entry | overrides)


def remove_model(config: dict) -> None:
    # qwen-coder: no route of the semantic router names it (removing a routed model is a config error)
    config["llm-platform:models"] = [m for m in config["llm-platform:models"] if m["name"] != "qwen-coder"]


@pytest.fixture(scope="session")
def plans(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diff")
    return {
        "base": reference_plan("prod"),
        "swap": swapped_revision_plan(tmp_path_factory.getbasetemp()),
        "add": plan_of(tmp / "add", add_model),
        "add-shared": plan_of(tmp / "add-shared", lambda c: add_model(
            c, name="qwen3-8b-large", repository="Qwen/Qwen3-8B", revision=model(c, "qwen3-8b")["revision"],
            quantization="fp8")),
        "remove": plan_of(tmp / "remove", remove_model),
        "token": plan_of(tmp / "token", lambda c: c["llm-platform:weights"].update(
            huggingFaceTokenSecret="llm-platform/prod/another-token")),
        "keda": plan_of(tmp / "keda", lambda c: c.update(
            {"llm-platform:services": {"keda": {"operator": {"replicas": 2}}}})),
    }



@pytest.fixture(scope="session")
def platform():
    return reference_config("dev")


def reg(typ: str, name: str, inputs: dict, **options) -> Registration:
    return Registration(urn=f"urn:pulumi:dev::llm-platform::{typ}::{name}", type=typ, name=name, custom=True,
                        inputs=inputs, parent=None, provider=None, **options)


def one_change(platform, old: Registration, new: Registration):
    stack = reference_stack_file("dev")
    d = diff_plans(Plan(stack, platform, [old]), Plan(stack, platform, [new]), cost=False)
    (change,) = d.resources
    return change


def pvc(storage: str, storage_class: str = "s3files") -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "w", "namespace": "llm"},
            "spec": {"storageClassName": storage_class, "resources": {"requests": {"storage": storage}}}}
