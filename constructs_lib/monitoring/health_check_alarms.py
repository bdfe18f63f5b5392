"""HealthCheckAlarms: an alarm on each of the application's Route 53 health checks, to the
alert topic of the region Route 53 publishes their metrics in.

Route 53 publishes health-check metrics (``AWS/Route53`` ``HealthCheckStatus``, dimension
``HealthCheckId``: 1 healthy, 0 unhealthy, every minute) only in us-east-1, whatever
region the endpoints are in (Route 53 developer guide, "Monitoring health checks using
CloudWatch": https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html),
and a metric alarm reads the metrics of its own region only. So these alarms are created
through the provider of whichever deployment region is us-east-1 (primary or secondary)
and notify that region's alert topic; ``metrics_role`` says which role that is. With
neither region in us-east-1 there is no provider there and no topic, so main.py creates
none and says so at synth: the health checks still drive the API's failover records, and
Global Accelerator follows its own target health, alarm or not.

Evaluation (each alarm fires when its health check reports unhealthy):

- ``Minimum`` over 60 s periods, below 1: a minute in which Route 53 reported the check
  unhealthy. 60 s is the resolution Route 53 publishes at.
- 2 of 2 periods: Route 53 declares an endpoint unhealthy only after 3 failed checks
  30 s apart (90 s), and a second unhealthy minute means the failure has outlasted a blip
  (a deployment, one slow cold start); with 90 s of detection, a page about 3.5 minutes
  after the endpoint fails.
- Missing data is not breaching. Route 53 publishes the status of every health check every
  minute whatever its endpoint does (an unreachable endpoint is reported as 0, not as
  silence), so a gap is the metric arriving late or the check being replaced, not an
  unhealthy endpoint: it must not page. Only reported zeros count.

The alarms notify on OK too (``ok_actions``), as the table's replication alarms do, so the
recovery of an endpoint is reported on the same topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.naming import Namer

# The only region Route 53 publishes health-check metrics in (the commercial partition; in
# AWS GovCloud (US) it is us-gov-west-1).
ROUTE53_METRICS_REGION = "us-east-1"


def metrics_role(regions: Mapping[str, str], metrics_region: str = ROUTE53_METRICS_REGION):
    """The role ("primary" or "secondary") whose region is ``metrics_region``, or None."""
    return next((role for role, region in regions.items() if region == metrics_region), None)


@dataclass(frozen=True, kw_only=True)
class WatchedHealthCheck:
    """One Route 53 health check to alarm on."""

    # The alarm's construct id, stable whatever the order of ``checks`` ("PrimaryApi").
    id: str
    # Physical-name role of the alarm (e.g. "api-unhealthy"), named with ``region``.
    role: str
    # The region of the endpoint the check watches (not where the alarm lives).
    region: str
    health_check_id: str
    # What the check watches, for the alarm's description ("the API's /live/health").
    watches: str


@dataclass(frozen=True, kw_only=True)
class HealthCheckAlarmsProps:
    # The provider of the region Route 53 publishes in (``metrics_role``'s).
    provider: AwsProvider
    # That provider's region: must be route53_metrics_region.
    region: str
    namer: Namer
    # The alert topic of that region.
    topic_arn: str
    checks: tuple[WatchedHealthCheck, ...]
    # Default: 60 s, the resolution Route 53 publishes HealthCheckStatus at.
    period_seconds: int = 60
    # Default: 2 unhealthy minutes in a row (module docstring).
    evaluation_periods: int = 2
    # Default: us-east-1 (see ROUTE53_METRICS_REGION).
    route53_metrics_region: str = ROUTE53_METRICS_REGION


class HealthCheckAlarms(Construct):
    """An alarm per health check. Attributes: ``alarms`` and ``alarm_names``, keyed by the
    alarm's physical name (which carries the watched region's code)."""

    def __init__(self, scope: Construct, id: str, props: HealthCheckAlarmsProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for check in props.checks:
            name = props.namer.name(check.role, check.region)
            self.alarms[name] = CloudwatchMetricAlarm(
                self,
                check.id,
                provider=props.provider,
                alarm_name=name,
                alarm_description=(
                    f"Route 53 has reported {check.watches} in {check.region} unhealthy in "
                    f"{props.evaluation_periods} consecutive {props.period_seconds} s periods"
                ),
                namespace="AWS/Route53",
                metric_name="HealthCheckStatus",
                dimensions={"HealthCheckId": check.health_check_id},
                statistic="Minimum",
                period=props.period_seconds,
                evaluation_periods=props.evaluation_periods,
                datapoints_to_alarm=props.evaluation_periods,
                comparison_operator="LessThanThreshold",
                threshold=1,
                # A gap is a late metric, not an unhealthy endpoint (module docstring).
                treat_missing_data="notBreaching",
                alarm_actions=[props.topic_arn],
                ok_actions=[props.topic_arn],
            )
        self.alarm_names: list[str] = list(self.alarms)


def _validate(props: HealthCheckAlarmsProps) -> None:
    if props.region != props.route53_metrics_region:
        raise ValueError(
            f"region must be {props.route53_metrics_region} (route53_metrics_region), the "
            f"only region Route 53 publishes health-check metrics in, got {props.region}"
        )
    if not props.checks:
        raise ValueError("checks must name at least one health check, got none")
    keys = [(c.role, c.region) for c in props.checks]
    if len(set(keys)) != len(keys):
        raise ValueError(
            f"checks must differ in role or region (the alarm's name), got {sorted(keys)}"
        )
    ids = [c.id for c in props.checks]
    if len(set(ids)) != len(ids):
        raise ValueError(f"checks must have distinct ids, got {', '.join(sorted(ids))}")
    if props.period_seconds < 60 or props.period_seconds % 60:
        raise ValueError(
            f"period_seconds must be a multiple of 60 (Route 53 publishes every minute), "
            f"got {props.period_seconds}"
        )
    if not 1 <= props.evaluation_periods <= 1440 * 60 // props.period_seconds:
        raise ValueError(
            "evaluation_periods must be at least 1 and cover at most a day, "
            f"got {props.evaluation_periods}"
        )
