"""After the teardown, nothing the stack created is left in either region (keys excepted:
they wait out their deletion window), and the run removes the inputs it created (the
secret, the public zone, the state bucket once its state is empty)."""

from __future__ import annotations

import json

from dr_lambdas.contract import ROLES
from tools.e2e.context import Run
from tools.e2e.verify.application import ACCELERATOR_API_REGION


def verify_nothing_left(run: Run) -> str:
    before, failures_before = run.checks, len(run.failures)
    run.check(
        not run.aws("rds").describe_global_clusters()["GlobalClusters"], "no global cluster left"
    )
    for role in ROLES:
        _regional_leftovers(run, role)
    for role in ROLES:
        _data_protection_leftovers(run, role)
    _state_bucket_left(run)
    _global_leftovers(run)
    if run.config.app_tier:
        _application_leftovers(run)
    _secrets_left(run)
    _public_zone_left(run)
    run.check(not run.aws("route53").list_hosted_zones()["HostedZones"], "no hosted zone left")
    run.check(not run.aws("route53").list_health_checks()["HealthChecks"], "no health check left")
    roles = [r["RoleName"] for r in run.aws("iam").list_roles()["Roles"]]
    run.check(not roles, f"no IAM role left, got {roles}")
    return f"{run.checks - before} checks passed, {len(run.failures) - failures_before} leftovers"


def _regional_leftovers(run: Run, role: str) -> None:
    rds = run.aws("rds", role)
    run.check(not rds.describe_db_clusters()["DBClusters"], f"no {role} cluster left")
    run.check(not rds.describe_db_instances()["DBInstances"], f"no {role} instance left")
    run.check(not rds.describe_db_subnet_groups()["DBSubnetGroups"], f"no {role} subnet group left")
    run.check(
        not run.aws("cloudwatch", role).describe_alarms()["MetricAlarms"], f"no {role} alarm left"
    )
    run.check(not run.aws("sns", role).list_topics()["Topics"], f"no {role} topic left")
    ec2 = run.aws("ec2", role)
    left = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
    run.check(not left, f"no {role} VPC left, got {left}")
    groups = [g["logGroupName"] for g in run.aws("logs", role).describe_log_groups()["logGroups"]]
    run.check(not groups, f"no {role} log group left, got {groups}")
    functions = [f["FunctionName"] for f in run.aws("lambda", role).list_functions()["Functions"]]
    run.check(not functions, f"no {role} function left, got {functions}")
    tables = run.aws("dynamodb", role).list_tables()["TableNames"]
    run.check(not tables, f"no {role} lock table left, got {tables}")
    queues = run.aws("sqs", role).list_queues().get("QueueUrls", [])
    run.check(not queues, f"no {role} queue left, got {queues}")
    rules = [r["Name"] for r in run.aws("events", role).list_rules()["Rules"]]
    run.check(not rules, f"no {role} schedule left, got {rules}")
    # A deleted endpoint may stay listed for a while in state "deleted" (AWS and moto).
    endpoints = [
        e["VpcEndpointId"]
        for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        if e["State"].lower() != "deleted"
    ]
    run.check(not endpoints, f"no {role} VPC endpoint left, got {endpoints}")
    key = run.aws("kms", role).describe_key(KeyId=run.outputs[f"{role}_kms_key_arn"])["KeyMetadata"]
    run.check(key["KeyState"] == "PendingDeletion", f"{role} key is pending deletion")


def _data_protection_leftovers(run: Run, role: str) -> None:
    vaults = [
        v["BackupVaultName"]
        for v in run.aws("backup", role).list_backup_vaults()["BackupVaultList"]
    ]
    run.check(not vaults, f"no {role} backup vault left, got {vaults}")
    parameters = [p["Name"] for p in run.aws("ssm", role).describe_parameters()["Parameters"]]
    run.check(not parameters, f"no {role} parameter left, got {parameters}")
    events = run.aws("rds", role).describe_event_subscriptions()["EventSubscriptionsList"]
    run.check(not events, f"no {role} event subscription left")


def _global_leftovers(run: Run) -> None:
    plans = run.aws("backup").list_backup_plans()["BackupPlansList"]
    run.check(not plans, f"no backup plan left, got {plans}")
    buckets = [b["Name"] for b in run.aws("s3").list_buckets()["Buckets"]]
    run.check(not buckets, f"no bucket left, got {buckets}")
    dashboards = run.aws("cloudwatch").list_dashboards()["DashboardEntries"]
    run.check(not dashboards, f"no dashboard left, got {dashboards}")
    connections = run.aws("ec2").describe_vpc_peering_connections()["VpcPeeringConnections"]
    peerings = [
        p["VpcPeeringConnectionId"]
        for p in connections
        if p["Status"]["Code"] not in ("deleted", "rejected")
    ]
    run.check(not peerings, f"no VPC peering left, got {peerings}")


