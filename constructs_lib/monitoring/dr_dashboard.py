"""DrDashboard: one CloudWatch dashboard showing both regions of the database side by side.

A dashboard lives in one region but a metric widget can show metrics of any region: each
metric carries its own ``region`` rendering property (CloudWatch user guide,
"Cross-Region dashboards"; Dashboard Body Structure). The dashboard is managed through the
primary region's provider, but dashboards are account-wide (their ARN names no region) and
every metric names the region it is read from. It is a view only: nothing in the failover
path reads it.

Rows, top to bottom (each row's widgets share the 24-column width):

1. Replication of the secondary: ``AuroraGlobalDBReplicationLag`` (ms) and
   ``AuroraGlobalDBRPOLag`` (ms) of an Aurora secondary cluster; ``ReplicaLag`` (s) of an RDS
   read replica (RDS has no RPO-lag metric).
2. Route 53 ``HealthCheckStatus`` of both writer-record health checks, and the orchestrator's
   ``FailoverDurationSeconds`` (each region's orchestrator publishes it in its own region
   for the member it promoted).
3. ``DatabaseConnections``, 4. ``CPUUtilization``: primary member left, secondary right,
   with the member's own CloudWatch dimension (``DBClusterIdentifier`` or
   ``DBInstanceIdentifier``). A headless Aurora secondary shows no data here.
5. Canary ``ConnectivityOk`` and ``IsWriter``, 6. canary ``LatencyMs``: primary left,
   secondary right (namespace ``DatabaseDR``, same dimension as the member).

With the application tier (``application``: ``ApplicationWidgets``), rows below those, each
region's widget left (primary) and right (secondary) unless said otherwise:

7. Route 53 ``HealthCheckStatus`` of the region's API health check and edge health check
   (read from us-east-1, like the writer records' checks).
8. The regional service's ``Invocations``, ``Errors`` and ``Throttles`` (``AWS/Lambda``,
   dimension ``FunctionName``; sums).
9. The API's ``Count`` and ``5XXError`` (sums), 10. its ``Latency`` (average and p99)
   (``AWS/ApiGateway``, dimensions ``ApiName`` and ``Stage``: the stage-level series API
   Gateway publishes for every stage).
11. The NLB's ``HealthyHostCount`` (minimum) and ``UnHealthyHostCount`` (maximum) of its
    target group, whose one target is the ALB (``AWS/NetworkELB``, dimensions
    ``LoadBalancer`` and ``TargetGroup``: ``PublicEdge.nlb_dimensions``).
12. The ALB's ``HTTPCode_Target_5XX_Count`` (sum), 13. its ``TargetResponseTime`` (seconds,
    average and p99), for the function's target group (``AWS/ApplicationELB``,
    ``PublicEdge.alb_dimensions``).
14. Three widgets: the global table's ``ReplicationLatency`` out of the primary, then out
    of the secondary, each read in its source region, where DynamoDB publishes it
    (``GlobalTable.metrics``); and the events endpoint's latency alarm
    (``GlobalEvents.health_alarm``, in the primary): a metric widget whose
    ``annotations.alarms`` names an alarm shows the alarm's metric and threshold
    (Dashboard Body Structure, "Properties of a Metric Widget Object").

Route 53 publishes health-check metrics only in us-east-1 (Route 53 developer guide,
"Monitoring health checks using CloudWatch"), whatever region the rest lives in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.database.database_member import AURORA_CLUSTER, DIMENSIONS, DatabaseMember
from constructs_lib.naming import Namer
from dr_lambdas.contract import CONNECTIVITY_OK, FAILOVER_DURATION, IS_WRITER, NAMESPACE, ROLES

if TYPE_CHECKING:
    from constructs_lib.application.global_events import GlobalEvents
    from constructs_lib.application.global_table import GlobalTable
    from constructs_lib.application.public_edge import PublicEdge
    from constructs_lib.application.regional_api import RegionalApi
    from constructs_lib.application.regional_service import RegionalService

WIDTH, HEIGHT = 24, 6  # the dashboard grid is 24 columns wide


@dataclass(frozen=True, kw_only=True)
class ApplicationRegion:
    """One region's application tier, as the dashboard reads it."""

    # Its function's function_name (AWS/Lambda FunctionName).
    service: RegionalService
    # Its api_name and stage_name (AWS/ApiGateway ApiName, Stage) and health_check_id.
    api: RegionalApi
    # Its nlb_dimensions, alb_dimensions and health_check_id.
    edge: PublicEdge


