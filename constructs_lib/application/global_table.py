"""GlobalTable: the application's DynamoDB global table, a replica in each region.

One ``aws_dynamodb_table`` (global tables version 2019.11.21, the ``replica`` block of the
table resource) declared through the primary region's provider: on-demand capacity, a
``pk`` / ``sk`` string key, a stream of new and old images, point-in-time recovery, and
server-side encryption with each region's customer-managed key (the primary's on the table,
the secondary's on the replica: a KMS key never leaves its region). Both replicas accept
writes. Deletion protection is off, so the environment stays destroyable.

Conflicts: global tables replicate asynchronously (multi-Region eventual consistency) and
resolve concurrent writes to the same item by *last writer wins*, item by item: the write
with the latest timestamp survives in every region, the other is silently discarded
(DynamoDB developer guide, "How global tables work", V2globaltables_HowItWorks.html:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
The application must therefore write an item in one region at a time (the active one), or
make its writes commutative; conditional writes do not guard against a write that lands
in the other region during the replication window.

Alarms: DynamoDB publishes ``ReplicationLatency`` (milliseconds, namespace
``AWS/DynamoDB``, dimensions ``TableName`` and ``ReceivingRegion``) in the *source* region
of each replication direction (developer guide, metrics-dimensions.html,
V2globaltables_monitoring.html). So each region gets one alarm, through its own provider
and to its own alert topic, on the latency of what it writes *into the other* region. The
metric exists only while items replicate: an idle table publishes nothing, so missing
data is not breaching (an idle table is healthy). The same holds for a replication that
has stopped delivering anything at all; the loss of a region is detected by the
database's own alarms and canaries, not by this one.

Encryption (AWS KMS developer guide, services-dynamodb.html; DynamoDB developer guide,
encryption.usagenotes.html#dynamodb-kms-authz): with a customer-managed key DynamoDB uses
the key *on behalf of the caller* (kms:ViaService ``dynamodb.<region>.amazonaws.com``) and
creates per-table grants through that caller's ``kms:CreateGrant``; the caller needs
Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey and CreateGrant, "in a key
policy, an IAM policy, or a grant". The regional key policy already delegates the key to
the account's IAM policies (its ``AccountAdministration`` statement), so the deployer's IAM
permissions cover table and replica creation and RegionalKey needs no DynamoDB statement;
the current AWS example policy for customer-managed keys has no service-principal
statement either. Principals that read or write the table need KMS permissions through
DynamoDB on their region's key: ``key_statement`` builds them.

Provider 5.100 behaviour handled here:

- A ``replica`` requires ``stream_enabled`` with ``NEW_AND_OLD_IMAGES``.
- The replica is created by ``UpdateTable`` against the primary region and the resource
  waits until it is ACTIVE, so anything referencing the table's name or ARN (the alarms,
  IAM policies) comes after both replicas exist.
- ``replica.kms_key_arn`` forces a new replica: the secondary's key is one stable
  reference. All replicas must use the same kind of key (both customer-managed here).
- ``replica.point_in_time_recovery`` and ``propagate_tags`` default to false: stated.
  Enabling point-in-time recovery on a new table can take ten minutes.
- Do not mix the ``replica`` block with ``aws_dynamodb_table_replica`` resources.
- On destroy the provider removes the replica (``UpdateTable`` with a replica delete, then
  waits) before it deletes the table, so one ``terraform destroy`` removes both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf import Token
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableReplica,
    DynamodbTableServerSideEncryption,
)
from constructs import Construct

from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion
from dr_lambdas.contract import ROLES

PARTITION_KEY, SORT_KEY = "pk", "sk"
STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"  # what global tables replicate from
NAMESPACE, METRIC = "AWS/DynamoDB", "ReplicationLatency"
# Default: 60 s. Replication is normally sub-second; a minute behind is the seed's RPO of
# the database (DESIGN.md section 3), so past it a regional failover would lose more
# application data than database data.
REPLICATION_LATENCY_THRESHOLD_MS = 60_000
# CloudWatch evaluates at most one day of periods (PutMetricAlarm, EvaluationPeriods).
MAX_EVALUATION_SECONDS = 86_400
# KMS actions through DynamoDB for a reader, and in addition for a writer (the sets
# aws-cdk grants on a table's customer-managed key for grantReadData / grantReadWriteData).
KEY_READ = ["kms:Decrypt", "kms:DescribeKey"]
KEY_WRITE = ["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]


@dataclass(frozen=True, kw_only=True)
class GlobalTableProps:
    namer: Namer
    primary: KeyedRegion  # holds the table resource; its replica is the table itself
    secondary: KeyedRegion  # gets the replica, encrypted with its own key
    # The alert SNS topic ARN of each role ("primary", "secondary"), e.g. LagAlarms.topic_arn:
    # each region's alarm notifies its own region's topic.
    topic_arns: dict[str, str]
    # Default: 60000 ms (see REPLICATION_LATENCY_THRESHOLD_MS): the Average latency into the
    # other region above which a region's alarm fires.
    replication_latency_threshold_ms: int = REPLICATION_LATENCY_THRESHOLD_MS
    # Default: 60 s, the granularity DynamoDB publishes ReplicationLatency at.
    alarm_period_seconds: int = 60
    # Default: 3 periods, all of them breaching: three minutes of sustained latency, so one
    # slow burst does not page anyone.
    evaluation_periods: int = 3


@dataclass(frozen=True, kw_only=True)
class ReplicationMetric:
    """The ``ReplicationLatency`` series of one direction, as the alarm reads it: published
    in ``region`` (the source) for items arriving in ``receiving_region``."""

    region: str
    receiving_region: str
    table_name: str
    statistic: str
    period_seconds: int
    namespace: str = NAMESPACE
    metric_name: str = METRIC

    @property
    def dimensions(self) -> dict[str, str]:
        return {"TableName": self.table_name, "ReceivingRegion": self.receiving_region}

    def widget_metric(self, label: str | None = None) -> list[Any]:
        """The metric as a CloudWatch dashboard ``metrics`` row, read from its own region."""
        label = label or f"{self.metric_name} {self.region} -> {self.receiving_region}"
        return [
            self.namespace,
            self.metric_name,
            "TableName",
            self.table_name,
            "ReceivingRegion",
            self.receiving_region,
            {
                "region": self.region,
                "label": label,
                "stat": self.statistic,
                "period": self.period_seconds,
            },
        ]


class GlobalTable(Construct):
    """The table and its replica, and a replication-latency alarm per region.

    Attributes: ``table`` (the resource), ``table_name``, ``table_arn`` (the primary's),
    ``replica_arn`` (the secondary's), ``stream_arn`` (the primary's stream),
    ``regions[role]``, ``metrics[role]`` and ``alarms[role]`` / ``alarm_names[role]`` (the
    alarm *in* that role's region, on replication out of it); ``arn(role)`` and
    ``key_statement(role)`` for the IAM policies of a regional service.
    """

    def __init__(self, scope: Construct, id: str, props: GlobalTableProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.regions: dict[str, KeyedRegion] = {
            "primary": props.primary,
            "secondary": props.secondary,
        }
        primary, secondary = props.primary, props.secondary
        self.partition_key, self.sort_key = PARTITION_KEY, SORT_KEY
        self.table = DynamodbTable(
            self,
            "Resource",
            provider=primary.provider,
            name=props.namer.name("app-table"),
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attribute=[
                DynamodbTableAttribute(name=PARTITION_KEY, type="S"),
                DynamodbTableAttribute(name=SORT_KEY, type="S"),
            ],
            stream_enabled=True,
            stream_view_type=STREAM_VIEW_TYPE,
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(
                enabled=True, kms_key_arn=primary.key.arn
            ),
            deletion_protection_enabled=False,
            replica=[
                DynamodbTableReplica(
                    region_name=secondary.region,
                    kms_key_arn=secondary.key.arn,
                    point_in_time_recovery=True,
                    propagate_tags=True,
                )
            ],
        )
        self.table_name: str = self.table.name
        self.table_arn: str = self.table.arn
        self.stream_arn: str = self.table.stream_arn
        self.replica_arn: str = self.arn("secondary")

        self.metrics: dict[str, ReplicationMetric] = {}
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for role, other in (("primary", "secondary"), ("secondary", "primary")):
            source, target = self.regions[role], self.regions[other]
            metric = ReplicationMetric(
                region=source.region,
                receiving_region=target.region,
                table_name=self.table_name,
                statistic="Average",
                period_seconds=props.alarm_period_seconds,
            )
            self.metrics[role] = metric
            topic = props.topic_arns[role]
            threshold = props.replication_latency_threshold_ms
            self.alarms[role] = CloudwatchMetricAlarm(
                self,
                f"{role.capitalize()}ReplicationAlarm",
                provider=source.provider,
                alarm_name=props.namer.name("table-replication", source.region),
                alarm_description=(
                    f"Items written to {self.table_name} in {source.region} take more than "
                    f"{threshold} ms on average to reach {target.region}: a regional "
                    "failover now would lose the writes still in flight"
                ),
                namespace=metric.namespace,
                metric_name=metric.metric_name,
                dimensions=metric.dimensions,
                statistic=metric.statistic,
                period=metric.period_seconds,
                evaluation_periods=props.evaluation_periods,
                datapoints_to_alarm=props.evaluation_periods,
                comparison_operator="GreaterThanThreshold",
                threshold=threshold,
                # No writes, no datapoints: an idle table must not alarm (module docstring).
                treat_missing_data="notBreaching",
                alarm_actions=[topic],
                ok_actions=[topic],
            )
        self.alarm_names: dict[str, str] = {
            role: alarm.alarm_name for role, alarm in self.alarms.items()
        }

    def arn(self, role: str) -> str:
        """The ARN of ``role``'s replica (the same table name in its region), for IAM."""
        where = self._region(role)
        if role == "primary":
            return self.table_arn
        key = where.key
        return (
            f"arn:{key.partition}:dynamodb:{where.region}:{key.account_id}:table/{self.table_name}"
        )

    def key_statement(self, role: str, *, write: bool = True) -> dict[str, Any]:
        """An IAM statement letting a principal in ``role``'s region use that region's key
        through DynamoDB only (kms:ViaService), as reading (and writing) the table needs."""
        where = self._region(role)
        return {
            "Sid": "UseTableKeyThroughDynamoDb",
            "Effect": "Allow",
            "Action": KEY_READ + (KEY_WRITE if write else []),
            "Resource": where.key.arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"dynamodb.{where.region}.amazonaws.com"}
            },
        }

    def _region(self, role: str) -> KeyedRegion:
        if role not in self.regions:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        return self.regions[role]


