"""AuroraGlobalCluster and its regional members."""

from __future__ import annotations

import json

import pytest

from constructs_lib.database.aurora_regional_cluster import MEMBERSHIP_DRIFT
from support.matchers import assert_only, assert_resource, resources
from support.stacks import database_stack, postgres_settings


def _synth(**kwargs):
    t, _, database = database_stack(**kwargs)
    return t.synth(), database


def _clusters(doc):
    clusters = resources(doc, "aws_rds_cluster")
    by_provider = {c["provider"]: c for c in clusters.values()}
    assert len(by_provider) == len(clusters) == 2
    return by_provider["aws.primary"], by_provider["aws.secondary"]


@pytest.fixture(scope="module")
def default_doc():
    return _synth()[0]


def test_global_cluster_is_encrypted_destroyable_and_free_of_force_new_database_name(default_doc):
    g = assert_only(
        default_doc,
        "aws_rds_global_cluster",
        {
            "provider": "aws.primary",
            "global_cluster_identifier": "dbdr-global-test",
            "storage_encrypted": True,
            "force_destroy": True,
            "deletion_protection": False,
        },
    )
    assert "database_name" not in g and "source_db_cluster_identifier" not in g


def test_each_member_uses_its_own_regions_key_subnets_and_security_group(default_doc):
    primary, secondary = _clusters(default_doc)
    for cluster, role, code in ((primary, "primary", "use1"), (secondary, "secondary", "usw2")):
        assert_resource(
            default_doc,
            "aws_rds_cluster",
            {
                "provider": f"aws.{role}",
                "cluster_identifier": f"dbdr-cluster-{code}-test",
                "storage_encrypted": True,
                "kms_key_id": f"${{aws_kms_key.{role}Key_{_suffix(default_doc, role)}.arn}}",
                "lifecycle": {"ignore_changes": MEMBERSHIP_DRIFT},
                "copy_tags_to_snapshot": True,
                "backup_retention_period": 7,
                "skip_final_snapshot": True,
                "deletion_protection": False,
                "enabled_cloudwatch_logs_exports": ["postgresql"],
            },
        )
        assert (
            "Vpc_SubnetGroup" in cluster["db_subnet_group_name"]
            and role in cluster["db_subnet_group_name"]
        )
        assert cluster["global_cluster_identifier"].startswith("${aws_rds_global_cluster.")


def _suffix(doc, role):
    (name,) = [n for n, k in resources(doc, "aws_kms_key").items() if n.startswith(f"{role}Key")]
    return name.split("_", 1)[1]


def test_only_the_primary_carries_credentials_and_the_password_is_write_only(default_doc):
    primary, secondary = _clusters(default_doc)
    assert_resource(
        default_doc,
        "aws_rds_cluster",
        {
            "provider": "aws.primary",
            "master_username": "dbadmin",
            "master_password_wo": (
                "${jsondecode(ephemeral.aws_secretsmanager_secret_version.master_credentials"
                '.secret_string)["password"]}'
            ),
            "master_password_wo_version": 1,
        },
    )
    assert "master_password" not in primary and "manage_master_user_password" not in primary
    assert not {"master_username", "master_password_wo", "database_name"} & set(secondary)
    # ephemeral blocks are beyond the matchers
    ephemeral = default_doc["ephemeral"]["aws_secretsmanager_secret_version"]["master_credentials"]
    assert ephemeral["provider"] == "aws.primary"
    assert ephemeral["secret_id"].startswith("${data.aws_secretsmanager_secret.")


def test_secondary_waits_for_every_primary_instance_and_names_its_source_region(default_doc):
    primary, secondary = _clusters(default_doc)
    instances = resources(default_doc, "aws_rds_cluster_instance")
    primary_instances = [
        f"aws_rds_cluster_instance.{n}"
        for n, i in instances.items()
        if i["provider"] == "aws.primary"
    ]
    assert len(primary_instances) == 2
    assert set(primary_instances) <= set(secondary["depends_on"])
    assert_resource(
        default_doc, "aws_rds_cluster", {"provider": "aws.secondary", "source_region": "us-east-1"}
    )


