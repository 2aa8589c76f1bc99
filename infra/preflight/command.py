"""`python -m infra preflight --stack <env>`: before `pulumi up`, with the deployer's AWS credentials,
check what would otherwise fail minutes into the deploy: who deploys and whether they get cluster
access, every Secrets Manager secret the stack reads (exists, right shape), the weights bucket name
(free or ours), GPU vCPU quotas per pool and capacity type, the zones' instance offerings, and the
EKS and add-on versions. Read-only; prints one line per finding; exit 0 when nothing failed, 1 when
something did, 2 for a bad stack file or no usable credentials."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..config import ConfigError
from ..render.weight_store import bucket_name
from ..stack_file import load_stack, report_config_error
from . import checks
from .checks import Finding

DEFAULT_REGION = "us-east-1"


def boto3_clients(region: str) -> Callable[[str], object]:
    import boto3

    session = boto3.session.Session(region_name=region)
    made: dict[str, object] = {}

    def client(service: str):
        if service not in made:
            made[service] = session.client(service)
        return made[service]

    return client


def run_checks(clients, platform, stack: str, region: str) -> list[Finding]:
    found, account = checks.identity(clients, platform)
    found += checks.secrets(clients, platform, region)
    found += checks.bucket(clients, bucket_name(platform, stack, account, region), account)
    found += checks.gpu_quotas(clients, platform)
    found += checks.zones(clients, platform)
    found += checks.eks_versions(clients, platform)
    return found


def main(args, clients_for: Callable[[str], Callable[[str], object]] = boto3_clients) -> int:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        stack_file, platform = load_stack(args.stack, args.stack_file)
    except ConfigError as exc:
        return report_config_error(exc)
    region = stack_file.values.get("aws:region", DEFAULT_REGION)
    print(f"llm-platform preflight: stack {stack_file.stack} ({stack_file.display_path}) in {region}, read-only")
    try:
        found = run_checks(clients_for(region), platform, stack_file.stack, region)
    except NoCredentialsError:
        print("error: no AWS credentials; fix: `aws configure sso` / `aws sso login`, or set AWS_PROFILE", file=sys.stderr)
        return 2
    except ClientError as exc:
        error = exc.response.get("Error", {})
        print(f"error: AWS refused {exc.operation_name}: {error.get('Code')}: {error.get('Message')}; fix: give the "
              "deploying principal read access to it (README: Preflight)", file=sys.stderr)
        return 2
    except BotoCoreError as exc:
        print(f"error: cannot reach AWS: {exc}", file=sys.stderr)
        return 2
    for f in found:
        print(f"  {f.status:<4}  {f.check:<8}  {f.message}")
    failed = [f for f in found if f.status == "FAIL"]
    warned = [f for f in found if f.status == "warn"]
    print(f"{len(failed)} failed, {len(warned)} warning(s), {len(found) - len(failed) - len(warned)} ok"
          + ("; fix the failures before `pulumi up`" if failed else "; ready for `pulumi up`"))
    return 1 if failed else 0
