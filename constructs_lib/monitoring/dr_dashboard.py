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

Route 53 publishes health-check metrics only in us-east-1 (Route 53 developer guide,
"Monitoring health checks using CloudWatch"), whatever region the rest lives in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.database.database_member import AURORA_CLUSTER, DIMENSIONS, DatabaseMember
from constructs_lib.naming import Namer
from dr_lambdas.contract import CONNECTIVITY_OK, FAILOVER_DURATION, IS_WRITER, NAMESPACE, ROLES

WIDTH, HEIGHT = 24, 6  # the dashboard grid is 24 columns wide


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


class DrDashboard(Construct):
    """The dashboard and its body (``body``, the dict that was serialized)."""

    def __init__(self, scope: Construct, id: str, props: DrDashboardProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.body = {"widgets": _layout(_rows(props))}
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

    def properties(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "region": self.region,
            "view": "timeSeries",
            "stacked": False,
            "stat": self.stat,
            "period": self.period,
            "metrics": self.metrics,
            "yAxis": {
                "left": {**self.y_range, **({"label": self.y_label} if self.y_label else {})}
            },
        }


def _metric(
    namespace: str, name: str, dimension: str, value: str, region: str, label: str
) -> list[Any]:
    return [namespace, name, dimension, value, {"region": region, "label": label}]


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
    health = _Widget(
        title="Route 53 health of the writer records (1 = healthy)",
        region=props.route53_metrics_region,
        stat="Minimum",
        period=period,
        y_range={"min": 0, "max": 1},
        metrics=[
            _metric(
                "AWS/Route53",
                "HealthCheckStatus",
                "HealthCheckId",
                props.health_check_ids[role],
                props.route53_metrics_region,
                f"{role} writer record ({m.region})",
            )
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
