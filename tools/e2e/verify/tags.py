"""Every taggable resource carries the required tags, as AWS reports them, and every
physical name carries the environment suffix."""

from __future__ import annotations

import json
from collections.abc import Callable

from tools.e2e.context import Run

REQUIRED_TAGS = ("Environment", "Project", "CostCenter", "DisasterRecovery")

# Types whose resources cannot carry tags in AWS (no tags argument in the provider schema).
UNTAGGABLE = {
    "aws_kms_alias",
    "aws_route_table_association",
    "aws_route53_record",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_sns_topic_subscription",
    "aws_lambda_permission",
    "aws_cloudwatch_event_target",
    "aws_route",
    "aws_cloudwatch_dashboard",
    "aws_backup_selection",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_replication_configuration",
    "aws_secretsmanager_secret_version",
    # the application tier's
    "aws_api_gateway_account",
    "aws_api_gateway_deployment",
    "aws_api_gateway_integration",
    "aws_api_gateway_method",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_resource",
    "aws_api_gateway_base_path_mapping",
    "aws_acm_certificate_validation",
    "aws_cloudwatch_event_endpoint",
    "aws_globalaccelerator_endpoint_group",
    "aws_globalaccelerator_listener",
    "aws_lambda_invocation",
    "aws_lb_target_group_attachment",
    "aws_sqs_queue_policy",
}

EC2_TYPES = (
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_internet_gateway",
    "aws_security_group",
    "aws_default_security_group",
    "aws_flow_log",
    "aws_vpc_endpoint",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
)
RDS_TYPES = (
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_rds_cluster_parameter_group",
    "aws_db_subnet_group",
    "aws_rds_global_cluster",
    "aws_db_instance",
    "aws_db_parameter_group",
    "aws_db_event_subscription",
)


def verify_tags(run: Run) -> None:
    expected = {k: run.config.required_tags[k] for k in REQUIRED_TAGS}
    unverified = []
    for resource in run.applied:
        if resource["type"] in UNTAGGABLE:
            continue
        tags = _tags_of(run, resource)
        if tags is None:
            unverified.append(resource["type"])
            continue
        missing = {k: v for k, v in expected.items() if tags.get(k) != v}
        run.check(
            not missing,
            f"{resource['address']} carries the required tags; "
            f"missing or wrong: {missing}, AWS reports {tags}",
        )
    run.check(not unverified, f"no tag verifier for {sorted(set(unverified))}")


