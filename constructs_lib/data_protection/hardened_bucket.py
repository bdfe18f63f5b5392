"""hardened_bucket: an S3 bucket with the configuration every bucket of this product carries.

- versioning on, so an overwritten or deleted object stays recoverable until the lifecycle
  rule removes it;
- default encryption with a customer-managed key and an S3 Bucket Key, which cuts the KMS
  requests S3 makes per object (bucket-key.html), or SSE-S3 where the writing service
  accepts nothing else (``kms_key_arn`` None);
- all four public-access blocks, ACLs disabled (``BucketOwnerEnforced``) and a bucket
  policy that refuses any request not made over TLS (``aws:SecureTransport``), followed by
  the caller's own statements;
- one lifecycle rule over the whole bucket: current versions expire after
  ``expiration_days``, noncurrent versions ``expiration_days`` after they became
  noncurrent, and incomplete multipart uploads are aborted after ``ABORT_MULTIPART_DAYS``.
  Expired object delete markers (a marker whose versions are all gone) are removed by the
  same rule: S3 removes them when a rule expires current versions (ManagingDelMarkers.html,
  "Configuring lifecycle to clean up expired delete markers automatically"), and the
  ``ExpiredObjectDeleteMarker`` flag cannot be combined with ``Days`` in one expiration
  (API_LifecycleExpiration.html; hashicorp/aws 5.100 warns "Invalid Attribute
  Combination"), so it is not set.

The resources are declared in the caller's scope, under ids that start with the caller's
``prefix``, so a construct can hold such a bucket next to its other resources.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
)
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA as EncryptionByDefault,  # noqa: E501 (the binding's names)
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

EXPIRATION_DAYS_MAX = 3650
# Long enough for any upload this product makes to finish, short enough that abandoned
# parts do not accumulate storage charges.
ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class HardenedBucket:
    """The resources others refer to or wait for."""

    bucket: S3Bucket
    versioning: S3BucketVersioningA  # replication and lifecycle need versioning on first
    policy: S3BucketPolicy


def hardened_bucket(
    scope: Construct,
    prefix: str,
    *,
    provider: AwsProvider,
    name: str,
    force_destroy: bool,
    expiration_days: int,
    lifecycle_rule_id: str,
    kms_key_arn: str | None = None,
    statements: Callable[[str], list[dict]] | None = None,
    policy_after_ownership: bool = False,
) -> HardenedBucket:
    """The bucket ``name`` and its hardening in ``scope``.

    Ids: ``prefix`` for the bucket (``"Resource"`` when ``prefix`` is empty: the scope exists
    for the bucket), then ``<prefix>Versioning``, ``Encryption``, ``PublicAccessBlock``,
    ``OwnershipControls``, ``Policy`` and ``Lifecycle``. ``statements``: given the bucket's
    ARN, the bucket policy's statements after the TLS-only one. ``policy_after_ownership``:
    the policy waits for the ownership controls too, not only for the public-access block.
    """
    bucket = S3Bucket(
        scope, prefix or "Resource", provider=provider, bucket=name, force_destroy=force_destroy
    )

    def part(resource_type, id: str, **settings):
        """One of the bucket's configuration resources, ``<prefix><id>``."""
        return resource_type(
            scope, f"{prefix}{id}", provider=provider, bucket=bucket.id, **settings
        )

    versioning = part(
        S3BucketVersioningA,
        "Versioning",
        versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
    )
    if kms_key_arn is None:
        by_default, bucket_key = EncryptionByDefault(sse_algorithm="AES256"), None
    else:
        by_default = EncryptionByDefault(sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn)
        bucket_key = True
    part(
        S3BucketServerSideEncryptionConfigurationA,
        "Encryption",
        rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=by_default, bucket_key_enabled=bucket_key
            )
        ],
    )
    public_access = part(
        S3BucketPublicAccessBlock,
        "PublicAccessBlock",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    ownership = part(
        S3BucketOwnershipControls,
        "OwnershipControls",
        rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
    )
    arn = bucket.arn
    tls_only = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    # S3 answers concurrent changes to one bucket's policy and its public-access block or
    # ownership controls with OperationAborted ("A conflicting conditional operation"), so
    # the policy waits for the block (and the controls, with policy_after_ownership).
    policy = part(
        S3BucketPolicy,
        "Policy",
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [tls_only, *(statements(arn) if statements else [])],
            }
        ),
        depends_on=[public_access, ownership] if policy_after_ownership else [public_access],
    )
    days = expiration_days
    # The provider's documented pattern for a versioned bucket: the lifecycle
    # configuration waits for versioning (s3_bucket_lifecycle_configuration docs).
    part(
        S3BucketLifecycleConfiguration,
        "Lifecycle",
        rule=[
            S3BucketLifecycleConfigurationRule(
                id=lifecycle_rule_id,
                status="Enabled",
                # The empty filter block: the provider's documented form for "every
                # object" (hashicorp/aws 5.100 validates it without a warning).
                filter=[S3BucketLifecycleConfigurationRuleFilter()],
                expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=days)],
                noncurrent_version_expiration=[
                    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=days
                    )
                ],
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=ABORT_MULTIPART_DAYS
                    )
                ],
            )
        ],
        depends_on=[versioning],
    )
    return HardenedBucket(bucket=bucket, versioning=versioning, policy=policy)
