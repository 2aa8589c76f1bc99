"""Which input changes make a provider replace a resource instead of updating it in place.

Data, one table per provider, each rule with the provider source it comes from (below), plus a
resource's own `replaceOnChanges`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..plan.mocks import Registration
from .paths import MISSING, Token, matches, parse_path, value_at

#
# A conservative, documented approximation of the providers' own replacement decisions, for review:
#
# Kubernetes (pulumi-kubernetes v4, provider/pkg/provider/diff.go `forceNew`, matched here by API
# group and kind, any version):
#   every object        metadata.name, metadata.namespace, apiVersion, kind
#   Deployment/DaemonSet  spec.selector
#   StatefulSet         spec.selector, serviceName, podManagementPolicy, volumeClaimTemplates,
#                       revisionHistoryLimit
#   Job                 spec.template, spec.selector, spec.completions, spec.parallelism (a Job's pod
#                       template is immutable: any change to what the Job runs is a new Job)
#   PersistentVolumeClaim  spec, except spec.resources (only a size request can change in place)
#   PersistentVolume    its volume source (spec.csi, spec.nfs, spec.hostPath, spec.local, ...)
#   ConfigMap, Secret   data / binaryData / stringData, and a Secret's type: the provider replaces
#                       them unless enableConfigMapMutable / enableSecretMutable is set (it is not here)
#   Service             spec.clusterIP
#   (Cluster)RoleBinding roleRef;  StorageClass parameters, provisioner, reclaimPolicy,
#                       volumeBindingMode (the API forbids updating them)
#
# AWS (the ForceNew fields of the Terraform provider pulumi-aws bridges; S3 Files from the pulumi_aws
# SDK's own "Changing this value forces replacement" notes):
#   s3 Bucket           bucket, bucketPrefix, bucketNamespace (S3 has no call that moves a bucket
#                       between namespaces; the name decides it)
#   eks Cluster         name, roleArn, bootstrapSelfManagedAddons,
#                       accessConfig.bootstrapClusterCreatorAdminPermissions,
#                       kubernetesNetworkConfig.ipFamily / serviceIpv4Cidr, and encryptionConfig when
#                       it is removed (envelope encryption cannot be turned off; adding it, and changing
#                       vpcConfig.subnetIds, are in-place updates in the current provider)
#   eks NodeGroup       clusterName, nodeGroupName(Prefix), nodeRoleArn, subnetIds, instanceTypes,
#                       capacityType, amiType, diskSize, remoteAccess
#   ec2 Vpc             cidrBlock;   ec2 Subnet  cidrBlock, availabilityZone(Id), vpcId
#   s3 FilesFileSystem  bucket, roleArn, kmsKeyId, prefix;   FilesMountTarget  fileSystemId, subnetId
#   iam Role            name, namePrefix, path;   Policy  name, namePrefix, path
#   iam RolePolicy      name, namePrefix, role;   RolePolicyAttachment  role, policyArn
#   kms Alias           name, namePrefix (targetKeyId moves in place);  Key  keySpec, keyUsage
#   cloudwatch LogGroup name, namePrefix;  EventRule  name, namePrefix;  EventTarget  rule, targetId
#   sqs Queue           name, namePrefix, fifoQueue;  QueuePolicy  queueUrl
#   ec2 SecurityGroup   name, namePrefix, vpcId, description;  SecurityGroupIngressRule  securityGroupId
#   ec2 RouteTable      vpcId;  Route  routeTableId, destinationCidrBlock;  RouteTableAssociation  subnetId
#   ec2 NatGateway      subnetId, allocationId, connectivityType;  Eip  domain;  Tag  resourceId, key
#   ec2 VpcEndpoint     vpcId, serviceName, vpcEndpointType;  LaunchTemplate  name, namePrefix
#   eks AccessEntry     clusterName, principalArn, type;  AccessPolicyAssociation  clusterName,
#                       principalArn, policyArn;  PodIdentityAssociation  clusterName, namespace,
#                       serviceAccount;  Addon  clusterName, addonName
#   s3 bucket settings  bucket (BucketPolicy, PublicAccessBlock, Versioning, OwnershipControls,
#                       ServerSideEncryptionConfiguration, LifecycleConfiguration)
#   Kubernetes provider kubeconfig pointing at a replaced cluster: every object it manages (cascade.py)
#
# A replaced resource's outputs are unknown until it exists again, so what takes them in a property
# listed here is replaced too (infra/diff/cascade.py: a VPC's CIDR replaces its subnets, their route
# table associations, NAT gateways and mount targets, the cluster; a cluster rename replaces its node
# groups, access entries, add-ons and Pod Identity associations).
#
# plus, on any resource, the properties in its recorded `replaceOnChanges` option ("*" = any).
# Anything not listed is reported as an in-place update.


@dataclass(frozen=True)
class ReplaceRule:
    path: str
    unless: tuple[str, ...] = ()  # descendants that do not force replacement
    when: Callable[[Any, Any], bool] | None = None  # extra condition on (old, new) at `path`


def _rules(*paths: str) -> tuple[ReplaceRule, ...]:
    return tuple(ReplaceRule(p) for p in paths)


K8S_EVERY_OBJECT = _rules("metadata.name", "metadata.namespace", "apiVersion", "kind")
K8S_REPLACE: dict[tuple[str, str], tuple[ReplaceRule, ...]] = {
    ("apps", "Deployment"): _rules("spec.selector"),
    ("apps", "DaemonSet"): _rules("spec.selector"),
    ("apps", "StatefulSet"): _rules("spec.selector", "spec.serviceName", "spec.podManagementPolicy",
                                    "spec.volumeClaimTemplates", "spec.revisionHistoryLimit"),
    ("batch", "Job"): _rules("spec.template", "spec.selector", "spec.completions", "spec.parallelism"),
    ("core", "PersistentVolumeClaim"): (ReplaceRule("spec", unless=("spec.resources",)),),
    ("core", "PersistentVolume"): _rules("spec.csi", "spec.nfs", "spec.hostPath", "spec.local",
                                         "spec.awsElasticBlockStore"),
    ("core", "ConfigMap"): _rules("data", "binaryData"),
    ("core", "Secret"): _rules("type", "data", "stringData"),
    ("core", "Service"): _rules("spec.clusterIP"),
    ("rbac.authorization.k8s.io", "RoleBinding"): _rules("roleRef"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _rules("roleRef"),
    ("storage.k8s.io", "StorageClass"): _rules("parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"),
}
AWS_REPLACE: dict[str, tuple[ReplaceRule, ...]] = {
    "aws:s3/bucket:Bucket": _rules("bucket", "bucketPrefix", "bucketNamespace"),
    "aws:eks/cluster:Cluster": _rules(
        "name", "roleArn", "bootstrapSelfManagedAddons", "accessConfig.bootstrapClusterCreatorAdminPermissions",
        "kubernetesNetworkConfig.ipFamily", "kubernetesNetworkConfig.serviceIpv4Cidr",
    ) + (ReplaceRule("encryptionConfig", when=lambda old, new: old not in (MISSING, None) and new in (MISSING, None)),),
    "aws:eks/nodeGroup:NodeGroup": _rules("clusterName", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn",
                                          "subnetIds", "instanceTypes", "capacityType", "amiType", "diskSize",
                                          "remoteAccess"),
    "aws:ec2/vpc:Vpc": _rules("cidrBlock"),
    "aws:ec2/subnet:Subnet": _rules("cidrBlock", "availabilityZone", "availabilityZoneId", "vpcId"),
    "aws:s3/filesFileSystem:FilesFileSystem": _rules("bucket", "roleArn", "kmsKeyId", "prefix"),
    "aws:s3/filesMountTarget:FilesMountTarget": _rules("fileSystemId", "subnetId"),
    "aws:iam/role:Role": _rules("name", "namePrefix", "path"),
    "aws:iam/policy:Policy": _rules("name", "namePrefix", "path"),
    "aws:iam/rolePolicy:RolePolicy": _rules("name", "namePrefix", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _rules("role", "policyArn"),
    "aws:kms/alias:Alias": _rules("name", "namePrefix"),
    "aws:kms/key:Key": _rules("keySpec", "keyUsage", "customerMasterKeySpec"),
    "aws:cloudwatch/logGroup:LogGroup": _rules("name", "namePrefix"),
    "aws:cloudwatch/eventRule:EventRule": _rules("name", "namePrefix"),
    "aws:cloudwatch/eventTarget:EventTarget": _rules("rule", "targetId"),
    "aws:sqs/queue:Queue": _rules("name", "namePrefix", "fifoQueue"),
    "aws:sqs/queuePolicy:QueuePolicy": _rules("queueUrl"),
    "aws:ec2/securityGroup:SecurityGroup": _rules("name", "namePrefix", "vpcId", "description"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _rules("securityGroupId"),
    "aws:ec2/routeTable:RouteTable": _rules("vpcId"),
    "aws:ec2/route:Route": _rules("routeTableId", "destinationCidrBlock"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _rules("subnetId"),
    "aws:ec2/natGateway:NatGateway": _rules("subnetId", "allocationId", "connectivityType"),
    "aws:ec2/eip:Eip": _rules("domain"),
    "aws:ec2/tag:Tag": _rules("resourceId", "key"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _rules("vpcId", "serviceName", "vpcEndpointType"),
    "aws:ec2/launchTemplate:LaunchTemplate": _rules("name", "namePrefix"),
    "aws:eks/accessEntry:AccessEntry": _rules("clusterName", "principalArn", "type"),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _rules("clusterName", "principalArn", "policyArn"),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _rules("clusterName", "namespace", "serviceAccount"),
    "aws:eks/addon:Addon": _rules("clusterName", "addonName"),
    **{f"aws:s3/{kind[0].lower()}{kind[1:]}:{kind}": _rules("bucket") for kind in (
        "BucketPolicy", "BucketPublicAccessBlock", "BucketVersioning", "BucketOwnershipControls",
        "BucketServerSideEncryptionConfiguration", "BucketLifecycleConfiguration")},
}


def k8s_group_kind(inputs: dict) -> tuple[str, str] | None:
    api_version, kind = inputs.get("apiVersion"), inputs.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    return (api_version.split("/")[0] if "/" in api_version else "core"), kind


def replace_rules(resource: Registration) -> tuple[ReplaceRule, ...]:
    rules: tuple[ReplaceRule, ...] = ()
    if resource.type.startswith("kubernetes:") and (gk := k8s_group_kind(resource.inputs)):
        rules = K8S_EVERY_OBJECT + K8S_REPLACE.get(gk, ())
    rules += AWS_REPLACE.get(resource.type, ())
    rules += tuple(ReplaceRule(p) for p in resource.replace_on_changes)
    return rules


def forces_replacement(rules: tuple[ReplaceRule, ...], tokens: tuple[Token, ...], old_root: dict,
                        new_root: dict) -> bool:
    for rule in rules:
        if rule.path == "*":
            return True
        pattern = parse_path(rule.path)
        if matches(pattern, tokens):
            if any(matches(parse_path(u), tokens) for u in rule.unless):
                continue
        elif matches(tokens, pattern):
            # the change is an ancestor of the rule's property (one side lacks the whole subtree):
            # it replaces when the property itself differs
            if value_at(old_root, pattern) == value_at(new_root, pattern):
                continue
        else:
            continue
        if rule.when is None or rule.when(value_at(old_root, pattern), value_at(new_root, pattern)):
            return True
    return False
