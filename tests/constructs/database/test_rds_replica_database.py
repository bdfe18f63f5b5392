"""RdsReplicaDatabase and RdsRegionalInstance: a Multi-AZ RDS PostgreSQL primary and its
promotable, encrypted cross-region read replica (rds-replica mode)."""

import pytest

from support.matchers import (
    assert_data_source,
    assert_resource,
    data_sources,
    resources,
    sorted_names,
)
from support.stacks import database_stack, new_stack, rds_database, rds_settings, regional_base


def _database(settings=None, **overrides):
    t, _, database = database_stack("rds", settings=settings, **overrides)
    return database, t.synth()


@pytest.fixture(scope="module")
def synthesized():
    return _database()


def _instances(doc):
    return {
        body["provider"].split(".")[1]: body for body in resources(doc, "aws_db_instance").values()
    }


def test_primary_is_multi_az_postgres_encrypted_with_its_regional_key(synthesized):
    _, doc = synthesized
    assert_resource(
        doc,
        "aws_db_instance",
        {
            "provider": "aws.primary",
            "identifier": "dbdr-database-use1-test",
            "engine": "postgres",
            "engine_version": "15.12",
            "multi_az": True,
            "instance_class": "db.r6g.large",
            "storage_encrypted": True,
            "performance_insights_enabled": True,
            "storage_type": "gp3",
            "allocated_storage": 100,
            "max_allocated_storage": 500,
            "backup_retention_period": 7,
            "monitoring_interval": 60,
            "publicly_accessible": False,
            "iam_database_authentication_enabled": True,
        },
    )
    primary = _instances(doc)["primary"]
    assert primary["kms_key_id"].startswith("${aws_kms_key.primaryKey")
    assert primary["performance_insights_kms_key_id"] == primary["kms_key_id"]
    assert primary["monitoring_role_arn"]


def test_primary_password_is_write_only_from_the_existing_secret(synthesized):
    _, doc = synthesized
    primary = _instances(doc)["primary"]
    assert (
        "ephemeral.aws_secretsmanager_secret_version.master_credentials" in primary["password_wo"]
    )
    assert_resource(doc, "aws_db_instance", {"provider": "aws.primary", "password_wo_version": 1})
    assert "password" not in primary and "manage_master_user_password" not in primary
    assert len(data_sources(doc, "aws_secretsmanager_secret")) == 1
    assert_data_source(doc, "aws_secretsmanager_secret", {"name": "dbdr/test/master-credentials"})
    # ephemeral blocks are beyond the matchers
    assert (
        doc["ephemeral"]["aws_secretsmanager_secret_version"]["master_credentials"]["provider"]
        == "aws.primary"
    )


def test_replica_follows_the_primary_arn_with_its_own_key_and_its_own_backups(synthesized):
    _, doc = synthesized
    instances = _instances(doc)
    replica = instances["secondary"]
    primary_name = next(
        n for n, b in resources(doc, "aws_db_instance").items() if b["provider"] == "aws.primary"
    )
    assert_resource(
        doc,
        "aws_db_instance",
        {
            "provider": "aws.secondary",
            "replicate_source_db": f"${{aws_db_instance.{primary_name}.arn}}",
            "backup_retention_period": 7,
            "multi_az": True,
            # After PromoteReadReplica the link is gone; a plan must not try to restore it.
            "lifecycle": {"ignore_changes": ["replicate_source_db"]},
        },
    )
    assert replica["kms_key_id"].startswith("${aws_kms_key.secondaryKey")
    assert replica["performance_insights_kms_key_id"] == replica["kms_key_id"]
    # Nothing that blocks promotion or fights the source: no engine, credentials or database.
    for argument in (
        "engine",
        "engine_version",
        "username",
        "password_wo",
        "db_name",
        "allocated_storage",
    ):
        assert argument not in replica, argument


def test_each_region_has_an_audit_parameter_group_and_exports_to_encrypted_log_groups(synthesized):
    _, doc = synthesized
    groups = {g["provider"]: g for g in resources(doc, "aws_db_parameter_group").values()}
    assert set(groups) == {"aws.primary", "aws.secondary"}
    for provider, group in groups.items():
        assert_resource(
            doc, "aws_db_parameter_group", {"provider": provider, "family": "postgres15"}
        )
        parameters = {p["name"]: p["value"] for p in group["parameter"]}
        assert parameters["log_statement"] == "all" and parameters["rds.force_ssl"] == "1"
    for role, instance in _instances(doc).items():
        assert_resource(
            doc,
            "aws_db_instance",
            {
                "provider": f"aws.{role}",
                "enabled_cloudwatch_logs_exports": ["postgresql", "upgrade"],
            },
        )
        assert instance["parameter_group_name"].startswith("${aws_db_parameter_group.")
    assert sorted_names(doc, "aws_cloudwatch_log_group", "/aws/rds/instance/") == [
        "/aws/rds/instance/dbdr-database-use1-test/postgresql",
        "/aws/rds/instance/dbdr-database-use1-test/upgrade",
        "/aws/rds/instance/dbdr-database-usw2-test/postgresql",
        "/aws/rds/instance/dbdr-database-usw2-test/upgrade",
    ]
    assert all(
        g.get("kms_key_id") and g["retention_in_days"] == 365
        for g in resources(doc, "aws_cloudwatch_log_group").values()
    )


def test_members_expose_what_dns_alarms_and_automation_need(synthesized):
    database, _ = synthesized
    assert (database.primary.kind, database.primary.dimension) == (
        "rds-instance",
        "DBInstanceIdentifier",
    )
    assert database.primary.is_primary and not database.secondary.is_primary
    assert database.secondary.identifier == "dbdr-database-usw2-test"


def test_legacy_tls_and_a_single_az_replica_are_choices():
    _, doc = _database(
        settings=rds_settings(
            tls_parameter=("rds.force_ssl", "0"),
            replica_multi_az=False,
            max_allocated_storage_gib=0,
        )
    )
    assert_resource(doc, "aws_db_instance", {"provider": "aws.secondary", "multi_az": False})
    assert "max_allocated_storage" not in _instances(doc)["secondary"]
    params = [
        {p["name"]: p["value"] for p in g["parameter"]}
        for g in resources(doc, "aws_db_parameter_group").values()
    ]
    assert {p["rds.force_ssl"] for p in params} == {"0"}


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"instance_class": "db.t3.medium"}, "instance_class must be a memory-optimized class"),
        ({"instance_class": "db.r6g.medium"}, "at least db.r6g.large, got 'db.r6g.medium'"),
        ({"allocated_storage_gib": 10}, "allocated_storage_gib must be 20..65536, got 10"),
        (
            {"max_allocated_storage_gib": 50},
            "max_allocated_storage_gib must be 0 or >= allocated_storage_gib",
        ),
        ({"backup_retention_days": 0}, "backup_retention_days must be 1..35, got 0"),
        ({"monitoring_interval_seconds": 7}, "monitoring_interval_seconds must be 0, 1, 5"),
    ],
)
def test_invalid_settings_are_rejected(settings, message):
    with pytest.raises(ValueError, match=message):
        _database(settings=rds_settings(**settings))


def test_same_region_twice_and_a_bad_password_version_are_rejected():
    t = new_stack()
    base = regional_base(t)
    with pytest.raises(ValueError, match="master_password_version must be >= 1, got 0"):
        rds_database(t, base, master_password_version=0)
    t = new_stack()
    base = regional_base(t)
    base["secondary"] = base["primary"]
    with pytest.raises(ValueError, match="secondary region must differ"):
        rds_database(t, base)
