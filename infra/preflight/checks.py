"""The preflight checks: what `pulumi up` would otherwise find out minutes (or an hour) into a deploy.
Each reads the account with the caller's credentials and returns findings, one line each with its
fix; none of them changes anything, and no secret value is ever printed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..catalog.aws_zones import EKS_UNSUPPORTED_ZONE_IDS
from ..catalog.s3_buckets import namespace_of
from ..config import PlatformConfig
from ..plan.secrets import needed_secrets, shape_problem
from .quotas import ec2_quotas, quota_needs

Clients = Callable[[str], object]  # service name -> a boto3 client in the stack's region


@dataclass(frozen=True)
class Finding:
    status: str  # ok | warn | FAIL
    check: str
    message: str


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def identity(clients: Clients, platform: PlatformConfig) -> tuple[list[Finding], str]:
    """Who runs the deploy, and whether the cluster will let them in. Returns the account id too."""
    caller = clients("sts").get_caller_identity()
    arn, account = caller["Arn"], caller["Account"]
    cluster = platform.cluster
    if ":assumed-role/" in arn:
        role = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        principal = clients("iam").get_role(RoleName=role)["Role"]["Arn"]
    elif arn.endswith(":root"):
        principal = None
    elif ":federated-user/" in arn:
        principal = None
    else:
        principal = arn
    if principal is None:
        return [Finding("FAIL", "identity", f"{arn} cannot be named by an EKS access entry; fix: run as an IAM role "
                        "or user (e.g. `aws sso login` and AWS_PROFILE)")], account
    if cluster.existing:
        try:
            clients("eks").describe_access_entry(clusterName=cluster.name, principalArn=principal)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            return [Finding("FAIL", "identity", f"{principal} has no access entry in existing cluster {cluster.name}; "
                            f"fix: aws eks create-access-entry --cluster-name {cluster.name} --principal-arn "
                            f"{principal}, then associate AmazonEKSClusterAdminPolicy")], account
        return [Finding("ok", "identity", f"{principal} has an access entry in {cluster.name}")], account
    if not cluster.deployer_access and principal not in cluster.admin_role_arns:
        return [Finding("warn", "identity", f"{principal} gets no cluster access (cluster.deployerAccess is false and "
                        "it is not in adminRoleArns): `pulumi up` stops at the first Kubernetes object unless the "
                        "deploy runs as one of adminRoleArns")], account
    return [Finding("ok", "identity", f"deploying as {principal} (account {account}); it gets cluster-admin on "
                    f"{cluster.name}")], account


def secrets(clients: Clients, platform: PlatformConfig, region: str) -> list[Finding]:
    client = clients("secretsmanager")
    found = []
    for secret in needed_secrets(platform):
        try:
            value = client.get_secret_value(SecretId=secret.name).get("SecretString")
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                found.append(Finding("FAIL", "secret", f"{secret.name} ({secret.reader}) does not exist in {region}; "
                                     f"fix: aws secretsmanager create-secret --region {region} --name {secret.name} "
                                     f"--secret-string '<{secret.shape}>'"))
            else:
                found.append(Finding("FAIL", "secret", f"{secret.name}: cannot be read ({_code(exc)}); fix: allow "
                                     "secretsmanager:GetSecretValue on it to the deploying principal"))
            continue
        problem = "is binary, not a string" if value is None else shape_problem(secret.kind, value)
        if problem:
            found.append(Finding("FAIL", "secret", f"{secret.name} ({secret.reader}): its value {problem}; fix: "
                                 f"aws secretsmanager put-secret-value --secret-id {secret.name} --secret-string "
                                 f"'<{secret.shape}>'"))
        else:
            found.append(Finding("ok", "secret", f"{secret.name} exists and has the shape {secret.reader} needs"))
    return found


def bucket(clients: Clients, name: str, account: str) -> list[Finding]:
    """Free, or already this account's (a re-deploy, or a bucket kept from an earlier stack)."""
    try:
        clients("s3").head_bucket(Bucket=name, ExpectedBucketOwner=account)
    except ClientError as exc:
        code = _code(exc)
        if code in ("404", "NoSuchBucket", "NotFound"):
            where = " (account regional namespace: only this account can create it)" \
                if namespace_of(name) == "account-regional" else ""
            return [Finding("ok", "bucket", f"{name} is free{where}")]
        if code in ("403", "AccessDenied", "Forbidden"):
            return [Finding("FAIL", "bucket", f"{name} exists in another account (or this principal may not read "
                            "it); fix: set weights.bucketName to another name, or leave it unset for the account "
                            "regional default")]
        raise
    return [Finding("ok", "bucket", f"{name} already exists in this account: `pulumi up` must adopt it "
                    "(`pulumi import`, README: Destroying an environment) unless this stack created it")]


