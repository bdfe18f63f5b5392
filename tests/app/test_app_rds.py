"""The whole app in the rds-replica database mode: the same networks, keys, alarms,
canaries, DNS and automation as the Aurora mode, around an RDS PostgreSQL primary and its
cross-region read replica, with the metrics and actions that mode needs."""

from __future__ import annotations

import json
from collections import Counter

from support.matchers import all_blocks

SHARED_REGIONAL_TYPES = {  # the same per region as in the Aurora mode
    "aws_kms_key": 1,
    "aws_vpc": 1,
    "aws_subnet": 3,
    "aws_db_subnet_group": 1,
    "aws_security_group": 3,
    "aws_vpc_endpoint": 2,
    "aws_flow_log": 1,
    "aws_sns_topic": 1,
    "aws_lambda_function": 2,
    "aws_dynamodb_table": 1,
}


def _per_region(doc) -> Counter:
    return Counter(
        (rtype, body["provider"]) for kind, rtype, _, body in all_blocks(doc) if kind == "resource"
    )


def _by(doc, rtype, attribute) -> dict:
    return {body[attribute]: body for body in doc["resource"].get(rtype, {}).values()}


def test_one_instance_per_region_and_no_aurora_resources(rds_app):
    per_region = _per_region(rds_app.doc)
    for rtype, count in SHARED_REGIONAL_TYPES.items():
        for provider in ("aws.primary", "aws.secondary"):
            assert per_region[(rtype, provider)] == count, (rtype, provider)
    for provider in ("aws.primary", "aws.secondary"):
        assert per_region[("aws_db_instance", provider)] == 1
        assert per_region[("aws_db_parameter_group", provider)] == 1
    assert not [t for t in rds_app.doc["resource"] if t.startswith("aws_rds_")]
    instances = _by(rds_app.doc, "aws_db_instance", "identifier")
    assert instances["dbdr-database-usw2-rds"]["replicate_source_db"].endswith(".arn}")


def test_failover_writer_records_on_the_instance_addresses_with_a_fence_by_metric(rds_app):
    doc = rds_app.doc
    records = doc["resource"]["aws_route53_record"].values()
    writers = {r["set_identifier"]: r for r in records if r["name"].startswith("writer.")}
    assert {role: r["failover_routing_policy"]["type"] for role, r in writers.items()} == {
        "primary": "PRIMARY",
        "secondary": "SECONDARY",
    }
    checks = doc["resource"]["aws_route53_health_check"]
    alarms = doc["resource"]["aws_cloudwatch_metric_alarm"]
    for role, record in writers.items():
        assert record["records"][0].startswith("${aws_db_instance.Database_")
        assert record["records"][0].endswith(".address}")  # a host name, not host:port
        check = checks[record["health_check_id"].split(".")[1]]
        assert check["type"] == "CALCULATED" and "lifecycle" not in check
        children = [checks[c.split(".")[1]] for c in check["child_healthchecks"]]
        assert check["child_health_threshold"] == len(children) == 3  # all must be healthy
        # The fence: an alarm in the *other* (surviving) region over this instance's Fenced
        (fence,) = [
            c for c in children if c["insufficient_data_health_status"] == "LastKnownStatus"
        ]
        other = "us-west-2" if role == "primary" else "us-east-1"
        assert fence["cloudwatch_alarm_region"] == other
        alarm = alarms[fence["cloudwatch_alarm_name"].split(".")[1]]
        assert alarm["provider"] == ("aws.secondary" if role == "primary" else "aws.primary")
        code = "use1" if role == "primary" else "usw2"
        assert (alarm["namespace"], alarm["metric_name"], alarm["dimensions"]) == (
            "DatabaseDR",
            "Fenced",
            {"DBInstanceIdentifier": f"dbdr-database-{code}-rds"},
        )
        assert (alarm["comparison_operator"], alarm["threshold"]) == (
            "GreaterThanOrEqualToThreshold",
            1,
        )
        # Published once, the fence holds: no data keeps the alarm in ALARM
        assert alarm["treat_missing_data"] == "ignore"
        # and says so on the surviving region's topic
        topic = (
            "aws_sns_topic.SecondaryAlarms_Topic"
            if role == "primary"
            else "aws_sns_topic.PrimaryAlarms_Topic"
        )
        assert alarm["alarm_actions"] == alarm["ok_actions"]
        assert alarm["alarm_actions"][0].startswith("${" + topic)
    (reader,) = [r for r in records if r["name"].startswith("reader.")]
    assert "Database_Secondary" in reader["records"][0]


def test_alarms_watch_instance_metrics_and_replica_lag_in_seconds(rds_app):
    alarms = _by(rds_app.doc, "aws_cloudwatch_metric_alarm", "alarm_name")
    rds = {name: a for name, a in alarms.items() if a["namespace"] == "AWS/RDS"}
    assert sorted(rds) == sorted(
        [
            "dbdr-cpu-use1-rds",
            "dbdr-memory-use1-rds",
            "dbdr-free-storage-use1-rds",
            "dbdr-connections-use1-rds",
            "dbdr-writer-health-use1-rds",
            "dbdr-cpu-usw2-rds",
            "dbdr-memory-usw2-rds",
            "dbdr-free-storage-usw2-rds",
            "dbdr-connections-usw2-rds",
            "dbdr-replica-lag-usw2-rds",
        ]
    )
    for alarm in rds.values():
        code = "use1" if alarm["provider"] == "aws.primary" else "usw2"
        assert alarm["dimensions"] == {"DBInstanceIdentifier": f"dbdr-database-{code}-rds"}
    lag = rds["dbdr-replica-lag-usw2-rds"]
    assert (lag["metric_name"], lag["threshold"], lag["comparison_operator"]) == (
        "ReplicaLag",
        60,
        "GreaterThanThreshold",
    )
    storage = rds["dbdr-free-storage-usw2-rds"]
    assert (storage["metric_name"], storage["threshold"]) == ("FreeStorageSpace", 10240 * 2**20)
    health = rds["dbdr-writer-health-use1-rds"]
    assert (health["metric_name"], health["statistic"], health["treat_missing_data"]) == (
        "CPUUtilization",
        "SampleCount",
        "breaching",
    )
    canary = {n: a for n, a in alarms.items() if a["namespace"] == "DatabaseDR"}
    # connectivity (standard and fast), is-writer, canary-error and peer-down in each
    # region, and the two fences
    assert len(canary) == 12
    assert all(list(a["dimensions"]) == ["DBInstanceIdentifier"] for a in canary.values())


