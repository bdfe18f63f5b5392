"""DatabaseEvents: one enabled RDS event subscription per region, to that region's alert
topic; cluster events for an Aurora member, instance events for an RDS instance."""

from types import SimpleNamespace

import pytest

from constructs_lib.monitoring.database_events import DatabaseEvents, DatabaseEventsProps
from support.matchers import assert_resource, resources
from support.stacks import NAMER, PRIMARY, ROLES, SECONDARY, database_stack


def _topic(region):
    return f"arn:aws:sns:{region}:123456789012:dbdr-alerts-test"


def synth(kind, **overrides):
    t, base, database = database_stack(kind)
    for role in ROLES:
        provider, region, _, _ = base[role]
        props = dict(
            provider=provider,
            region=region,
            namer=NAMER,
            topic_arn=_topic(region),
            database=getattr(database, role),
        )
        props.update(overrides)
        DatabaseEvents(t.stack, f"{role}Events", DatabaseEventsProps(**props))
    return t.synth()


def _subscriptions(doc):
    """provider alias -> subscription"""
    found = resources(doc, "aws_db_event_subscription").values()
    by_provider = {s["provider"]: s for s in found}
    assert len(by_provider) == len(found) == 2
    return by_provider


# kind -> source type, and the member's resource type, identifier attribute and name prefix
SOURCES = {
    "aurora": ("db-cluster", "aws_rds_cluster", "cluster_identifier", "dbdr-cluster"),
    "rds": ("db-instance", "aws_db_instance", "identifier", "dbdr-database"),
}


def test_each_region_subscribes_its_own_member_to_its_own_topic(kind_doc):
    kind, doc = kind_doc
    source_type, rtype, attribute, prefix = SOURCES[kind]
    _subscriptions(doc)  # one per region
    for alias, region, code in (
        ("aws.primary", PRIMARY, "use1"),
        ("aws.secondary", SECONDARY, "usw2"),
    ):
        (member,) = [
            name
            for name, body in resources(doc, rtype).items()
            if body[attribute] == f"{prefix}-{code}-test"
        ]
        assert_resource(
            doc,
            "aws_db_event_subscription",
            {
                "provider": alias,
                "name": f"dbdr-db-events-{code}-test",
                "sns_topic": _topic(region),
                "source_type": source_type,
                # The source is the member resource's attribute, so Terraform creates the
                # member first (AWS answers SourceNotFound to a subscription naming a missing
                # source).
                "source_ids": [f"${{{rtype}.{member}.{attribute}}}"],
                "enabled": True,
            },
        )


# kind -> the default event categories: a cluster's failover, failure and maintenance
# events; an instance's also read replica and low storage
DEFAULT_CATEGORIES = {
    "aurora": ["failover", "failure", "global-failover", "maintenance", "notification"],
    "rds": [
        "availability",
        "failover",
        "failure",
        "low storage",
        "notification",
        "read replica",
        "recovery",
    ],
}


def test_default_categories_fit_the_kind_of_member(kind_doc):
    kind, doc = kind_doc
    for subscription in _subscriptions(doc).values():
        # in any order
        assert sorted(subscription["event_categories"]) == DEFAULT_CATEGORIES[kind]


def test_categories_can_be_overridden():
    doc = synth("aurora", event_categories=("failover", "deletion"))
    for alias in _subscriptions(doc):
        assert_resource(
            doc,
            "aws_db_event_subscription",
            {"provider": alias, "event_categories": ["failover", "deletion"]},
        )


@pytest.fixture(scope="module")
def unsynthesized():
    """A stack with a global database, never synthesized: for validation."""
    t, _, database = database_stack()
    return t, database


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"database": SimpleNamespace(kind="docdb-cluster", region=PRIMARY, identifier="d")},
            "database.kind must be one of aurora-cluster, rds-instance, got 'docdb-cluster'",
        ),
        (
            {"region": SECONDARY, "topic_arn": _topic(SECONDARY)},
            r"database must be in region us-west-2 \(RDS only sees sources in the subscription's "
            r"region\), got us-east-1",
        ),
        (
            {"topic_arn": "arn:aws:sqs:us-east-1:123456789012:queue"},
            "topic_arn must be an SNS topic ARN, got 'arn:aws:sqs:us-east-1:123456789012:queue'",
        ),
        (
            {"topic_arn": _topic(SECONDARY)},
            r"topic_arn must be in region us-east-1 \(each region's events go to that region's "
            r"topic\)",
        ),
        (
            {"event_categories": ("failover", "low storage")},
            "event_categories for db-cluster must be among configuration change, creation, "
            "deletion, failover, failure, global-failover, maintenance, migration, notification, "
            "serverless, got low storage",
        ),
    ],
)
def test_invalid_props_are_rejected(unsynthesized, overrides, message):
    t, database = unsynthesized
    props = dict(
        provider=t.primary,
        region=PRIMARY,
        namer=NAMER,
        topic_arn=_topic(PRIMARY),
        database=database.primary,
    )
    props.update(overrides)
    with pytest.raises(ValueError, match=message):
        DatabaseEvents(t.stack, f"Events{len(t.stack.node.children)}", DatabaseEventsProps(**props))
