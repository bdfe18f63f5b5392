"""AuroraRegionalCluster: one region's member of an Aurora global database.

Deploys the cluster parameter group (TLS enforced), the log groups the cluster exports to
(created first so they are KMS-encrypted and expire, instead of the unencrypted,
never-expiring groups RDS would create), the enhanced-monitoring role, the cluster and its
instances with Performance Insights under the regional key.

The primary member is created with the master credentials; a secondary member joins the
global cluster with no credentials of its own. Both ignore the membership attributes that
AWS rewrites after a switchover or failover (terraform-provider-aws #40921, #42919), so a
plan after a role change never detaches or replaces a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
)
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroupParameter as Parameter,
)
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.config import GLOBAL_DB_RPO_MINIMUM_SECONDS
from constructs_lib.database.database_member import AURORA_CLUSTER, DIMENSIONS
from constructs_lib.monitoring.rds_telemetry import enhanced_monitoring_role, export_log_groups
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from constructs_lib.security.regional_key import RegionalKey

# Attributes AWS changes on member clusters when the writer moves between regions.
MEMBERSHIP_DRIFT = ["global_cluster_identifier", "replication_source_identifier"]
AUDIT_PARAMETERS = {
    # Connections, schema changes (DDL) and statements slower than 1 s are logged.
    "aurora-postgresql": {
        "log_connections": "1",
        "log_disconnections": "1",
        "log_statement": "ddl",
        "log_min_duration_statement": "1000",
    },
    "aurora-mysql": {
        "server_audit_logging": "1",
        "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL",
    },
}
# Aurora PostgreSQL only; a dynamic parameter.
GLOBAL_DB_RPO = "rds.global_db_rpo"


@dataclass(frozen=True, kw_only=True)
class AuroraClusterSettings:
    """Engine and operations settings shared by both regions (one engine version for both:
    minor upgrades fail while a replica runs a lower version, provider #29487)."""

    engine: str
    engine_version: str
    parameter_family: str
    tls_parameter: tuple[str, str]
    log_exports: tuple[str, ...]
    instance_class: str
    # Default: 7 days, enough for point-in-time recovery across a weekend.
    backup_retention_days: int = 7
    preferred_backup_window: str = "03:00-04:00"
    # Default: off, so an environment can be destroyed; production turns it on.
    deletion_protection: bool = False
    # Default: on, so destroy leaves nothing behind; production takes a final snapshot.
    skip_final_snapshot: bool = True
    # Default: 60 s enhanced monitoring; 0 turns it off.
    monitoring_interval_seconds: int = 60
    log_retention_days: int = 365
    # Default: off. On when the deployment's AWS Backup plan selects the primary cluster.
    aws_backup_plan: bool = False
    # Aurora PostgreSQL rds.global_db_rpo in seconds (>= 20), on both members' parameter
    # groups so it holds whichever region is primary. Default: 0, not set.
    global_db_rpo_seconds: int = 0


@dataclass(frozen=True)
class MasterCredentials:
    """The primary's master user; the password is a write-only argument fed from an
    ephemeral read of an existing secret, so it is never stored in plan or state."""

    username: str
    password_wo: str
    password_version: int


@dataclass(frozen=True, kw_only=True)
class AuroraRegionalClusterProps:
    provider: AwsProvider
    region: str
    namer: Namer
    settings: AuroraClusterSettings
    vpc: RegionalVpc
    key: RegionalKey
    global_cluster_id: str
    instance_count: int
    # Set on the primary member only.
    credentials: MasterCredentials | None = None
    database_name: str | None = None
    # Set on secondary members: the region replicated from, and what must exist first.
    source_region: str | None = None
    depends_on: tuple[ITerraformDependable, ...] = ()


class AuroraRegionalCluster(Construct):
    """Cluster, instances, parameter group, log groups and monitoring role of one region.

    It is the region's :class:`~constructs_lib.database.database_member.DatabaseMember`.
    """

    kind = AURORA_CLUSTER
    dimension = DIMENSIONS[AURORA_CLUSTER]

    def __init__(self, scope: Construct, id: str, props: AuroraRegionalClusterProps) -> None:
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
        self.identifier = namer.name("cluster", region)

        parameters = dict(AUDIT_PARAMETERS[s.engine])
        parameters[s.tls_parameter[0]] = s.tls_parameter[1]
        self.parameter_group = RdsClusterParameterGroup(
            self,
            "ParameterGroup",
            provider=provider,
            name=namer.name("cluster-params", region),
            family=s.parameter_family,
            description=(
                "TLS enforced"
                if s.tls_parameter[1] in ("1", "ON")
                else "TLS optional (legacy clients)"
            )
            + ", audit logging",
            parameter=[
                Parameter(name=k, value=v, apply_method="pending-reboot")
                for k, v in sorted(parameters.items())
            ]
            + _rpo_cap(s),
        )

        self.log_groups = export_log_groups(
            self,
            provider=provider,
            path=f"/aws/rds/cluster/{self.identifier}",
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
        self.cluster = RdsCluster(
            self,
            "Resource",
            provider=provider,
            cluster_identifier=self.identifier,
            global_cluster_identifier=props.global_cluster_id,
            engine=s.engine,
            engine_version=s.engine_version,
            engine_mode="provisioned",
            database_name=props.database_name,
            master_username=credentials.username if credentials else None,
            master_password_wo=credentials.password_wo if credentials else None,
            master_password_wo_version=credentials.password_version if credentials else None,
            source_region=props.source_region,
            db_subnet_group_name=props.vpc.subnet_group_name,
            vpc_security_group_ids=[props.vpc.security_group_id],
            port=props.vpc.port,
            db_cluster_parameter_group_name=self.parameter_group.name,
            storage_encrypted=True,
            kms_key_id=key.arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=s.backup_retention_days,
            preferred_backup_window=s.preferred_backup_window,
            copy_tags_to_snapshot=True,
            deletion_protection=s.deletion_protection,
            skip_final_snapshot=s.skip_final_snapshot,
            final_snapshot_identifier=(
                None if s.skip_final_snapshot else namer.name("final", region)
            ),
            enabled_cloudwatch_logs_exports=list(s.log_exports),
            depends_on=[*self.log_groups, *props.depends_on],
            lifecycle=TerraformResourceLifecycle(ignore_changes=MEMBERSHIP_DRIFT),
        )
        covered = s.aws_backup_plan and self.is_primary
        skip_checks(
            self.cluster,
            {
                **(
                    {}
                    if covered
                    else {
                        "CKV2_AWS_8": "point-in-time recovery comes from the cluster's automated "
                        "backups (backup_retention_period) and the global secondary's "
                        "copy; the AWS Backup plan (when on) selects the primary"
                    }
                ),
                **(
                    {}
                    if s.deletion_protection
                    else {
                        "CKV_AWS_139": "the default profile is destroyable by design; the "
                        "production "
                        "profile turns deletion protection on"
                    }
                ),
                **(
                    {}
                    if s.engine != "aurora-mysql"
                    else {
                        "CKV_AWS_326": "Aurora MySQL backtracking is not available for clusters in "
                        "a "
                        "global database (Aurora user guide, AuroraMySQL.Managing."
                        "Backtrack); point-in-time restore covers the same need"
                    }
                ),
            },
        )
        self.cluster_id = self.identifier_reference = self.cluster.cluster_identifier
        self.arn = self.cluster.arn
        self.endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint

        self.instances = [
            RdsClusterInstance(
                self,
                f"Instance{i}",
                provider=provider,
                identifier=namer.name("instance", region, index=i),
                cluster_identifier=self.cluster.id,
                engine=s.engine,
                engine_version=s.engine_version,
                instance_class=s.instance_class,
                db_subnet_group_name=props.vpc.subnet_group_name,
                publicly_accessible=False,
                # Minor versions move together in both regions, on purpose: an upgrade fails while a
                # replica runs a lower version (provider #29487).
                auto_minor_version_upgrade=False,
                promotion_tier=i,
                monitoring_interval=s.monitoring_interval_seconds,
                monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=key.arn,
                performance_insights_retention_period=7,
                copy_tags_to_snapshot=True,
            )
            for i in range(props.instance_count)
        ]
        self.has_instances = bool(self.instances)
        self.instance_arns = [instance.arn for instance in self.instances]
        for instance in self.instances:
            skip_checks(
                instance,
                {
                    "CKV_AWS_226": "a global database upgrades its minor version in both regions "
                    "together; automatic upgrades in one region break replication "
                    "(terraform-provider-aws #29487)",
                    **(
                        {}
                        if s.monitoring_interval_seconds
                        else {
                            "CKV_AWS_118": "monitoring_interval_seconds=0 was chosen: enhanced "
                            "monitoring is off; CloudWatch and Performance Insights "
                            "still report"
                        }
                    ),
                },
            )


def _validate(props: AuroraRegionalClusterProps) -> None:
    s = props.settings
    if s.engine not in AUDIT_PARAMETERS:
        raise ValueError(f"engine must be one of {', '.join(AUDIT_PARAMETERS)}, got {s.engine!r}")
    if not 1 <= s.backup_retention_days <= 35:
        raise ValueError(f"backup_retention_days must be 1..35, got {s.backup_retention_days}")
    if s.monitoring_interval_seconds not in (0, 1, 5, 10, 15, 30, 60):
        raise ValueError(
            "monitoring_interval_seconds must be 0, 1, 5, 10, 15, 30 or 60, "
            f"got {s.monitoring_interval_seconds}"
        )
    low = 1 if props.credentials else 0
    if not low <= props.instance_count <= 15:
        raise ValueError(
            f"instance_count must be {low}..15 for a "
            f"{'primary' if props.credentials else 'secondary'} member, "
            f"got {props.instance_count}"
        )
    if props.credentials is None and props.source_region is None:
        raise ValueError("a secondary member needs source_region (the primary's region)")
    if s.global_db_rpo_seconds and (
        s.engine != "aurora-postgresql" or s.global_db_rpo_seconds < GLOBAL_DB_RPO_MINIMUM_SECONDS
    ):
        raise ValueError(
            f"global_db_rpo_seconds needs aurora-postgresql and at least "
            f"{GLOBAL_DB_RPO_MINIMUM_SECONDS} s, got {s.global_db_rpo_seconds} "
            f"for {s.engine}"
        )


def _rpo_cap(settings: AuroraClusterSettings) -> list[Parameter]:
    """The rds.global_db_rpo parameter when a cap is set; it applies without a reboot."""
    if not settings.global_db_rpo_seconds:
        return []
    return [
        Parameter(
            name=GLOBAL_DB_RPO, value=str(settings.global_db_rpo_seconds), apply_method="immediate"
        )
    ]
