"""DrDashboard: one dashboard, both regions side by side, every metric read from its own
region; Aurora and RDS members differ in replication metrics and dimension; with the
application tier, its widgets below, each with its part's dimensions and region."""

import json
from types import SimpleNamespace

import pytest

from constructs_lib.application.global_table import ReplicationMetric
from constructs_lib.monitoring.dr_dashboard import (
    ApplicationRegion,
    ApplicationWidgets,
    DrDashboard,
    DrDashboardProps,
)
from support.matchers import assert_only, only
from support.stacks import NAMER, PRIMARY, SECONDARY, database_stack, new_stack

HEALTH_CHECKS = {"primary": "hc-primary-0001", "secondary": "hc-secondary-0002"}
# kind -> (dimension, primary identifier, secondary identifier)
MEMBERS = {
    "aurora": ("DBClusterIdentifier", "dbdr-cluster-use1-test", "dbdr-cluster-usw2-test"),
    "rds": ("DBInstanceIdentifier", "dbdr-database-use1-test", "dbdr-database-usw2-test"),
}


# The application tier's parts as the dashboard reads them (stand-ins with the attributes
# RegionalService, RegionalApi, PublicEdge, GlobalTable and GlobalEvents expose).
REGIONS = {"primary": PRIMARY, "secondary": SECONDARY}
EVENTS_ALARM_ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:dbdr-events-health-test"


def _tier_region(role):
    code = {"primary": "use1", "secondary": "usw2"}[role]
    return ApplicationRegion(
        service=SimpleNamespace(
            function=SimpleNamespace(function_name=f"dbdr-service-{code}-test")
        ),
        api=SimpleNamespace(
            api_name=f"dbdr-api-{code}-test", stage_name="live", health_check_id=f"hc-api-{code}"
        ),
        edge=SimpleNamespace(
            health_check_id=f"hc-edge-{code}",
            nlb_dimensions={"LoadBalancer": f"net/nlb-{code}/1", "TargetGroup": f"tg/nlb-{code}/2"},
            alb_dimensions={"LoadBalancer": f"app/alb-{code}/3", "TargetGroup": f"tg/alb-{code}/4"},
        ),
    )


def _application(table_regions=None):
    table_regions = table_regions or REGIONS
    metrics = {
        role: ReplicationMetric(
            region=table_regions[role],
            receiving_region=table_regions[other],
            table_name="dbdr-app-table-test",
            statistic="Average",
            period_seconds=300,
        )
        for role, other in (("primary", "secondary"), ("secondary", "primary"))
    }
    return ApplicationWidgets(
        primary=_tier_region("primary"),
        secondary=_tier_region("secondary"),
        table=SimpleNamespace(metrics=metrics),
        events=SimpleNamespace(health_alarm=SimpleNamespace(arn=EVENTS_ALARM_ARN)),
    )


def synth(kind, application=None):
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
            application=application,
        ),
    )
    return t.synth()


@pytest.fixture(scope="module")
def tier_doc():
    return synth("aurora", _application())


def _widgets(doc):
    return json.loads(only(doc, "aws_cloudwatch_dashboard")["dashboard_body"])["widgets"]


def _metrics(widget):
    """(namespace, metric, dimension, value, region) of every metric of a widget."""
    return [(m[0], m[1], m[2], m[3], m[4]["region"]) for m in widget["properties"]["metrics"]]


def _series(widget):
    """(namespace, metric, {dimension: value}, region, stat) of every metric of a widget."""
    props = widget["properties"]
    return [
        (
            m[0],
            m[1],
            dict(zip(m[2:-1:2], m[3:-1:2], strict=True)),
            m[-1]["region"],
            m[-1].get("stat", props["stat"]),
        )
        for m in props.get("metrics", [])
    ]


def _showing(doc, metric):
    return [
        w for w in _widgets(doc) if any(m[1] == metric for m in w["properties"].get("metrics", []))
    ]


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


TIER_NAMESPACES = {
    "AWS/Lambda",
    "AWS/ApiGateway",
    "AWS/NetworkELB",
    "AWS/ApplicationELB",
    "AWS/DynamoDB",
}


def test_without_the_application_tier_no_tier_widget(kind_doc):
    _, doc = kind_doc
    widgets = _widgets(doc)
    assert not {m[0] for w in widgets for m in _metrics(w)} & TIER_NAMESPACES
    assert not [w for w in widgets if "annotations" in w["properties"]]
    (health,) = _showing(doc, "HealthCheckStatus")  # only the writer records' checks


