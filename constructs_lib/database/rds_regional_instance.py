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

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import (
    DbParameterGroup,
)
from cdktf_cdktf_provider_aws.db_parameter_group import (
    DbParameterGroupParameter as Parameter,
)
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.database.database_member import (
    RDS_INSTANCE,
    MemberProps,
    MemberSettings,
    RegionalMember,
)
from constructs_lib.database.instance_classes import RDS_INSTANCE_CLASS, RDS_INSTANCE_CLASS_RULE

# Every statement is logged (audit), plus connections; statements over 1 s carry their time.
AUDIT_PARAMETERS = {
    "log_statement": "all",
    "log_connections": "1",
    "log_disconnections": "1",
    "log_min_duration_statement": "1000",
}
STORAGE_TYPE = "gp3"


@dataclass(frozen=True, kw_only=True)
class RdsInstanceSettings(MemberSettings):
    """Engine and operations settings shared by the primary and its replica (one engine
    version for both: RDS upgrades replicas first and refuses a replica older than its
    source)."""

    # Default: the PostgreSQL log and the upgrade log (the two RDS PostgreSQL exports).
    log_exports: tuple[str, ...] = ("postgresql", "upgrade")
    # Default: db.r6g.large, the smallest class accepted (instance_classes.py).
    instance_class: str = "db.r6g.large"
    # Default: 100 GiB gp3, growing automatically up to 500 GiB (0 turns growth off).
    allocated_storage_gib: int = 100
    max_allocated_storage_gib: int = 500
    # Default: on, so the promoted replica is as durable as the primary it replaces.
    replica_multi_az: bool = True


@dataclass(frozen=True, kw_only=True)
class RdsRegionalInstanceProps(MemberProps):
    settings: RdsInstanceSettings
    # The replica: ARN of the primary it replicates (cross-region needs the ARN).
    source_arn: str | None = None


class RdsRegionalInstance(RegionalMember):
    """Instance, parameter group, log groups and monitoring role of one region."""

    kind = RDS_INSTANCE
    has_instances = True

    def __init__(self, scope: Construct, id: str, props: RdsRegionalInstanceProps) -> None:
        _validate(props)
        super().__init__(scope, id, props, log_dir="instance", name="database")
        s, credentials = props.settings, props.credentials

        self.parameter_group = self._parameter_group(
            DbParameterGroup,
            Parameter,
            name="params",
            audit=AUDIT_PARAMETERS,
            logging="audit logging (all statements)",
        )
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
            provider=props.provider,
            identifier=self.identifier,
            storage_type=STORAGE_TYPE,
            max_allocated_storage=s.max_allocated_storage_gib or None,
            parameter_group_name=self.parameter_group.name,
            backup_window=s.preferred_backup_window,
            **self._database_arguments(),
            **self._instance_arguments(),
            **role_specific,
        )
        skip_checks(
            self.instance,
            {
                "CKV_AWS_226": "the primary and its replica upgrade their minor version together, "
                "replica first; an automatic upgrade of one breaks replication",
                **self._unprotected("CKV_AWS_293"),
                **self._unmonitored(),
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
