"""`make bench`: how long the offline plan takes, and how much memory it needs, as a stack grows.

For each model count N a valid stack file `Pulumi.bench-<N>.yaml` is generated in a temporary
directory: N catalog models spread over L4, L40S and H100 pools, some sharing one
repository@revision (one copy, one preload Job), most with their own. Each stack is planned by
`python -m infra plan --stack-file ... --out <tmp> --quiet` in its own process, so the numbers are
those of the real offline plan (the whole Pulumi program under mocks, schema validation and every
manifest written, interpreter start-up and imports included) and the peak memory is that one run's.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .stack_file import REPO_ROOT, load_stack_file, platform_config

DEFAULT_COUNTS = (1, 10, 50, 100, 200)
TARGET_MODELS = 200
TARGET_SECONDS = 10.0
MODELS_PER_POOL = 64  # a pool holds at most this many bench models, so gpuLimit stays far below 1024

_SUMMARY = re.compile(r"^(?P<stack>\S+): (?P<resources>\d+) resources, (?P<objects>\d+) Kubernetes objects, "
                      r"(?P<problems>\d+) validation problem", re.MULTILINE)


@dataclass(frozen=True)
class Shape:
    """One model shape known to fit its GPU (the dev and prod stacks use the same shapes)."""

    slug: str
    gpu: str
    repository: str
    context_window: int
    gpus_per_replica: int = 1
    kv_cache_dtype: str = "auto"
    max_num_seqs: int = 32
    tier: str = "small"
    specialty: str = "general"


SHAPES: tuple[Shape, ...] = (
    Shape("qwen-coder-7b", "L4", "Qwen/Qwen2.5-Coder-7B-Instruct", 32_768, specialty="code"),
    Shape("qwen3-8b", "L4", "Qwen/Qwen3-8B", 32_768),
    Shape("qwen3-coder-30b", "L40S", "Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8", 65_536, kv_cache_dtype="fp8",
          tier="medium", specialty="code"),
    Shape("mistral-7b", "L4", "mistralai/Mistral-7B-Instruct-v0.3", 32_768),
    Shape("llama-70b", "H100", "meta-llama/Llama-3.1-70B-Instruct", 131_072, gpus_per_replica=4, max_num_seqs=64,
          tier="large"),
    Shape("qwen-14b", "L40S", "Qwen/Qwen2.5-14B-Instruct", 32_768, tier="medium"),
)
POOL_NAMES = {"L4": "l4", "L40S": "l40s", "H100": "h100"}
REPLICAS = {"min": 1, "max": 2}


def revision(repository: str, variant: int) -> str:
    """A deterministic 40-hex 'commit' per repository and variant."""
    return hashlib.sha1(f"llm-platform-bench:{repository}:{variant}".encode()).hexdigest()


def weight_index(i: int) -> int:
    """Model i's weight set: 0,0,1,2,2,3,4,4,... so two of every three models share one repository@revision."""
    return (2 * i) // 3


def bench_stack(n: int) -> dict:
    """The stack document (as written to Pulumi.bench-<n>.yaml) with n models."""
    if n < 1:
        raise ValueError(f"a bench stack needs at least one model, not {n}")
    models: list[dict] = []
    pools: dict[str, dict] = {}
    per_gpu: dict[str, int] = {}
    for i in range(n):
        w = weight_index(i)
        shape = SHAPES[w % len(SHAPES)]
        seen = per_gpu.get(shape.gpu, 0)
        per_gpu[shape.gpu] = seen + 1
        shard = seen // MODELS_PER_POOL
        pool = POOL_NAMES[shape.gpu] + (f"-{shard + 1}" if shard else "")
        spec = pools.setdefault(pool, {"gpu": shape.gpu, "capacityTypes": ["on-demand"], "gpuLimit": 0, "_surge": 0})
        spec["gpuLimit"] += REPLICAS["max"] * shape.gpus_per_replica
        spec["_surge"] = max(spec["_surge"], shape.gpus_per_replica)
        model = {
            "name": f"{shape.slug}-{i:04d}",
            "repository": shape.repository,
            "revision": revision(shape.repository, w // len(SHAPES)),
            "pool": pool,
            "quantization": "fp8",
            "contextWindow": shape.context_window,
            "maxNumSeqs": shape.max_num_seqs,
            "replicas": dict(REPLICAS),
            "routing": {"tier": shape.tier, "specialty": shape.specialty},
        }
        if shape.gpus_per_replica > 1:
            model["gpusPerReplica"] = shape.gpus_per_replica
        if shape.kv_cache_dtype != "auto":
            model["kvCacheDtype"] = shape.kv_cache_dtype
        models.append(model)
    for spec in pools.values():  # every model at its max replicas, plus room for one surge replica
        spec["gpuLimit"] += spec.pop("_surge")
    return {
        "config": {
            "aws:region": "us-east-1",
            "llm-platform:cluster": {"name": f"llm-bench-{n}", "kubernetesVersion": "1.35"},
            "llm-platform:network": {"availabilityZones": 3},
            "llm-platform:gpuPools": pools,
            "llm-platform:weights": {"loader": "s3files",
                                     "huggingFaceTokenSecret": "llm-platform/bench/hugging-face-token"},
            "llm-platform:models": models,
        }
    }


def write_bench_stack(n: int, directory: Path) -> Path:
    path = Path(directory) / f"Pulumi.bench-{n}.yaml"
    doc = bench_stack(n)
    pools = ", ".join(f"{name} ({spec['gpu']})" for name, spec in doc["config"]["llm-platform:gpuPools"].items())
    header = f"# Generated by `make bench`: {n} model(s) over GPU pools {pools}.\n"
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False))
    return path