def _validate(props: GlobalTableProps) -> None:
    if props.primary.region == props.secondary.region:
        raise ValueError(
            f"secondary region must differ from the primary, got {props.secondary.region} twice"
        )
    if set(props.topic_arns) != set(ROLES):
        raise ValueError(
            f"topic_arns must have exactly the keys {', '.join(ROLES)}, "
            f"got {sorted(props.topic_arns)}"
        )
    for role, arn in props.topic_arns.items():
        if not Token.is_unresolved(arn) and not str(arn).startswith("arn:"):
            raise ValueError(f"topic_arns[{role!r}] must be an SNS topic ARN, got {arn!r}")
    threshold = props.replication_latency_threshold_ms
    if not Token.is_unresolved(threshold) and threshold <= 0:
        raise ValueError(
            f"replication_latency_threshold_ms must be greater than 0, got {threshold}"
        )
    period = props.alarm_period_seconds
    if not Token.is_unresolved(period) and (period < 60 or period % 60):
        raise ValueError(
            "alarm_period_seconds must be a multiple of 60 (DynamoDB publishes "
            f"ReplicationLatency every minute), got {period}"
        )
    periods = props.evaluation_periods
    if not Token.is_unresolved(periods) and periods < 1:
        raise ValueError(f"evaluation_periods must be at least 1, got {periods}")
    if (
        not Token.is_unresolved(period)
        and not Token.is_unresolved(periods)
        and period * periods > MAX_EVALUATION_SECONDS
    ):
        raise ValueError(
            f"alarm_period_seconds x evaluation_periods must be at most {MAX_EVALUATION_SECONDS} "
            f"s (one day, CloudWatch's limit), got {period} x {periods}"
        )
