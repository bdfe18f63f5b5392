"""DatabaseBackups: an AWS Backup plan for the primary database, copied to the other region.

Deploys:

- one ``aws_backup_vault`` per region, encrypted with that region's customer-managed key;
- in the primary region, an ``aws_backup_plan`` with one daily rule whose recovery point is
  kept ``retention_days`` in the primary vault and copied to the secondary vault, where the
  copy is kept ``copy_retention_days``;
- the IAM role AWS Backup assumes (trusted by ``backup.amazonaws.com`` from this account
  only) with the AWS managed backup and restore policies;
- an ``aws_backup_selection`` assigning the primary database (an Aurora cluster or an RDS
  instance, by ARN) to the plan.

Why, next to the replica in the other region: replication copies every change, a ``DROP
TABLE`` or a bad migration included, within a second. These are point-in-time copies that
outlive such a change, and the copy in the secondary region survives the loss of the
primary region.

Behaviour worth knowing:

- RDS and Aurora snapshots are not "fully managed" by AWS Backup: the recovery point in the
  primary vault is an RDS snapshot encrypted with the database's own key (the primary
  regional key), not the vault's (aws-backup devguide, encryption.html). The cross-region
  copy is re-encrypted with the key of the destination vault, the secondary regional key
  (aws-backup devguide, cross-region-backup.html). RDS does that copy on behalf of the
  backup role, which the regional key policy allows through ``kms:ViaService`` =
  ``rds.<region>``; ``AWSBackupServiceRolePolicyForBackup`` gives the role
  ``kms:CreateGrant`` for AWS resources and ``kms:DescribeKey``, which is what RDS needs.
- For RDS and Aurora, AWS Backup automates either a cross-region or a cross-account copy,
  not both in sequence (aws-backup devguide, recov-point-create-a-copy.html).
- The default schedule, 05:00 UTC, leaves the 03:00-04:00 automated-backup window of the
  database constructs alone. RDS instances (not Aurora) also refuse to start an AWS Backup
  job during, or in the hour before, their weekly maintenance window (aws-backup devguide,
  plan-options-and-configuration.html); the database constructs leave that window to AWS,
  so a job may be skipped once a week if AWS placed the window near 05:00.
- The selection names the database that is primary at deploy time. After a failover the
  plan keeps backing up that database (or fails, if the old primary is gone) until the
  next deployment swaps the regions.
- A vault holding recovery points cannot be deleted; ``force_destroy`` (provider 4.28+,
  terraform-provider-aws #26199) lets ``terraform destroy`` delete them first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.backup_plan import (
    BackupPlan,
    BackupPlanRule,
    BackupPlanRuleCopyAction,
    BackupPlanRuleCopyActionLifecycle,
    BackupPlanRuleLifecycle,
)
from cdktf_cdktf_provider_aws.backup_selection import BackupSelection
from cdktf_cdktf_provider_aws.backup_vault import BackupVault
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion
from constructs_lib.security.trust import service_trust_policy

# AWS Backup accepts vault names of 2-50 letters, digits, hyphens and underscores
# (BackupVaultName; the provider validates target_vault_name the same way). The namer's
# "generic" kind only checks 255 characters.
VAULT_NAME = re.compile(r"^[0-9A-Za-z_-]{2,50}$")
# No documented maximum; 100 years is what AWS suggests for copies that should never
# expire (aws-backup devguide, recov-point-create-a-copy.html).
RETENTION_DAYS_MAX = 36500
MANAGED_POLICIES = ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")


@dataclass(frozen=True, kw_only=True)
class DatabaseBackupsProps:
    namer: Namer
    # The primary region (vault, plan, selection, role) and the region copies go to.
    primary: KeyedRegion
    secondary: KeyedRegion
    # Default: 35 days in the primary vault (as long as RDS keeps automated backups at most)
    # and the same for the copy in the secondary vault.
    retention_days: int = 35
    copy_retention_days: int = 35
    # The primary database: an Aurora cluster ARN or an RDS instance ARN (usually a token).
    database_arn: str
    # Default: daily at 05:00 UTC, after the 03:00-04:00 automated-backup window the
    # database constructs default to. AWS Backup cron has six fields and runs in UTC.
    schedule: str = "cron(0 5 * * ? *)"
    # Default: True, destroyable: terraform destroy deletes the recovery points with the
    # vaults. A production profile sets False, so a destroy stops at a vault with backups.
    force_destroy: bool = True


class DatabaseBackups(Construct):
    """Vaults in both regions, a daily plan with a cross-region copy, role and selection."""

    # AWS Backup starts a job within this many minutes of the scheduled time and cancels it
    # if it has not completed this many minutes after the start.
    START_WINDOW_MINUTES = 60
    COMPLETION_WINDOW_MINUTES = 180

    def __init__(self, scope: Construct, id: str, props: DatabaseBackupsProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        namer, primary, key = props.namer, props.primary, props.primary.key

        self.vaults: dict[str, BackupVault] = {
            role: BackupVault(
                self,
                f"{role.capitalize()}Vault",
                provider=where.provider,
                name=namer.name("vault", where.region),
                kms_key_arn=where.key.arn,
                force_destroy=props.force_destroy,
            )
            for role, where in (("primary", primary), ("secondary", props.secondary))
        }

        self.plan = BackupPlan(
            self,
            "Plan",
            provider=primary.provider,
            name=namer.name("backup-plan"),
            rule=[
                BackupPlanRule(
                    rule_name="daily",
                    target_vault_name=self.vaults["primary"].name,
                    schedule=props.schedule,
                    start_window=self.START_WINDOW_MINUTES,
                    completion_window=self.COMPLETION_WINDOW_MINUTES,
                    lifecycle=BackupPlanRuleLifecycle(delete_after=props.retention_days),
                    copy_action=[
                        BackupPlanRuleCopyAction(
                            destination_vault_arn=self.vaults["secondary"].arn,
                            lifecycle=BackupPlanRuleCopyActionLifecycle(
                                delete_after=props.copy_retention_days
                            ),
                        )
                    ],
                )
            ],
        )

        # IAM is global; the role is declared through the primary provider.
        self.role = IamRole(
            self,
            "Role",
            provider=primary.provider,
            name=namer.name("backup"),
            assume_role_policy=service_trust_policy(
                "AwsBackupOfThisAccount", "backup.amazonaws.com", key.account_id
            ),
        )
        self.policy_attachments = [
            IamRolePolicyAttachment(
                self,
                f"Managed{policy}",
                provider=primary.provider,
                role=self.role.name,
                policy_arn=f"arn:{key.partition}:iam::aws:policy/service-role/{policy}",
            )
            for policy in MANAGED_POLICIES
        ]

        # The selection waits for the policies: the first job may start as soon as it exists.
        self.selection = BackupSelection(
            self,
            "Selection",
            provider=primary.provider,
            name=namer.name("backup-plan"),
            plan_id=self.plan.id,
            iam_role_arn=self.role.arn,
            resources=[props.database_arn],
            depends_on=self.policy_attachments,
        )


def _validate(props: DatabaseBackupsProps) -> None:
    if props.primary.region == props.secondary.region:
        raise ValueError(
            f"secondary region must differ from the primary, got {props.secondary.region} twice"
        )
    for field in ("retention_days", "copy_retention_days"):
        value = getattr(props, field)
        if not 1 <= value <= RETENTION_DAYS_MAX:
            raise ValueError(f"{field} must be 1..{RETENTION_DAYS_MAX}, got {value}")
    if not props.schedule.startswith(("cron(", "rate(")) or not props.schedule.endswith(")"):
        raise ValueError(
            f"schedule must be a cron(...) or rate(...) expression, got {props.schedule!r}"
        )
    for where in (props.primary, props.secondary):
        name = props.namer.name("vault", where.region)
        if not VAULT_NAME.match(name):
            raise ValueError(
                f"vault name {name!r} must be 2-50 letters, digits, hyphens or "
                f"underscores ({len(name)} characters)"
            )
