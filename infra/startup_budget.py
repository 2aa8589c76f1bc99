"""How long a replica may take from container start to serving, and a preload Job to finish.

Estimates, deliberately generous (twice the expected time), from the figures in
vllm-gpu-aws-facts.md section 2.3: ~120 s of engine start-up (profiling, torch.compile, CUDA
graphs; more with tensor parallelism) plus weight loading at ~250 MiB/s from the S3 Files mount or
~1 GiB/s with the S3 streamer.
"""

from __future__ import annotations

import math

LOAD_SECONDS_PER_GIB = {"s3files": 4.0, "streamer": 1.0}
PROBE_PERIOD_SECONDS = 10
MIN_BUDGET_SECONDS, MAX_BUDGET_SECONDS = 600, 3600  # the startup probe's budget is kept within these


def expected_start_seconds(gpus: int, checkpoint_gib: float, loader: str) -> float:
    """The modelled time from container start to serving: engine start-up plus reading the weights."""
    return 120 + (60 if gpus > 1 else 0) + checkpoint_gib * LOAD_SECONDS_PER_GIB[loader]


def startup_budget_for(gpus: int, checkpoint_gib: float, loader: str) -> int:
    """The budget of a replica with `gpus` GPUs reading a checkpoint of `checkpoint_gib` with `loader`
    (`PlatformConfig.startup_budget_seconds` applies it to a resolved model): twice the modelled
    time, in whole minutes, within MIN_BUDGET_SECONDS..MAX_BUDGET_SECONDS. The config refuses a model
    whose modelled time alone exceeds the maximum (its probe would restart it before it serves)."""
    budget = 2 * expected_start_seconds(gpus, checkpoint_gib, loader)
    return int(min(MAX_BUDGET_SECONDS, max(MIN_BUDGET_SECONDS, math.ceil(budget / 60) * 60)))


def preload_deadline_seconds(weights_gib: float) -> int:
    """Downloading from the Hugging Face Hub at a conservative ~50 MiB/s, plus an hour of slack."""
    return int(3600 + math.ceil(weights_gib * 1024 / 50))
