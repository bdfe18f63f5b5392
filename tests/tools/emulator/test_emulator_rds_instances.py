"""The rds-replica path: an RDS PostgreSQL primary in us-east-1 and a cross-region read
replica in us-west-2, created, promoted and deleted as the Terraform provider and a
failover drill do it (patches l-o; each test fails with its patch disabled)."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from support.emulator_checks import PRIMARY, SECONDARY, error_code
from support.emulator_rds import CREDENTIALS

# -- RDS DB instance read replicas across regions (patches l, m) and parameter groups (n) --

PG_PRIMARY, PG_REPLICA = "pg-primary", "pg-replica"


def create_postgres(client, identifier: str, **settings) -> dict:
    """A PostgreSQL 15 db.r6g.large instance with ``settings`` (CreateDBInstance's
    arguments): the DBInstance of the answer."""
    return client.create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine="postgres",
        EngineVersion="15.12",
        DBInstanceClass="db.r6g.large",
        **CREDENTIALS,
        **settings,
    )["DBInstance"]


@pytest.fixture()
def pg_pair(emulator):
    """An encrypted PostgreSQL 15 Multi-AZ primary in us-east-1 (backups on, Performance
    Insights, log exports) and, in us-west-2, the network, KMS key and parameter group of
    its cross-region replica; created as the Terraform provider creates them."""
    rds = {region: emulator.client("rds", region) for region in (PRIMARY, SECONDARY)}
    keys = {
        region: emulator.client("kms", region).create_key()["KeyMetadata"]["Arn"]
        for region in (PRIMARY, SECONDARY)
    }
    ec2 = emulator.client("ec2", SECONDARY)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"{SECONDARY}{zone}"
        )["Subnet"]["SubnetId"]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="pg-replica", Description="replica", VpcId=vpc)[
        "GroupId"
    ]
    rds[SECONDARY].create_db_subnet_group(
        DBSubnetGroupName="pg-replica", DBSubnetGroupDescription="replica", SubnetIds=subnets
    )
    rds[SECONDARY].create_db_parameter_group(
        DBParameterGroupName="pg-replica-pg15",
        DBParameterGroupFamily="postgres15",
        Description="replica",
    )
    primary = create_postgres(
        rds[PRIMARY],
        PG_PRIMARY,
        AllocatedStorage=100,
        MaxAllocatedStorage=500,
        StorageType="gp3",
        StorageEncrypted=True,
        KmsKeyId=keys[PRIMARY],
        MultiAZ=True,
        DBName="appdb",
        BackupRetentionPeriod=7,
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=keys[PRIMARY],
        PerformanceInsightsRetentionPeriod=7,
        EnableCloudwatchLogsExports=["postgresql", "upgrade"],
        EnableIAMDatabaseAuthentication=True,
    )
    return {
        "rds": rds,
        "keys": keys,
        "vpc": vpc,
        "security_group": group,
        "primary_arn": primary["DBInstanceArn"],
    }


def create_cross_region_replica(pair, **overrides) -> dict:
    """The replica as the Terraform provider (5.100.0) asks for it."""
    arguments = dict(
        DBInstanceIdentifier=PG_REPLICA,
        SourceDBInstanceIdentifier=pair["primary_arn"],
        DBInstanceClass="db.r6g.large",
        MultiAZ=True,
        KmsKeyId=pair["keys"][SECONDARY],
        DBSubnetGroupName="pg-replica",
        VpcSecurityGroupIds=[pair["security_group"]],
        DBParameterGroupName="pg-replica-pg15",
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=pair["keys"][SECONDARY],
        PerformanceInsightsRetentionPeriod=7,
        EnableCloudwatchLogsExports=["postgresql"],
        SourceRegion=PRIMARY,
    )
    arguments.update(overrides)
    return pair["rds"][SECONDARY].create_db_instance_read_replica(**arguments)["DBInstance"]


def instance(client, identifier: str) -> dict:
    (found,) = client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    return found


def test_cross_region_read_replica_is_a_new_instance_in_its_own_region(pg_pair):
    rds, keys = pg_pair["rds"], pg_pair["keys"]
    answer = create_cross_region_replica(pg_pair)
    # Backups start disabled on a new replica (the provider then sets them with Modify).
    assert answer["BackupRetentionPeriod"] == 0
    replica = instance(rds[SECONDARY], PG_REPLICA)
    primary = instance(rds[PRIMARY], PG_PRIMARY)
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == pg_pair["primary_arn"]
    assert primary["ReadReplicaDBInstanceIdentifiers"] == [replica["DBInstanceArn"]]
    assert replica["DBInstanceArn"].split(":")[3] == SECONDARY
    assert replica["AvailabilityZone"].startswith(SECONDARY)
    assert replica["DBSubnetGroup"]["VpcId"] == pg_pair["vpc"]
    assert [g["VpcSecurityGroupId"] for g in replica["VpcSecurityGroups"]] == [
        pg_pair["security_group"]
    ]
    assert [g["DBParameterGroupName"] for g in replica["DBParameterGroups"]] == ["pg-replica-pg15"]
    # Inherited from the source: engine, storage, encryption (with this region's key).
    assert (
        replica["Engine"],
        replica["EngineVersion"],
        replica["AllocatedStorage"],
        replica["StorageType"],
        replica["MasterUsername"],
    ) == ("postgres", "15.12", 100, "gp3", "dbadmin")
    assert (replica["StorageEncrypted"], replica["KmsKeyId"]) == (True, keys[SECONDARY])
    # The call's own settings, not the source's.
    assert (replica["PerformanceInsightsEnabled"], replica["PerformanceInsightsKMSKeyId"]) == (
        True,
        keys[SECONDARY],
    )
    assert replica["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert replica["IAMDatabaseAuthenticationEnabled"] is False
    assert replica["MultiAZ"] is True
    # The source is untouched.
    assert primary["EnabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert (primary["KmsKeyId"], primary["PerformanceInsightsKMSKeyId"]) == (
        keys[PRIMARY],
        keys[PRIMARY],
    )
    rds[SECONDARY].modify_db_instance(
        DBInstanceIdentifier=PG_REPLICA, BackupRetentionPeriod=7, ApplyImmediately=True
    )
    assert instance(rds[SECONDARY], PG_REPLICA)["BackupRetentionPeriod"] == 7
    assert instance(rds[PRIMARY], PG_PRIMARY)["BackupRetentionPeriod"] == 7


def test_read_replica_is_refused_as_aws_refuses_it(pg_pair):
    rds = pg_pair["rds"]
    with pytest.raises(ClientError) as excinfo:  # an encrypted source needs a key over there
        create_cross_region_replica(pg_pair, KmsKeyId="")
    assert error_code(excinfo) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        create_cross_region_replica(
            pg_pair, SourceDBInstanceIdentifier=pg_pair["primary_arn"] + "-nowhere"
        )
    assert error_code(excinfo) == "DBInstanceNotFound"
    create_postgres(rds[PRIMARY], "no-backups", BackupRetentionPeriod=0)
    with pytest.raises(ClientError) as excinfo:  # replicas need the source's backups
        rds[PRIMARY].create_db_instance_read_replica(
            DBInstanceIdentifier="no-backups-replica", SourceDBInstanceIdentifier="no-backups"
        )
    assert error_code(excinfo) == "InvalidDBInstanceState"
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []
    assert (
        "ReadReplicaDBInstanceIdentifiers" not in instance(rds[PRIMARY], PG_PRIMARY)
        or instance(rds[PRIMARY], PG_PRIMARY)["ReadReplicaDBInstanceIdentifiers"] == []
    )


def test_promote_read_replica_ends_replication_on_both_ends(pg_pair):
    rds = pg_pair["rds"]
    create_cross_region_replica(pg_pair)
    rds[SECONDARY].modify_db_instance(
        DBInstanceIdentifier=PG_REPLICA, BackupRetentionPeriod=7, ApplyImmediately=True
    )
    rds[SECONDARY].promote_read_replica(DBInstanceIdentifier=PG_REPLICA)
    promoted = instance(rds[SECONDARY], PG_REPLICA)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert not instance(rds[PRIMARY], PG_PRIMARY).get("ReadReplicaDBInstanceIdentifiers")
    assert promoted["BackupRetentionPeriod"] == 7  # backups already on: kept
    assert promoted["KmsKeyId"] == pg_pair["keys"][SECONDARY]
    with pytest.raises(ClientError) as excinfo:  # no longer a replica
        rds[SECONDARY].promote_read_replica(DBInstanceIdentifier=PG_REPLICA)
    assert error_code(excinfo) == "InvalidDBInstanceState"
    with pytest.raises(ClientError) as excinfo:
        rds[SECONDARY].promote_read_replica(DBInstanceIdentifier="pg-nowhere")
    assert error_code(excinfo) == "DBInstanceNotFound"
    # Both are standalone now: each can be deleted on its own.
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier=PG_PRIMARY, SkipFinalSnapshot=True)
    rds[SECONDARY].delete_db_instance(DBInstanceIdentifier=PG_REPLICA, SkipFinalSnapshot=True)
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []


def test_promotion_sets_the_backups_it_is_given_or_the_default(pg_pair):
    rds = pg_pair["rds"]
    create_cross_region_replica(pg_pair)  # backups off (0), never modified
    rds[SECONDARY].promote_read_replica(DBInstanceIdentifier=PG_REPLICA)
    assert instance(rds[SECONDARY], PG_REPLICA)["BackupRetentionPeriod"] == 1
    create_cross_region_replica(pg_pair, DBInstanceIdentifier="pg-replica-2")
    rds[SECONDARY].promote_read_replica(
        DBInstanceIdentifier="pg-replica-2",
        BackupRetentionPeriod=14,
        PreferredBackupWindow="02:00-02:30",
    )
    promoted = instance(rds[SECONDARY], "pg-replica-2")
    assert (promoted["BackupRetentionPeriod"], promoted["PreferredBackupWindow"]) == (
        14,
        "02:00-02:30",
    )


def test_deleting_replicas_and_sources_keeps_the_links_consistent(pg_pair):
    rds = pg_pair["rds"]
    replica_arn = create_cross_region_replica(pg_pair)["DBInstanceArn"]
    rds[PRIMARY].create_db_instance_read_replica(
        DBInstanceIdentifier="pg-local-replica", SourceDBInstanceIdentifier=PG_PRIMARY
    )
    # A same-region replica is listed by identifier, a cross-region one by ARN.
    assert instance(rds[PRIMARY], PG_PRIMARY)["ReadReplicaDBInstanceIdentifiers"] == [
        replica_arn,
        "pg-local-replica",
    ]
    local = instance(rds[PRIMARY], "pg-local-replica")
    assert local["ReadReplicaSourceDBInstanceIdentifier"] == PG_PRIMARY
    assert local["KmsKeyId"] == pg_pair["keys"][PRIMARY]  # same region: the source's key

    rds[SECONDARY].delete_db_instance(DBInstanceIdentifier=PG_REPLICA, SkipFinalSnapshot=True)
    assert instance(rds[PRIMARY], PG_PRIMARY)["ReadReplicaDBInstanceIdentifiers"] == [
        "pg-local-replica"
    ]
    with pytest.raises(ClientError) as excinfo:
        instance(rds[SECONDARY], PG_REPLICA)
    assert error_code(excinfo) == "DBInstanceNotFound"

    # Deleting the source promotes its remaining replica, which can then be deleted.
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier=PG_PRIMARY, SkipFinalSnapshot=True)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in instance(rds[PRIMARY], "pg-local-replica")
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier="pg-local-replica", SkipFinalSnapshot=True)
    for region in (PRIMARY, SECONDARY):
        assert rds[region].describe_db_instances()["DBInstances"] == []


def test_db_parameter_group_reports_user_parameters_and_resets_them(emulator):
    rds = emulator.client("rds", PRIMARY)
    rds.create_db_parameter_group(
        DBParameterGroupName="pg15", Description="pg", DBParameterGroupFamily="postgres15"
    )
    for name, value, method in (
        ("log_statement", "all", "immediate"),
        ("rds.force_ssl", "1", "pending-reboot"),
    ):
        rds.modify_db_parameter_group(
            DBParameterGroupName="pg15",
            Parameters=[{"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}],
        )

    def parameters(**source: str) -> dict[str, tuple]:
        found = rds.describe_db_parameters(DBParameterGroupName="pg15", **source)["Parameters"]
        return {
            p["ParameterName"]: (p["ParameterValue"], p["ApplyMethod"], p["Source"]) for p in found
        }

    expected = {
        "log_statement": ("all", "immediate", "user"),
        "rds.force_ssl": ("1", "pending-reboot", "user"),
    }
    assert parameters() == expected
    assert parameters(Source="user") == expected
    assert parameters(Source="engine-default") == {}
    rds.reset_db_parameter_group(
        DBParameterGroupName="pg15",
        Parameters=[{"ParameterName": "log_statement", "ApplyMethod": "immediate"}],
    )
    assert parameters(Source="user") == {"rds.force_ssl": ("1", "pending-reboot", "user")}
    rds.reset_db_parameter_group(DBParameterGroupName="pg15", ResetAllParameters=True)
    assert parameters(Source="user") == {}
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_parameters(DBParameterGroupName="pg-nowhere")
    assert error_code(excinfo) == "DBParameterGroupNotFound"


def test_each_db_instance_has_its_own_resource_id(pg_pair):
    rds = pg_pair["rds"]
    create_cross_region_replica(pg_pair)
    rds[PRIMARY].create_db_instance_read_replica(
        DBInstanceIdentifier="pg-local-replica", SourceDBInstanceIdentifier=PG_PRIMARY
    )
    ids = {
        identifier: instance(rds[region], identifier)["DbiResourceId"]
        for region, identifier in (
            (PRIMARY, PG_PRIMARY),
            (SECONDARY, PG_REPLICA),
            (PRIMARY, "pg-local-replica"),
        )
    }
    assert len(set(ids.values())) == 3
    assert all(re.fullmatch(r"db-[A-Z0-9]{26}", value) for value in ids.values())
    # How the Terraform provider reads an aws_db_instance back: by its resource ID.
    found = rds[PRIMARY].describe_db_instances(
        Filters=[{"Name": "dbi-resource-id", "Values": [ids[PG_PRIMARY]]}]
    )["DBInstances"]
    assert [db["DBInstanceIdentifier"] for db in found] == [PG_PRIMARY]