def test_instances_are_private_monitored_and_use_the_regional_key(default_doc):
    instances = list(resources(default_doc, "aws_rds_cluster_instance").values())
    assert sorted(i["provider"] for i in instances) == [
        "aws.primary",
        "aws.primary",
        "aws.secondary",
    ]
    for provider, identifier in (
        ("aws.primary", "dbdr-instance-use1-0-test"),
        ("aws.primary", "dbdr-instance-use1-1-test"),
        ("aws.secondary", "dbdr-instance-usw2-0-test"),
    ):
        assert_resource(
            default_doc,
            "aws_rds_cluster_instance",
            {
                "provider": provider,
                "identifier": identifier,
                "publicly_accessible": False,
                "performance_insights_enabled": True,
                "monitoring_interval": 60,
                "auto_minor_version_upgrade": False,
            },
        )
    for instance in instances:
        role = instance["provider"].split(".")[1]
        assert instance["performance_insights_kms_key_id"].startswith(f"${{aws_kms_key.{role}Key")
        assert instance["monitoring_role_arn"].startswith("${aws_iam_role.")
    attachments = resources(default_doc, "aws_iam_role_policy_attachment")
    assert {a["policy_arn"].rsplit("/", 1)[1] for a in attachments.values()} == {
        "AmazonRDSEnhancedMonitoringRole"
    }


def test_parameter_groups_enforce_tls_and_log_groups_exist_before_the_clusters(default_doc):
    groups = resources(default_doc, "aws_rds_cluster_parameter_group")
    assert len(groups) == 2
    for provider in ("aws.primary", "aws.secondary"):
        assert_resource(
            default_doc,
            "aws_rds_cluster_parameter_group",
            {"provider": provider, "family": "aurora-postgresql15"},
        )
    for group in groups.values():
        params = {p["name"]: p["value"] for p in group["parameter"]}
        assert params["rds.force_ssl"] == "1"
    logs = resources(default_doc, "aws_cloudwatch_log_group")
    rds_logs = {n: g for n, g in logs.items() if g["name"].startswith("/aws/rds/cluster/")}
    assert {g["name"] for g in rds_logs.values()} == {
        "/aws/rds/cluster/dbdr-cluster-use1-test/postgresql",
        "/aws/rds/cluster/dbdr-cluster-usw2-test/postgresql",
    }
    primary, _ = _clusters(default_doc)
    assert any(dep.startswith("aws_cloudwatch_log_group.") for dep in primary["depends_on"])


def test_no_password_literal_anywhere_in_the_synthesized_json(default_doc):
    text = json.dumps(default_doc)
    assert '"master_password"' not in text
    assert "manage_master_user_password" not in text


def test_headless_secondary_and_production_protection():
    doc, _ = _synth(
        secondary_instances=0,
        settings=postgres_settings(
            deletion_protection=True, skip_final_snapshot=False, monitoring_interval_seconds=0
        ),
    )
    instances = resources(doc, "aws_rds_cluster_instance").values()
    assert [i["provider"] for i in instances] == ["aws.primary", "aws.primary"]
    assert all("monitoring_role_arn" not in i for i in instances)
    assert_only(
        doc, "aws_rds_global_cluster", {"deletion_protection": True, "force_destroy": False}
    )
    _clusters(doc)  # one per region
    for provider, region in (("aws.primary", "use1"), ("aws.secondary", "usw2")):
        assert_resource(
            doc,
            "aws_rds_cluster",
            {"provider": provider, "final_snapshot_identifier": f"dbdr-final-{region}-test"},
        )


