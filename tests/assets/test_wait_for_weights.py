"""Offline tests of infra/assets/wait_for_weights.py: a fake S3 client, a fake clock and a fake sleep."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "infra" / "assets"
SCRIPT = ASSETS / "wait_for_weights.py"
REPO = "Qwen/Qwen2.5-Coder-7B-Instruct"
SHA = "c03e6d358207e414f1eca0bb1891e29f1db0e242"
OTHER_SHA = "0" * 40
WANT = f"{REPO}@{SHA}"
ADAPTER_WANT = f"acme/sql-lora@{'1' * 40}"
BUCKET = "llm-platform-dev-weights"
PREFIX = f"models/{REPO}/{SHA}"
S3_TARGET = f"s3://{BUCKET}/{PREFIX}"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


wfw = _load("wait_for_weights_under_test", SCRIPT)


class FakeS3Error(Exception):
    """Shaped like botocore's ClientError: the S3 error code is in response["Error"]["Code"]."""

    def __init__(self, code: str) -> None:
        super().__init__(f"An error occurred ({code}) when calling the GetObject operation")
        self.response = {"Error": {"Code": code}}


class NoSuchKey(Exception):
    """Like boto3's modeled `client.exceptions.NoSuchKey`, here without a response to fall back on."""


class FakePaginator:
    def __init__(self, s3: FakeS3) -> None:
        self.s3 = s3

    def paginate(self, *, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
        self.s3.calls.append(("list_objects_v2", Prefix))
        keys = sorted(k for b, k in self.s3.objects if b == Bucket and k.startswith(Prefix))
        pages = [keys[i : i + self.s3.page_size] for i in range(0, len(keys), self.s3.page_size)] or [[]]
        return [{"Contents": [{"Key": k} for k in page]} if page else {"KeyCount": 0} for page in pages]


class FakeS3:
    """A bucket in a dict; records calls; `fail_with` makes get_object raise instead."""

    def __init__(self, objects: dict[tuple[str, str], bytes] | None = None, page_size: int = 2) -> None:
        self.objects = dict(objects or {})
        self.page_size = page_size
        self.calls: list[tuple[str, str]] = []
        self.fail_with: Exception | None = None

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append(("get_object", Key))
        if self.fail_with is not None:
            raise self.fail_with
        if (Bucket, Key) not in self.objects:
            raise FakeS3Error("NoSuchKey")
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def get_paginator(self, name: str) -> FakePaginator:
        assert name == "list_objects_v2"
        return FakePaginator(self)

    def download_file(self, bucket: str, key: str, filename: str) -> None:
        self.calls.append(("download_file", key))
        Path(filename).write_bytes(self.objects[(bucket, key)])


class Clock:
    """A monotonic clock that only moves when the script sleeps; `on_sleep` runs after each sleep."""

    def __init__(self, on_sleep: Any = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))

    def __call__(self) -> float:
        return self.now


def env(*checks: dict[str, str], **extra: str) -> dict[str, str]:
    return {"WEIGHTS": json.dumps(list(checks)), "POLL_SECONDS": "15", "TIMEOUT_SECONDS": "60", **extra}


def complete(target: Path, want: str = WANT) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    (target / wfw.MARKER).write_text(want)
    return target


def run(environment: dict[str, str], clock: Clock, s3: Any = None) -> int:
    return int(wfw.main(environment, s3=s3, sleep=clock.sleep, clock=clock))


# ---- local targets (S3 Files mount) ---------------------------------------------------------------


def test_complete_local_markers_exit_0_without_sleeping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = complete(tmp_path / REPO / SHA)
    adapter = complete(tmp_path / "acme" / "sql-lora", ADAPTER_WANT)
    clock = Clock()
    # s3=None on purpose: local targets alone must not need boto3 (it is not installed here)
    checks = ({"want": WANT, "target": str(model)}, {"want": ADAPTER_WANT, "target": str(adapter)})
    assert run(env(*checks), clock) == 0
    assert clock.sleeps == []
    assert capsys.readouterr().out.strip().splitlines() == ["[wait-for-weights] all weights are preloaded"]


def test_marker_of_another_revision_keeps_waiting_then_times_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = complete(tmp_path / "stale", f"{REPO}@{OTHER_SHA}")
    done = complete(tmp_path / "done", ADAPTER_WANT)
    clock = Clock()
    checks = ({"want": WANT, "target": str(stale)}, {"want": ADAPTER_WANT, "target": str(done)})
    assert run(env(*checks), clock) == 1
    assert clock.sleeps == [15.0] * 4  # checks at 0, 15, 30, 45 s; the one at 60 s hits the deadline
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == f"[wait-for-weights] timed out waiting for: {WANT}"  # names only what is still pending
    assert all(line == f"[wait-for-weights] waiting for the preload of: {WANT}" for line in out[:-1])


