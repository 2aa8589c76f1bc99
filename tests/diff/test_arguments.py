"""Container arguments are compared flag by flag, not position by position."""

from __future__ import annotations

from infra.diff.arguments import by_meaning, is_argument_list
from infra.diff.compare import diff_inputs, diff_plans
from infra.diff.paths import format_path
from tests.conftest import reference_plan
from tests.diff.conftest import model, plan_of

ARGS = ["/models/q", "--served-model-name", "q", "--enable-prefix-caching", "--max-model-len", "32768",
        "--kv-cache-dtype=fp8"]
PATH = ("spec", "template", "spec", "containers", 0, "args")


def changes(old, new):
    return [(format_path(p), o, n) for p, o, n in diff_inputs(old, new, PATH)]


def test_arguments_read_as_positionals_switches_values_and_repeats():
    assert by_meaning(ARGS + ["--lora-modules", "a=/x", "--lora-modules", "b=/y", "-1"]) == {
        0: "/models/q", "--served-model-name": "q", "--enable-prefix-caching": True, "--max-model-len": "32768",
        "--kv-cache-dtype": "fp8", "--lora-modules": ["a=/x", "b=/y"], 1: "-1"}
    assert is_argument_list(PATH, ARGS, ARGS) and not is_argument_list(PATH[:-1] + ("env",), ARGS, ARGS)
    assert not is_argument_list(PATH, ["a", "b"], ["a"])  # no flag at all: compared by position


def test_one_inserted_flag_is_one_change():
    new = ARGS[:3] + ["--max-num-seqs", "64"] + ARGS[3:]
    assert [(p, n) for p, _, n in changes(ARGS, new)] == [(format_path(PATH) + '["--max-num-seqs"]', "64")]


def test_a_changed_value_and_a_dropped_switch_are_each_one_change():
    new = [a for a in ARGS if a != "--enable-prefix-caching"]
    new[new.index("32768")] = "16384"
    found = {p: (o, n) for p, o, n in changes(ARGS, new)}
    base = format_path(PATH)
    assert set(found) == {base + '["--enable-prefix-caching"]', base + '["--max-model-len"]'}
    assert found[base + '["--max-model-len"]'] == ("32768", "16384")
    assert found[base + '["--enable-prefix-caching"]'][0] is True


def test_a_reordering_is_reported_once_as_the_whole_list():
    new = ARGS[:1] + ARGS[3:] + ARGS[1:3]
    assert changes(ARGS, new) == [(format_path(PATH), ARGS, new)]


def test_a_planned_engine_flag_is_one_change_on_the_deployment(tmp_path):
    plan = plan_of(tmp_path, lambda c: model(c, "qwen3-8b").setdefault("engineArgs", []).extend(
        ["--max-num-batched-tokens=4096"]))
    result = diff_plans(reference_plan("prod"), plan, cost=False)
    (deployment,) = [c for c in result.resources if c.name == "qwen3-8b-deployment"]
    arg_changes = [c for c in deployment.changes if ".args" in c.path]
    assert [(c.path.rsplit(".", 1)[-1], c.new) for c in arg_changes] == [('args["--max-num-batched-tokens"]', "4096")]
