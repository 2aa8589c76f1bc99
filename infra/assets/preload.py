"""Preload one model snapshot (``REPOSITORY@REVISION``) into the weights store, exactly once.

Shipped in a ConfigMap and run by the per-revision preload Job in a pinned python image, after the
Job has pip-installed pinned ``huggingface_hub``/``hf_xet``/``boto3``. Only the stdlib is imported at
module load; ``huggingface_hub`` and ``boto3`` are imported inside the functions that use them.

Environment contract:
  REPOSITORY      ``owner/name`` on the Hugging Face Hub.
  REVISION        a full 40-character lowercase commit SHA. Branches, tags and short SHAs are refused
                  (exit 2): the weights must be immutable.
  TARGET          a local directory (the S3 Files mount, e.g. ``/models/<repo>/<sha>``) or
                  ``s3://bucket/prefix`` (for vLLM's S3 streamer).
  STAGING_DIR     s3 targets only (required there): local scratch; the snapshot is downloaded to
                  ``STAGING_DIR/<REPOSITORY>/<REVISION>`` and uploaded from there.
  HF_TOKEN        optional, for gated or private repositories. Never logged.
  HF_TOKEN_SECRET_ARN
                  optional, used only when HF_TOKEN is unset: the AWS Secrets Manager secret holding
                  the token (its SecretString, or the "token" key when that is a JSON object). Read
                  only when a download is needed, with the pod's own AWS identity. Never logged.
  MAX_WORKERS     download threads. Default 1 for a local target: huggingface_hub's file locks
                  deadlock with many workers on NFS. Default 8 for s3 (the staging dir is local disk).
  ALLOW_PATTERNS  optional comma list, passed as ``allow_patterns``. huggingface_hub matches them with
                  ``fnmatch.fnmatchcase`` on the repo path: case-sensitive, ``*`` also crosses ``/``,
                  and a trailing ``/`` means "everything below". The default (DEFAULT_ALLOW) is what
                  vLLM needs, so ``*.bin``/``*.pth``/``original/*.pth`` duplicates are skipped.

Completion: the target holds ``.preload-manifest.json`` (relative path, size and sha256 of every
file) and, written LAST, ``.preload-complete`` containing ``REPOSITORY@REVISION``. A run whose
marker matches and whose manifest's files all exist with their recorded sizes exits 0 at once.
Otherwise the stale marker is removed first, orphaned ``*.incomplete`` files (left by a killed
pod; huggingface_hub never resumes them) are purged, the snapshot is downloaded, and the run fails
if any ``*.incomplete`` remains. Exit codes: 0 done, 1 failed (one-line reason; the Job retries), 2 bad
configuration, 3 a failure no retry can fix (the repository, revision or file does not exist, the
repository is gated or disabled and the token gives no access, no file matches ALLOW_PATTERNS): the
Job's podFailurePolicy fails the Job at once on 2 and 3. The Job must run one pod at a time per
revision (parallelism 1).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER = ".preload-complete"
MANIFEST = ".preload-manifest.json"
CACHE_DIR = ".cache"  # huggingface_hub's local_dir metadata, locks and *.incomplete files
DEFAULT_ALLOW = ("*.safetensors", "*.json", "*.model", "*.txt", "*.py", "*.tiktoken", "*.jinja")
_SHA = re.compile(r"[0-9a-f]{40}")
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+")
_REDACT: set[str] = set()  # secret values this process has seen; never printed

Downloader = Callable[..., Any]


class ConfigError(ValueError):
    """The environment does not satisfy the contract (exit 2)."""


class PreloadError(RuntimeError):
    """The preload could not be completed (exit 1)."""


class PermanentError(PreloadError):
    """The preload can never complete as configured (exit 3: no retry)."""


# huggingface_hub's errors (huggingface_hub.errors) that retrying cannot fix, matched by class name so
# this module needs no import of it.
PERMANENT_HUB_ERRORS = frozenset({"RepositoryNotFoundError", "RevisionNotFoundError", "EntryNotFoundError",
                                  "GatedRepoError", "DisabledRepoError"})
EXIT_DONE, EXIT_FAILED, EXIT_CONFIG, EXIT_PERMANENT = 0, 1, 2, 3


def is_permanent(error: BaseException) -> bool:
    return isinstance(error, PermanentError) or any(
        cls.__name__ in PERMANENT_HUB_ERRORS for cls in type(error).__mro__)


def log(message: str) -> None:
    print(f"[preload] {message}", flush=True)


@dataclass(frozen=True)
class Config:
    repository: str
    revision: str
    target: str
    staging_dir: Path | None
    token: str | None
    max_workers: int
    allow_patterns: tuple[str, ...]
    token_secret_arn: str | None = None

    @property
    def want(self) -> str:
        return f"{self.repository}@{self.revision}"

    @property
    def is_s3(self) -> bool:
        return self.target.startswith("s3://")

    def s3_location(self) -> tuple[str, str]:
        bucket, _, prefix = self.target.removeprefix("s3://").partition("/")
        return bucket, prefix.strip("/")

    def download_dir(self) -> Path:
        if self.is_s3:
            assert self.staging_dir is not None
            return self.staging_dir / self.repository / self.revision
        return Path(self.target)


def parse_env(env: Mapping[str, str]) -> Config:
    """Validate the environment into a Config; raise ConfigError with a one-line reason."""
    repository = env.get("REPOSITORY", "").strip()
    if not _REPO.fullmatch(repository) or ".." in repository:
        raise ConfigError(f"REPOSITORY must be 'owner/name', got {repository!r}")
    revision = env.get("REVISION", "").strip()
    if not _SHA.fullmatch(revision):
        raise ConfigError(f"REVISION must be a 40-character lowercase commit SHA, got {revision!r}")
    target = env.get("TARGET", "").strip()
    if not target:
        raise ConfigError("TARGET is required (a directory or s3://bucket/prefix)")
    is_s3 = target.startswith("s3://")
    if is_s3 and not target.removeprefix("s3://").split("/", 1)[0]:
        raise ConfigError(f"TARGET has no bucket: {target!r}")
    if not is_s3 and not os.path.isabs(target):
        raise ConfigError(f"TARGET must be an absolute path or s3:// URI, got {target!r}")
    staging = env.get("STAGING_DIR", "").strip()
    if is_s3 and not staging:
        raise ConfigError("STAGING_DIR is required for an s3:// TARGET")
    raw_workers = env.get("MAX_WORKERS", "").strip() or ("8" if is_s3 else "1")
    if not raw_workers.isdigit() or not 1 <= int(raw_workers) <= 64:
        raise ConfigError(f"MAX_WORKERS must be an integer in 1..64, got {raw_workers!r}")
    patterns = tuple(p.strip() for p in env.get("ALLOW_PATTERNS", "").split(",") if p.strip())
    secret_arn = env.get("HF_TOKEN_SECRET_ARN", "").strip()
    if secret_arn and not _SECRET_ARN.fullmatch(secret_arn):
        raise ConfigError(f"HF_TOKEN_SECRET_ARN must be a Secrets Manager secret ARN, got {secret_arn!r}")
    return Config(
        repository=repository,
        revision=revision,
        target=target if is_s3 else os.path.normpath(target),
        staging_dir=Path(staging) if staging else None,
        token=env.get("HF_TOKEN", "").strip() or None,
        max_workers=int(raw_workers),
        allow_patterns=patterns or DEFAULT_ALLOW,
        token_secret_arn=secret_arn or None,
    )


class LocalStore:
    """The snapshot's home on a filesystem (the S3 Files mount). S3Store has the same four methods."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read_text(self, rel: str) -> str | None:
        try:
            return (self.root / rel).read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return None

    def size(self, rel: str) -> int | None:
        path = self.root / rel
        return path.stat().st_size if path.is_file() else None

    def write_text(self, rel: str, text: str) -> None:
        """Atomic on POSIX and NFS: write a temporary sibling, fsync, then rename over."""
        final = self.root / rel
        tmp = final.with_name(f"{final.name}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)

    def delete(self, rel: str) -> None:
        (self.root / rel).unlink(missing_ok=True)


class S3Store:
    """The snapshot's home under an S3 prefix; `client` is a boto3 S3 client or a test fake."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def _missing(self, error: Exception) -> bool:
        response = getattr(error, "response", None)
        return isinstance(response, dict) and str(response.get("Error", {}).get("Code")) in _NOT_FOUND

    def read_text(self, rel: str) -> str | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(rel))
        except Exception as error:  # botocore's ClientError; botocore is imported lazily
            if self._missing(error):
                return None
            raise
        return str(response["Body"].read().decode("utf-8", errors="replace"))

    def size(self, rel: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.key(rel))["ContentLength"])
        except Exception as error:
            if self._missing(error):
                return None
            raise

    def write_text(self, rel: str, text: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(rel), Body=text.encode("utf-8"))

    def delete(self, rel: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(rel))


Store = LocalStore | S3Store


def verify_manifest(manifest: Mapping[str, Any], store: Store, want: str) -> list[str]:
    """Problems that make a manifest untrustworthy for `want`; empty when every file checks out."""
    if f"{manifest.get('repository')}@{manifest.get('revision')}" != want:
        return [f"manifest is for {manifest.get('repository')}@{manifest.get('revision')}"]
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        return ["manifest lists no files"]
    problems = []
    for entry in files:
        path, size = (entry.get("path"), entry.get("size")) if isinstance(entry, dict) else (None, None)
        if not isinstance(path, str) or not isinstance(size, int):
            return [f"malformed manifest entry {entry!r}"]
        actual = store.size(path)
        if actual != size:
            problems.append(f"{path}: size {actual}, expected {size}")
    return problems


def is_complete(store: Store, want: str) -> bool:
    """True only if the marker holds exactly `want` and the manifest verifies."""
    marker = store.read_text(MARKER)
    if marker is None or marker.strip() != want:
        if marker is not None:
            log(f"stale marker {marker.strip()[:120]!r}, want {want!r}")
        return False
    raw = store.read_text(MANIFEST)
    try:
        manifest = json.loads(raw) if raw is not None else None
    except json.JSONDecodeError:
        return False
    if not isinstance(manifest, dict):
        return False
    problems = verify_manifest(manifest, store, want)
    for problem in problems[:5]:
        log(f"integrity check failed: {problem}")
    return not problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_manifest(root: Path, repository: str, revision: str) -> dict[str, Any]:
    """Path, size and sha256 of every file under root, except .cache/ and our own marker files."""
    skipped = {MARKER, MANIFEST, f"{MARKER}.tmp", f"{MANIFEST}.tmp"}
    files = []
    for path in (p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel.split("/", 1)[0] == CACHE_DIR or rel in skipped:
            continue
        files.append({"path": rel, "size": path.stat().st_size, "sha256": _sha256(path)})
    return {"repository": repository, "revision": revision, "files": sorted(files, key=lambda f: f["path"])}


def find_incomplete(root: Path) -> list[Path]:
    cache = root / CACHE_DIR
    return sorted(cache.rglob("*.incomplete")) if cache.is_dir() else []


def write_marker(store: Store, want: str) -> None:
    store.write_text(MARKER, want)


def upload_tree(client: Any, root: Path, manifest: Mapping[str, Any], store: S3Store) -> None:
    """Upload every file the manifest lists, under the store's prefix."""
    for entry in manifest["files"]:
        client.upload_file(Filename=str(root / entry["path"]), Bucket=store.bucket, Key=store.key(entry["path"]))
    log(f"uploaded {len(manifest['files'])} files to s3://{store.bucket}/{store.prefix}")


def fetch_token(secret_arn: str, client: Any = None) -> str:
    """The Hugging Face token from Secrets Manager: the SecretString, or its "token" key when it is
    a JSON object. `client` is a boto3 secretsmanager client or a test fake."""
    if client is None:
        import boto3  # pinned and installed by the Job

        client = boto3.client("secretsmanager", region_name=secret_arn.split(":")[3])
    raw = client.get_secret_value(SecretId=secret_arn).get("SecretString")
    if not isinstance(raw, str) or not raw.strip():
        raise PreloadError("the Hugging Face token secret has no SecretString")
    token = raw.strip()
    if token.startswith("{"):
        try:
            parsed = json.loads(token)
        except json.JSONDecodeError:
            raise PreloadError("the Hugging Face token secret is not valid JSON") from None
        value = parsed.get("token") if isinstance(parsed, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise PreloadError('the Hugging Face token secret is a JSON object without a "token" string')
        token = value.strip()
    _REDACT.add(token)
    return token


def redact(text: str) -> str:
    for secret in _REDACT:
        text = text.replace(secret, "***")
    return text


def hf_download(**kwargs: Any) -> Any:
    from huggingface_hub import snapshot_download  # pinned and installed by the Job

    return snapshot_download(**kwargs)


def run(cfg: Config, downloader: Downloader, s3_client: Any = None, secrets_client: Any = None) -> None:
    if cfg.is_s3:
        if s3_client is None:
            import boto3  # pinned and installed by the Job

            s3_client = boto3.client("s3")
        store: Store = S3Store(s3_client, *cfg.s3_location())
    else:
        store = LocalStore(Path(cfg.target))
    if is_complete(store, cfg.want):
        log(f"{cfg.want} already complete in {cfg.target}")
        return
    root = cfg.download_dir()
    root.mkdir(parents=True, exist_ok=True)
    store.delete(MARKER)
    for orphan in find_incomplete(root):
        log(f"removing orphaned partial download {orphan.relative_to(root)}")
        orphan.unlink(missing_ok=True)
    token = cfg.token
    if token is None and cfg.token_secret_arn:
        token = fetch_token(cfg.token_secret_arn, secrets_client)
    log(f"downloading {cfg.want} to {root} (max_workers={cfg.max_workers})")
    downloader(
        repo_id=cfg.repository,
        revision=cfg.revision,
        local_dir=str(root),
        max_workers=cfg.max_workers,
        allow_patterns=list(cfg.allow_patterns),
        token=token,
    )
    leftovers = find_incomplete(root)
    if leftovers:
        raise PreloadError(f"{len(leftovers)} *.incomplete file(s) remain, e.g. {leftovers[0].relative_to(root)}")
    manifest = build_manifest(root, cfg.repository, cfg.revision)
    if not manifest["files"]:
        raise PermanentError(f"no files matched ALLOW_PATTERNS {','.join(cfg.allow_patterns)}")
    if isinstance(store, S3Store):
        upload_tree(store.client, root, manifest, store)
    store.write_text(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    write_marker(store, cfg.want)
    total = sum(entry["size"] for entry in manifest["files"])
    log(f"{cfg.want} complete: {len(manifest['files'])} files, {total} bytes")


def main(env: Mapping[str, str] | None = None, downloader: Downloader | None = None, s3_client: Any = None,
         secrets_client: Any = None) -> int:
    try:
        cfg = parse_env(os.environ if env is None else env)
    except ConfigError as error:
        log(f"invalid configuration: {error}")
        return EXIT_CONFIG
    if cfg.token:
        _REDACT.add(cfg.token)
    try:
        run(cfg, downloader or hf_download, s3_client, secrets_client)
    except Exception as error:  # noqa: BLE001 - any failure: one line with the reason
        reason = f"{type(error).__name__}: {error}".replace("\n", " ")
        if is_permanent(error):
            log(f"FAILED {cfg.want} for good (no retry): {redact(reason)}")
            return EXIT_PERMANENT
        log(f"FAILED {cfg.want}: {redact(reason)}")
        return EXIT_FAILED
    return EXIT_DONE


if __name__ == "__main__":
    sys.exit(main())