def test_missing_target_directory_keeps_waiting(tmp_path: Path) -> None:
    clock = Clock()
    assert run(env({"want": WANT, "target": str(tmp_path / "not-yet")}, TIMEOUT_SECONDS="30"), clock) == 1
    assert clock.sleeps == [15.0, 15.0]


def test_garbled_marker_keeps_waiting_instead_of_crashing(tmp_path: Path) -> None:
    target = tmp_path / "t"
    target.mkdir()
    (target / wfw.MARKER).write_bytes(b"\xff\xfe" + WANT.encode())
    clock = Clock()
    assert run(env({"want": WANT, "target": str(target)}, TIMEOUT_SECONDS="15"), clock) == 1
    assert clock.sleeps == [15.0]


def test_marker_appearing_after_two_polls_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / REPO / SHA

    def preload_finishes(sleeps: int) -> None:
        if sleeps == 1:
            complete(target, f"{REPO}@{OTHER_SHA}")  # an older revision's marker first: still not it
        if sleeps == 2:
            complete(target, WANT + "\n")  # trailing whitespace is tolerated

    clock = Clock(on_sleep=preload_finishes)
    assert run(env({"want": WANT, "target": str(target)}, TIMEOUT_SECONDS="7200"), clock) == 0
    assert clock.sleeps == [15.0, 15.0]
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "[wait-for-weights] all weights are preloaded"
    assert sum("waiting for the preload of" in line for line in out) == 2


def test_defaults_are_two_hours_and_fifteen_seconds(tmp_path: Path) -> None:
    clock = Clock()
    assert run({"WEIGHTS": json.dumps([{"want": WANT, "target": str(tmp_path)}])}, clock) == 1
    assert set(clock.sleeps) == {15.0} and len(clock.sleeps) == 7200 // 15


# ---- s3:// targets (streamer loader) --------------------------------------------------------------


def test_s3_marker_matching_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    s3 = FakeS3({(BUCKET, f"{PREFIX}/{wfw.MARKER}"): WANT.encode() + b"\n"})
    clock = Clock()
    assert run(env({"want": WANT, "target": S3_TARGET}), clock, s3) == 0
    assert clock.sleeps == []
    assert s3.calls == [("get_object", f"{PREFIX}/{wfw.MARKER}")]
    assert "all weights are preloaded" in capsys.readouterr().out


def test_s3_marker_of_another_revision_keeps_waiting() -> None:
    s3 = FakeS3({(BUCKET, f"{PREFIX}/{wfw.MARKER}"): f"{REPO}@{OTHER_SHA}".encode()})
    clock = Clock()
    assert run(env({"want": WANT, "target": S3_TARGET}), clock, s3) == 1
    assert clock.sleeps == [15.0] * 4


@pytest.mark.parametrize("missing", [FakeS3Error("NoSuchKey"), FakeS3Error("404"), NoSuchKey("gone")],
                         ids=["NoSuchKey", "404", "modeled-exception"])
def test_s3_missing_marker_keeps_waiting_until_it_appears(missing: Exception) -> None:
    s3 = FakeS3()
    s3.fail_with = missing

    def preload_finishes(sleeps: int) -> None:
        if sleeps == 2:
            s3.fail_with = None
            s3.objects[(BUCKET, f"{PREFIX}/{wfw.MARKER}")] = WANT.encode()

    clock = Clock(on_sleep=preload_finishes)
    assert run(env({"want": WANT, "target": S3_TARGET}), clock, s3) == 0
    assert clock.sleeps == [15.0, 15.0]
    assert [op for op, _ in s3.calls] == ["get_object"] * 3


def test_s3_missing_marker_times_out_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    assert run(env({"want": WANT, "target": S3_TARGET}), clock, FakeS3()) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"[wait-for-weights] timed out waiting for: {WANT}"


