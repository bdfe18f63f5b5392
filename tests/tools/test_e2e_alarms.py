"""The drill's alarm evaluation (tools/e2e/harness.py), which stands in for CloudWatch's:
clock-aligned periods, whatever moto does with the points of one query."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from tools.e2e import harness

PERIOD = 10
NOW = 1_796_475_064.5  # 4.5 s into a period
CURRENT = int(NOW) // PERIOD * PERIOD


class OneRegion:
    """What evaluate_alarm uses of a Run: a client for the role's region."""

    def __init__(self, cloudwatch) -> None:
        self.cloudwatch = cloudwatch

    def aws(self, service: str, role: str = "primary"):
        return self.cloudwatch


@pytest.fixture
def cloudwatch(monkeypatch):
    monkeypatch.setattr(harness, "_clock", lambda: NOW)
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-west-2")
        # The shape of the deployed peer-down alarm: two 10 s periods, both must breach.
        client.put_metric_alarm(
            AlarmName="peer-down",
            Namespace="DatabaseDR",
            MetricName="PeerConnectivityOk",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": "primary"}],
            Statistic="Minimum",
            Period=PERIOD,
            EvaluationPeriods=2,
            DatapointsToAlarm=2,
            Threshold=1,
            ComparisonOperator="LessThanThreshold",
            TreatMissingData="notBreaching",
        )
        yield client


def _publish(cloudwatch, *seconds: float) -> None:
    for at in seconds:
        cloudwatch.put_metric_data(
            Namespace="DatabaseDR",
            MetricData=[
                {
                    "MetricName": "PeerConnectivityOk",
                    "Value": 0,
                    "Unit": "Count",
                    "Timestamp": datetime.fromtimestamp(at, UTC),
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "primary"}],
                }
            ],
        )


def _state(cloudwatch) -> str:
    return harness.evaluate_alarm(OneRegion(cloudwatch), "secondary", "peer-down")


def test_points_just_after_period_starts_count_in_their_own_periods(cloudwatch):
    # 0.3 s into each period, the second a little less than 10 s after the first: grouped
    # from the first point, moto would put both in the earlier period.
    _publish(cloudwatch, CURRENT - 20 + 0.3005, CURRENT - 10 + 0.3)
    assert _state(cloudwatch) == "ALARM"


def test_the_period_in_progress_counts_once_it_has_data(cloudwatch):
    _publish(cloudwatch, CURRENT - 10 + 0.3, CURRENT + 0.3)
    assert _state(cloudwatch) == "ALARM"


def test_one_breaching_period_is_not_enough(cloudwatch):
    _publish(cloudwatch, CURRENT - 10 + 0.3)
    assert _state(cloudwatch) == "OK"
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=["peer-down"])["MetricAlarms"]
    assert alarm["StateValue"] == "OK"
