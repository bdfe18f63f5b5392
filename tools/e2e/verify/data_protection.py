"""The data-protection extras, each behind its flag: VPC peering and its routes, replicated
backup buckets, AWS Backup with a cross-region copy, endpoint parameters, RDS event
subscriptions and the dashboard."""

from __future__ import annotations

import json

from dr_lambdas.contract import ROLES
from tools.e2e.context import Run


def verify(run: Run) -> None:
    c = run.config
    if c.vpc_peering:
        _verify_peering(run)
    if c.backup_buckets:
        _verify_bucket_replication(run)
        for role in ROLES:
            _verify_bucket(run, role)
    if c.aws_backup:
        _verify_backup(run)
    if c.endpoint_parameters:
        _verify_parameters(run)
    if c.event_subscriptions:
        _verify_event_subscriptions(run)
    if c.dashboard:
        _verify_dashboard(run)


def _verify_peering(run: Run) -> None:
    c, o = run.config, run.outputs
    (peering,) = run.aws("ec2").describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[o["vpc_peering_connection_id"]]
    )["VpcPeeringConnections"]
    run.check(
        peering["Status"]["Code"] == "active", f"the VPC peering is active, got {peering['Status']}"
    )
    run.check(
        peering["AccepterVpcInfo"].get("Region") == c.secondary_region,
        f"the peering's accepter is in {c.secondary_region}",
    )
    for role, other in (("primary", "secondary"), ("secondary", "primary")):
        tables = run.aws("ec2", role).describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [o[f"{role}_vpc_id"]]}]
        )["RouteTables"]
        peer_cidr = getattr(c, f"{other}_vpc_cidr")
        # The application tier's public route table (to the internet gateway) is not private.
        private = [
            t
            for t in tables
            if not any(a.get("Main") for a in t["Associations"])
            and not any(r.get("GatewayId", "").startswith("igw-") for r in t["Routes"])
        ]
        routed = [
            t
            for t in private
            if any(
                r.get("DestinationCidrBlock") == peer_cidr
                and r.get("VpcPeeringConnectionId") == o["vpc_peering_connection_id"]
                for r in t["Routes"]
            )
        ]
        run.check(
            len(private) == c.az_count and len(routed) == len(private),
            f"every {role} private route table routes {peer_cidr} through the "
            f"peering ({len(routed)} of {len(private)})",
        )


def _verify_bucket_replication(run: Run) -> None:
    o = run.outputs
    source = o["primary_backup_bucket"]
    (rule,) = run.aws("s3").get_bucket_replication(Bucket=source)["ReplicationConfiguration"][
        "Rules"
    ]
    destination = rule["Destination"]
    run.check(
        destination["Bucket"].endswith(":" + o["secondary_backup_bucket"])
        and destination.get("ReplicationTime", {}).get("Status") == "Enabled"
        and destination.get("Metrics", {}).get("Status") == "Enabled",
        f"the primary bucket replicates to the secondary with RTC and metrics, got {rule}",
    )


def _verify_bucket(run: Run, role: str) -> None:
    bucket = run.outputs[f"{role}_backup_bucket"]
    client = run.aws("s3", role)
    run.check(
        client.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled",
        f"{role} backup bucket is versioned",
    )
    (sse,) = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    run.check(
        sse["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID")
        == run.outputs[f"{role}_kms_key_arn"],
        f"{role} backup bucket uses its region's key",
    )
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    run.check(all(block.values()), f"{role} backup bucket blocks public access")
    lifecycle = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    days = run.config.backup_object_expiration_days
    run.check(
        any(
            r.get("Expiration", {}).get("Days") == days
            and r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == days
            for r in lifecycle
        ),
        f"{role} backup objects expire after {days} days, current and noncurrent",
    )
    policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    run.check("aws:SecureTransport" in json.dumps(policy), f"{role} bucket is TLS-only")


def _verify_backup(run: Run) -> None:
    o = run.outputs
    backup = run.aws("backup")
    plan = backup.get_backup_plan(BackupPlanId=o["backup_plan_id"])["BackupPlan"]
    (rule,) = plan["Rules"]
    copies = rule.get("CopyActions", [])
    run.check(
        len(copies) == 1
        and copies[0]["DestinationBackupVaultArn"] == o["secondary_backup_vault_arn"],
        f"the daily backup is copied to the secondary vault, got {copies}",
    )
    selections = backup.list_backup_selections(BackupPlanId=o["backup_plan_id"])[
        "BackupSelectionsList"
    ]
    run.check(len(selections) == 1, f"one backup selection, got {len(selections)}")
    for role in ROLES:
        vault = run.aws("backup", role).describe_backup_vault(
            BackupVaultName=o[f"{role}_backup_vault_arn"].rsplit(":", 1)[1]
        )
        run.check(
            vault.get("EncryptionKeyArn") == o[f"{role}_kms_key_arn"],
            f"{role} vault is encrypted with its region's key",
        )


def _verify_parameters(run: Run) -> None:
    o = run.outputs
    path = o["endpoint_parameter_path"]
    for role in ROLES:
        found = run.aws("ssm", role).get_parameters_by_path(Path=path, WithDecryption=True)[
            "Parameters"
        ]
        values = {p["Name"].rsplit("/", 1)[1]: p for p in found}
        run.check(
            values.get("writer-dns-name", {}).get("Value") == o["writer_dns_name"]
            and values.get("port", {}).get("Value") == str(run.config.port),
            f"the endpoint parameters are readable in {role}, got {sorted(values)}",
        )
        run.check(
            values.get("master-secret-arn", {}).get("Type") == "SecureString",
            f"the secret's ARN is a SecureString in {role}",
        )


def _verify_event_subscriptions(run: Run) -> None:
    for role in ROLES:
        subscriptions = run.aws("rds", role).describe_event_subscriptions()[
            "EventSubscriptionsList"
        ]
        topic = run.outputs[f"{role}_alerts_topic_arn"]
        mine = [e for e in subscriptions if e["SnsTopicArn"] == topic]
        run.check(
            len(mine) == 1
            and mine[0]["Enabled"]
            and "failover" in mine[0].get("EventCategoriesList", []),
            f"{role} RDS events (failover, failure, ...) reach the {role} topic, got {mine}",
        )


def _verify_dashboard(run: Run) -> None:
    body = json.loads(
        run.aws("cloudwatch").get_dashboard(DashboardName=run.outputs["dashboard_name"])[
            "DashboardBody"
        ]
    )
    shown = json.dumps(body)
    run.check(
        all(run.region(role) in shown for role in ROLES)
        and ("ReplicaLag" in shown or "AuroraGlobalDBReplicationLag" in shown),
        "the dashboard shows replication lag for both regions",
    )
