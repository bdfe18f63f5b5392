"""The whole app in the rds-replica database mode: the same networks, keys, alarms,
canaries, DNS and automation as the Aurora mode, around an RDS PostgreSQL primary and its
cross-region read replica, with the metrics and actions that mode needs."""

from __future__ import annotations

import json
from collections import Counter

from test_app import _all_blocks

SHARED_REGIONAL_TYPES = {  # the same per region as in the Aurora mode
    "aws_kms_key": 1, "aws_vpc": 1, "aws_subnet": 3, "aws_db_subnet_group": 1,
    "aws_security_group": 3, "aws_vpc_endpoint": 2, "aws_flow_log": 1, "aws_sns_topic": 1,
    "aws_lambda_function": 2, "aws_dynamodb_table": 1,
}


def _per_region(doc) -> Counter:
    return Counter((rtype, body["provider"]) for kind, rtype, _, body in _all_blocks(doc)
                   if kind == "resource")


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


def test_weighted_writer_records_100_0_on_the_instance_addresses_with_fenceable_checks(rds_app):
    doc = rds_app.doc
    records = doc["resource"]["aws_route53_record"].values()
    writers = {r["set_identifier"]: r for r in records if r["name"].startswith("writer.")}
    assert {role: r["weighted_routing_policy"]["weight"] for role, r in writers.items()} == {
        "primary": 100, "secondary": 0}
    for role, record in writers.items():
        assert record["records"][0].startswith("${aws_db_instance.Database_")
        assert record["records"][0].endswith(".address}")  # a host name, not host:port
        check = doc["resource"]["aws_route53_health_check"][record["health_check_id"].split(".")[1]]
        assert check["type"] == "CALCULATED"
        # The orchestrator raises the old primary's threshold to fence it; no plan undoes it.
        assert check["lifecycle"]["ignore_changes"] == ["child_health_threshold"]
    (reader,) = [r for r in records if r["name"].startswith("reader.")]
    assert "Database_Secondary" in reader["records"][0]


def test_alarms_watch_instance_metrics_and_replica_lag_in_seconds(rds_app):
    alarms = _by(rds_app.doc, "aws_cloudwatch_metric_alarm", "alarm_name")
    rds = {name: a for name, a in alarms.items() if a["namespace"] == "AWS/RDS"}
    assert sorted(rds) == sorted([
        "dbdr-cpu-use1-rds", "dbdr-memory-use1-rds", "dbdr-free-storage-use1-rds",
        "dbdr-connections-use1-rds", "dbdr-writer-health-use1-rds",
        "dbdr-cpu-usw2-rds", "dbdr-memory-usw2-rds", "dbdr-free-storage-usw2-rds",
        "dbdr-connections-usw2-rds", "dbdr-replica-lag-usw2-rds"])
    for name, alarm in rds.items():
        code = "use1" if alarm["provider"] == "aws.primary" else "usw2"
        assert alarm["dimensions"] == {"DBInstanceIdentifier": f"dbdr-database-{code}-rds"}
    lag = rds["dbdr-replica-lag-usw2-rds"]
    assert (lag["metric_name"], lag["threshold"], lag["comparison_operator"]) == (
        "ReplicaLag", 60, "GreaterThanThreshold")
    storage = rds["dbdr-free-storage-usw2-rds"]
    assert (storage["metric_name"], storage["threshold"]) == ("FreeStorageSpace", 10240 * 2**20)
    health = rds["dbdr-writer-health-use1-rds"]
    assert (health["metric_name"], health["statistic"], health["treat_missing_data"]) == (
        "CPUUtilization", "SampleCount", "breaching")
    canary = {n: a for n, a in alarms.items() if a["namespace"] == "DatabaseDR"}
    assert len(canary) == 6  # connectivity, is-writer and canary-error in each region
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
    (function,) = [f for f in app.doc["resource"]["aws_lambda_function"].values()
                   if f["handler"].startswith("dr_lambdas.orchestrator")
                   and f["provider"] == f"aws.{role}"]
    policies = [json.loads(p["policy"])
                for name, p in app.doc["resource"]["aws_iam_role_policy"].items()
                if name.startswith(f"{role.capitalize()}Failover_")]
    statements = {s["Sid"]: s for p in policies for s in p["Statement"]}
    return function["environment"]["variables"], statements


def test_orchestrator_promotes_only_its_own_replica_and_can_fence_and_hand_over(rds_app):
    env, statements = _orchestrator(rds_app, "secondary")
    assert env["DR_MODE"] == "rds-replica" and env["DNS_MODE"] == "weighted"
    assert env["METRIC_DIMENSION"] == "DBInstanceIdentifier"
    assert "GLOBAL_CLUSTER_ID" not in env and "PRIMARY_CLUSTER_ARN" not in env
    for role in ("PRIMARY", "SECONDARY"):
        assert env[f"{role}_INSTANCE_ARN"].startswith("${aws_db_instance.Database_")
        assert env[f"{role}_HEALTH_CHECK_ID"].startswith("${aws_route53_health_check.Dns_")
    assert env["SECONDARY_INSTANCE_ID"] == "dbdr-database-usw2-rds"
    assert int(env["WAIT_TIMEOUT_SECONDS"]) < 300 and env["MAX_HANDOVERS"] == "3"
    assert env["BACKUP_RETENTION_DAYS"] == "7"
    promote = statements["PromoteTheLocalReplica"]
    assert promote["Action"] == ["rds:PromoteReadReplica"]
    assert promote["Resource"] == env["SECONDARY_INSTANCE_ARN"]
    assert sorted(statements["FenceTheOldPrimary"]["Action"]) == [
        "route53:GetHealthCheck", "route53:UpdateHealthCheck"]
    assert all(r.startswith("arn:${data.aws_partition") and ":::healthcheck/" in r
               for r in statements["FenceTheOldPrimary"]["Resource"])
    assert statements["HandOver"]["Resource"].endswith(":function:dbdr-orchestrator-usw2-rds")
    assert not [s for s in statements.values()
                if any("GlobalCluster" in a for a in s["Action"])]


def test_outputs_name_instances_and_the_mode(rds_app):
    outputs = rds_app.doc["output"]
    assert {"primary_instance_id", "secondary_instance_id", "database_mode"} <= set(outputs)
    assert "global_cluster_id" not in outputs and "primary_cluster_id" not in outputs
    assert outputs["database_mode"]["value"] == "rds-replica"


def test_variant_failover_records_production_protection_and_settings(rds_variant_app):
    doc = rds_variant_app.doc
    instances = _by(doc, "aws_db_instance", "identifier")
    primary, replica = instances["dbdr-database-use2-rdsprod"], instances["dbdr-database-euw1-rdsprod"]
    for instance in (primary, replica):
        assert instance["deletion_protection"] is True and instance["skip_final_snapshot"] is False
        assert instance["final_snapshot_identifier"].startswith("dbdr-final-")
        assert instance["instance_class"] == "db.r7g.2xlarge"
        assert instance["monitoring_interval"] == 0 and "monitoring_role_arn" not in instance
    assert replica["multi_az"] is False and primary["multi_az"] is True
    assert "max_allocated_storage" not in primary
    writers = [r for r in doc["resource"]["aws_route53_record"].values()
               if r["name"].startswith("writer.")]
    assert sorted(r["failover_routing_policy"]["type"] for r in writers) == ["PRIMARY", "SECONDARY"]
    lag = _by(doc, "aws_cloudwatch_metric_alarm", "alarm_name")["dbdr-replica-lag-euw1-rdsprod"]
    assert lag["threshold"] == 30
