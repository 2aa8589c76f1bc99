"""Offline tests of infra/assets/preload.py: a fake downloader and a fake S3 client stand in for the network."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "assets" / "preload.py"
REPO = "Qwen/Qwen2.5-Coder-7B-Instruct"
SHA = "c03e6d358207e414f1eca0bb1891e29f1db0e242"
OTHER_SHA = "0" * 40
FILES = {
    "config.json": b'{"architectures": ["Qwen2ForCausalLM"]}',
    "model-00001-of-00002.safetensors": b"\x01" * 4096,
    "model-00002-of-00002.safetensors": b"\x02" * 1000,
    "tokenizer.json": b'{"version": "1.0"}',
    "nested/chat_template.jinja": b"{{ messages }}",
    "nested-2/special_tokens_map.json": b"{}",  # sorts before nested/ as a string, after it as a Path
}


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("preload_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve string annotations through sys.modules
    spec.loader.exec_module(module)
    return module


preload = _load()


class FakeDownloader:
    """Writes FILES into local_dir like snapshot_download, plus huggingface_hub's .cache bookkeeping."""

    def __init__(self, files: dict[str, bytes] | None = None, leave_incomplete: bool = False) -> None:
        self.files = FILES if files is None else files
        self.leave_incomplete = leave_incomplete
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> str:
        self.calls.append(kwargs)
        root = Path(kwargs["local_dir"])
        for rel, data in self.files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        meta = root / ".cache" / "huggingface" / "download"
        meta.mkdir(parents=True, exist_ok=True)
        (meta / "config.json.metadata").write_text(f"{SHA}\netag\n")
        if self.leave_incomplete:
            (meta / "abc.etag.1234abcd.incomplete").write_bytes(b"partial")
        return str(root)


