"""RdsRegionalInstance: one region's RDS PostgreSQL instance, the primary or its replica.

Deploys the DB parameter group (audit logging with ``log_statement=all``, TLS following the
TLS setting), the log groups the instance exports to (created first so they are
KMS-encrypted and expire, instead of the unencrypted, never-expiring groups RDS would
create), the enhanced-monitoring role and the instance itself: Multi-AZ, storage encrypted
with the regional key, Performance Insights with the same key, automated backups.

- The **primary** is created with the master credentials (a write-only password read from
  the existing secret) and the database.
- The **replica** is a cross-region read replica (``replicate_source_db`` = the primary's
  ARN; an encrypted cross-region replica must name a key of its own region, provider
  #13715 / #16362). It keeps automated backups of its own (RDS user guide,
  USER_ReadRepl: backups on PostgreSQL replicas), so it is recoverable from the moment it
  is promoted, and it sets nothing that blocks promotion (no engine, credentials or
  database name of its own). After ``PromoteReadReplica`` AWS drops the source link:
  Terraform ignores ``replicate_source_db``, so a plan after a failover changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import (
    DbParameterGroup,
)
from cdktf_cdktf_provider_aws.db_parameter_group import (
    DbParameterGroupParameter as Parameter,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.database.aurora_regional_cluster import MasterCredentials
from constructs_lib.database.database_member import DIMENSIONS, RDS_INSTANCE
from constructs_lib.database.instance_classes import RDS_INSTANCE_CLASS, RDS_INSTANCE_CLASS_RULE
from constructs_lib.monitoring.rds_telemetry import enhanced_monitoring_role, export_log_groups
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from constructs_lib.security.regional_key import RegionalKey

# Every statement is logged (audit), plus connections; statements over 1 s carry their time.
AUDIT_PARAMETERS = {
    "log_statement": "all",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_min_duration_statement": "1000",
}
STORAGE_TYPE = "gp3"


@dataclass(frozen=True, kw_only=True)
class RdsInstanceSettings:
    """Engine and operations settings shared by the primary and its replica (one engine
    version for both: RDS upgrades replicas first and refuses a replica older than its
    source)."""

    engine_version: str
    parameter_family: str
    tls_parameter: tuple[str, str]
    # Default: the PostgreSQL log and the upgrade log (the two RDS PostgreSQL exports).
    log_exports: tuple[str, ...] = ("postgresql", "upgrade")
    # Default: db.r6g.large, the smallest class accepted (instance_classes.py).
    instance_class: str = "db.r6g.large"
    # Default: 100 GiB gp3, growing automatically up to 500 GiB (0 turns growth off).
    allocated_storage_gib: int = 100
    max_allocated_storage_gib: int = 500
    # Default: 7 days on the primary and, separately, on the replica.
    backup_retention_days: int = 7
    preferred_backup_window: str = "03:00-04:00"
    # Default: on, so the promoted replica is as durable as the primary it replaces.
    replica_multi_az: bool = True
    # Default: off, so an environment can be destroyed; production turns it on.
    deletion_protection: bool = False
    # Default: on, so destroy leaves nothing behind; production takes a final snapshot.
    skip_final_snapshot: bool = True
    # Default: 60 s enhanced monitoring; 0 turns it off.
    monitoring_interval_seconds: int = 60
    log_retention_days: int = 365


@dataclass(frozen=True, kw_only=True)
class RdsRegionalInstanceProps:
    provider: AwsProvider
    region: str
    namer: Namer
    settings: RdsInstanceSettings
    vpc: RegionalVpc
    key: RegionalKey
    # The primary: its master user and the database it creates.
    credentials: MasterCredentials | None = None
    database_name: str | None = None
    # The replica: ARN of the primary it replicates (cross-region needs the ARN).
    source_arn: str | None = None
    # What must exist first (a generated master secret's version, for the primary).
    depends_on: tuple[ITerraformDependable, ...] = ()


class RdsRegionalInstance(Construct):
    """Instance, parameter group, log groups and monitoring role of one region.

    It is the region's :class:`~constructs_lib.database.database_member.DatabaseMember`.
    """

    kind = RDS_INSTANCE
    dimension = DIMENSIONS[RDS_INSTANCE]
    has_instances = True

    def __init__(self, scope: Construct, id: str, props: RdsRegionalInstanceProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        s, provider, namer, region, key = (
            props.settings,
            props.provider,
            props.namer,
            props.region,
            props.key,
        )
        self.region = region
        self.provider = provider
        self.is_primary = props.credentials is not None
        self.identifier = namer.name("database", region)

        parameters = dict(AUDIT_PARAMETERS)
        parameters[s.tls_parameter[0]] = s.tls_parameter[1]
        self.parameter_group = DbParameterGroup(
            self,
            "ParameterGroup",
            provider=provider,
            name=namer.name("params", region),
            family=s.parameter_family,
            description=(
                "TLS enforced" if s.tls_parameter[1] == "1" else "TLS optional (legacy clients)"
            )
            + ", audit logging (all statements)",
            parameter=[
                Parameter(name=k, value=v, apply_method="pending-reboot")
                for k, v in sorted(parameters.items())
            ],
        )

        self.log_groups = export_log_groups(
            self,
            provider=provider,
            path=f"/aws/rds/instance/{self.identifier}",
            exports=s.log_exports,
            retention_days=s.log_retention_days,
            key=key,
        )
        monitoring_role = enhanced_monitoring_role(
            self,
            provider=provider,
            namer=namer,
            region=region,
            key=key,
            interval_seconds=s.monitoring_interval_seconds,
        )

        credentials = props.credentials
        role_specific = (
            {
                "engine": "postgres",
                "engine_version": s.engine_version,
                "db_name": props.database_name,
                "username": credentials.username,
                "password_wo": credentials.password_wo,
                "password_wo_version": credentials.password_version,
                "allocated_storage": s.allocated_storage_gib,
                "multi_az": True,
            }
            if credentials
            # Engine, version, storage size and credentials come from the source.
            else {
                "replicate_source_db": props.source_arn,
                "multi_az": s.replica_multi_az,
                # After a promotion AWS drops the link: never undo a failover from a plan.
                "lifecycle": TerraformResourceLifecycle(ignore_changes=["replicate_source_db"]),
            }
        )
        self.instance = DbInstance(
            self,
            "Resource",
            provider=provider,
            identifier=self.identifier,
            instance_class=s.instance_class,
            storage_type=STORAGE_TYPE,
            max_allocated_storage=s.max_allocated_storage_gib or None,
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_subnet_group_name=props.vpc.subnet_group_name,
            vpc_security_group_ids=[props.vpc.security_group_id],
            port=props.vpc.port,
            publicly_accessible=False,
            parameter_group_name=self.parameter_group.name,
            iam_database_authentication_enabled=True,
            backup_retention_period=s.backup_retention_days,
            backup_window=s.preferred_backup_window,
            copy_tags_to_snapshot=True,
            # Minor versions move together in both regions, replica first, on purpose.
            auto_minor_version_upgrade=False,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key.arn,
            performance_insights_retention_period=7,
            monitoring_interval=s.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
            enabled_cloudwatch_logs_exports=list(s.log_exports),
            deletion_protection=s.deletion_protection,
            skip_final_snapshot=s.skip_final_snapshot,
            final_snapshot_identifier=(
                None if s.skip_final_snapshot else namer.name("final", region)
            ),
            depends_on=[*self.log_groups, *props.depends_on],
            **role_specific,
        )
        skip_checks(
            self.instance,
            {
                "CKV_AWS_226": "the primary and its replica upgrade their minor version together, "
                "replica first; an automatic upgrade of one breaks replication",
                **(
                    {}
                    if s.deletion_protection
                    else {
                        "CKV_AWS_293": "the default profile is destroyable by design; the "
                        "production "
                        "profile turns deletion protection on"
                    }
                ),
                **(
                    {}
                    if s.monitoring_interval_seconds
                    else {
                        "CKV_AWS_118": "monitoring_interval_seconds=0 was chosen: enhanced "
                        "monitoring "
                        "is off; CloudWatch and Performance Insights still report"
                    }
                ),
                **(
                    {}
                    if credentials or s.replica_multi_az
                    else {
                        "CKV_AWS_157": "replica_multi_az=false was chosen to save cost; the "
                        "replica "
                        "is single-AZ until promoted"
                    }
                ),
            },
        )
        self.identifier_reference = self.instance.identifier
        self.arn = self.instance.arn
        self.instance_arns = [self.arn]
        self.endpoint = self.instance.address
        self.reader_endpoint = self.instance.address


def _validate(props: RdsRegionalInstanceProps) -> None:
    s = props.settings
    if (props.credentials is None) == (props.source_arn is None):
        raise ValueError(
            "an RDS instance is either the primary (credentials) or a replica "
            "(source_arn), got " + ("both" if props.credentials else "neither")
        )
    if not RDS_INSTANCE_CLASS.match(s.instance_class):
        raise ValueError(
            f"instance_class must be {RDS_INSTANCE_CLASS_RULE}, got {s.instance_class!r}"
        )
    if not 20 <= s.allocated_storage_gib <= 65536:
        raise ValueError(f"allocated_storage_gib must be 20..65536, got {s.allocated_storage_gib}")
    if s.max_allocated_storage_gib and s.max_allocated_storage_gib < s.allocated_storage_gib:
        raise ValueError(
            f"max_allocated_storage_gib must be 0 or >= allocated_storage_gib "
            f"({s.allocated_storage_gib}), got {s.max_allocated_storage_gib}"
        )
    if not 1 <= s.backup_retention_days <= 35:
        raise ValueError(f"backup_retention_days must be 1..35, got {s.backup_retention_days}")
    if s.monitoring_interval_seconds not in (0, 1, 5, 10, 15, 30, 60):
        raise ValueError(
            "monitoring_interval_seconds must be 0, 1, 5, 10, 15, 30 or 60, "
            f"got {s.monitoring_interval_seconds}"
        )
