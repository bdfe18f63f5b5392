"""LagAlarms: encrypted topic per region, capacity alarms, replication lag on the secondary,
writer health on the primary."""

import pytest

from constructs_lib.monitoring.lag_alarms import AlarmThresholds
from support.matchers import assert_no_resource, assert_resource, resources
from support.stacks import database_stack, lag_alarms


def _alarms(secondary_instances=1, email="", **thresholds):
    t, base, database = database_stack(secondary_instances=secondary_instances)
    lag_alarms(t, base, database, thresholds=AlarmThresholds(**thresholds), alert_email=email)
    return t.synth()


def _by_name(doc):
    return {a["alarm_name"]: a for a in resources(doc, "aws_cloudwatch_metric_alarm").values()}


def test_defaults_alarm_set_per_region_each_notifying_its_own_topic():
    doc = _alarms()
    alarms = _by_name(doc)
    assert set(alarms) == {
        "dbdr-cpu-use1-test",
        "dbdr-memory-use1-test",
        "dbdr-local-storage-use1-test",
        "dbdr-connections-use1-test",
        "dbdr-writer-health-use1-test",
        "dbdr-cpu-usw2-test",
        "dbdr-memory-usw2-test",
        "dbdr-local-storage-usw2-test",
        "dbdr-connections-usw2-test",
        "dbdr-replication-lag-usw2-test",
        "dbdr-rpo-lag-usw2-test",
    }
    topics = {t["provider"]: name for name, t in resources(doc, "aws_sns_topic").items()}
    for name in alarms:
        code = name.split("-")[-2]  # the region's, in every name above
        provider = {"use1": "aws.primary", "usw2": "aws.secondary"}[code]
        topic_ref = f"${{aws_sns_topic.{topics[provider]}.arn}}"
        assert_resource(
            doc,
            "aws_cloudwatch_metric_alarm",
            {
                "alarm_name": name,
                "provider": provider,
                "alarm_actions": [topic_ref],
                "ok_actions": [topic_ref],
                "namespace": "AWS/RDS",
                "dimensions": {"DBClusterIdentifier": f"dbdr-cluster-{code}-test"},
            },
        )


def test_replication_lag_alarms_watch_the_secondary_with_the_thresholds():
    doc = _alarms(replication_lag_ms=2000, rpo_lag_ms=20000)
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "alarm_name": "dbdr-replication-lag-usw2-test",
            "metric_name": "AuroraGlobalDBReplicationLag",
            "threshold": 2000,
            "provider": "aws.secondary",
        },
    )
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "alarm_name": "dbdr-rpo-lag-usw2-test",
            "metric_name": "AuroraGlobalDBRPOLag",
            "threshold": 20000,
        },
    )
    lag = _by_name(doc)["dbdr-replication-lag-usw2-test"]
    assert lag["period"] * lag["evaluation_periods"] == 180


def test_writer_health_alarm_breaches_on_missing_data():
    assert_resource(
        _alarms(),
        "aws_cloudwatch_metric_alarm",
        {
            "provider": "aws.primary",
            "alarm_name": "dbdr-writer-health-use1-test",
            "treat_missing_data": "breaching",
            "dimensions": {"Role": "WRITER"},
        },
    )


def test_topics_are_encrypted_with_the_regional_key_and_email_is_subscribed_when_set():
    doc = _alarms(email="oncall@example.com")
    for topic in resources(doc, "aws_sns_topic").values():
        role = topic["provider"].split(".")[1]
        assert topic["kms_master_key_id"].startswith(f"${{aws_kms_key.{role}Key")
    assert len(resources(doc, "aws_sns_topic_subscription")) == 2
    for provider in ("aws.primary", "aws.secondary"):
        assert_resource(
            doc,
            "aws_sns_topic_subscription",
            {"provider": provider, "protocol": "email", "endpoint": "oncall@example.com"},
        )
    assert_no_resource(_alarms(), "aws_sns_topic_subscription")


def test_headless_secondary_gets_only_replication_alarms():
    alarms = _by_name(_alarms(secondary_instances=0))
    assert sorted(n for n, a in alarms.items() if a["provider"] == "aws.secondary") == [
        "dbdr-replication-lag-usw2-test",
        "dbdr-rpo-lag-usw2-test",
    ]


@pytest.mark.parametrize(
    "thresholds, message",
    [
        ({"replication_lag_ms": 0}, "replication_lag_ms must be greater than 0, got 0"),
        ({"cpu_percent": 101}, "cpu_percent must be 1..100, got 101"),
        ({"connections": -1}, "connections must be greater than 0, got -1"),
        ({"period_seconds": 45}, "period_seconds must be 10, 30 or a multiple of 60, got 45"),
    ],
)
def test_invalid_thresholds_are_rejected(thresholds, message):
    with pytest.raises(ValueError, match=message):
        _alarms(**thresholds)


def test_rds_instances_get_free_storage_and_replica_lag_in_seconds_instead():
    t, base, database = database_stack("rds")
    lag_alarms(
        t, base, database, thresholds=AlarmThresholds(replica_lag_seconds=45, free_storage_mib=2048)
    )
    doc = t.synth()
    alarms = _by_name(doc)
    assert {n: a["metric_name"] for n, a in alarms.items() if a["provider"] == "aws.secondary"} == {
        "dbdr-cpu-usw2-test": "CPUUtilization",
        "dbdr-memory-usw2-test": "FreeableMemory",
        "dbdr-free-storage-usw2-test": "FreeStorageSpace",
        "dbdr-connections-usw2-test": "DatabaseConnections",
        "dbdr-replica-lag-usw2-test": "ReplicaLag",
    }
    for name, threshold in (
        ("dbdr-replica-lag-usw2-test", 45),
        ("dbdr-free-storage-use1-test", 2048 * 2**20),
    ):
        assert_resource(
            doc, "aws_cloudwatch_metric_alarm", {"alarm_name": name, "threshold": threshold}
        )
    # exactly the instance's dimension, no cluster one
    assert alarms["dbdr-writer-health-use1-test"]["dimensions"] == {
        "DBInstanceIdentifier": "dbdr-database-use1-test"
    }