def _application_leftovers(run: Run) -> None:
    ga = run.emulator.client("globalaccelerator", ACCELERATOR_API_REGION)
    accelerators = [a["Name"] for a in ga.list_accelerators()["Accelerators"]]
    run.check(not accelerators, f"no accelerator left, got {accelerators}")
    for role in ROLES:
        elb = run.aws("elbv2", role)
        balancers = [b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"]]
        run.check(not balancers, f"no {role} load balancer left, got {balancers}")
        groups = [g["TargetGroupName"] for g in elb.describe_target_groups()["TargetGroups"]]
        run.check(not groups, f"no {role} target group left, got {groups}")
        apigateway = run.aws("apigateway", role)
        apis = [a["name"] for a in apigateway.get_rest_apis()["items"]]
        run.check(not apis, f"no {role} API left, got {apis}")
        domains = [d["domainName"] for d in apigateway.get_domain_names()["items"]]
        run.check(not domains, f"no {role} API domain left, got {domains}")
        certificates = run.aws("acm", role).list_certificates()["CertificateSummaryList"]
        run.check(not certificates, f"no {role} certificate left, got {certificates}")
        events = run.aws("events", role)
        buses = [
            b["Name"] for b in events.list_event_buses()["EventBuses"] if b["Name"] != "default"
        ]
        run.check(not buses, f"no {role} event bus left, got {buses}")
        endpoints = [e["Name"] for e in events.list_endpoints()["Endpoints"]]
        run.check(not endpoints, f"no {role} event endpoint left, got {endpoints}")
        ec2 = run.aws("ec2", role)
        defaults = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"]}
        gateways = [
            g["InternetGatewayId"]
            for g in ec2.describe_internet_gateways()["InternetGateways"]
            if not {a["VpcId"] for a in g.get("Attachments", [])} & defaults
        ]
        run.check(not gateways, f"no {role} internet gateway left, got {gateways}")


def _public_zone_left(run: Run) -> None:
    """The run's public zone holds only what Route 53 put there; the run removes it."""
    zone_id = run.settings.get("DR_APP_PUBLIC_ZONE_ID")
    if not zone_id:
        return
    route53 = run.aws("route53")
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    left = [f"{r['Name']} {r['Type']}" for r in records if r["Type"] not in ("SOA", "NS")]
    run.check(not left, f"no record left in the public zone, got {left}")
    if not left:
        route53.delete_hosted_zone(Id=zone_id)


def _secrets_left(run: Run) -> None:
    c = run.config
    secrets_left = {
        role: [x["Name"] for x in run.aws("secretsmanager", role).list_secrets()["SecretList"]]
        for role in ROLES
    }
    if c.generate_master_secret:
        run.check(
            secrets_left == {"primary": [], "secondary": []},
            f"the generated secret and its replica are gone, got {secrets_left}",
        )
        return
    # The stack never deletes a secret it did not create; the run removes its input.
    run.check(
        all(names == [c.master_secret] for names in secrets_left.values()),
        f"the existing secret and its replica are still there, got {secrets_left}",
    )
    primary_secrets = run.aws("secretsmanager")
    primary_secrets.remove_regions_from_replication(
        SecretId=c.master_secret, RemoveReplicaRegions=[c.secondary_region]
    )
    primary_secrets.delete_secret(SecretId=c.master_secret, ForceDeleteWithoutRecovery=True)


def _state_bucket_left(run: Run) -> None:
    """The state bucket (an input of the cdktf run) holds an empty state and no lock; the
    run removes it, every version and delete marker first (a versioned bucket must be
    empty of them to be deleted)."""
    c = run.config
    if not c.state_bucket:
        return
    s3 = run.emulator.client("s3", c.state_region)
    where, text = run.state()
    left = json.loads(text).get("resources", [])
    run.check(not left, f"the state in {where} holds no resource, got {len(left)}")
    current = [o["Key"] for o in s3.list_objects_v2(Bucket=c.state_bucket).get("Contents", [])]
    run.check(current == [c.state_key], f"only the state is in the bucket (no lock), got {current}")
    if left or current != [c.state_key]:
        return
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=c.state_bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=c.state_bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    s3.delete_bucket(Bucket=c.state_bucket)
