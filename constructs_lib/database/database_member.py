"""DatabaseMember: what the shared constructs need to know about one region's database.

The DNS records, alarms, canaries and failover automation are the same constructs in both
database modes; only the database construct differs. Both database constructs expose each
region's database through this interface:

- ``AuroraRegionalCluster`` (``aurora-global`` mode): a member cluster of a global database;
  CloudWatch dimension ``DBClusterIdentifier``.
- ``RdsRegionalInstance`` (``rds-replica`` mode): an RDS instance, the primary or its
  cross-region read replica; CloudWatch dimension ``DBInstanceIdentifier``.

Both build on :class:`RegionalMember`, which deploys what the two modes share around the
database resource itself: the log groups it exports to (created first so they are
KMS-encrypted and expire, instead of the unencrypted, never-expiring groups RDS would
create), the enhanced-monitoring role, the audit parameter group with the TLS setting, and
the arguments the database and its instances take alike (encryption under the regional
key, the VPC's subnets, security group and port, IAM authentication, backups, Performance
Insights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.monitoring.rds_telemetry import enhanced_monitoring_role, export_log_groups
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from constructs_lib.security.regional_key import RegionalKey
from dr_lambdas.contract import CLUSTER_DIMENSION, INSTANCE_DIMENSION

AURORA_CLUSTER, RDS_INSTANCE = "aurora-cluster", "rds-instance"
DIMENSIONS = {AURORA_CLUSTER: CLUSTER_DIMENSION, RDS_INSTANCE: INSTANCE_DIMENSION}


class DatabaseMember(Protocol):
    kind: str  # AURORA_CLUSTER | RDS_INSTANCE
    region: str
    provider: AwsProvider
    is_primary: bool
    # Physical identifier, known at synth time (names alarms' dimensions and metrics).
    identifier: str
    # The same identifier as a reference to the database resource: what a resource that
    # AWS checks against the database at creation (an RDS event subscription's source)
    # must use, so Terraform creates the database first.
    identifier_reference: str
    arn: str
    # Host name that takes writes in this region (the cluster endpoint, or the instance
    # address) and the one for reads.
    endpoint: str
    reader_endpoint: str
    # False for a headless Aurora secondary: no instance, no instance metrics.
    has_instances: bool
    # The DB instances of the member (an Aurora cluster's instances, or the RDS instance
    # itself): what DescribeDBInstances is asked about when its health is in doubt.
    instance_arns: list[str]

    @property
    def dimension(self) -> str: ...


@dataclass(frozen=True)
class MasterCredentials:
    """The primary's master user; the password is a write-only argument fed from an
    ephemeral read of an existing secret, so it is never stored in plan or state."""

    username: str
    password_wo: str
    password_version: int


@dataclass(frozen=True, kw_only=True)
class MemberSettings:
    """Settings both database modes share, the same in both regions."""

    engine_version: str
    parameter_family: str
    tls_parameter: tuple[str, str]
    log_exports: tuple[str, ...]
    instance_class: str
    # Default: 7 days in each region, enough for point-in-time recovery across a weekend.
    backup_retention_days: int = 7
    preferred_backup_window: str = "03:00-04:00"
    # Default: off, so an environment can be destroyed; production turns it on.
    deletion_protection: bool = False
    # Default: on, so destroy leaves nothing behind; production takes a final snapshot.
    skip_final_snapshot: bool = True
    # Default: 60 s enhanced monitoring; 0 turns it off.
    monitoring_interval_seconds: int = 60
    log_retention_days: int = 365

    def validate(self) -> None:
        if not 1 <= self.backup_retention_days <= 35:
            raise ValueError(
                f"backup_retention_days must be 1..35, got {self.backup_retention_days}"
            )
        if self.monitoring_interval_seconds not in (0, 1, 5, 10, 15, 30, 60):
            raise ValueError(
                "monitoring_interval_seconds must be 0, 1, 5, 10, 15, 30 or 60, "
                f"got {self.monitoring_interval_seconds}"
            )


@dataclass(frozen=True, kw_only=True)
class MemberProps:
    provider: AwsProvider
    region: str
    namer: Namer
    settings: MemberSettings
    vpc: RegionalVpc
    key: RegionalKey
    # The primary: its master user and the database it creates.
    credentials: MasterCredentials | None = None
    database_name: str | None = None
    # What must exist first (the master secret for the primary; for an Aurora secondary,
    # every primary instance).
    depends_on: tuple[ITerraformDependable, ...] = ()


class RegionalMember(Construct):
    """The base of each region's :class:`DatabaseMember`: the log groups and monitoring
    role of its database, and what its parameter group, the database and its instances
    share; subclasses declare those resources."""

    kind: str

    @property
    def dimension(self) -> str:
        return DIMENSIONS[self.kind]

    def __init__(
        self, scope: Construct, id: str, props: MemberProps, *, log_dir: str, name: str
    ) -> None:
        """``log_dir``: ``cluster`` or ``instance``, as in the log group path; ``name``: the
        role of the database's physical name."""
        props.settings.validate()
        super().__init__(scope, id)
        self._props, self._settings = props, props.settings
        self.region = props.region
        self.provider = props.provider
        self.is_primary = props.credentials is not None
        self.identifier = props.namer.name(name, props.region)
        self.log_groups = export_log_groups(
            self,
            path=f"/aws/rds/{log_dir}/{self.identifier}",
            exports=props.settings.log_exports,
            retention_days=props.settings.log_retention_days,
            key=props.key,
        )
        self._monitoring_role = enhanced_monitoring_role(
            self,
            provider=props.provider,
            namer=props.namer,
            region=props.region,
            key=props.key,
            interval_seconds=props.settings.monitoring_interval_seconds,
        )

    def _parameter_group(
        self,
        group_type: type,
        parameter_type: type,
        *,
        name: str,
        audit: dict[str, str],
        logging: str,
        extra: list[Any] | None = None,
    ) -> Any:
        """The parameter group: the ``audit`` parameters and the TLS one, applied at the
        next reboot, then ``extra``; ``logging`` ends the description."""
        s = self._settings
        tls_name, tls_value = s.tls_parameter
        tls = "TLS enforced" if tls_value in ("1", "ON") else "TLS optional (legacy clients)"
        pending = {**audit, tls_name: tls_value}
        return group_type(
            self,
            "ParameterGroup",
            provider=self.provider,
            name=self._props.namer.name(name, self.region),
            family=s.parameter_family,
            description=f"{tls}, {logging}",
            parameter=[
                parameter_type(name=k, value=v, apply_method="pending-reboot")
                for k, v in sorted(pending.items())
            ]
            + (extra or []),
        )

    def _database_arguments(self) -> dict[str, Any]:
        """What the resource holding the data (Aurora cluster, RDS instance) takes alike:
        the VPC's subnets, security group and port, storage under the regional key, IAM
        authentication, backups, the log exports (after their log groups)."""
        p, s = self._props, self._settings
        return dict(
            db_subnet_group_name=p.vpc.subnet_group_name,
            vpc_security_group_ids=[p.vpc.security_group_id],
            port=p.vpc.port,
            storage_encrypted=True,
            kms_key_id=p.key.arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=s.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=s.deletion_protection,
            skip_final_snapshot=s.skip_final_snapshot,
            final_snapshot_identifier=(
                None if s.skip_final_snapshot else p.namer.name("final", self.region)
            ),
            enabled_cloudwatch_logs_exports=list(s.log_exports),
            depends_on=[*self.log_groups, *p.depends_on],
        )

    def _instance_arguments(self) -> dict[str, Any]:
        """What every DB instance takes alike: private, monitored, Performance Insights
        under the regional key."""
        s, role = self._settings, self._monitoring_role
        return dict(
            instance_class=s.instance_class,
            publicly_accessible=False,
            # Minor versions move together in both regions, on purpose: an upgrade fails
            # while a replica runs a lower version (provider #29487).
            auto_minor_version_upgrade=False,
            monitoring_interval=s.monitoring_interval_seconds,
            monitoring_role_arn=role.arn if role else None,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=self._props.key.arn,
            performance_insights_retention_period=7,
        )

    def _unprotected(self, check_id: str) -> dict[str, str]:
        """The skip of ``check_id`` (deletion protection) when it is off by choice."""
        if self._settings.deletion_protection:
            return {}
        return {
            check_id: "the default profile is destroyable by design; the production profile "
            "turns deletion protection on"
        }

    def _unmonitored(self) -> dict[str, str]:
        """The skip of CKV_AWS_118 (enhanced monitoring) when it is off by choice."""
        if self._settings.monitoring_interval_seconds:
            return {}
        return {
            "CKV_AWS_118": "monitoring_interval_seconds=0 was chosen: enhanced monitoring is "
            "off; CloudWatch and Performance Insights still report"
        }