@dataclass(frozen=True)
class Result:
    models: int
    resources: int | None
    seconds: float
    peak_rss_mib: float
    returncode: int
    output: str

    @property
    def per_second(self) -> float | None:
        return self.resources / self.seconds if self.resources is not None and self.seconds > 0 else None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.resources is not None


def run_plan(path: Path) -> tuple[float, float, int, str]:
    """Plan one stack file in a child process, manifests written next to it: (wall seconds, child peak
    RSS MiB, exit code, output)."""
    cmd = [sys.executable, "-m", "infra", "plan", "--stack-file", str(path), "--out", str(path.parent / "out"),
           "--quiet"]
    with tempfile.TemporaryFile() as out:  # a file, not a pipe: the child can never block on a full pipe
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not every child's so far
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    # ru_maxrss is KiB on Linux, bytes on macOS
    peak_mib = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return seconds, peak_mib, proc.returncode, output


def bench(n: int, directory: Path) -> Result:
    path = write_bench_stack(n, directory)
    stack_file = load_stack_file(path)
    platform_config(stack_file.values, stack_file.display_path, stack_file.project)  # ConfigError if invalid
    seconds, peak, code, output = run_plan(path)
    match = _SUMMARY.search(output)
    resources = int(match["resources"]) if match else None
    return Result(n, resources, seconds, peak, code, output)


_FLOOR = """
import asyncio, sys, time
import pulumi, pulumi_kubernetes as k8s

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return [args.name + "-id", args.inputs]

    def call(self, args):
        return {}

asyncio.set_event_loop(asyncio.new_event_loop())
pulumi.runtime.set_mocks(Mocks(), project="floor", stack="floor", preview=False)
n = int(sys.argv[1])
start = time.perf_counter()
pulumi.runtime.test(lambda: [k8s.core.v1.ConfigMap(f"c{i}", metadata={"name": f"c{i}"}, data={"a": "b"})
                             for i in range(n)])()
print(time.perf_counter() - start)
"""


def sdk_floor(resources: int) -> float:
    """Seconds Pulumi's Python SDK takes to register `resources` one-key ConfigMaps under its own mocks,
    imports excluded: what any program with that many resources pays before doing anything itself."""
    out = subprocess.run([sys.executable, "-c", _FLOOR, str(resources)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(counts: Sequence[int] | None = None) -> int:
    counts = list(counts or DEFAULT_COUNTS)
    if any(n < 1 for n in counts):
        print(f"error: model counts must be positive, not {','.join(map(str, counts))}", file=sys.stderr)
        return 2
    print(f"Offline plan with manifests (python -m infra plan --quiet, one process per stack) on {sys.platform}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    print(f"{'MODELS':>6}  {'RESOURCES':>9}  {'WALL (s)':>8}  {'RESOURCES/s':>11}  {'PEAK RSS (MiB)':>14}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="llm-platform-bench-") as tmp:
        for n in counts:
            r = bench(n, Path(tmp))
            results.append(r)
            resources = str(r.resources) if r.resources is not None else "-"
            rate = f"{r.per_second:.0f}" if r.per_second is not None else "-"
            print(f"{r.models:>6}  {resources:>9}  {r.seconds:>8.2f}  {rate:>11}  {r.peak_rss_mib:>14.1f}", flush=True)
            if not r.ok:
                print(f"  plan of {r.models} model(s) failed (exit {r.returncode}):", file=sys.stderr)
                for line in r.output.strip().splitlines()[-20:]:
                    print(f"    {line}", file=sys.stderr)
    largest = max((r for r in results if r.ok), key=lambda r: r.resources, default=None)
    if largest is not None:
        floor = sdk_floor(largest.resources)
        print(f"Pulumi SDK floor: {largest.resources} empty ConfigMaps registered under Pulumi's own mocks take "
              f"{floor:.2f} s (no program, validation or manifests; interpreter start-up and imports not counted)")
    failed = [r for r in results if not r.ok]
    big = [r for r in results if r.models >= TARGET_MODELS]
    slow = [r for r in big if r.seconds >= TARGET_SECONDS]
    target = f"{TARGET_MODELS} models plan in under {TARGET_SECONDS:g} s"
    if failed:
        print(f"FAILED: {len(failed)} plan(s) did not complete; target {target!r} not assessed")
    elif not big:
        print(f"target {target!r}: not measured (no run with >= {TARGET_MODELS} models)")
    elif slow:
        worst = max(slow, key=lambda r: r.seconds)
        print(f"target {target!r}: NOT met ({worst.models} models took {worst.seconds:.2f} s)")
    else:
        worst = max(big, key=lambda r: r.seconds)
        print(f"target {target!r}: met ({worst.models} models in {worst.seconds:.2f} s)")
    return 1 if failed or slow else 0