def gpu_quotas(clients: Clients, platform: PlatformConfig) -> list[Finding]:
    quotas = ec2_quotas(clients("service-quotas"))
    found = []
    for need in quota_needs(platform):
        name = next((n for n in need.quota_names if n in quotas), None)
        if name is None:
            found.append(Finding("warn", "quota", f"pool {need.pool} ({need.capacity}): no EC2 quota named "
                                 f"{' or '.join(need.quota_names)} in this region; check Service Quotas by hand"))
            continue
        have = int(quotas[name])
        if have >= need.vcpus:
            found.append(Finding("ok", "quota", f"pool {need.pool} ({need.capacity}): {name} {have} vCPUs >= "
                                 f"{need.vcpus} needed ({need.detail})"))
            continue
        mixed = len(platform.gpu_pools[need.pool].capacity_types) > 1
        status = "warn" if mixed and need.capacity == "spot" else "FAIL"
        consequence = " (Karpenter falls back to on-demand)" if status == "warn" else ""
        found.append(Finding(status, "quota", f"pool {need.pool} ({need.capacity}): {name} is {have} vCPUs, "
                             f"{need.vcpus} needed ({need.detail}){consequence}; fix: request an increase in "
                             "Service Quotas (EC2), or lower gpuLimit or replicas.max"))
    return found


def zones(clients: Clients, platform: PlatformConfig) -> list[Finding]:
    """The zones the program will pick offer each pool's host instance types."""
    if platform.cluster.existing or platform.network.existing_vpc_id:
        return [Finding("ok", "zones", "existing network: its subnets decide the zones (not checked)")]
    ec2 = clients("ec2")
    listed = ec2.describe_availability_zones(Filters=[
        {"Name": "state", "Values": ["available"]}, {"Name": "opt-in-status", "Values": ["opt-in-not-required"]}])
    usable = sorted(z["ZoneName"] for z in listed["AvailabilityZones"] if z["ZoneId"] not in EKS_UNSUPPORTED_ZONE_IDS)
    chosen = usable[:platform.network.availability_zones]
    hosts: dict[str, set[str]] = {}
    for m in platform.resolved_models:
        hosts.setdefault(m.host_instance.name, set()).add(m.name)
    offered: dict[str, set[str]] = {}
    for page in ec2.get_paginator("describe_instance_type_offerings").paginate(
            LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": sorted(hosts)},
                                                       {"Name": "location", "Values": chosen}]):
        for o in page["InstanceTypeOfferings"]:
            offered.setdefault(o["InstanceType"], set()).add(o["Location"])
    found = []
    for instance, models in sorted(hosts.items()):
        where = sorted(offered.get(instance, set()))
        who = ", ".join(sorted(models))
        if not where:
            found.append(Finding("FAIL", "zones", f"{instance} (hosts {who}) is offered in none of the stack's zones "
                                 f"({', '.join(chosen)}); fix: another gpu or instanceTypes for its pool, or a region "
                                 "that offers it"))
        elif len(where) < len(chosen):
            found.append(Finding("warn", "zones", f"{instance} (hosts {who}) is offered only in {', '.join(where)} of "
                                 f"{', '.join(chosen)}: its replicas all land there"))
        else:
            found.append(Finding("ok", "zones", f"{instance} is offered in every zone of the stack ({', '.join(chosen)})"))
    return found


def eks_versions(clients: Clients, platform: PlatformConfig) -> list[Finding]:
    if platform.cluster.existing:
        return [Finding("ok", "eks", f"existing cluster {platform.cluster.name}: its version and add-ons are its own")]
    eks = clients("eks")
    version = platform.cluster.kubernetes_version
    listed = eks.describe_cluster_versions(clusterVersions=[version]).get("clusterVersions", [])
    if not listed:
        return [Finding("FAIL", "eks", f"Kubernetes {version} is not offered by EKS in this region; fix: "
                        "cluster.kubernetesVersion to a version `aws eks describe-cluster-versions` lists")]
    status = listed[0].get("versionStatus", "")
    found = [Finding("warn" if status == "EXTENDED_SUPPORT" else "ok", "eks",
                     f"Kubernetes {version} is offered ({status or 'status not given'})"
                     + ("; extended support costs $0.60 per cluster-hour" if status == "EXTENDED_SUPPORT" else ""))]
    for addon, pinned in sorted(platform.addon_versions().items()):
        offered = {v["addonVersion"] for a in eks.describe_addon_versions(
            addonName=addon, kubernetesVersion=version).get("addons", []) for v in a.get("addonVersions", [])}
        if pinned in offered:
            found.append(Finding("ok", "eks", f"add-on {addon} {pinned} exists for Kubernetes {version}"))
        else:
            found.append(Finding("FAIL", "eks", f"add-on {addon} {pinned} is not offered for Kubernetes {version} here; "
                                 f"fix: cluster.addonVersions.{addon} to one of `aws eks describe-addon-versions "
                                 f"--addon-name {addon} --kubernetes-version {version}`"))
    return found
