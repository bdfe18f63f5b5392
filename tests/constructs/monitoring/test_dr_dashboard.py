"""DrDashboard: one dashboard, both regions side by side, every metric read from its own
region; Aurora and RDS members differ in replication metrics and dimension."""

import json
from types import SimpleNamespace

import pytest

from constructs_lib.monitoring.dr_dashboard import DrDashboard, DrDashboardProps
from support.helpers import (
    NAMER,
    PRIMARY,
    SECONDARY,
    assert_only,
    database_stack,
    new_stack,
    only,
)

HEALTH_CHECKS = {"primary": "hc-primary-0001", "secondary": "hc-secondary-0002"}
# kind -> (dimension, primary identifier, secondary identifier)
MEMBERS = {
    "aurora": ("DBClusterIdentifier", "dbdr-cluster-use1-test", "dbdr-cluster-usw2-test"),
    "rds": ("DBInstanceIdentifier", "dbdr-database-use1-test", "dbdr-database-usw2-test"),
}


def synth(kind):
    t, _, database = database_stack(kind)
    DrDashboard(
        t.stack,
        "Dashboard",
        DrDashboardProps(
            provider=t.primary,
            namer=NAMER,
            primary=database.primary,
            secondary=database.secondary,
            health_check_ids=HEALTH_CHECKS,
        ),
    )
    return t.synth()


def _widgets(doc):
    return json.loads(only(doc, "aws_cloudwatch_dashboard")["dashboard_body"])["widgets"]


def _metrics(widget):
    """(namespace, metric, dimension, value, region) of every metric of a widget."""
    return [(m[0], m[1], m[2], m[3], m[4]["region"]) for m in widget["properties"]["metrics"]]


def _showing(doc, metric):
    return [w for w in _widgets(doc) if any(m[1] == metric for m in _metrics(w))]


def test_one_dashboard_managed_through_the_primary_provider(kind_doc):
    _, doc = kind_doc
    assert_only(
        doc,
        "aws_cloudwatch_dashboard",
        {"provider": "aws.primary", "dashboard_name": "dbdr-dashboard-test"},
    )
    assert all(w["type"] == "metric" for w in _widgets(doc))


def test_aurora_top_row_shows_global_replication_and_rpo_lag_of_the_secondary(aurora_doc):
    top = [w for w in _widgets(aurora_doc) if w["y"] == 0]
    assert [(w["x"], w["width"]) for w in top] == [(0, 12), (12, 12)]
    assert [_metrics(w) for w in top] == [
        [
            (
                "AWS/RDS",
                "AuroraGlobalDBReplicationLag",
                "DBClusterIdentifier",
                "dbdr-cluster-usw2-test",
                SECONDARY,
            )
        ],
        [
            (
                "AWS/RDS",
                "AuroraGlobalDBRPOLag",
                "DBClusterIdentifier",
                "dbdr-cluster-usw2-test",
                SECONDARY,
            )
        ],
    ]
    assert all(w["properties"]["region"] == SECONDARY for w in top)


