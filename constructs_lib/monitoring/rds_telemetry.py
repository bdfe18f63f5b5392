"""Where an RDS database's telemetry goes, shared by the Aurora clusters and RDS instances.

- :func:`export_log_groups`: the log groups RDS exports to
  (``/aws/rds/<cluster|instance>/<id>/<export>``), created before the database so they are
  encrypted with the regional key and expire, instead of the unencrypted, never-expiring
  groups RDS would create on its own.
- :func:`enhanced_monitoring_role`: one role per region for enhanced monitoring, trusted
  only by ``monitoring.rds.amazonaws.com`` acting for this account (confused-deputy guard),
  with the AWS managed ``AmazonRDSEnhancedMonitoringRole`` policy (RDS user guide,
  USER_Monitoring.OS.Enabling).
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import RegionalKey
from constructs_lib.security.trust import service_trust_document


def export_log_groups(
    scope: Construct,
    *,
    path: str,
    exports: tuple[str, ...],
    retention_days: int,
    key: RegionalKey,
) -> list[CloudwatchLogGroup]:
    """One group per export under ``path`` (``/aws/rds/instance/<id>``), ids ``LogGroup-*``,
    in the key's region."""
    return [
        key.log_group(
            scope, f"LogGroup-{export}", name=f"{path}/{export}", retention_days=retention_days
        )
        for export in exports
    ]


def enhanced_monitoring_role(
    scope: Construct,
    *,
    provider: AwsProvider,
    namer: Namer,
    region: str,
    key: RegionalKey,
    interval_seconds: int,
) -> IamRole | None:
    """The role, created in ``scope`` (ids ``Monitoring*``); None when monitoring is off."""
    if interval_seconds == 0:
        return None
    assume = service_trust_document(
        scope,
        "MonitoringAssume",
        provider=provider,
        service="monitoring.rds.amazonaws.com",
        account_id=key.account_id,
    )
    role = IamRole(
        scope,
        "MonitoringRole",
        provider=provider,
        name=namer.name("monitoring", region),
        assume_role_policy=assume.json,
    )
    IamRolePolicyAttachment(
        scope,
        "MonitoringPolicy",
        provider=provider,
        role=role.name,
        policy_arn=(
            f"arn:{key.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
        ),
    )
    return role
