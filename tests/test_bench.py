"""The stack files `make bench` generates are valid stacks. Speed itself is measured by `make bench`, not here."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from infra import bench
from infra.stack_file import load_stack_file, platform_config


def _load(n: int, directory: Path):
    path = bench.write_bench_stack(n, directory)
    assert path.name == f"Pulumi.bench-{n}.yaml"
    stack_file = load_stack_file(path)
    assert stack_file.stack == f"bench-{n}"
    return platform_config(stack_file.values, stack_file.display_path, stack_file.project)


def test_generated_stack_of_three_models_is_valid(tmp_path: Path) -> None:
    platform = _load(3, tmp_path)
    names = [m.name for m in platform.models]
    assert len(platform.models) == 3
    assert len(set(names)) == 3
    refs = Counter(f"{m.repository}@{m.revision}" for m in platform.models)
    assert max(refs.values()) >= 2, refs  # at least two models share one repository@revision
    assert len(refs) >= 2, refs  # and not every model shares it
    assert all(re.fullmatch(r"[0-9a-f]{40}", m.revision) for m in platform.models)
    assert all(m.pool in platform.gpu_pools for m in platform.models)


def test_generation_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = bench.write_bench_stack(10, tmp_path / "a").read_text()
    assert bench.write_bench_stack(10, tmp_path / "b").read_text() == first


def test_fifty_models_spread_over_every_pool_with_room_for_a_surge(tmp_path: Path) -> None:
    platform = _load(50, tmp_path)  # platform_config already rejects a pool too small; check the spread too
    assert {p.gpu for p in platform.gpu_pools.values()} == {"L4", "L40S", "H100"}
    assert len({m.name for m in platform.models}) == 50
    refs = Counter((m.repository, m.revision) for m in platform.models)
    assert 1 in refs.values() and 2 in refs.values()  # a mix of distinct and shared weight sets
    for name, pool in platform.gpu_pools.items():
        members = [m for m in platform.models if m.pool == name]
        assert pool.gpu_limit >= sum(m.replicas.max * m.gpus_per_replica for m in members) + max(
            m.gpus_per_replica for m in members
        )


def test_zero_models_is_refused() -> None:
    with pytest.raises(ValueError):
        bench.bench_stack(0)


def test_summary_line_of_the_quiet_plan_is_parsed() -> None:
    line = "bench-50: 524 resources, 400 Kubernetes objects, 0 validation problem(s)\n"
    match = bench._SUMMARY.search(line)
    assert match is not None and match["resources"] == "524" and match["stack"] == "bench-50"


def test_the_sdk_floor_is_measured_not_assumed() -> None:
    from infra.bench import sdk_floor

    assert 0 < sdk_floor(20) < 30
