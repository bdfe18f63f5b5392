"""RegionalKey: the customer-managed KMS key of one region.

Every encrypted resource of a region (Aurora storage, Performance Insights, log groups, SNS
topics) uses this key. An encrypted cross-region Aurora secondary must be given the key of
its own region: KMS keys never leave their region (terraform-provider-aws #13715).

The key policy gives the account root the usual administrative delegation (so IAM policies
govern who may administer the key) and lets exactly these services use it: RDS through
``kms:ViaService``, CloudWatch Logs for this region's log groups, and the two AWS services
that publish to the encrypted alert topics: CloudWatch alarms and RDS event notifications.

A publisher to a KMS-encrypted topic needs ``kms:GenerateDataKey*`` and ``kms:Decrypt`` on
the topic's key; for an AWS service the key policy must grant them to the service principal
(SNS developer guide, sns-key-management.html, "Enable compatibility between event sources
from AWS services and encrypted topics": ``cloudwatch.amazonaws.com`` for alarms,
``events.rds.amazonaws.com`` for RDS events). A publisher that cannot use the key has its
notifications dropped without any error to the sender, which here would silence the
alarm -> topic -> orchestrator fast path. So each statement uses the documented principal
and actions, and the confused-deputy conditions that guide recommends
(``aws:SourceAccount``, ``aws:SourceArn``) are ``...IfExists``: they refuse a request from
another account or source that carries them, and never a delivery in which the service does
not pass them (AWS documents them as unsupported for some sources, e.g. EventBridge). SNS
itself needs no grant: the guide lists only the publishing service.

With ``application_events`` (the application tier's GlobalEvents), EventBridge may also use
the key for exactly two things of this region, each bound by its encryption context:

- the application event bus (``namer.name("events")``): ``kms:DescribeKey`` when the bus is
  created or updated, and ``kms:GenerateDataKey`` / ``kms:Decrypt`` with the context
  ``aws:events:event-bus:arn`` of that bus (EventBridge user guide,
  eb-encryption-event-bus-cmkey.html, "AWS KMS key policy for event bus");
- the dead-letter queues of its rules: the bus's delivery rule
  (``namer.name("events-delivery", region)``) and the configuration's change rule
  (``namer.name("config-replicator-dlq", region)``). A service that sends to a KMS-encrypted
  queue needs ``kms:GenerateDataKey`` and ``kms:Decrypt`` on the queue's key (SQS developer
  guide, sqs-key-management.html, "Enable compatibility between AWS services and encrypted
  queues"), here with the context ``aws:sqs:arn`` of exactly those queues; without it an
  event EventBridge failed to deliver is lost instead of dead-lettered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.naming import Namer

_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
# What a publisher to an encrypted SNS topic needs (sns-key-management.html).
TOPIC_PUBLISHER = ["kms:GenerateDataKey*", "kms:Decrypt"]


@dataclass(frozen=True, kw_only=True)
class RegionalKeyProps:
    provider: AwsProvider
    region: str
    namer: Namer
    # Default: 7 days, the shortest AWS allows, so a destroyed test environment does not
    # keep keys around; a production profile may raise it to 30.
    deletion_window_days: int = 7
    # Default: False, EventBridge gets no use of the key. True (the application tier on)
    # lets EventBridge encrypt this region's application event bus and deliver dead letters
    # to its encrypted queues, and nothing else (see the module docstring).
    application_events: bool = False


class RegionalKey(Construct):
    """A rotating customer-managed key with an alias, scoped to this account's services."""

    def __init__(self, scope: Construct, id: str, props: RegionalKeyProps) -> None:
        super().__init__(scope, id)
        if not 7 <= props.deletion_window_days <= 30:
            raise ValueError(
                f"deletion_window_days must be 7..30, got {props.deletion_window_days}"
            )
        self.region = props.region
        self.provider = provider = props.provider
        self.application_events = props.application_events
        identity = DataAwsCallerIdentity(self, "Account", provider=provider)
        partition = DataAwsPartition(self, "Partition", provider=provider)
        self.account_id = identity.account_id
        self.partition = partition.partition
        root = f"arn:{self.partition}:iam::{self.account_id}:root"

        # A key policy (not an IAM policy): "Resource": "*" in it means this key only
        # (AWS KMS developer guide, key-policy-overview).
        self.policy_document = {
            "Version": "2012-10-17",
            "Statement": [
                _statement("AccountAdministration", {"AWS": root}, ["kms:*"]),
                _statement(
                    "RdsInThisAccount",
                    {"AWS": root},
                    _USE + ["kms:CreateGrant", "kms:ListGrants"],
                    {
                        "StringEquals": {
                            "kms:CallerAccount": self.account_id,
                            "kms:ViaService": f"rds.{props.region}.amazonaws.com",
                        }
                    },
                ),
                _statement(
                    "CloudWatchLogsOfThisRegion",
                    {"Service": f"logs.{props.region}.amazonaws.com"},
                    _USE,
                    {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": (
                                f"arn:{self.partition}:logs:{props.region}:{self.account_id}:*"
                            )
                        }
                    },
                ),
                # sns-key-management.html#compatibility-with-aws-services, step 2 (grant) and
                # step 3 (confused-deputy conditions); see the module docstring.
                _statement(
                    "AlarmsToEncryptedTopics",
                    {"Service": "cloudwatch.amazonaws.com"},
                    TOPIC_PUBLISHER,
                    _source(
                        self.account_id,
                        f"arn:{self.partition}:cloudwatch:{props.region}:{self.account_id}:alarm:*",
                    ),
                ),
                # USER_Events.html ("encrypted topics") points to the same section.
                _statement(
                    "RdsEventsToEncryptedTopics",
                    {"Service": "events.rds.amazonaws.com"},
                    TOPIC_PUBLISHER,
                    _source(
                        self.account_id,
                        f"arn:{self.partition}:rds:{props.region}:{self.account_id}:*",
                    ),
                ),
            ],
        }
        if props.application_events:
            self.policy_document["Statement"].extend(
                _application_events(props.namer, props.region, self.partition, self.account_id)
            )
        self.key = KmsKey(
            self,
            "Resource",
            provider=provider,
            description=f"{props.namer.name('key', props.region)}: database, logs and alerts",
            enable_key_rotation=True,
            deletion_window_in_days=props.deletion_window_days,
            policy=json.dumps(self.policy_document),
        )
        self.alias = KmsAlias(
            self,
            "Alias",
            provider=provider,
            name=f"alias/{props.namer.name('key', props.region)}",
            target_key_id=self.key.key_id,
        )
        self.arn = self.key.arn

    def log_group(
        self, scope: Construct, id: str, *, name: str, retention_days: int
    ) -> CloudwatchLogGroup:
        """A log group ``name`` of this region in ``scope``, encrypted with this key (which
        admits CloudWatch Logs for this region's log groups) and kept ``retention_days``."""
        return CloudwatchLogGroup(
            scope,
            id,
            provider=self.provider,
            name=name,
            retention_in_days=retention_days,
            kms_key_id=self.arn,
        )