def _pairs(items: list[dict], key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {i[key]: i[value] for i in items}


def _tags_of(run: Run, resource: dict) -> dict[str, str] | None:
    """The tags AWS reports for one state resource, or None if its type is not taggable here."""
    rtype, values = resource["type"], resource["values"]

    def aws(service: str):
        return run.aws(service, _role_of(run, resource))

    if rtype in EC2_TYPES:
        rid = values.get("security_group_rule_id") or values["id"]
        return _pairs(
            aws("ec2").describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"]
        )
    if rtype in RDS_TYPES:
        return _pairs(aws("rds").list_tags_for_resource(ResourceName=values["arn"])["TagList"])
    reader = _READERS.get(rtype)
    return None if reader is None else reader(aws, values)


def _route53_tags(aws: Callable, values: dict, kind: str) -> dict[str, str]:
    rid = values.get("zone_id") or values["id"]
    tags = aws("route53").list_tags_for_resource(ResourceType=kind, ResourceId=rid)
    return _pairs(tags["ResourceTagSet"]["Tags"])


def _by_arn(service: str, argument: str) -> Callable[[Callable, dict], dict[str, str]]:
    """Tags from ``service``'s ListTagsForResource, given the ARN as ``argument`` (its
    spelling differs between services)."""
    return lambda aws, v: _pairs(
        aws(service).list_tags_for_resource(**{argument: v["arn"]})["Tags"]
    )


# How to read one resource type's tags: (the region's client factory, state values) -> tags.
_READERS: dict[str, Callable[[Callable, dict], dict[str, str]]] = {
    "aws_kms_key": lambda aws, v: _pairs(
        aws("kms").list_resource_tags(KeyId=v["key_id"])["Tags"], "TagKey", "TagValue"
    ),
    "aws_sns_topic": _by_arn("sns", "ResourceArn"),
    "aws_lambda_function": lambda aws, v: aws("lambda").list_tags(Resource=v["arn"])["Tags"],
    "aws_sqs_queue": lambda aws, v: aws("sqs").list_queue_tags(QueueUrl=v["url"]).get("Tags", {}),
    "aws_dynamodb_table": lambda aws, v: _pairs(
        aws("dynamodb").list_tags_of_resource(ResourceArn=v["arn"])["Tags"]
    ),
    "aws_cloudwatch_event_rule": _by_arn("events", "ResourceARN"),
    "aws_cloudwatch_metric_alarm": _by_arn("cloudwatch", "ResourceARN"),
    "aws_cloudwatch_composite_alarm": _by_arn("cloudwatch", "ResourceARN"),
    "aws_cloudwatch_log_group": lambda aws, v: aws("logs").list_tags_for_resource(
        resourceArn=v["arn"].removesuffix(":*")
    )["tags"],
    "aws_s3_bucket": lambda aws, v: _pairs(
        aws("s3").get_bucket_tagging(Bucket=v["bucket"])["TagSet"]
    ),
    "aws_backup_vault": lambda aws, v: aws("backup").list_tags(ResourceArn=v["arn"])["Tags"],
    "aws_backup_plan": lambda aws, v: aws("backup").list_tags(ResourceArn=v["arn"])["Tags"],
    "aws_ssm_parameter": lambda aws, v: _pairs(
        aws("ssm").list_tags_for_resource(ResourceType="Parameter", ResourceId=v["name"])["TagList"]
    ),
    "aws_secretsmanager_secret": lambda aws, v: _pairs(
        aws("secretsmanager").describe_secret(SecretId=v["arn"]).get("Tags", [])
    ),
    "aws_iam_role": lambda aws, v: _pairs(aws("iam").list_role_tags(RoleName=v["name"])["Tags"]),
    "aws_route53_zone": lambda aws, v: _route53_tags(aws, v, "hostedzone"),
    "aws_route53_health_check": lambda aws, v: _route53_tags(aws, v, "healthcheck"),
    "aws_lb": lambda aws, v: _elb_tags(aws, v),
    "aws_lb_listener": lambda aws, v: _elb_tags(aws, v),
    "aws_lb_target_group": lambda aws, v: _elb_tags(aws, v),
    # API Gateway answers tags with the resource (GetRestApi, GetStage), as the provider
    # reads them.
    "aws_api_gateway_rest_api": lambda aws, v: (
        aws("apigateway").get_rest_api(restApiId=v["id"]).get("tags", {})
    ),
    "aws_api_gateway_stage": lambda aws, v: (
        aws("apigateway")
        .get_stage(restApiId=v["rest_api_id"], stageName=v["stage_name"])
        .get("tags", {})
    ),
    # AWS answers a custom domain's tags with the domain (GetDomainName), as the provider
    # reads them.
    "aws_api_gateway_domain_name": lambda aws, v: (
        aws("apigateway").get_domain_name(domainName=v["domain_name"]).get("tags", {})
    ),
    "aws_acm_certificate": lambda aws, v: _pairs(
        aws("acm").list_tags_for_certificate(CertificateArn=v["arn"])["Tags"]
    ),
    "aws_cloudwatch_event_bus": _by_arn("events", "ResourceARN"),
    "aws_globalaccelerator_accelerator": lambda aws, v: _pairs(
        aws("globalaccelerator").list_tags_for_resource(ResourceArn=v["id"])["Tags"]
    ),
}


def _elb_tags(aws: Callable, values: dict) -> dict[str, str]:
    (described,) = aws("elbv2").describe_tags(ResourceArns=[values["arn"]])["TagDescriptions"]
    return _pairs(described["Tags"])


def _role_of(run: Run, resource: dict) -> str:
    """Which regional provider a state resource belongs to (the state JSON names no alias)."""
    if not run.aliases:
        doc = json.loads((run.stack_dir / "cdk.tf.json").read_text())
        run.aliases = {
            f"{rtype}.{name}": body["provider"].split(".")[1]
            for rtype, blocks in doc["resource"].items()
            for name, body in blocks.items()
        }
    return run.aliases[f"{resource['type']}.{resource['name']}"]


def verify_names(run: Run) -> None:
    suffix = run.config.environment_suffix
    names = [name for role in ("primary", "secondary") for name in _regional_names(run, role)]
    names += [
        g["GlobalClusterIdentifier"]
        for g in run.aws("rds").describe_global_clusters()["GlobalClusters"]
    ]
    names += [r["RoleName"] for r in run.aws("iam").list_roles()["Roles"]]
    names += [z["Name"] for z in run.aws("route53").list_hosted_zones()["HostedZones"]]
    run.check(len(names) > 20, f"found the stack's names ({len(names)})")
    # API Gateway names its execution-log group itself (API-Gateway-Execution-Logs_<api>/<stage>).
    unsuffixed = [
        n for n in names if suffix not in n and not n.startswith("API-Gateway-Execution-Logs_")
    ]
    run.check(
        not unsuffixed, f"every name carries the suffix {suffix!r}; these do not: {unsuffixed}"
    )


def _regional_names(run: Run, role: str) -> list[str]:
    rds = run.aws("rds", role)
    names = [x["DBClusterIdentifier"] for x in rds.describe_db_clusters()["DBClusters"]]
    names += [x["DBInstanceIdentifier"] for x in rds.describe_db_instances()["DBInstances"]]
    names += [x["DBSubnetGroupName"] for x in rds.describe_db_subnet_groups()["DBSubnetGroups"]]
    names += [x["AlarmName"] for x in run.aws("cloudwatch", role).describe_alarms()["MetricAlarms"]]
    names += [t["TopicArn"].rsplit(":", 1)[1] for t in run.aws("sns", role).list_topics()["Topics"]]
    names += [g["logGroupName"] for g in run.aws("logs", role).describe_log_groups()["logGroups"]]
    names += [
        a["AliasName"]
        for a in run.aws("kms", role).list_aliases()["Aliases"]
        if not a["AliasName"].startswith("alias/aws/")
    ]
    names += [
        g["GroupName"]
        for g in run.aws("ec2", role).describe_security_groups()["SecurityGroups"]
        if g["GroupName"] != "default"
    ]
    return names
