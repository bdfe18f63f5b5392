"""HealthCheckAlarms: one alarm per Route 53 health check, in us-east-1 where Route 53
publishes their status, to that region's topic; a gap in the metric never pages."""

from dataclasses import replace

import pytest

from constructs_lib.monitoring.health_check_alarms import (
    HealthCheckAlarms,
    HealthCheckAlarmsProps,
    WatchedHealthCheck,
    metrics_role,
)
from support.matchers import assert_resource, resources
from support.stacks import NAMER, PRIMARY, SECONDARY, new_stack, synthesized_once

TOPIC = "arn:aws:sns:us-east-1:111122223333:dbdr-alerts-use1-test"
CHECKS = tuple(
    WatchedHealthCheck(
        id=f"{side}{part}",
        role=role,
        region=region,
        health_check_id=f"hc-{role}-{region}",
        watches=watches,
    )
    for side, region in (("Primary", PRIMARY), ("Secondary", SECONDARY))
    for part, role, watches in (
        ("Api", "api-unhealthy", "the API"),
        ("Edge", "edge-unhealthy", "the edge"),
    )
)


def _alarms(t, **overrides):
    props = dict(provider=t.primary, region=PRIMARY, namer=NAMER, topic_arn=TOPIC, checks=CHECKS)
    props.update(overrides)
    HealthCheckAlarms(t.stack, "HealthAlarms", HealthCheckAlarmsProps(**props))


doc = synthesized_once(_alarms)


def test_one_alarm_per_health_check_through_the_us_east_1_provider(doc):
    alarms = resources(doc, "aws_cloudwatch_metric_alarm").values()
    assert sorted(a["alarm_name"] for a in alarms) == [
        "dbdr-api-unhealthy-use1-test",
        "dbdr-api-unhealthy-usw2-test",
        "dbdr-edge-unhealthy-use1-test",
        "dbdr-edge-unhealthy-usw2-test",
    ]
    assert {a["provider"] for a in alarms} == {"aws.primary"}


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: f"{c.role}-{c.region}")
def test_each_alarm_pages_on_two_reported_unhealthy_minutes_never_on_silence(doc, check):
    code = {PRIMARY: "use1", SECONDARY: "usw2"}[check.region]
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "provider": "aws.primary",
            "alarm_name": f"dbdr-{check.role}-{code}-test",
            "namespace": "AWS/Route53",
            "metric_name": "HealthCheckStatus",
            "dimensions": {"HealthCheckId": check.health_check_id},
            "statistic": "Minimum",
            "period": 60,
            "evaluation_periods": 2,
            "datapoints_to_alarm": 2,
            "comparison_operator": "LessThanThreshold",
            "threshold": 1,
            "treat_missing_data": "notBreaching",
            "alarm_actions": [TOPIC],
            "ok_actions": [TOPIC],
        },
    )


@pytest.mark.parametrize(
    "regions, role",
    [
        ({"primary": "us-east-1", "secondary": "us-east-2"}, "primary"),
        ({"primary": "us-west-2", "secondary": "us-east-1"}, "secondary"),
        ({"primary": "us-west-2", "secondary": "us-east-2"}, None),
    ],
)
def test_the_alarms_belong_to_the_role_whose_region_is_us_east_1(regions, role):
    assert metrics_role(regions) == role


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"region": SECONDARY},
            "region must be us-east-1 \\(route53_metrics_region\\), the only region Route 53 "
            "publishes health-check metrics in, got us-west-2",
        ),
        ({"checks": ()}, "checks must name at least one health check, got none"),
        (
            {"checks": CHECKS[:1] * 2},
            "checks must differ in role or region \\(the alarm's name\\)",
        ),
        (
            {"checks": (CHECKS[0], replace(CHECKS[1], id=CHECKS[0].id))},
            "checks must have distinct ids, got PrimaryApi, PrimaryApi",
        ),
        (
            {"period_seconds": 30},
            "period_seconds must be a multiple of 60 \\(Route 53 publishes every minute\\), got 30",
        ),
        (
            {"evaluation_periods": 0},
            "evaluation_periods must be at least 1 and cover at most a day, got 0",
        ),
    ],
)
def test_invalid_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        _alarms(new_stack(), **overrides)
