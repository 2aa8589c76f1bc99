"""The preload Job for one `repository@revision`: download from the Hugging Face Hub into the weight
store once, write an integrity manifest, then a completion marker that model pods wait for.

The Job is named after the weights, so a new revision is a new Job (Job specs are immutable) and
models sharing weights share the Job. A finished Job is deleted after a week (`ttlSecondsAfterFinished`):
its logs, and the LLMWeightPreloadFailed alert of a failed one, last that long. Pulumi still records
it, so a plain `pulumi up` leaves it gone; `pulumi up --refresh` re-creates it, and it exits at once
(the marker and manifest are there) without touching the models that use the weights.

Each Job runs as a service account of its own (named like the Job), which EKS Pod Identity binds to a
role of its own: with the streamer loader it may write only its weight set's keys, so a compromised
or buggy preload cannot touch (or delete) another model's weights; with S3 Files it writes through
the mount and its role, if any, only reads the Hugging Face token.

It fails fast: the script exits 2 (bad configuration) or 3 (the repository, revision or files do not
exist, or the token gives no access: infra/assets/preload.py) when no retry can help, and the
podFailurePolicy fails the Job on those at once instead of retrying them `backoffLimit` times; a pod
evicted or preempted (condition DisruptionTarget) does not count against the retries. A failed Job
raises LLMWeightPreloadFailed (infra/render/observability/rules.py).
"""

from __future__ import annotations

import shlex

from ..assets.preload import EXIT_CONFIG, EXIT_PERMANENT
from ..config import PlatformConfig
from ..config.serving import TOOLS_CONFIGMAP
from .labels import WEIGHTS_ANNOTATION, metadata, preload_labels
from .model_workload import RESTRICTED_CONTAINER, TOOLS_PATH, UID
from ..startup_budget import preload_deadline_seconds
from .weight_store import WeightRef, location

# The script's dependencies, installed with --no-deps at these exact versions (the complete closure
# for Python 3.12, amd64 and arm64) before it runs: the image is a plain pinned Python.
PRELOAD_PACKAGES = (
    "huggingface_hub==2.4.0", "hf-xet==1.8.0", "boto3==1.44.5", "botocore==1.44.5", "s3transfer==0.19.3",
    "PyYAML==6.0.3", "anyio==4.16.0", "click==8.5.1", "filelock==4.2.11", "fsspec==2026.9.0", "h11==0.16.0",
    "httpcore2==2.16.2", "httpx2==2.16.2", "idna==3.20", "jmespath==1.1.0", "packaging==26.3",
    "python-dateutil==2.9.0.post0", "six==1.17.0", "tqdm==4.70.1", "truststore==0.10.5",
    "typing_extensions==4.16.0", "urllib3==2.8.0",
)
SCRATCH = "/scratch"
PRELOAD_CONTAINER = "preload"
PERMANENT_EXIT_CODES = (EXIT_CONFIG, EXIT_PERMANENT)  # the script's: no retry can fix these
FINISHED_JOB_TTL_SECONDS = 7 * 24 * 3600  # a week to read a failed Job's logs before it is cleaned up


def service_account_name(ref: WeightRef) -> str:
    """The Job's own service account: what its Pod Identity association binds."""
    return ref.job_name


def render_preload_service_account(platform: PlatformConfig, ref: WeightRef) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(service_account_name(ref), platform.serving.namespace, preload_labels(),
                             {WEIGHTS_ANNOTATION: ref.key}),
        "automountServiceAccountToken": False,
    }


def render_preload_job(platform: PlatformConfig, bucket: str, ref: WeightRef, weights_gib: float,
                       hf_token_secret_arn: str | None = None) -> dict:
    """`hf_token_secret_arn` (infra.render.aws.weight_store.hf_token_secret_arn): the AWS Secrets
    Manager secret the script reads the Hugging Face token from, with the Job's Pod Identity; the
    token itself never appears in Kubernetes."""
    streamer = platform.weights.loader == "streamer"
    install = (
        f"pip install --quiet --no-cache-dir --disable-pip-version-check --no-deps --target /tmp/pydeps "
        f"{' '.join(shlex.quote(p) for p in PRELOAD_PACKAGES)} && "
        f"PYTHONPATH=/tmp/pydeps exec python3 {TOOLS_PATH}/preload.py"
    )
    env = [
        {"name": "REPOSITORY", "value": ref.repository},
        {"name": "REVISION", "value": ref.revision},
        {"name": "TARGET", "value": location(platform, bucket, ref)},
        {"name": "HOME", "value": "/tmp"},
        {"name": "HF_HOME", "value": "/tmp/huggingface"},  # hf_xet keeps a chunk cache here
        {"name": "HF_HUB_DISABLE_PROGRESS_BARS", "value": "1"},
    ]
    if hf_token_secret_arn:
        env.append({"name": "HF_TOKEN_SECRET_ARN", "value": hf_token_secret_arn})
    mounts = [{"name": "tools", "mountPath": TOOLS_PATH, "readOnly": True}, {"name": "tmp", "mountPath": "/tmp"}]
    volumes = [
        {"name": "tools", "configMap": {"name": TOOLS_CONFIGMAP, "defaultMode": 0o444}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "8Gi"}},
    ]
    if streamer:
        env.append({"name": "STAGING_DIR", "value": SCRATCH})
        mounts.append({"name": "scratch", "mountPath": SCRATCH})
        volumes.append({"name": "scratch", "emptyDir": {"sizeLimit": f"{int(weights_gib * 1.2) + 10}Gi"}})
    else:
        mounts.append({"name": "weights", "mountPath": "/models"})
        volumes.append({"name": "weights", "persistentVolumeClaim": {"claimName": platform.weights.volume_claim_name}})
    labels = preload_labels()
    annotations = {WEIGHTS_ANNOTATION: ref.key}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(ref.job_name, platform.serving.namespace, labels, annotations),
        "spec": {
            "backoffLimit": 4,
            "parallelism": 1,  # one writer per weight set
            "ttlSecondsAfterFinished": FINISHED_JOB_TTL_SECONDS,
            "activeDeadlineSeconds": preload_deadline_seconds(weights_gib),
            "podFailurePolicy": {"rules": [
                {"action": "FailJob", "onExitCodes": {"containerName": PRELOAD_CONTAINER, "operator": "In",
                                                      "values": list(PERMANENT_EXIT_CODES)}},
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
            ]},
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": {
                    "serviceAccountName": service_account_name(ref),
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "restartPolicy": "Never",
                    "nodeSelector": {"kubernetes.io/os": "linux"},  # no GPU toleration: runs on CPU nodes
                    "securityContext": {
                        "runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": PRELOAD_CONTAINER,
                            "image": platform.serving.images.preload,
                            "imagePullPolicy": "IfNotPresent",
                            "command": ["sh", "-c", install],
                            "env": env,
                            "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
                            "securityContext": RESTRICTED_CONTAINER,
                            "volumeMounts": mounts,
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }
