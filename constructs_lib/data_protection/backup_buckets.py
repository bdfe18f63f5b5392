"""BackupBuckets: a backup bucket in each region, the primary's replicated to the secondary.

Each region gets an S3 bucket for database exports and other backup artefacts that must
survive the loss of a region, hardened as ``hardened_bucket`` hardens every bucket of this
product: versioning on (an overwritten or deleted backup stays recoverable until the
lifecycle rule removes it; replication also requires versioning on both buckets), default
encryption with the region's customer-managed key and an S3 Bucket Key, public access
blocked, ACLs disabled, TLS only, and one lifecycle rule expiring current versions after
``expiration_days`` and noncurrent ones ``expiration_days`` after they became noncurrent.

Replication runs from the primary bucket to the secondary with S3 Replication Time Control
(99.99 % of objects within 15 minutes, replication-time-control.html) and its metrics,
replicating delete markers and, explicitly, SSE-KMS objects (S3 leaves them out unless
the rule opts in; every object here is one): S3 decrypts with the primary key and
re-encrypts replicas with the secondary key (replication-config-for-kms-objects.html).
The replication role may read versions of the source bucket's objects, write replicas
into the destination bucket and use each key only through S3 in its own region for its
own bucket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleDestinationMetrics,
    S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold,
    S3BucketReplicationConfigurationRuleDestinationReplicationTime,
    S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
)
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects as SseKmsEncryptedObjects,  # noqa: E501 (the binding's names)
)
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.data_protection.hardened_bucket import (
    EXPIRATION_DAYS_MAX,
    HardenedBucket,
    hardened_bucket,
)
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion
from constructs_lib.security.trust import service_trust_policy

# S3 Replication Time Control accepts exactly one threshold (API_ReplicationTimeValue.html,
# Minutes: "Valid Values: 15"); the same value is the metrics' event threshold.
RTC_MINUTES = 15
# checkov findings on the buckets that do not fit, with the reason (see checks.py).
_BUCKET_SKIPS = {
    "CKV_AWS_18": "server access logs would need a third bucket per region, itself "
    "unlogged and flagged by this same check; object-level access to "
    "backups is audited with CloudTrail S3 data events, which belong to "
    "the account's trail rather than to this product",
    "CKV2_AWS_62": "nothing consumes object events of a backup bucket; replication "
    "health is measured by the S3 Replication Time Control metrics "
    "enabled on the replication rule",
}


@dataclass(frozen=True, kw_only=True)
class BackupBucketsProps:
    namer: Namer
    primary: KeyedRegion  # the replication source
    secondary: KeyedRegion  # the replication destination
    # Default: 30 days. A backup expires 30 days after it was written, and a version that
    # was overwritten or deleted is kept 30 more days after that, then removed for good.
    expiration_days: int = 30
    # Default: True, so destroying a (test) environment empties and deletes the buckets,
    # every object version included; a production profile sets False so that Terraform
    # refuses to delete a bucket that still holds backups.
    force_destroy: bool = True
    # Default: 15, the only value S3 Replication Time Control accepts (see RTC_MINUTES);
    # a field so the RPO of the backups is visible where the construct is used.
    replication_time_minutes: int = RTC_MINUTES


class BackupBuckets(Construct):
    """A hardened, expiring backup bucket per region with RTC replication primary -> secondary."""

    def __init__(self, scope: Construct, id: str, props: BackupBucketsProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        regions = {"primary": props.primary, "secondary": props.secondary}
        # Each region's bucket in a scope of its own ("Primary", "Secondary").
        built = {
            role: hardened_bucket(
                Construct(self, role.capitalize()),
                "",
                provider=where.provider,
                name=props.namer.name("backups", where.region),
                force_destroy=props.force_destroy,
                expiration_days=props.expiration_days,
                lifecycle_rule_id="expire-backups",
                kms_key_arn=where.key.arn,
            )
            for role, where in regions.items()
        }
        self.buckets: dict[str, S3Bucket] = {role: b.bucket for role, b in built.items()}
        self.bucket_names: dict[str, str] = {role: b.bucket.bucket for role, b in built.items()}
        self.bucket_arns: dict[str, str] = {role: b.bucket.arn for role, b in built.items()}

        source, destination = built["primary"], built["secondary"]
        self.replication_role, policy = self._replication_role(props, source, destination)
        minutes = props.replication_time_minutes
        # Both buckets must be versioned before S3 accepts the rule, and the role must be
        # allowed to replicate before the first object is written.
        self.replication = S3BucketReplicationConfigurationA(
            self,
            "Replication",
            provider=props.primary.provider,
            bucket=source.bucket.id,
            role=self.replication_role.arn,
            rule=[
                S3BucketReplicationConfigurationRule(
                    id="backups-to-secondary",
                    status="Enabled",
                    # An empty filter selects the whole bucket and makes this a V2 rule, which
                    # requires delete_marker_replication to be stated.
                    filter=S3BucketReplicationConfigurationRuleFilter(),
                    delete_marker_replication=(
                        S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                            status="Enabled"
                        )
                    ),
                    source_selection_criteria=(
                        S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                            sse_kms_encrypted_objects=SseKmsEncryptedObjects(status="Enabled")
                        )
                    ),
                    destination=S3BucketReplicationConfigurationRuleDestination(
                        bucket=destination.bucket.arn,
                        storage_class="STANDARD",
                        encryption_configuration=(
                            S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                                replica_kms_key_id=props.secondary.key.arn
                            )
                        ),
                        replication_time=S3BucketReplicationConfigurationRuleDestinationReplicationTime(
                            status="Enabled",
                            time=S3BucketReplicationConfigurationRuleDestinationReplicationTimeTime(
                                minutes=minutes
                            ),
                        ),
                        metrics=S3BucketReplicationConfigurationRuleDestinationMetrics(
                            status="Enabled",
                            event_threshold=(
                                S3BucketReplicationConfigurationRuleDestinationMetricsEventThreshold(
                                    minutes=minutes
                                )
                            ),
                        ),
                    ),
                )
            ],
            depends_on=[source.versioning, destination.versioning, policy],
        )

        # checkov's CKV_AWS_144 (cross-region replication) passes on both buckets: its graph
        # links the secondary to this configuration as the destination, so no skip.
        for regional in built.values():
            skip_checks(regional.bucket, _BUCKET_SKIPS)

    def _replication_role(
        self, props: BackupBucketsProps, source: HardenedBucket, destination: HardenedBucket
    ) -> tuple[IamRole, IamRolePolicy]:
        """The role S3 assumes to replicate, allowed exactly what replication-config-for-kms-
        objects.html lists for SSE-KMS objects, on these two buckets and keys only."""
        primary, secondary, namer = props.primary, props.secondary, props.namer
        source_arn, destination_arn = source.bucket.arn, destination.bucket.arn
        # IAM is global: the role is declared through the primary's provider.
        role = IamRole(
            self,
            "ReplicationRole",
            provider=primary.provider,
            name=namer.name("backup-replication"),
            assume_role_policy=service_trust_policy(
                "S3ReplicationInThisAccount", "s3.amazonaws.com", primary.key.account_id
            ),
        )
        statements = [
            {
                "Sid": "ReadSourceReplicationConfiguration",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": source_arn,
            },
            {
                "Sid": "ReadSourceObjectVersions",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                "Resource": f"{source_arn}/*",
            },
            {
                "Sid": "WriteReplicas",
                "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                "Resource": f"{destination_arn}/*",
            },
            # With an S3 Bucket Key the encryption context is the bucket ARN, without one
            # the object ARN (bucket-key.html#bucket-key-encryption-context); both allowed.
            {
                "Sid": "DecryptSourceObjects",
                "Action": ["kms:Decrypt"],
                "Resource": primary.key.arn,
                "Condition": _through_s3(primary.region, source_arn),
            },
            {
                "Sid": "EncryptReplicas",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": secondary.key.arn,
                "Condition": _through_s3(secondary.region, destination_arn),
            },
        ]
        policy = IamRolePolicy(
            self,
            "ReplicationPolicy",
            provider=primary.provider,
            role=role.id,
            name=namer.name("backup-replication"),
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", **s} for s in statements],
                }
            ),
        )
        return role, policy


def _through_s3(region: str, bucket_arn: str) -> dict:
    """Use of a key only by S3 in its region, for objects of ``bucket_arn``."""
    return {
        "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
    }


def _validate(props: BackupBucketsProps) -> None:
    if props.primary.region == props.secondary.region:
        raise ValueError(
            f"secondary region must differ from the primary, got {props.secondary.region} twice"
        )
    days = props.expiration_days
    if not Token.is_unresolved(days) and not 1 <= days <= EXPIRATION_DAYS_MAX:
        raise ValueError(f"expiration_days must be 1..{EXPIRATION_DAYS_MAX}, got {days}")
    minutes = props.replication_time_minutes
    if not Token.is_unresolved(minutes) and minutes != RTC_MINUTES:
        raise ValueError(
            f"replication_time_minutes must be {RTC_MINUTES} (the only value "
            f"S3 Replication Time Control accepts), got {minutes}"
        )