def _application_events(namer: Namer, region: str, partition: str, account_id: str) -> list:
    """What EventBridge needs of the key for this region's application event bus and its
    dead-letter queue, each bound to that resource by its encryption context."""
    bus_arn = f"arn:{partition}:events:{region}:{account_id}:event-bus/{namer.name('events')}"
    queue_arns = [
        f"arn:{partition}:sqs:{region}:{account_id}:{namer.name(queue, region)}"
        for queue in ("events-delivery", "config-replicator-dlq")
    ]
    events = {"Service": "events.amazonaws.com"}
    own_events = f"arn:{partition}:events:{region}:{account_id}:*"
    return [
        # DescribeKey carries no encryption context (EventBridge checks the key is symmetric).
        _statement(
            "EventBridgeDescribesKey",
            events,
            ["kms:DescribeKey"],
            _source(account_id, own_events),
        ),
        _statement(
            "EventBridgeEncryptsEventBus",
            events,
            ["kms:GenerateDataKey", "kms:Decrypt"],
            {
                "StringEquals": {"kms:EncryptionContext:aws:events:event-bus:arn": bus_arn},
                **_source(account_id, own_events),
            },
        ),
        _statement(
            "EventBridgeToEncryptedDeadLetterQueue",
            events,
            ["kms:GenerateDataKey", "kms:Decrypt"],
            {
                "StringEquals": {"kms:EncryptionContext:aws:sqs:arn": queue_arns},
                **_source(account_id, own_events),
            },
        ),
    ]


def _source(account_id: str, source_arn: str) -> dict:
    """Confused-deputy conditions that hold whenever the service passes the keys."""
    return {
        "StringEqualsIfExists": {"aws:SourceAccount": account_id},
        "ArnLikeIfExists": {"aws:SourceArn": source_arn},
    }


def _statement(
    sid: str, principal: dict, actions: list[str], condition: dict | None = None
) -> dict:
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return statement


@dataclass(frozen=True, kw_only=True)
class KeyedRegion:
    """A region as the data-protection constructs see it: its provider, its name and the
    customer-managed key that encrypts what they create there."""

    provider: AwsProvider
    region: str
    key: RegionalKey
