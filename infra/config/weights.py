"""Where model weights live and how vLLM reads them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import K8sName, SecretsManagerSecret, StackModel, bucket_name_problem

WeightLoader = Literal["s3files", "streamer"]



class AdoptConfig(StackModel):
    """A weights bucket and its KMS key left in AWS by an earlier stack (both are retained on destroy)."""

    kms_key_arn: str = Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$",
                             description="ARN of the bucket's KMS key (its objects are encrypted with it)")


class WeightsConfig(StackModel):
    """Weights are kept in S3 under `<prefix>/<repository>/<revision>/`, preloaded once per revision.

    loader `s3files`: pods mount the bucket through an S3 Files file system (EFS CSI driver).
    loader `streamer`: vLLM streams safetensors straight from S3 (Run:ai model streamer).
    """

    loader: WeightLoader = "s3files"
    bucket_name: str | None = Field(
        default=None, description="default: llm-platform-<stack>-weights-<account>-<region>-an, in the account "
        "regional namespace (no other account can create it)")
    prefix: str = "models"
    hugging_face_token_secret: SecretsManagerSecret | None = Field(
        default=None,
        description="name of the AWS Secrets Manager secret holding the Hugging Face token (gated models)",
    )
    volume_claim_name: K8sName = Field(default="model-weights", description="PVC name of the S3 Files volume")
    adopt: AdoptConfig | None = Field(
        default=None, description="take over a bucket and KMS key kept from an earlier stack (pulumi import on the "
        "next `pulumi up`) instead of creating them")

    @model_validator(mode="after")
    def _adopt_names_the_bucket(self) -> "WeightsConfig":
        if self.adopt is not None and self.bucket_name is None:
            raise ValueError("adopt needs bucketName: the kept bucket's name (the default name may differ from it); "
                             "allowed: adopt together with bucketName")
        return self

    @field_validator("bucket_name")
    @classmethod
    def _bucket(cls, value: str | None) -> str | None:
        problem = bucket_name_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = value.strip("/")
        if not value or not re.match(r"^[A-Za-z0-9_.\-/]+$", value):
            raise ValueError(f"{value!r} is not a usable key prefix; allowed: letters, digits, '_', '.', '-', '/'")
        return value