@pytest.mark.parametrize(
    "error",
    [
        FakeS3Error("AccessDenied"),
        FakeS3Error("NoSuchBucket"),
        # a network error whose text happens to contain "404" (the revision is in the URL) is still an error
        OSError(f'Could not connect to the endpoint URL: "https://{BUCKET}.s3.amazonaws.com/{PREFIX}/a404b"'),
    ],
    ids=["AccessDenied", "NoSuchBucket", "network"],
)
def test_s3_errors_exit_1_instead_of_waiting(error: Exception, capsys: pytest.CaptureFixture[str]) -> None:
    s3 = FakeS3()
    s3.fail_with = error
    clock = Clock()
    assert run(env({"want": WANT, "target": S3_TARGET}), clock, s3) == 1
    assert clock.sleeps == []
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("[wait-for-weights] cannot read markers:")


def test_copy_to_copies_every_object_under_the_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adapter_prefix = f"models/acme/sql-lora/{'1' * 40}"
    files = {
        "adapter_config.json": b'{"r": 16}',
        "adapter_model.safetensors": b"\x07" * 2048,
        "nested/deeper/tokenizer.json": b"{}",
        wfw.MARKER: ADAPTER_WANT.encode(),
    }
    objects = {(BUCKET, f"{adapter_prefix}/{rel}"): data for rel, data in files.items()}
    objects[(BUCKET, f"{adapter_prefix}-other/adapter_model.safetensors")] = b"not this one"  # a sibling prefix
    objects[(BUCKET, f"{adapter_prefix}/folder-placeholder/")] = b""  # console-made "folder" object: skipped
    objects[(BUCKET, f"{PREFIX}/{wfw.MARKER}")] = WANT.encode()
    s3 = FakeS3(objects, page_size=2)  # several pages
    dest = tmp_path / "adapters" / "sql-lora"
    checks = (
        {"want": WANT, "target": S3_TARGET},
        {"want": ADAPTER_WANT, "target": f"s3://{BUCKET}/{adapter_prefix}/", "copyTo": str(dest)},
    )

    assert run(env(*checks), Clock(), s3) == 0

    copied = {str(p.relative_to(dest)): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert copied == files
    assert ("list_objects_v2", f"{adapter_prefix}/") in s3.calls
    assert not any(op == "list_objects_v2" and key.startswith(PREFIX) for op, key in s3.calls)  # no copyTo there
    out = capsys.readouterr().out
    assert f"copied {len(files)} files of {ADAPTER_WANT} to {dest}" in out


def test_copy_to_refuses_keys_escaping_the_destination(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    objects = {
        (BUCKET, f"{PREFIX}/{wfw.MARKER}"): WANT.encode(),
        (BUCKET, f"{PREFIX}/../../escape.txt"): b"x",
    }
    dest = tmp_path / "dest"
    check = {"want": WANT, "target": S3_TARGET, "copyTo": str(dest)}
    assert run(env(check), Clock(), FakeS3(objects)) == 1
    assert not (tmp_path / "escape.txt").exists()
    assert "cannot copy" in capsys.readouterr().out


# ---- configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"WEIGHTS": "{not json"},
        {"WEIGHTS": '{"want": "a@b", "target": "/models/a"}'},
        {"WEIGHTS": "[1]"},
        {"WEIGHTS": '[{"want": "a@b"}]'},
        {"WEIGHTS": '[{"want": "", "target": "/models/a"}]'},
        {"WEIGHTS": '[{"want": "a@b", "target": "/models/a", "copyTo": "/adapters/a"}]'},  # copyTo needs s3://
        {"WEIGHTS": "[]", "TIMEOUT_SECONDS": "soon"},
        {"WEIGHTS": "[]", "POLL_SECONDS": "0"},
    ],
    ids=["missing", "not-json", "not-a-list", "not-objects", "no-target", "empty-want", "local-copy-to",
         "bad-timeout", "zero-poll"],
)
def test_bad_configuration_exits_1(environment: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    assert run(environment, clock, FakeS3()) == 1
    assert clock.sleeps == []
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("[wait-for-weights] bad configuration:")


def test_marker_name_is_the_same_everywhere() -> None:
    from infra.render import weight_store

    preload = _load("preload_for_marker_lockstep", ASSETS / "preload.py")
    assert wfw.MARKER == preload.MARKER == weight_store.MARKER == ".preload-complete"


def test_runs_as_a_script(tmp_path: Path) -> None:
    complete(tmp_path)
    ok = {"PATH": "/usr/bin:/bin", "WEIGHTS": json.dumps([{"want": WANT, "target": str(tmp_path)}])}
    proc = subprocess.run([sys.executable, str(SCRIPT)], check=False, env=ok, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "[wait-for-weights] all weights are preloaded\n")
    proc = subprocess.run([sys.executable, str(SCRIPT)], check=False, env={"WEIGHTS": "nope"}, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout.startswith("[wait-for-weights] bad configuration")