def test_rds_top_row_shows_replica_lag_of_the_replica_and_no_aurora_metric(rds_doc):
    (top,) = [w for w in _widgets(rds_doc) if w["y"] == 0]
    assert (top["x"], top["width"]) == (0, 24)
    assert _metrics(top) == [
        ("AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "dbdr-database-usw2-test", SECONDARY)
    ]
    names = {m[1] for w in _widgets(rds_doc) for m in _metrics(w)}
    assert not names & {"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"}


@pytest.mark.parametrize("metric", ["DatabaseConnections", "CPUUtilization"])
def test_database_metrics_of_both_members_side_by_side(kind_doc, metric):
    kind, doc = kind_doc
    dimension, primary_id, secondary_id = MEMBERS[kind]
    left, right = sorted(_showing(doc, metric), key=lambda w: w["x"])
    assert left["y"] == right["y"] and (left["x"], right["x"]) == (0, 12)
    assert _metrics(left) == [("AWS/RDS", metric, dimension, primary_id, PRIMARY)]
    assert _metrics(right) == [("AWS/RDS", metric, dimension, secondary_id, SECONDARY)]
    assert (left["properties"]["region"], right["properties"]["region"]) == (PRIMARY, SECONDARY)


def test_canary_metrics_of_both_members_side_by_side(kind_doc):
    kind, doc = kind_doc
    dimension, primary_id, secondary_id = MEMBERS[kind]
    left, right = sorted(_showing(doc, "ConnectivityOk"), key=lambda w: w["x"])
    assert left["y"] == right["y"]
    assert _metrics(left) == [
        ("DatabaseDR", name, dimension, primary_id, PRIMARY)
        for name in ("ConnectivityOk", "IsWriter")
    ]
    assert _metrics(right) == [
        ("DatabaseDR", name, dimension, secondary_id, SECONDARY)
        for name in ("ConnectivityOk", "IsWriter")
    ]
    latency = sorted(_showing(doc, "LatencyMs"), key=lambda w: w["x"])
    assert [_metrics(w) for w in latency] == [
        [("DatabaseDR", "LatencyMs", dimension, primary_id, PRIMARY)],
        [("DatabaseDR", "LatencyMs", dimension, secondary_id, SECONDARY)],
    ]


def test_route53_health_of_both_checks_is_read_from_us_east_1(kind_doc):
    _, doc = kind_doc
    (health,) = _showing(doc, "HealthCheckStatus")
    assert health["properties"]["region"] == "us-east-1"
    assert _metrics(health) == [
        ("AWS/Route53", "HealthCheckStatus", "HealthCheckId", "hc-primary-0001", "us-east-1"),
        ("AWS/Route53", "HealthCheckStatus", "HealthCheckId", "hc-secondary-0002", "us-east-1"),
    ]
    assert health["properties"]["stat"] == "Minimum"  # any unhealthy minute shows as 0


def test_failover_duration_of_each_member_in_its_own_region(kind_doc):
    kind, doc = kind_doc
    dimension, primary_id, secondary_id = MEMBERS[kind]
    (duration,) = _showing(doc, "FailoverDurationSeconds")
    assert _metrics(duration) == [
        ("DatabaseDR", "FailoverDurationSeconds", dimension, primary_id, PRIMARY),
        ("DatabaseDR", "FailoverDurationSeconds", dimension, secondary_id, SECONDARY),
    ]


def test_widgets_fill_the_grid_without_overlapping(kind_doc):
    _, doc = kind_doc
    widgets = _widgets(doc)
    cells = set()
    for w in widgets:
        assert w["x"] >= 0 and w["x"] + w["width"] <= 24
        cell = {
            (x, y)
            for x in range(w["x"], w["x"] + w["width"])
            for y in range(w["y"], w["y"] + w["height"])
        }
        assert not cells & cell
        cells |= cell
        assert w["properties"]["period"] == 60
    rows = {w["y"] for w in widgets}
    assert len(rows) == 6
    for y in rows:  # every row is full width
        assert sum(w["width"] for w in widgets if w["y"] == y) == 24


def _member(kind="aurora-cluster", region=PRIMARY, identifier="db-a"):
    return SimpleNamespace(
        kind=kind, region=region, identifier=identifier, dimension="DBClusterIdentifier"
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"health_check_ids": {"primary": "hc-1"}},
            "health_check_ids must have exactly the keys primary, secondary, got primary",
        ),
        (
            {"secondary": _member(kind="rds-instance", region=SECONDARY)},
            "primary and secondary must be the same kind, one of aurora-cluster, rds-instance, "
            "got 'aurora-cluster' and 'rds-instance'",
        ),
        (
            {"secondary": _member(region=PRIMARY)},
            "primary and secondary must be in different regions, got us-east-1 for both",
        ),
        (
            {"namespace": "AWS/RDS"},
            r"namespace must be a custom CloudWatch namespace \(not AWS/...\), got 'AWS/RDS'",
        ),
        ({"period_seconds": 45}, "period_seconds must be 10, 30 or a multiple of 60, got 45"),
    ],
)
def test_invalid_props_are_rejected(overrides, message):
    t = new_stack()
    props = dict(
        provider=t.primary,
        namer=NAMER,
        primary=_member(),
        secondary=_member(region=SECONDARY, identifier="db-b"),
        health_check_ids=HEALTH_CHECKS,
    )
    props.update(overrides)
    with pytest.raises(ValueError, match=message):
        DrDashboard(t.stack, "Dashboard", DrDashboardProps(**props))