@dataclass(frozen=True, kw_only=True)
class ApplicationWidgets:
    """The application tier's widgets: each region's parts, the global table (its
    ``metrics[role]``, replication out of that role's region) and the events (its
    ``health_alarm``, the endpoint's latency alarm in the primary region)."""

    primary: ApplicationRegion
    secondary: ApplicationRegion
    table: GlobalTable
    events: GlobalEvents


@dataclass(frozen=True, kw_only=True)
class DrDashboardProps:
    # The dashboard is created in this (the primary) region.
    provider: AwsProvider
    namer: Namer
    primary: DatabaseMember
    secondary: DatabaseMember
    # Route 53 health check ID per role ("primary", "secondary"): FailoverDns.health_checks.
    health_check_ids: dict[str, str]
    # Default: "DatabaseDR", where the canary and the orchestrator publish.
    namespace: str = NAMESPACE
    # Default: 60 s, the resolution RDS and the canary publish at.
    period_seconds: int = 60
    # Default: us-east-1, the only region Route 53 publishes health-check metrics in (the
    # commercial partition; in AWS GovCloud (US) it is us-gov-west-1).
    route53_metrics_region: str = "us-east-1"
    # Default: None, no application tier: the database's rows only.
    application: ApplicationWidgets | None = None


class DrDashboard(Construct):
    """The dashboard and its body (``body``, the dict that was serialized)."""

    def __init__(self, scope: Construct, id: str, props: DrDashboardProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        rows = _rows(props)
        if props.application is not None:
            rows += _application_rows(props, props.application)
        self.body = {"widgets": _layout(rows)}
        self.dashboard = CloudwatchDashboard(
            self,
            "Resource",
            provider=props.provider,
            dashboard_name=props.namer.name("dashboard"),
            dashboard_body=json.dumps(self.body),
        )
        self.dashboard_name = self.dashboard.dashboard_name
        self.dashboard_arn = self.dashboard.dashboard_arn


@dataclass
class _Widget:
    title: str
    region: str  # the widget's default region; every metric names its own as well
    metrics: list[list[Any]]
    stat: str
    period: int
    y_label: str = ""
    y_range: dict[str, float] = field(default_factory=lambda: {"min": 0})
    # An alarm's ARN: the widget shows the alarm's own metric and threshold instead of
    # ``metrics`` (``annotations.alarms``, one alarm per widget).
    alarm_arn: str = ""

    def properties(self) -> dict[str, Any]:
        if self.alarm_arn:
            return {
                "title": self.title,
                "region": self.region,
                "view": "timeSeries",
                "stacked": False,
                "annotations": {"alarms": [self.alarm_arn]},
                "yAxis": {"left": self._y_axis()},
            }
        return {
            "title": self.title,
            "region": self.region,
            "view": "timeSeries",
            "stacked": False,
            "stat": self.stat,
            "period": self.period,
            "metrics": self.metrics,
            "yAxis": {"left": self._y_axis()},
        }

    def _y_axis(self) -> dict[str, Any]:
        return {**self.y_range, **({"label": self.y_label} if self.y_label else {})}


def _metric(
    namespace: str, name: str, dimension: str, value: str, region: str, label: str
) -> list[Any]:
    return [namespace, name, dimension, value, {"region": region, "label": label}]


def _health_widget(title: str, region: str, period: int, checks: list[tuple[str, str]]) -> _Widget:
    """Route 53's status (1 = healthy) of each ``(health check id, label)`` of ``checks``;
    ``region`` is where Route 53 publishes its metrics."""
    return _Widget(
        title=title,
        region=region,
        stat="Minimum",
        period=period,
        y_range={"min": 0, "max": 1},
        metrics=[
            _metric("AWS/Route53", "HealthCheckStatus", "HealthCheckId", check_id, region, label)
            for check_id, label in checks
        ],
    )


def _dimensioned(
    namespace: str, name: str, dimensions: dict[str, str], region: str, label: str, **options
) -> list[Any]:
    """A metric of several dimensions; ``options`` (``stat``) override the widget's."""
    pairs = [part for item in dimensions.items() for part in item]
    return [namespace, name, *pairs, {"region": region, "label": label, **options}]


def _rows(props: DrDashboardProps) -> list[list[_Widget]]:
    members = {"primary": props.primary, "secondary": props.secondary}
    secondary, period = props.secondary, props.period_seconds
    aurora = secondary.kind == AURORA_CLUSTER

    def on(member: DatabaseMember, namespace: str, name: str) -> list[Any]:
        return _metric(
            namespace,
            name,
            member.dimension,
            member.identifier,
            member.region,
            f"{name} {member.identifier} ({member.region})",
        )

    def per_member(
        title: str,
        namespace: str,
        names: tuple[str, ...],
        stat: str,
        y_label: str = "",
        y_range: dict[str, float] | None = None,
    ) -> list[_Widget]:
        return [
            _Widget(
                title=f"{title}: {m.identifier} ({m.region}, deployed {role})",
                region=m.region,
                metrics=[on(m, namespace, n) for n in names],
                stat=stat,
                period=period,
                y_label=y_label,
                y_range=y_range or {"min": 0},
            )
            for role, m in members.items()
        ]

    # (metric, unit, title) of the replication widgets; RDS has no RPO-lag metric.
    lags = (
        [
            ("AuroraGlobalDBReplicationLag", "ms", "Global replication lag into"),
            ("AuroraGlobalDBRPOLag", "ms", "Recovery point lag of"),
        ]
        if aurora
        else [("ReplicaLag", "s", "Replica lag of")]
    )
    replication = [
        _Widget(
            title=f"{title} {secondary.identifier} ({unit})",
            region=secondary.region,
            stat="Maximum",
            period=period,
            y_label=unit,
            metrics=[on(secondary, "AWS/RDS", metric)],
        )
        for metric, unit, title in lags
    ]
    health = _health_widget(
        "Route 53 health of the writer records (1 = healthy)",
        props.route53_metrics_region,
        period,
        [
            (props.health_check_ids[role], f"{role} writer record ({m.region})")
            for role, m in members.items()
        ],
    )
    duration = _Widget(
        title="Failover duration (s), published by the orchestrator that promoted",
        region=props.primary.region,
        stat="Maximum",
        period=period,
        y_label="s",
        metrics=[on(m, props.namespace, FAILOVER_DURATION) for m in members.values()],
    )
    return [
        replication,
        [health, duration],
        per_member("Connections", "AWS/RDS", ("DatabaseConnections",), "Maximum"),
        per_member(
            "CPU (%)", "AWS/RDS", ("CPUUtilization",), "Maximum", y_range={"min": 0, "max": 100}
        ),
        per_member(
            "Canary (1 = yes)",
            props.namespace,
            (CONNECTIVITY_OK, IS_WRITER),
            "Minimum",
            y_range={"min": 0, "max": 1},
        ),
        per_member("Canary latency (ms)", props.namespace, ("LatencyMs",), "Maximum", y_label="ms"),
    ]


# Each part of a region's application tier: the namespace of its metrics and their
# dimensions.
_PARTS: dict[str, tuple[str, Callable[[ApplicationRegion], dict[str, str]]]] = {
    "service": ("AWS/Lambda", lambda side: {"FunctionName": side.service.function.function_name}),
    "api": (
        "AWS/ApiGateway",
        lambda side: {"ApiName": side.api.api_name, "Stage": side.api.stage_name},
    ),
    "nlb": ("AWS/NetworkELB", lambda side: dict(side.edge.nlb_dimensions)),
    "alb": ("AWS/ApplicationELB", lambda side: dict(side.edge.alb_dimensions)),
}


@dataclass(frozen=True)
class _TierRow:
    """One of the application tier's per-region rows: the metrics of one part of each
    region, primary left, secondary right."""

    title: str  # formatted with {service}, {api} and {region}
    part: str  # whose metrics: a key of _PARTS
    # (metric, statistic, label) of each series; the first series' statistic is the widget's.
    series: tuple[tuple[str, str, str], ...]
    y_label: str = ""


def _average_and_p99(metric: str) -> tuple[tuple[str, str, str], ...]:
    return ((metric, "Average", "average"), (metric, "p99", "p99"))


_TIER_ROWS = (
    _TierRow(
        "Service invocations, errors, throttles: {service} ({region})",
        "service",
        (
            ("Invocations", "Sum", "invocations"),
            ("Errors", "Sum", "errors"),
            ("Throttles", "Sum", "throttles"),
        ),
    ),
    _TierRow(
        "API requests and 5XX errors: {api} ({region})",
        "api",
        (("Count", "Sum", "requests"), ("5XXError", "Sum", "5XX errors")),
    ),
    _TierRow("API latency (ms): {api} ({region})", "api", _average_and_p99("Latency"), "ms"),
    _TierRow(
        "Edge NLB targets (the ALB), healthy and unhealthy ({region})",
        "nlb",
        (
            ("HealthyHostCount", "Minimum", "healthy (minimum)"),
            ("UnHealthyHostCount", "Maximum", "unhealthy (maximum)"),
        ),
    ),
    _TierRow(
        "Edge ALB, 5XX responses of the function ({region})",
        "alb",
        (("HTTPCode_Target_5XX_Count", "Sum", "target 5XX"),),
    ),
    _TierRow(
        "Edge ALB, response time of the function (s) ({region})",
        "alb",
        _average_and_p99("TargetResponseTime"),
        "s",
    ),
)


def _application_rows(props: DrDashboardProps, app: ApplicationWidgets) -> list[list[_Widget]]:
    regions = {"primary": props.primary.region, "secondary": props.secondary.region}
    sides = {"primary": app.primary, "secondary": app.secondary}
    period, r53 = props.period_seconds, props.route53_metrics_region

    health = [
        _health_widget(
            f"Route 53 health of the API and the edge in {regions[role]} (1 = healthy)",
            r53,
            period,
            [
                (side.api.health_check_id, f"API ({regions[role]})"),
                (side.edge.health_check_id, f"edge ({regions[role]})"),
            ],
        )
        for role, side in sides.items()
    ]
    rows = [health]
    for row in _TIER_ROWS:
        stat, (namespace, dimensions) = row.series[0][1], _PARTS[row.part]
        rows.append(
            [
                _Widget(
                    title=row.title.format(
                        service=side.service.function.function_name,
                        api=side.api.api_name,
                        region=regions[role],
                    ),
                    region=regions[role],
                    stat=stat,
                    period=period,
                    y_label=row.y_label,
                    metrics=[
                        _dimensioned(
                            namespace,
                            metric,
                            dimensions(side),
                            regions[role],
                            label,
                            **({"stat": own} if own != stat else {}),
                        )
                        for metric, own, label in row.series
                    ],
                )
                for role, side in sides.items()
            ]
        )
    replication = [
        _Widget(
            title=f"Table replication latency {metric.region} -> {metric.receiving_region} (ms)",
            region=metric.region,
            stat=metric.statistic,
            period=period,
            y_label="ms",
            metrics=[metric.widget_metric()],
        )
        for metric in (app.table.metrics[role] for role in ROLES)
    ]
    events = _Widget(
        title=f"Events endpoint: the latency alarm its failover follows ({regions['primary']})",
        region=regions["primary"],
        stat="Average",
        period=period,
        metrics=[],
        alarm_arn=app.events.health_alarm.arn,
    )
    return rows + [[*replication, events]]


def _layout(rows: list[list[_Widget]]) -> list[dict[str, Any]]:
    """Place each row's widgets side by side, sharing the grid's full width."""
    widgets = []
    for row_index, row in enumerate(rows):
        width = WIDTH // len(row)
        for column, widget in enumerate(row):
            widgets.append(
                {
                    "type": "metric",
                    "x": column * width,
                    "y": row_index * HEIGHT,
                    "width": width,
                    "height": HEIGHT,
                    "properties": widget.properties(),
                }
            )
    return widgets


def _validate(props: DrDashboardProps) -> None:
    if set(props.health_check_ids) != set(ROLES):
        raise ValueError(
            f"health_check_ids must have exactly the keys primary, secondary, "
            f"got {', '.join(sorted(props.health_check_ids)) or 'none'}"
        )
    if props.primary.kind != props.secondary.kind or props.primary.kind not in DIMENSIONS:
        raise ValueError(
            f"primary and secondary must be the same kind, one of "
            f"{', '.join(DIMENSIONS)}, got {props.primary.kind!r} and "
            f"{props.secondary.kind!r}"
        )
    if props.primary.region == props.secondary.region:
        raise ValueError(
            f"primary and secondary must be in different regions, got "
            f"{props.primary.region} for both"
        )
    if not props.namespace or props.namespace.startswith("AWS/"):
        raise ValueError(
            f"namespace must be a custom CloudWatch namespace (not AWS/...), "
            f"got {props.namespace!r}"
        )
    if props.period_seconds not in (10, 30) and (
        props.period_seconds < 60 or props.period_seconds % 60
    ):
        raise ValueError(
            f"period_seconds must be 10, 30 or a multiple of 60, got {props.period_seconds}"
        )
    if props.application is not None:
        # The table's replication series must be the members' regions, each read where it
        # is published (its source region), or the widgets would show another deployment.
        members = {"primary": props.primary, "secondary": props.secondary}
        metrics = props.application.table.metrics
        got = {role: (m.region, m.receiving_region) for role, m in metrics.items()}
        want = {
            role: (members[role].region, members[other].region)
            for role, other in zip(ROLES, reversed(ROLES), strict=True)
        }
        if got != want:
            raise ValueError(
                "application.table.metrics must be replication out of each member's region "
                f"into the other's, {want}, got {got}"
            )
