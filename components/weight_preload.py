"""The preload Job of one repository@revision. Pulumi waits for it to succeed before any model
that needs these weights is rolled out."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.catalog import component_types
from infra.config import PlatformConfig
from infra.render.weight_preload import render_preload_job
from infra.render.weight_store import WeightRef

from .k8s_object import register


@dataclass(frozen=True)
class WeightPreloadArgs:
    platform: PlatformConfig
    stack: str
    weights: WeightRef
    weights_gib: float
    hf_token_secret_arn: str | None = None  # Secrets Manager secret with the Hugging Face token
    depends_on: tuple[pulumi.Resource, ...] = ()


class WeightPreload(pulumi.ComponentResource):
    def __init__(self, name: str, args: WeightPreloadArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(component_types.WEIGHT_PRELOAD, name, None, opts)
        job = render_preload_job(args.platform, args.stack, args.weights, args.weights_gib, args.hf_token_secret_arn)
        deadline_minutes = job["spec"]["activeDeadlineSeconds"] // 60 + 5
        self.job = register(
            f"{name}-job",
            job,
            pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.depends_on),
                delete_before_replace=True,  # the Job is explicitly named
                replace_on_changes=["spec"],  # the API refuses to change a Job's spec: a changed Job is a new one
                custom_timeouts=pulumi.CustomTimeouts(create=f"{deadline_minutes}m", update=f"{deadline_minutes}m"),
            ),
        )
        self.register_outputs({"weights": args.weights.key})
