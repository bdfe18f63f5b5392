"""The databases (an Aurora global database or an RDS primary with its cross-region
replica), their regional keys, and the master password kept out of every artifact."""

from __future__ import annotations

import json

from tools.e2e.context import Run, master_password


def verify(run: Run) -> None:
    if run.aurora:
        _verify_global_database(run)
    else:
        _verify_replicated_instances(run)


def verify_key_region(run: Run, role: str) -> None:
    region = run.region(role)
    run.check(
        run.outputs[f"{role}_kms_key_arn"].split(":")[3] == region, f"{role} key lives in {region}"
    )


def _verify_global_database(run: Run) -> None:
    c, o = run.config, run.outputs
    rds = {role: run.aws("rds", role) for role in ("primary", "secondary")}
    (gc,) = rds["primary"].describe_global_clusters(GlobalClusterIdentifier=o["global_cluster_id"])[
        "GlobalClusters"
    ]
    run.check(gc["StorageEncrypted"], "global cluster is encrypted")
    members = {m["DBClusterArn"].split(":")[3]: m for m in gc["GlobalClusterMembers"]}
    run.check(
        set(members) == {c.primary_region, c.secondary_region},
        f"global cluster has members in both regions, got {sorted(members)}",
    )
    run.check(members[c.primary_region]["IsWriter"], "the writer is in the primary region")
    run.check(not members[c.secondary_region]["IsWriter"], "the secondary is a reader")
    for role in ("primary", "secondary"):
        (cluster,) = rds[role].describe_db_clusters(DBClusterIdentifier=o[f"{role}_cluster_id"])[
            "DBClusters"
        ]
        run.check(cluster["StorageEncrypted"], f"{role} cluster is encrypted")
        run.check(
            cluster["KmsKeyId"] == o[f"{role}_kms_key_arn"],
            f"{role} cluster uses its own region's key, got {cluster['KmsKeyId']}",
        )
        count = c.primary_instance_count if role == "primary" else c.secondary_instance_count
        members_count = len(cluster["DBClusterMembers"])
        run.check(
            members_count == count, f"{role} cluster has {count} instances, got {members_count}"
        )


def _verify_replicated_instances(run: Run) -> None:
    instances = {role: _verify_instance(run, role) for role in ("primary", "secondary")}
    primary, replica = instances["primary"], instances["secondary"]
    run.check(
        replica.get("ReadReplicaSourceDBInstanceIdentifier") == primary["DBInstanceArn"],
        f"the replica follows the primary's ARN, got "
        f"{replica.get('ReadReplicaSourceDBInstanceIdentifier')}",
    )
    run.check(
        replica["DBInstanceArn"] in primary.get("ReadReplicaDBInstanceIdentifiers", []),
        f"the primary lists its cross-region replica, got "
        f"{primary.get('ReadReplicaDBInstanceIdentifiers')}",
    )
    run.check(not primary.get("ReadReplicaSourceDBInstanceIdentifier"), "the primary is standalone")
    for role in ("primary", "secondary"):
        _verify_parameter_group(run, role, instances[role])


def _verify_instance(run: Run, role: str) -> dict:
    c, o = run.config, run.outputs
    (instance,) = run.aws("rds", role).describe_db_instances(
        DBInstanceIdentifier=o[f"{role}_instance_id"]
    )["DBInstances"]
    key = o[f"{role}_kms_key_arn"]
    run.check(instance["Engine"] == "postgres", f"{role} runs RDS PostgreSQL")
    run.check(
        instance["StorageEncrypted"] and instance["KmsKeyId"] == key,
        f"{role} instance is encrypted with its own region's key, got {instance.get('KmsKeyId')}",
    )
    run.check(
        instance["PerformanceInsightsEnabled"]
        and instance.get("PerformanceInsightsKMSKeyId") == key,
        f"{role} Performance Insights uses the regional key",
    )
    run.check(
        instance["BackupRetentionPeriod"] == c.backup_retention_days,
        f"{role} keeps {c.backup_retention_days} days of its own backups, got "
        f"{instance['BackupRetentionPeriod']}",
    )
    run.check(
        instance["MultiAZ"] is (True if role == "primary" else c.replica_multi_az),
        f"{role} Multi-AZ is {instance['MultiAZ']}",
    )
    exports = instance.get("EnabledCloudwatchLogsExports", [])
    run.check(
        sorted(exports) == sorted(c.log_exports), f"{role} exports {c.log_exports}, got {exports}"
    )
    run.check(
        instance["Endpoint"]["Address"] == o[f"{role}_writer_endpoint"],
        f"{role} writer endpoint output is the instance address",
    )
    run.check(not instance["PubliclyAccessible"], f"{role} instance is private")
    return instance


def _verify_parameter_group(run: Run, role: str, instance: dict) -> None:
    c = run.config
    (group,) = instance["DBParameterGroups"]
    answer = run.aws("rds", role).describe_db_parameters(
        DBParameterGroupName=group["DBParameterGroupName"], Source="user"
    )
    parameters = {p["ParameterName"]: p.get("ParameterValue") for p in answer["Parameters"]}
    run.check(
        parameters.get("log_statement") == "all"
        and parameters.get(c.tls_parameter[0]) == c.tls_parameter[1],
        f"{role} parameter group audits every statement and sets TLS, got {parameters}",
    )


def verify_password_written_nowhere(run: Run) -> None:
    """The master password (given, or generated at apply time and read back from the
    secret) is in neither the synthesized JSON, the plan, the state nor the outputs."""
    password = run.password or master_password(run)
    run.check(len(password) >= 20, "the master password is a long one")
    where, state = run.state()
    for what, text in (
        ("synthesized JSON", (run.stack_dir / "cdk.tf.json").read_text()),
        ("plan", (run.plan_json or run.stack_dir / "plan.json").read_text()),
        (f"state ({where})", state),
        ("outputs", json.dumps(run.outputs)),
    ):
        run.check(password not in text, f"the master password is not in the {what}")
    if run.config.generate_master_secret:
        replica = run.aws("secretsmanager", "secondary").get_secret_value(
            SecretId=run.config.master_secret
        )
        run.check(
            json.loads(replica["SecretString"])
            == {"username": run.config.master_username, "password": password},
            "the generated secret holds username and password, and its replica in the "
            "secondary region the same",
        )
