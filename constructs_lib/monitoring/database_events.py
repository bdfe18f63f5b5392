"""DatabaseEvents: RDS event notifications of one region's database, to its alert topic.

Alarms see metrics; RDS *events* say what RDS itself did: a failover started or finished,
the global database switched over, maintenance began, a read replica broke, storage ran
low. One event subscription per region sends the events of that region's database to the
region's alert topic (LagAlarms), next to the alarms.

The source type follows the database member: ``db-cluster`` for an Aurora member cluster,
``db-instance`` for an RDS instance. The default categories are the ones that matter for
disaster recovery, taken from the RDS / Aurora user guides, "Amazon RDS event categories and
event messages" (USER_Events.Messages):

- DB cluster: failover, failure, notification, global-failover (switchover and failover
  of the global database), maintenance. The other cluster categories
  (configuration change, creation, deletion, migration, serverless) describe changes
  Terraform makes itself. A cluster subscription does not receive the events of the
  cluster's *instances* (those have source type ``db-instance``).
- DB instance: failover, failure, notification, availability (shutdown, restart), read
  replica (replication stopped, broken, resumed), recovery, low storage.

A subscription is regional and sees only the sources of its own region, so each region
gets its own, publishing to that region's own topic: an outage of one region then silences
only that region's notifications, never the survivor's.

The alert topics are encrypted with the region's customer-managed key. RDS publishes as the
service principal ``events.rds.amazonaws.com``, which needs ``kms:GenerateDataKey*`` and
``kms:Decrypt`` on that key (SNS developer guide, sns-key-management, "Enable compatibility
between event sources from AWS services and encrypted topics"); RegionalKey's key policy
grants it (statement ``RdsEventsToEncryptedTopics``). The topic's default access policy
already lets RDS in the same account publish (USER_Events.GrantingPermissions).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.db_event_subscription import DbEventSubscription
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.database.database_member import AURORA_CLUSTER, RDS_INSTANCE, DatabaseMember
from constructs_lib.naming import Namer

SOURCE_TYPES = {AURORA_CLUSTER: "db-cluster", RDS_INSTANCE: "db-instance"}

# Every category RDS documents per source type (USER_Events.Messages).
CATEGORIES = {
    "db-cluster": (
        "configuration change",
        "creation",
        "deletion",
        "failover",
        "failure",
        "global-failover",
        "maintenance",
        "migration",
        "notification",
        "serverless",
    ),
    "db-instance": (
        "availability",
        "backup",
        "configuration change",
        "creation",
        "deletion",
        "failover",
        "failure",
        "low storage",
        "maintenance",
        "notification",
        "read replica",
        "recovery",
        "restoration",
        "security",
        "security patching",
    ),
}
DEFAULT_CATEGORIES = {
    "db-cluster": ("failover", "failure", "notification", "global-failover", "maintenance"),
    "db-instance": (
        "failover",
        "failure",
        "notification",
        "availability",
        "read replica",
        "recovery",
        "low storage",
    ),
}


@dataclass(frozen=True, kw_only=True)
class DatabaseEventsProps:
    provider: AwsProvider
    region: str
    namer: Namer
    # The region's alert topic (LagAlarms.topic_arn), in this region.
    topic_arn: str
    # The region's database: an Aurora member cluster or an RDS instance.
    database: DatabaseMember
    # Default: empty, meaning DEFAULT_CATEGORIES of the database's source type (the events
    # that matter for disaster recovery). Any categories given replace those.
    event_categories: tuple[str, ...] = ()


class DatabaseEvents(Construct):
    """One enabled RDS event subscription for the region's database."""

    def __init__(self, scope: Construct, id: str, props: DatabaseEventsProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.source_type = SOURCE_TYPES[props.database.kind]
        self.event_categories = list(props.event_categories or DEFAULT_CATEGORIES[self.source_type])
        self.subscription = DbEventSubscription(
            self,
            "Resource",
            provider=props.provider,
            name=props.namer.name("db-events", props.region),
            sns_topic=props.topic_arn,
            # A reference, not the literal name: AWS refuses a subscription whose source
            # does not exist yet (SourceNotFound) and the provider does not retry, so the
            # database must be created first.
            source_type=self.source_type,
            source_ids=[props.database.identifier_reference],
            event_categories=self.event_categories,
            enabled=True,
        )
        self.arn = self.subscription.arn


def _validate(props: DatabaseEventsProps) -> None:
    kind = props.database.kind
    if kind not in SOURCE_TYPES:
        raise ValueError(f"database.kind must be one of {', '.join(SOURCE_TYPES)}, got {kind!r}")
    if props.database.region != props.region:
        raise ValueError(
            f"database must be in region {props.region} (RDS only sees sources "
            f"in the subscription's region), got {props.database.region}"
        )
    topic = props.topic_arn
    if not Token.is_unresolved(topic):
        parts = topic.split(":")
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns":
            raise ValueError(f"topic_arn must be an SNS topic ARN, got {topic!r}")
        if parts[3] != props.region:
            raise ValueError(
                f"topic_arn must be in region {props.region} (each region's "
                f"events go to that region's topic), got {topic!r}"
            )
    source_type = SOURCE_TYPES[kind]
    unknown = [c for c in props.event_categories if c not in CATEGORIES[source_type]]
    if unknown:
        raise ValueError(
            f"event_categories for {source_type} must be among "
            f"{', '.join(CATEGORIES[source_type])}, got {', '.join(unknown)}"
        )
