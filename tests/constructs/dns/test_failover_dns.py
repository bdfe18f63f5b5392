"""FailoverDns: private zone on both VPCs, writer records guarded by writer-aware CALCULATED
health checks over alarm-based children, failover or weighted routing."""

import pytest

from support.matchers import assert_only, assert_resource, resources
from support.stacks import failover_stack


def _dns(**overrides):
    return failover_stack(**overrides).t.synth()


@pytest.fixture(scope="module")
def doc():
    return _dns()


def _writers(doc):
    return {
        r["set_identifier"]: r
        for r in resources(doc, "aws_route53_record").values()
        if r["name"].startswith("writer.")
    }


def test_private_zone_is_associated_with_both_regions_vpcs(doc):
    zone = assert_only(
        doc, "aws_route53_zone", {"provider": "aws.primary", "name": "db-test.internal"}
    )
    # in either order
    assert sorted(v["vpc_region"] for v in zone["vpc"]) == ["us-east-1", "us-west-2"]


def test_writer_fails_over_between_the_regional_cluster_endpoints(doc):
    writers = _writers(doc)
    assert_resource(
        doc,
        "aws_route53_record",
        {
            "name": "writer.db-test.internal",
            "set_identifier": "primary",
            "failover_routing_policy": {"type": "PRIMARY"},
            "records": ["${aws_rds_cluster.Database_Primary_EDE0B3D0.endpoint}"],
        },
    )
    assert_resource(
        doc,
        "aws_route53_record",
        {
            "name": "writer.db-test.internal",
            "set_identifier": "secondary",
            "failover_routing_policy": {"type": "SECONDARY"},
        },
    )
    assert writers["secondary"]["records"][0].startswith("${aws_rds_cluster.Database_Secondary_")
    assert all(r["ttl"] <= 60 for r in resources(doc, "aws_route53_record").values())
    (reader,) = [
        r
        for r in resources(doc, "aws_route53_record").values()
        if r["name"] == "reader.db-test.internal"
    ]
    assert reader["records"][0].endswith(".reader_endpoint}")


def test_each_writer_record_needs_connectivity_and_writability_of_its_region(doc):
    checks = resources(doc, "aws_route53_health_check")
    writers = _writers(doc)
    for role, region in (("primary", "us-east-1"), ("secondary", "us-west-2")):
        calculated = checks[writers[role]["health_check_id"].split(".")[1]]
        assert calculated["type"] == "CALCULATED"
        children = [checks[ref.split(".")[1]] for ref in calculated["child_healthchecks"]]
        assert calculated["child_health_threshold"] == len(children) == 2  # all must be healthy
        # children found through the references: no matcher selects by logical name
        for child in children:
            assert child["type"] == "CLOUDWATCH_METRIC"
            assert child["cloudwatch_alarm_region"] == region
            assert child["insufficient_data_health_status"] == "Unhealthy"
        alarms = resources(doc, "aws_cloudwatch_metric_alarm")
        watched = {
            alarms[c["cloudwatch_alarm_name"].split(".")[1]]["metric_name"] for c in children
        }
        assert watched == {"ConnectivityOk", "IsWriter"}


def test_weighted_mode_gives_100_0_weights_that_terraform_leaves_to_the_orchestrator():
    doc = _dns(routing="weighted")
    writers = _writers(doc)
    assert set(writers) == {"primary", "secondary"}
    for role, weight in (("primary", 100), ("secondary", 0)):
        assert_resource(
            doc,
            "aws_route53_record",
            {
                "name": "writer.db-test.internal",
                "set_identifier": role,
                "weighted_routing_policy": {"weight": weight},
                "lifecycle": {"ignore_changes": ["weighted_routing_policy"]},
            },
        )
    assert all(r["health_check_id"] for r in writers.values())


def test_global_endpoint_mode_names_the_aurora_global_writer_endpoint_and_nothing_else():
    # Given the global writer endpoint, which Aurora moves with the writer
    doc = _dns(routing="global-endpoint")
    writers = [
        r
        for r in resources(doc, "aws_route53_record").values()
        if r["name"] == "writer.db-test.internal"
    ]
    # Then one plain CNAME: no failover or weighted policy, no health check in the path
    (writer,) = writers
    condition = "${(length(aws_rds_global_cluster.Database_B269D8BB.endpoint) >= 1)}"
    assert_resource(
        doc,
        "aws_route53_record",
        {
            "name": "writer.db-test.internal",
            "records": ["${aws_rds_global_cluster.Database_B269D8BB.endpoint}"],
            "lifecycle": {"precondition": [{"condition": condition}]},
        },
    )
    assert not {
        "set_identifier",
        "health_check_id",
        "failover_routing_policy",
        "weighted_routing_policy",
    } & set(writer)
    (check,) = writer["lifecycle"]["precondition"]
    assert "dns_routing=failover" in check["error_message"]
    # The health checks stay, for the dashboard and people
    calculated = [
        c for c in resources(doc, "aws_route53_health_check").values() if c["type"] == "CALCULATED"
    ]
    assert len(calculated) == 2


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"ttl_seconds": 61}, "ttl_seconds must be 1..60, got 61"),
        (
            {"insufficient_data_health_status": "Maybe"},
            "insufficient_data_health_status must be one of",
        ),
        (
            {"routing": "latency"},
            "routing must be one of global-endpoint, failover, weighted, got 'latency'",
        ),
        (
            {"routing": "global-endpoint", "global_writer_endpoint": ""},
            "global_writer_endpoint is needed with routing",
        ),
    ],
)
def test_invalid_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        _dns(**overrides)