class FakeS3Error(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    """Records every call in order; keeps objects in a dict like a bucket."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.calls: list[tuple[str, str]] = []

    def upload_file(self, *, Filename: str, Bucket: str, Key: str) -> None:
        self.calls.append(("upload_file", Key))
        self.objects[(Bucket, Key)] = Path(Filename).read_bytes()

    def put_object(self, *, Bucket: str, Key: str, Body: bytes) -> dict[str, Any]:
        self.calls.append(("put_object", Key))
        self.objects[(Bucket, Key)] = Body
        return {}

    def delete_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append(("delete_object", Key))
        self.objects.pop((Bucket, Key), None)
        return {}

    def head_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append(("head_object", Key))
        if (Bucket, Key) not in self.objects:
            raise FakeS3Error("404")
        return {"ContentLength": len(self.objects[(Bucket, Key)])}

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append(("get_object", Key))
        if (Bucket, Key) not in self.objects:
            raise FakeS3Error("NoSuchKey")
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}


def local_env(target: Path, **extra: str) -> dict[str, str]:
    return {"REPOSITORY": REPO, "REVISION": SHA, "TARGET": str(target), **extra}


def s3_env(staging: Path, **extra: str) -> dict[str, str]:
    return {
        "REPOSITORY": REPO,
        "REVISION": SHA,
        "TARGET": f"s3://weights/models/{REPO}/{SHA}",
        "STAGING_DIR": str(staging),
        **extra,
    }


def expected_manifest() -> dict[str, Any]:
    files = [
        {"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for rel, data in sorted(FILES.items())
    ]
    return {"repository": REPO, "revision": SHA, "files": files}


@pytest.mark.parametrize("revision", ["main", SHA[:7], SHA.upper(), SHA + "0", "v1.0", ""])
def test_invalid_revision_exits_2_without_downloading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], revision: str
) -> None:
    downloader = FakeDownloader()
    assert preload.main(local_env(tmp_path, REVISION=revision), downloader=downloader) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("[preload] invalid configuration: REVISION")
    assert downloader.calls == []


@pytest.mark.parametrize(
    "env_patch",
    [
        {"REPOSITORY": "not-a-repo"},
        {"REPOSITORY": "a/../b"},
        {"TARGET": ""},
        {"TARGET": "relative/dir"},
        {"MAX_WORKERS": "0"},
        {"MAX_WORKERS": "many"},
        {"TARGET": "s3://bucket/p"},  # s3 without STAGING_DIR
    ],
)
def test_invalid_configuration_exits_2(tmp_path: Path, env_patch: dict[str, str]) -> None:
    downloader = FakeDownloader()
    assert preload.main({**local_env(tmp_path), **env_patch}, downloader=downloader) == 2
    assert downloader.calls == []


def test_defaults_follow_target_kind(tmp_path: Path) -> None:
    local = preload.parse_env(local_env(tmp_path))
    assert (local.max_workers, local.allow_patterns, local.token) == (1, preload.DEFAULT_ALLOW, None)
    remote = preload.parse_env(s3_env(tmp_path, HF_TOKEN="hf_x", ALLOW_PATTERNS=" *.safetensors, config.json ,"))
    assert remote.max_workers == 8 and remote.token == "hf_x"
    assert remote.allow_patterns == ("*.safetensors", "config.json")
    assert remote.s3_location() == ("weights", f"models/{REPO}/{SHA}")
    assert preload.parse_env(local_env(tmp_path, MAX_WORKERS="4")).max_workers == 4


def test_first_run_downloads_then_writes_manifest_then_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "models" / REPO / SHA
    renames: list[str] = []
    real_replace = preload.os.replace
    monkeypatch.setattr(
        preload.os, "replace", lambda src, dst: (renames.append(Path(dst).name), real_replace(src, dst))
    )
    downloader = FakeDownloader()

    assert preload.main(local_env(target, HF_TOKEN="hf_secret"), downloader=downloader) == 0

    assert downloader.calls == [
        {
            "repo_id": REPO,
            "revision": SHA,
            "local_dir": str(target),
            "max_workers": 1,
            "allow_patterns": list(preload.DEFAULT_ALLOW),
            "token": "hf_secret",
        }
    ]
    assert (target / preload.MARKER).read_text() == f"{REPO}@{SHA}"
    assert json.loads((target / preload.MANIFEST).read_text()) == expected_manifest()
    assert renames == [preload.MANIFEST, preload.MARKER]
    assert not list(target.glob("*.tmp"))


def test_second_run_skips_download(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert preload.main(local_env(tmp_path), downloader=FakeDownloader()) == 0
    again = FakeDownloader()
    assert preload.main(local_env(tmp_path), downloader=again) == 0
    assert again.calls == []
    assert "already complete" in capsys.readouterr().out


def test_marker_for_other_revision_triggers_download(tmp_path: Path) -> None:
    assert preload.main(local_env(tmp_path), downloader=FakeDownloader()) == 0
    (tmp_path / preload.MARKER).write_text(f"{REPO}@{OTHER_SHA}")
    again = FakeDownloader()
    assert preload.main(local_env(tmp_path), downloader=again) == 0
    assert len(again.calls) == 1
    assert (tmp_path / preload.MARKER).read_text() == f"{REPO}@{SHA}"


@pytest.mark.parametrize(
    "damage", ["truncate", "delete", "manifest_missing", "manifest_garbage", "manifest_bad_files", "marker_binary"]
)
def test_damaged_snapshot_triggers_download(tmp_path: Path, damage: str) -> None:
    assert preload.main(local_env(tmp_path), downloader=FakeDownloader()) == 0
    shard = tmp_path / "model-00001-of-00002.safetensors"
    if damage == "truncate":
        shard.write_bytes(b"\x01" * 10)
    elif damage == "delete":
        shard.unlink()
    elif damage == "manifest_missing":
        (tmp_path / preload.MANIFEST).unlink()
    elif damage == "manifest_garbage":
        (tmp_path / preload.MANIFEST).write_text("{not json")
    elif damage == "manifest_bad_files":
        (tmp_path / preload.MANIFEST).write_text(json.dumps({"repository": REPO, "revision": SHA, "files": 5}))
    else:
        (tmp_path / preload.MARKER).write_bytes(b"\xff\xfe" + f"{REPO}@{SHA}".encode())
    again = FakeDownloader()
    assert preload.main(local_env(tmp_path), downloader=again) == 0
    assert len(again.calls) == 1
    assert json.loads((tmp_path / preload.MANIFEST).read_text()) == expected_manifest()


def test_leftover_incomplete_fails_without_marker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / preload.MARKER).write_text(f"{REPO}@{OTHER_SHA}")  # stale: must be removed, not kept
    assert preload.main(local_env(tmp_path), downloader=FakeDownloader(leave_incomplete=True)) == 1
    assert not (tmp_path / preload.MARKER).exists()
    assert not (tmp_path / preload.MANIFEST).exists()
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith(f"[preload] FAILED {REPO}@{SHA}: PreloadError: 1 *.incomplete")


def test_orphaned_incomplete_from_killed_pod_is_purged_before_download(tmp_path: Path) -> None:
    orphan = tmp_path / ".cache" / "huggingface" / "download" / "x.etag.deadbeef.incomplete"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half a shard")
    assert preload.main(local_env(tmp_path), downloader=FakeDownloader()) == 0
    assert not orphan.exists()
    assert (tmp_path / preload.MARKER).read_text() == f"{REPO}@{SHA}"


def test_download_error_exits_1_with_one_line_and_no_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(**kwargs: Any) -> None:
        raise OSError(f"connection reset\nwhile sending token {kwargs['token']}")

    assert preload.main(local_env(tmp_path, HF_TOKEN="hf_secret"), downloader=broken) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("[preload] FAILED") and "hf_secret" not in out[-1] and "connection reset" in out[-1]
    assert not (tmp_path / preload.MARKER).exists()


def test_empty_download_is_a_failure_no_retry_fixes(tmp_path: Path) -> None:
    assert preload.main(local_env(tmp_path), downloader=FakeDownloader(files={})) == preload.EXIT_PERMANENT == 3
    assert not (tmp_path / preload.MARKER).exists()


# Shaped like huggingface_hub.errors at the pinned 2.4.0: the permanent ones derive from HfHubHTTPError.
class HfHubHTTPError(OSError):
    pass


class RepositoryNotFoundError(HfHubHTTPError):
    pass


class GatedRepoError(RepositoryNotFoundError):
    pass


class RevisionNotFoundError(HfHubHTTPError):
    pass


@pytest.mark.parametrize("error", [RepositoryNotFoundError, GatedRepoError, RevisionNotFoundError])
def test_a_missing_or_gated_repository_fails_for_good(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     error: type) -> None:
    def refused(**kwargs: Any) -> None:
        raise error("404 Client Error")

    assert preload.main(local_env(tmp_path), downloader=refused) == 3
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith(f"[preload] FAILED {REPO}@{SHA} for good (no retry): {error.__name__}")


def test_a_server_error_is_retried(tmp_path: Path) -> None:
    def flaky(**kwargs: Any) -> None:
        raise HfHubHTTPError("502 Bad Gateway")

    assert preload.main(local_env(tmp_path), downloader=flaky) == 1


def test_s3_uploads_every_file_then_manifest_then_marker(tmp_path: Path) -> None:
    s3, downloader = FakeS3(), FakeDownloader()
    prefix = f"models/{REPO}/{SHA}"

    assert preload.main(s3_env(tmp_path), downloader=downloader, s3_client=s3) == 0

    assert downloader.calls[0]["local_dir"] == str(tmp_path / REPO / SHA)
    assert downloader.calls[0]["max_workers"] == 8
    writes = [(op, key) for op, key in s3.calls if op in {"upload_file", "put_object", "delete_object"}]
    assert writes[0] == ("delete_object", f"{prefix}/{preload.MARKER}")
    assert sorted(key for op, key in writes if op == "upload_file") == sorted(f"{prefix}/{rel}" for rel in FILES)
    assert writes[-2:] == [("put_object", f"{prefix}/{preload.MANIFEST}"), ("put_object", f"{prefix}/{preload.MARKER}")]
    assert s3.objects[("weights", f"{prefix}/{preload.MARKER}")] == f"{REPO}@{SHA}".encode()
    assert json.loads(s3.objects[("weights", f"{prefix}/{preload.MANIFEST}")]) == expected_manifest()
    for rel, data in FILES.items():
        assert s3.objects[("weights", f"{prefix}/{rel}")] == data
    assert not any(".cache" in key for _, key in s3.calls)


def test_s3_second_run_skips_download_and_upload(tmp_path: Path) -> None:
    s3 = FakeS3()
    assert preload.main(s3_env(tmp_path / "first"), downloader=FakeDownloader(), s3_client=s3) == 0
    s3.calls.clear()
    again = FakeDownloader()
    assert preload.main(s3_env(tmp_path / "second"), downloader=again, s3_client=s3) == 0
    assert again.calls == []
    assert {op for op, _ in s3.calls} == {"get_object", "head_object"}
    assert sum(op == "head_object" for op, _ in s3.calls) == len(FILES)


def test_s3_missing_object_triggers_reupload(tmp_path: Path) -> None:
    s3 = FakeS3()
    assert preload.main(s3_env(tmp_path), downloader=FakeDownloader(), s3_client=s3) == 0
    del s3.objects[("weights", f"models/{REPO}/{SHA}/tokenizer.json")]
    again = FakeDownloader()
    assert preload.main(s3_env(tmp_path), downloader=again, s3_client=s3) == 0
    assert len(again.calls) == 1
    assert ("weights", f"models/{REPO}/{SHA}/tokenizer.json") in s3.objects


def test_s3_access_denied_is_a_failure_not_a_redownload(tmp_path: Path) -> None:
    class Denied(FakeS3):
        def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
            raise FakeS3Error("AccessDenied")

    downloader = FakeDownloader()
    assert preload.main(s3_env(tmp_path), downloader=downloader, s3_client=Denied()) == 1
    assert downloader.calls == []


def test_runs_as_a_script(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "REPOSITORY": REPO, "REVISION": "main", "TARGET": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith("[preload] invalid configuration")


# --------------------------------------------------------------------------------------
# the Hugging Face token from AWS Secrets Manager
# --------------------------------------------------------------------------------------

SECRET_ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:llm-platform/dev/hugging-face-token"


class FakeSecrets:
    """A secretsmanager client: answers get_secret_value with a fixed SecretString (or raises)."""

    def __init__(self, secret_string: str | None = "hf_from_secrets_manager", error: Exception | None = None) -> None:
        self.secret_string, self.error = secret_string, error
        self.calls: list[str] = []

    def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
        self.calls.append(SecretId)
        if self.error is not None:
            raise self.error
        response: dict[str, Any] = {"ARN": SECRET_ARN + "-AbCdEf", "Name": "llm-platform/dev/hugging-face-token"}
        if self.secret_string is not None:
            response["SecretString"] = self.secret_string
        return response


def test_token_secret_arn_is_validated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secrets = FakeSecrets()
    assert preload.main(local_env(tmp_path, HF_TOKEN_SECRET_ARN="hugging-face-token"), downloader=FakeDownloader(),
                        secrets_client=secrets) == 2
    assert "HF_TOKEN_SECRET_ARN" in capsys.readouterr().out
    assert secrets.calls == []
    assert preload.parse_env(local_env(tmp_path, HF_TOKEN_SECRET_ARN=f" {SECRET_ARN} ")).token_secret_arn == SECRET_ARN
    assert preload.parse_env(local_env(tmp_path)).token_secret_arn is None


@pytest.mark.parametrize(
    ("secret_string", "token"),
    [("hf_plain", "hf_plain"), (" hf_padded\n", "hf_padded"), ('{"token": "hf_json", "user": "bot"}', "hf_json")],
)
def test_token_is_read_from_secrets_manager_when_hf_token_is_unset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secret_string: str, token: str
) -> None:
    secrets, downloader = FakeSecrets(secret_string), FakeDownloader()
    assert preload.main(local_env(tmp_path, HF_TOKEN_SECRET_ARN=SECRET_ARN), downloader=downloader,
                        secrets_client=secrets) == 0
    assert secrets.calls == [SECRET_ARN]
    assert downloader.calls[0]["token"] == token
    assert token not in capsys.readouterr().out


def test_hf_token_wins_over_the_secret(tmp_path: Path) -> None:
    secrets, downloader = FakeSecrets(), FakeDownloader()
    env = local_env(tmp_path, HF_TOKEN="hf_env", HF_TOKEN_SECRET_ARN=SECRET_ARN)
    assert preload.main(env, downloader=downloader, secrets_client=secrets) == 0
    assert secrets.calls == []
    assert downloader.calls[0]["token"] == "hf_env"


def test_secret_is_read_lazily_only_when_a_download_is_needed(tmp_path: Path) -> None:
    env = local_env(tmp_path, HF_TOKEN_SECRET_ARN=SECRET_ARN)
    assert preload.main(env, downloader=FakeDownloader(), secrets_client=FakeSecrets()) == 0
    again = FakeSecrets()
    assert preload.main(env, downloader=FakeDownloader(), secrets_client=again) == 0
    assert again.calls == []  # complete already: no Secrets Manager call at all


@pytest.mark.parametrize(
    ("secrets", "reason"),
    [
        (FakeSecrets(None), "has no SecretString"),
        (FakeSecrets("   "), "has no SecretString"),
        (FakeSecrets('{"user": "bot"}'), 'without a "token" string'),
        (FakeSecrets("{not json"), "not valid JSON"),
        (FakeSecrets(error=FakeS3Error("AccessDeniedException")), "AccessDeniedException"),
    ],
)
def test_unusable_secret_fails_without_downloading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secrets: FakeSecrets, reason: str
) -> None:
    downloader = FakeDownloader()
    assert preload.main(local_env(tmp_path, HF_TOKEN_SECRET_ARN=SECRET_ARN), downloader=downloader,
                        secrets_client=secrets) == 1
    assert downloader.calls == []
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith(f"[preload] FAILED {REPO}@{SHA}") and reason in out[-1]
    assert not (tmp_path / preload.MARKER).exists()


def test_token_from_the_secret_is_never_logged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(**kwargs: Any) -> None:
        raise OSError(f"401 for token {kwargs['token']}")

    secrets = FakeSecrets('{"token": "hf_very_secret_value"}')
    assert preload.main(local_env(tmp_path, HF_TOKEN_SECRET_ARN=SECRET_ARN), downloader=broken,
                        secrets_client=secrets) == 1
    out = capsys.readouterr().out
    assert "hf_very_secret_value" not in out
    assert "401 for token ***" in out


def test_secrets_client_defaults_to_boto3_in_the_secret_region(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, str]] = []

    class FakeBoto3:
        @staticmethod
        def client(service: str, region_name: str) -> FakeSecrets:
            made.append((service, region_name))
            return FakeSecrets("hf_boto")

    monkeypatch.setitem(sys.modules, "boto3", FakeBoto3)
    assert preload.fetch_token(SECRET_ARN) == "hf_boto"
    assert made == [("secretsmanager", "eu-west-3")]
