"""DatabaseEvents: one enabled RDS event subscription per region, to that region's alert
topic; cluster events for an Aurora member, instance events for an RDS instance."""

from types import SimpleNamespace

import pytest

from constructs_lib.monitoring.database_events import DatabaseEvents, DatabaseEventsProps
from support.helpers import (
    NAMER,
    PRIMARY,
    SECONDARY,
    assert_resource,
    global_database,
    new_stack,
    rds_database,
    regional_base,
    resources,
)


def _topic(region):
    return f"arn:aws:sns:{region}:123456789012:dbdr-alerts-test"


def _synth(kind, **overrides):
    t = new_stack()
    base = regional_base(t)
    database = global_database(t, base) if kind == "aurora" else rds_database(t, base)
    for role in ("primary", "secondary"):
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


@pytest.fixture(scope="module")
def aurora_doc():
    return _synth("aurora")


@pytest.fixture(scope="module")
def rds_doc():
    return _synth("rds")


def test_each_region_subscribes_its_own_cluster_to_its_own_topic(aurora_doc):
    _subscriptions(aurora_doc)  # one per region
    for alias, region, code in (
        ("aws.primary", PRIMARY, "use1"),
        ("aws.secondary", SECONDARY, "usw2"),
    ):
        (cluster,) = [
            name
            for name, body in resources(aurora_doc, "aws_rds_cluster").items()
            if body["cluster_identifier"] == f"dbdr-cluster-{code}-test"
        ]
        assert_resource(
            aurora_doc,
            "aws_db_event_subscription",
            {
                "provider": alias,
                "name": f"dbdr-db-events-{code}-test",
                "sns_topic": _topic(region),
                "source_type": "db-cluster",
                # The source is the cluster resource's attribute, so Terraform creates the
                # cluster first (AWS answers SourceNotFound to a subscription naming a missing
                # source).
                "source_ids": [f"${{aws_rds_cluster.{cluster}.cluster_identifier}}"],
                "enabled": True,
            },
        )


def test_cluster_subscription_defaults_to_failover_failure_and_maintenance_events(aurora_doc):
    for subscription in _subscriptions(aurora_doc).values():
        assert sorted(subscription["event_categories"]) == [
            "failover",
            "failure",
            "global-failover",
            "maintenance",
            "notification",
        ]


def test_rds_instances_get_instance_events_including_read_replica_and_low_storage(rds_doc):
    subscriptions = _subscriptions(rds_doc)
    for alias, code in (("aws.primary", "use1"), ("aws.secondary", "usw2")):
        (instance,) = [
            name
            for name, body in resources(rds_doc, "aws_db_instance").items()
            if body["identifier"] == f"dbdr-database-{code}-test"
        ]
        assert_resource(
            rds_doc,
            "aws_db_event_subscription",
            {
                "provider": alias,
                "source_type": "db-instance",
                "source_ids": [f"${{aws_db_instance.{instance}.identifier}}"],
                "enabled": True,
            },
        )
        # in any order
        assert sorted(subscriptions[alias]["event_categories"]) == [
            "availability",
            "failover",
            "failure",
            "low storage",
            "notification",
            "read replica",
            "recovery",
        ]


def test_categories_can_be_overridden():
    doc = _synth("aurora", event_categories=("failover", "deletion"))
    for alias in _subscriptions(doc):
        assert_resource(
            doc,
            "aws_db_event_subscription",
            {"provider": alias, "event_categories": ["failover", "deletion"]},
        )


@pytest.fixture(scope="module")
def unsynthesized():
    """A stack with a global database, never synthesized: for validation."""
    t = new_stack()
    base = regional_base(t)
    return t, global_database(t, base)


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