def test_mysql_enforces_tls_with_its_own_parameter():
    doc, _ = _synth(
        settings=postgres_settings(
            engine="aurora-mysql",
            engine_version="8.0.mysql_aurora.3.08.0",
            parameter_family="aurora-mysql8.0",
            tls_parameter=("require_secure_transport", "ON"),
            log_exports=("audit", "error", "slowquery"),
        )
    )
    for group in resources(doc, "aws_rds_cluster_parameter_group").values():
        params = {p["name"]: p["value"] for p in group["parameter"]}
        assert params["require_secure_transport"] == "ON"
        assert params["server_audit_logging"] == "1"


def test_rpo_cap_is_set_on_both_members_and_applies_without_a_reboot(default_doc):
    doc, _ = _synth(settings=postgres_settings(global_db_rpo_seconds=45))
    for group in resources(doc, "aws_rds_cluster_parameter_group").values():
        (cap,) = [p for p in group["parameter"] if p["name"] == "rds.global_db_rpo"]
        assert (cap["value"], cap["apply_method"]) == ("45", "immediate")
    for group in resources(default_doc, "aws_rds_cluster_parameter_group").values():
        assert "rds.global_db_rpo" not in {p["name"] for p in group["parameter"]}


def test_serverless_v2_sets_the_capacity_range_on_both_clusters(default_doc):
    # Given Aurora Serverless v2 instances with a range of 1..8 ACU
    doc, _ = _synth(
        settings=postgres_settings(instance_class="db.serverless", serverless_capacity=(1, 8))
    )
    # Then each region's cluster scales in that range and every instance is serverless
    for provider in ("aws.primary", "aws.secondary"):
        assert_resource(
            doc,
            "aws_rds_cluster",
            {
                "provider": provider,
                "serverlessv2_scaling_configuration": {"min_capacity": 1, "max_capacity": 8},
            },
        )
    classes = {i["instance_class"] for i in resources(doc, "aws_rds_cluster_instance").values()}
    assert classes == {"db.serverless"}
    # and provisioned instances carry no scaling configuration
    for cluster in resources(default_doc, "aws_rds_cluster").values():
        assert "serverlessv2_scaling_configuration" not in cluster


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {
                "settings": postgres_settings(
                    instance_class="db.serverless", serverless_capacity=(0, 4)
                )
            },
            "serverless_capacity: the minimum capacity must be at least 0.5 ACU: a writer paused",
        ),
        (
            {
                "settings": postgres_settings(
                    instance_class="db.serverless", serverless_capacity=(4, 2)
                )
            },
            "serverless_capacity: the maximum capacity 2 is below the minimum 4",
        ),
        (
            {"settings": postgres_settings(global_db_rpo_seconds=19)},
            "global_db_rpo_seconds needs aurora-postgresql and at least 20 s, got 19",
        ),
        (
            {
                "settings": postgres_settings(
                    engine="aurora-mysql",
                    engine_version="8.0.mysql_aurora.3.08.0",
                    parameter_family="aurora-mysql8.0",
                    tls_parameter=("require_secure_transport", "ON"),
                    log_exports=("audit",),
                    global_db_rpo_seconds=30,
                )
            },
            "global_db_rpo_seconds needs aurora-postgresql .* for aurora-mysql",
        ),
        ({"primary_instances": 0}, "instance_count must be 1..15 for a primary member, got 0"),
        (
            {"secondary_instances": 16},
            "instance_count must be 0..15 for a secondary member, got 16",
        ),
        (
            {"settings": postgres_settings(backup_retention_days=0)},
            "backup_retention_days must be 1..35, got 0",
        ),
        ({"settings": postgres_settings(engine="postgres")}, "engine must be one of"),
        (
            {"settings": postgres_settings(monitoring_interval_seconds=2)},
            "monitoring_interval_seconds must be",
        ),
        ({"master_password_version": 0}, "master_password_version must be >= 1, got 0"),
    ],
)
def test_invalid_props_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _synth(**kwargs)
