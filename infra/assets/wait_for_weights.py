"""Init container of every vLLM pod: wait until the weights it serves are completely preloaded.

Runs in the vLLM image (python3 with boto3, which vLLM's S3 streamer uses). Contract, by environment:

  WEIGHTS          JSON list of {"want": "<repository>@<revision>", "target": <dir or s3://bucket/prefix>,
                   "copyTo": <optional local dir>}; a target is complete when its `.preload-complete`
                   marker (written last by the preload Job) holds exactly `want`. With copyTo, the
                   files under an s3:// target are copied there (LoRA adapters, which vLLM loads from disk).
  TIMEOUT_SECONDS  give up after this long (default 7200); POLL_SECONDS between checks (default 15).

Exit 0 when everything is complete, 1 on timeout or error. Standard library only, except boto3,
imported lazily for s3:// targets.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

MARKER = ".preload-complete"


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}  # the same codes preload.py treats as "not there yet"


def not_found(exc: Exception) -> bool:
    """botocore's ClientError carries the S3 error code; any other failure (AccessDenied, network) is an error."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and str(response.get("Error", {}).get("Code")) in _NOT_FOUND:
        return True
    return type(exc).__name__ == "NoSuchKey"


def marker_matches(target: str, want: str, s3: Any) -> bool:
    if not target.startswith("s3://"):
        path = Path(target) / MARKER
        # a half-written or garbled marker is "not complete yet", like preload.py treats it
        return path.is_file() and path.read_bytes().decode("utf-8", errors="replace").strip() == want
    bucket, prefix = split_s3(target)
    try:
        body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{MARKER}" if prefix else MARKER)["Body"].read()
    except Exception as exc:
        if not_found(exc):
            return False
        raise
    return body.decode("utf-8", errors="replace").strip() == want


def copy_prefix(target: str, dest: str, s3: Any) -> int:
    bucket, prefix = split_s3(target)
    root = Path(dest).resolve()
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for obj in page.get("Contents", []):
            relative = obj["Key"][len(prefix) + 1 :] if prefix else obj["Key"]
            if not relative or relative.endswith("/"):
                continue
            local = (root / relative).resolve()
            if not local.is_relative_to(root):
                raise ValueError(f"object key {obj['Key']!r} would be written outside {dest}")
            local.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(local))
            count += 1
    return count


def parse_checks(raw: str) -> list[dict[str, str]]:
    """WEIGHTS: a list of {"want", "target", optional "copyTo"} objects, every value a non-empty string."""
    checks = json.loads(raw)
    if not isinstance(checks, list):
        raise ValueError("WEIGHTS must be a JSON list of {want, target, copyTo?} objects")
    for i, check in enumerate(checks):
        if not isinstance(check, dict) or not all(isinstance(check.get(k), str) and check[k] for k in ("want", "target")):
            raise ValueError(f"WEIGHTS[{i}] must be an object with non-empty string 'want' and 'target'")
        if "copyTo" in check and not (isinstance(check["copyTo"], str) and check["copyTo"]):
            raise ValueError(f"WEIGHTS[{i}].copyTo must be a non-empty string")
        if check.get("copyTo") and not check["target"].startswith("s3://"):
            raise ValueError(f"WEIGHTS[{i}].copyTo needs an s3:// target")
    return checks


def main(env: Mapping[str, str] | None = None, s3: Any = None, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic) -> int:
    env = os.environ if env is None else env
    try:
        checks = parse_checks(env["WEIGHTS"])
        timeout = float(env.get("TIMEOUT_SECONDS", "7200"))
        poll = float(env.get("POLL_SECONDS", "15"))
        if poll <= 0:
            raise ValueError(f"POLL_SECONDS must be positive, not {poll:g}")
    except (KeyError, ValueError) as exc:
        print(f"[wait-for-weights] bad configuration: {exc}", flush=True)
        return 1
    if s3 is None and any(c["target"].startswith("s3://") for c in checks):
        import boto3  # noqa: PLC0415 - only in the streamer image path

        s3 = boto3.client("s3")
    deadline = clock() + timeout
    pending = list(checks)
    while True:
        try:
            pending = [c for c in pending if not marker_matches(c["target"], c["want"], s3)]
        except Exception as exc:
            print(f"[wait-for-weights] cannot read markers: {exc}", flush=True)
            return 1
        if not pending:
            break
        if clock() >= deadline:
            print(f"[wait-for-weights] timed out waiting for: {', '.join(c['want'] for c in pending)}", flush=True)
            return 1
        print(f"[wait-for-weights] waiting for the preload of: {', '.join(c['want'] for c in pending)}", flush=True)
        sleep(poll)
    for check in checks:
        if check.get("copyTo"):
            try:
                count = copy_prefix(check["target"], check["copyTo"], s3)
            except Exception as exc:
                print(f"[wait-for-weights] cannot copy {check['want']} to {check['copyTo']}: {exc}", flush=True)
                return 1
            print(f"[wait-for-weights] copied {count} files of {check['want']} to {check['copyTo']}", flush=True)
    print("[wait-for-weights] all weights are preloaded", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
