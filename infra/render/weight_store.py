"""Where the weights of one `repository@revision` live, seen from S3, the mount and the preload Job.

Layout: s3://<bucket>/<prefix>/<repository>/<revision>/ , the same tree under the S3 Files mount at
/models. Models sharing a repository@revision share one copy and one preload Job.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..catalog.s3_buckets import default_bucket_name
from ..config import PlatformConfig
from ..config.serving import PRELOAD_JOB_PREFIX  # every preload Job's name starts so (the alert selects on it)

MOUNT_PATH = "/models"
MARKER = ".preload-complete"


@dataclass(frozen=True)
class WeightRef:
    repository: str
    revision: str

    @property
    def key(self) -> str:
        return f"{self.repository}@{self.revision}"

    @property
    def relative_path(self) -> str:
        return f"{self.repository}/{self.revision}"

    @property
    def job_name(self) -> str:
        """A stable, DNS-safe name per repository@revision (a different revision is a new Job)."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.repository.split("/", 1)[1].lower()).strip("-")
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:6]
        return f"{PRELOAD_JOB_PREFIX}{slug[:36].rstrip('-')}-{self.revision[:8]}-{digest}"


def bucket_name(platform: PlatformConfig, stack: str, account_id: str, region: str) -> str:
    """The stack's explicit weights.bucketName, else its default in the account regional namespace."""
    return platform.weights.bucket_name or default_bucket_name(stack, account_id, region)


def object_prefix(platform: PlatformConfig, ref: WeightRef) -> str:
    """The S3 key prefix of one weight set (no trailing slash): what its preload Job may write."""
    return f"{platform.weights.prefix}/{ref.relative_path}"


def mount_path(ref: WeightRef) -> str:
    return f"{MOUNT_PATH}/{ref.relative_path}"


def s3_uri(platform: PlatformConfig, bucket: str, ref: WeightRef) -> str:
    return f"s3://{bucket}/{object_prefix(platform, ref)}"


def location(platform: PlatformConfig, bucket: str, ref: WeightRef) -> str:
    """Where vLLM (and the preload Job) find these weights for the configured loader."""
    return mount_path(ref) if platform.weights.loader == "s3files" else s3_uri(platform, bucket, ref)
