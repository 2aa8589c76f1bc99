"""Where model weights live and how vLLM reads them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .base import K8sName, SecretsManagerSecret, StackModel

WeightLoader = Literal["s3files", "streamer"]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class WeightsConfig(StackModel):
    """Weights are kept in S3 under `<prefix>/<repository>/<revision>/`, preloaded once per revision.

    loader `s3files`: pods mount the bucket through an S3 Files file system (EFS CSI driver).
    loader `streamer`: vLLM streams safetensors straight from S3 (Run:ai model streamer).
    """

    loader: WeightLoader = "s3files"
    bucket_name: str | None = Field(default=None, description="default: llm-platform-<stack>-weights")
    prefix: str = "models"
    hugging_face_token_secret: SecretsManagerSecret | None = Field(
        default=None,
        description="name of the AWS Secrets Manager secret holding the Hugging Face token (gated models)",
    )
    volume_claim_name: K8sName = Field(default="model-weights", description="PVC name of the S3 Files volume")

    @field_validator("bucket_name")
    @classmethod
    def _bucket(cls, value: str | None) -> str | None:
        if value is not None and not _BUCKET.match(value):
            raise ValueError(f"{value!r} is not a valid S3 bucket name; allowed: 3-63 lowercase letters, digits, '.', '-'")
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = value.strip("/")
        if not value or not re.match(r"^[A-Za-z0-9_.\-/]+$", value):
            raise ValueError(f"{value!r} is not a usable key prefix; allowed: letters, digits, '_', '.', '-', '/'")
        return value
