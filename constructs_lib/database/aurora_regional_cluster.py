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

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.rds_cluster import (
    RdsCluster,
    RdsClusterServerlessv2ScalingConfiguration,
)
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
from constructs_lib.database.database_member import (
    AURORA_CLUSTER,
    MemberProps,
    MemberSettings,
    RegionalMember,
)
from constructs_lib.database.instance_classes import SERVERLESS, serverless_capacity_problem

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
class AuroraClusterSettings(MemberSettings):
    """Engine and operations settings shared by both regions (one engine version for both:
    minor upgrades fail while a replica runs a lower version, provider #29487)."""

    engine: str
    # Default: off. On when the deployment's AWS Backup plan selects the primary cluster.
    aws_backup_plan: bool = False
    # Aurora PostgreSQL rds.global_db_rpo in seconds (>= 20), on both members' parameter
    # groups so it holds whichever region is primary. Default: 0, not set.
    global_db_rpo_seconds: int = 0
    # Aurora Serverless v2 (instance_class db.serverless): the capacity range (ACU) of every
    # instance, set on each cluster. Default: 0.5..16 ACU (1..32 GiB of memory).
    serverless_capacity: tuple[float, float] = (0.5, 16.0)


@dataclass(frozen=True, kw_only=True)
class AuroraRegionalClusterProps(MemberProps):
    settings: AuroraClusterSettings
    global_cluster_id: str
    instance_count: int
    # Set on secondary members: the region replicated from.
    source_region: str | None = None


class AuroraRegionalCluster(RegionalMember):
    """Cluster, instances, parameter group, log groups and monitoring role of one region."""

    kind = AURORA_CLUSTER

    def __init__(self, scope: Construct, id: str, props: AuroraRegionalClusterProps) -> None:
        _validate(props)
        super().__init__(scope, id, props, log_dir="cluster", name="cluster")
        s, provider, namer, region = props.settings, props.provider, props.namer, props.region

        self.parameter_group = self._parameter_group(
            RdsClusterParameterGroup,
            Parameter,
            name="cluster-params",
            audit=AUDIT_PARAMETERS[s.engine],
            logging="audit logging",
            extra=_rpo_cap(s),
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
            db_cluster_parameter_group_name=self.parameter_group.name,
            preferred_backup_window=s.preferred_backup_window,
            serverlessv2_scaling_configuration=(
                RdsClusterServerlessv2ScalingConfiguration(
                    min_capacity=s.serverless_capacity[0], max_capacity=s.serverless_capacity[1]
                )
                if s.instance_class == SERVERLESS
                else None
            ),
            lifecycle=TerraformResourceLifecycle(ignore_changes=MEMBERSHIP_DRIFT),
            **self._database_arguments(),
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
                **self._unprotected("CKV_AWS_139"),
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
                db_subnet_group_name=props.vpc.subnet_group_name,
                promotion_tier=i,
                copy_tags_to_snapshot=True,
                **self._instance_arguments(),
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
                    **self._unmonitored(),
                },
            )


def _validate(props: AuroraRegionalClusterProps) -> None:
    s = props.settings
    if s.engine not in AUDIT_PARAMETERS:
        raise ValueError(f"engine must be one of {', '.join(AUDIT_PARAMETERS)}, got {s.engine!r}")
    low = 1 if props.credentials else 0
    if not low <= props.instance_count <= 15:
        raise ValueError(
            f"instance_count must be {low}..15 for a "
            f"{'primary' if props.credentials else 'secondary'} member, "
            f"got {props.instance_count}"
        )
    if s.instance_class == SERVERLESS:
        problem = serverless_capacity_problem(*s.serverless_capacity)
        if problem:
            raise ValueError(f"serverless_capacity: {problem}")
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
