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


def marker_matches(target: str, want: str, s3: Any) -> bool:
    if not target.startswith("s3://"):
        path = Path(target) / MARKER
        return path.is_file() and path.read_text().strip() == want
    bucket, prefix = split_s3(target)
    try:
        body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{MARKER}")["Body"].read().decode()
    except Exception as exc:  # NoSuchKey (not yet) looks like any other client error here
        if "NoSuchKey" in type(exc).__name__ or "NoSuchKey" in str(exc) or "404" in str(exc):
            return False
        raise
    return body.strip() == want


def copy_prefix(target: str, dest: str, s3: Any) -> int:
    bucket, prefix = split_s3(target)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/"):
        for obj in page.get("Contents", []):
            relative = obj["Key"][len(prefix) + 1 :]
            if not relative or relative.endswith("/"):
                continue
            local = Path(dest) / relative
            local.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(local))
            count += 1
    return count


def main(env: Mapping[str, str] | None = None, s3: Any = None, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic) -> int:
    env = os.environ if env is None else env
    try:
        checks = json.loads(env["WEIGHTS"])
        timeout = float(env.get("TIMEOUT_SECONDS", "7200"))
        poll = float(env.get("POLL_SECONDS", "15"))
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
            count = copy_prefix(check["target"], check["copyTo"], s3)
            print(f"[wait-for-weights] copied {count} files of {check['want']} to {check['copyTo']}", flush=True)
    print("[wait-for-weights] all weights are preloaded", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