def test_canaries_probe_the_instance_address_with_the_postgres_driver(rds_app):
    functions = rds_app.doc["resource"]["aws_lambda_function"].values()
    canaries = [f for f in functions if f["handler"].startswith("dr_lambdas.canary")]
    assert len(canaries) == 2
    for function in canaries:
        env = function["environment"]["variables"]
        assert env["DB_ENGINE"] == "postgres" and env["DB_HOST"].endswith(".address}")
        assert env["METRIC_DIMENSION"] == "DBInstanceIdentifier"
        assert env["CLUSTER_ID"].startswith("dbdr-database-")


def _orchestrator(app, role):
    (function,) = [
        f
        for f in app.doc["resource"]["aws_lambda_function"].values()
        if f["handler"].startswith("dr_lambdas.orchestrator") and f["provider"] == f"aws.{role}"
    ]
    policies = [
        json.loads(p["policy"])
        for name, p in app.doc["resource"]["aws_iam_role_policy"].items()
        if name.startswith(f"{role.capitalize()}Failover_")
    ]
    statements = {s["Sid"]: s for p in policies for s in p["Statement"]}
    return function["environment"]["variables"], statements


def test_orchestrator_promotes_only_its_own_replica_and_can_fence_and_hand_over(rds_app):
    env, statements = _orchestrator(rds_app, "secondary")
    assert env["DR_MODE"] == "rds-replica" and env["DNS_MODE"] == "failover"
    assert env["METRIC_DIMENSION"] == "DBInstanceIdentifier"
    assert "GLOBAL_CLUSTER_ID" not in env and "PRIMARY_CLUSTER_ARN" not in env
    for role in ("PRIMARY", "SECONDARY"):
        assert env[f"{role}_INSTANCE_ARN"].startswith("${aws_db_instance.Database_")
    assert env["OTHER_LOCK_TABLE"] == "dbdr-failover-lock-use1-rds"
    assert env["SECONDARY_INSTANCE_ID"] == "dbdr-database-usw2-rds"
    assert int(env["WAIT_TIMEOUT_SECONDS"]) < 300 and env["MAX_HANDOVERS"] == "3"
    assert env["BACKUP_RETENTION_DAYS"] == "7"
    promote = statements["PromoteTheLocalReplica"]
    assert promote["Action"] == ["rds:PromoteReadReplica"]
    assert promote["Resource"] == env["SECONDARY_INSTANCE_ARN"]
    # The fence is a metric and a lock-table item: no Route 53 permission at all
    assert not [
        s for s in statements.values() if any(a.startswith("route53:") for a in s["Action"])
    ]
    other_fences = statements["ReadTheOtherRegionsFences"]
    assert other_fences["Action"] == ["dynamodb:GetItem"]
    assert other_fences["Resource"].startswith("arn:${data.aws_partition.")
    assert ":dynamodb:us-east-1:" in other_fences["Resource"]
    assert other_fences["Resource"].endswith(":table/dbdr-failover-lock-use1-rds")
    assert statements["HandOver"]["Resource"].endswith(":function:dbdr-orchestrator-usw2-rds")
    assert not [s for s in statements.values() if any("GlobalCluster" in a for a in s["Action"])]


def test_outputs_name_instances_and_the_mode(rds_app):
    outputs = rds_app.doc["output"]
    assert {"primary_instance_id", "secondary_instance_id", "database_mode"} <= set(outputs)
    assert "global_cluster_id" not in outputs and "primary_cluster_id" not in outputs
    assert outputs["database_mode"]["value"] == "rds-replica"


def test_variant_failover_records_production_protection_and_settings(rds_variant_app):
    doc = rds_variant_app.doc
    instances = _by(doc, "aws_db_instance", "identifier")
    primary, replica = (
        instances["dbdr-database-use2-rdsprod"],
        instances["dbdr-database-euw1-rdsprod"],
    )
    for instance in (primary, replica):
        assert instance["deletion_protection"] is True and instance["skip_final_snapshot"] is False
        assert instance["final_snapshot_identifier"].startswith("dbdr-final-")
        assert instance["instance_class"] == "db.r7g.2xlarge"
        assert instance["monitoring_interval"] == 0 and "monitoring_role_arn" not in instance
    assert replica["multi_az"] is False and primary["multi_az"] is True
    assert "max_allocated_storage" not in primary
    writers = [
        r for r in doc["resource"]["aws_route53_record"].values() if r["name"].startswith("writer.")
    ]
    assert sorted(r["failover_routing_policy"]["type"] for r in writers) == ["PRIMARY", "SECONDARY"]
    lag = _by(doc, "aws_cloudwatch_metric_alarm", "alarm_name")["dbdr-replica-lag-euw1-rdsprod"]
    assert lag["threshold"] == 30