def test_tier_health_of_each_region_s_api_and_edge_is_read_from_us_east_1(tier_doc):
    writer, *tier = _showing(tier_doc, "HealthCheckStatus")
    assert writer["y"] < tier[0]["y"]
    assert [(w["x"], w["width"]) for w in tier] == [(0, 12), (12, 12)]
    assert [w["properties"]["region"] for w in tier] == ["us-east-1", "us-east-1"]
    assert [_metrics(w) for w in tier] == [
        [
            ("AWS/Route53", "HealthCheckStatus", "HealthCheckId", f"hc-{part}-{code}", "us-east-1")
            for part in ("api", "edge")
        ]
        for code in ("use1", "usw2")
    ]
    assert all(w["properties"]["stat"] == "Minimum" for w in tier)


def _dims(role, part):
    code = {"primary": "use1", "secondary": "usw2"}[role]
    return {
        "service": {"FunctionName": f"dbdr-service-{code}-test"},
        "api": {"ApiName": f"dbdr-api-{code}-test", "Stage": "live"},
        "nlb": {"LoadBalancer": f"net/nlb-{code}/1", "TargetGroup": f"tg/nlb-{code}/2"},
        "alb": {"LoadBalancer": f"app/alb-{code}/3", "TargetGroup": f"tg/alb-{code}/4"},
    }[part]


# first metric of a widget -> (namespace, part, [(metric, stat) of the widget's series])
TIER_WIDGETS = {
    "Invocations": (
        "AWS/Lambda",
        "service",
        [("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum")],
    ),
    "Count": ("AWS/ApiGateway", "api", [("Count", "Sum"), ("5XXError", "Sum")]),
    "Latency": ("AWS/ApiGateway", "api", [("Latency", "Average"), ("Latency", "p99")]),
    "HealthyHostCount": (
        "AWS/NetworkELB",
        "nlb",
        [("HealthyHostCount", "Minimum"), ("UnHealthyHostCount", "Maximum")],
    ),
    "HTTPCode_Target_5XX_Count": (
        "AWS/ApplicationELB",
        "alb",
        [("HTTPCode_Target_5XX_Count", "Sum")],
    ),
    "TargetResponseTime": (
        "AWS/ApplicationELB",
        "alb",
        [("TargetResponseTime", "Average"), ("TargetResponseTime", "p99")],
    ),
}


@pytest.mark.parametrize("first", TIER_WIDGETS)
def test_tier_metrics_of_both_regions_side_by_side_with_their_part_s_dimensions(tier_doc, first):
    namespace, part, series = TIER_WIDGETS[first]
    widgets = [w for w in _widgets(tier_doc) if _series(w) and _series(w)[0][1] == first]
    left, right = sorted(widgets, key=lambda w: w["x"])
    assert left["y"] == right["y"] and (left["x"], right["x"]) == (0, 12)
    for widget, role in ((left, "primary"), (right, "secondary")):
        assert widget["properties"]["region"] == REGIONS[role]
        assert _series(widget) == [
            (namespace, metric, _dims(role, part), REGIONS[role], stat) for metric, stat in series
        ]


def test_tier_table_replication_in_both_directions_each_read_in_its_source(tier_doc):
    widgets = sorted(_showing(tier_doc, "ReplicationLatency"), key=lambda w: w["x"])
    assert [(w["x"], w["width"]) for w in widgets] == [(0, 8), (8, 8)]
    assert [w["properties"]["region"] for w in widgets] == [PRIMARY, SECONDARY]
    assert [_series(w) for w in widgets] == [
        [
            (
                "AWS/DynamoDB",
                "ReplicationLatency",
                {"TableName": "dbdr-app-table-test", "ReceivingRegion": receiving},
                source,
                "Average",
            )
        ]
        for source, receiving in ((PRIMARY, SECONDARY), (SECONDARY, PRIMARY))
    ]


def test_tier_events_latency_alarm_shown_with_its_threshold_in_the_primary(tier_doc):
    (alarm,) = [w for w in _widgets(tier_doc) if "annotations" in w["properties"]]
    assert alarm["properties"]["annotations"] == {"alarms": [EVENTS_ALARM_ARN]}
    assert alarm["properties"]["region"] == PRIMARY
    assert "metrics" not in alarm["properties"]  # the alarm's own metric is shown
    assert (alarm["x"], alarm["width"]) == (16, 8)


def test_tier_widgets_follow_the_database_s_rows_filling_the_grid(tier_doc):
    widgets = _widgets(tier_doc)
    rows = sorted({w["y"] for w in widgets})
    assert len(rows) == 6 + 8
    for y in rows:
        assert sum(w["width"] for w in widgets if w["y"] == y) == 24
    assert all(w["type"] == "metric" and w["height"] == 6 for w in widgets)


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
        (
            {"application": _application({"primary": SECONDARY, "secondary": PRIMARY})},
            "application.table.metrics must be replication out of each member's region",
        ),
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
