"""FailoverDns: private zone on both VPCs, PRIMARY/SECONDARY writer records, alarm-based health."""

import pytest

from constructs_lib.failover_dns import FailoverDns, FailoverDnsProps
from constructs_lib.lag_alarms import LagAlarms, LagAlarmsProps
from helpers import NAMER, PRIMARY, global_database, new_stack, only, regional_base, resources


def _dns(**overrides):
    t = new_stack()
    base = regional_base(t)
    database = global_database(t, base)
    provider, region, key, _ = base["primary"]
    alarms = LagAlarms(t.stack, "Alarms", LagAlarmsProps(
        provider=provider, region=region, namer=NAMER, key=key, cluster=database.primary))
    props = dict(provider=t.primary, namer=NAMER, zone_name="db-test.internal",
                 primary_vpc=base["primary"][3], secondary_vpc=base["secondary"][3],
                 primary=database.primary, secondary=database.secondary,
                 primary_health_alarm=alarms.writer_health_alarm, primary_region=PRIMARY)
    props.update(overrides)
    FailoverDns(t.stack, "Dns", FailoverDnsProps(**props))
    return t.synth()


@pytest.fixture(scope="module")
def doc():
    return _dns()


def test_private_zone_is_associated_with_both_regions_vpcs(doc):
    zone = only(doc, "aws_route53_zone")
    assert zone["name"] == "db-test.internal"
    assert sorted(v["vpc_region"] for v in zone["vpc"]) == ["us-east-1", "us-west-2"]
    assert all(v["vpc_id"].startswith("${aws_vpc.") for v in zone["vpc"])


def test_writer_fails_over_from_primary_to_secondary_cluster_endpoint(doc):
    records = {r.get("set_identifier", "reader"): r for r in resources(doc, "aws_route53_record").values()}
    primary, secondary = records["primary"], records["secondary"]
    assert primary["name"] == secondary["name"] == "writer.db-test.internal"
    assert primary["failover_routing_policy"]["type"] == "PRIMARY"
    assert secondary["failover_routing_policy"]["type"] == "SECONDARY"
    assert primary["records"] == ["${aws_rds_cluster.Database_Primary_EDE0B3D0.endpoint}"]
    assert secondary["records"][0].startswith("${aws_rds_cluster.Database_Secondary_")
    assert primary["health_check_id"].startswith("${aws_route53_health_check.")
    assert "health_check_id" not in secondary
    assert all(r["ttl"] <= 60 for r in records.values())
    reader = records["reader"]
    assert reader["name"] == "reader.db-test.internal"
    assert reader["records"][0].endswith(".reader_endpoint}")


def test_health_check_is_alarm_based_because_route53_cannot_probe_private_ips(doc):
    check = only(doc, "aws_route53_health_check")
    assert check["type"] == "CLOUDWATCH_METRIC"
    assert check["cloudwatch_alarm_region"] == "us-east-1"
    assert check["cloudwatch_alarm_name"].startswith("${aws_cloudwatch_metric_alarm.")
    assert check["insufficient_data_health_status"] == "LastKnownStatus"


@pytest.mark.parametrize("overrides, message", [
    ({"ttl_seconds": 61}, "ttl_seconds must be 1..60, got 61"),
    ({"insufficient_data_health_status": "Maybe"}, "insufficient_data_health_status must be one of"),
])
def test_invalid_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        _dns(**overrides)
