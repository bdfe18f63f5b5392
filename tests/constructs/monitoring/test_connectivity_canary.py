"""ConnectivityCanary: in-VPC function on a schedule, scoped role, admitted by the database,
two alarms that treat silence as failure."""

import json

import pytest

from support.matchers import assert_only, assert_resource, only, resources
from support.stacks import canary, database_stack

SECRET_PATTERN = (
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:dbdr/test/master-credentials-??????"
)


def _canary(**overrides):
    t, base, database = database_stack()
    canary(t, base, "primary", database.primary, id="Canary", **overrides)
    return t.synth()


@pytest.fixture(scope="module")
def doc():
    return _canary()


def test_function_runs_in_the_private_subnets_with_its_own_security_group(doc):
    function = assert_only(
        doc,
        "aws_lambda_function",
        {
            "provider": "aws.primary",
            "function_name": "dbdr-canary-use1-test",
            "handler": "dr_lambdas.canary.handler.lambda_handler",
            "tracing_config": {"mode": "Active"},
            "environment": {
                "variables": {
                    "DB_ENGINE": "aurora-postgresql",
                    "DB_PORT": "5432",
                    "SECRET_ID": "dbdr/test/master-credentials",
                    "CLUSTER_ID": "dbdr-cluster-use1-test",
                }
            },
        },
    )
    assert len(function["vpc_config"]["subnet_ids"]) == 3
    (group_ref,) = function["vpc_config"]["security_group_ids"]
    assert group_ref.startswith("${aws_security_group.Canary_SecurityGroup")
    assert function["kms_key_arn"].startswith("${aws_kms_key.")
    assert function["dead_letter_config"]["target_arn"].startswith("${aws_sqs_queue.")


def test_database_admits_the_canary_and_the_canary_reaches_only_the_vpc(doc):
    ingress = [
        r
        for r in resources(doc, "aws_vpc_security_group_ingress_rule").values()
        if r.get("description") == "Connectivity canary"
    ]
    assert len(ingress) == 1
    assert_resource(
        doc,
        "aws_vpc_security_group_ingress_rule",
        {"description": "Connectivity canary", "from_port": 5432},
    )
    assert ingress[0]["referenced_security_group_id"].startswith("${aws_security_group.Canary_")
    egress = list(resources(doc, "aws_vpc_security_group_egress_rule").values())
    assert sorted(r["to_port"] for r in egress) == [443, 5432]
    assert {r["cidr_ipv4"] for r in egress} == {"10.10.0.0/16"}


def test_role_reads_only_the_secret_and_publishes_only_its_namespace(doc):
    policies = [
        json.loads(p["policy"])
        for p in resources(doc, "aws_iam_role_policy").values()
        if "canary" in p["name"]
    ]
    (policy,) = policies
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["ReadDatabaseCredentials"]["Resource"] == SECRET_PATTERN
    assert statements["PublishCanaryMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "DatabaseDR"}
    }
    attachments = {
        a["policy_arn"].rsplit("/", 1)[1]
        for a in resources(doc, "aws_iam_role_policy_attachment").values()
    }
    assert "AWSLambdaVPCAccessExecutionRole" in attachments


def test_every_minute_and_alarms_treat_silence_as_failure(doc):
    assert_only(doc, "aws_cloudwatch_event_rule", {"schedule_expression": "rate(1 minute)"})
    assert_only(doc, "aws_lambda_permission", {"principal": "events.amazonaws.com"})
    alarms = {
        a["metric_name"]: a
        for a in resources(doc, "aws_cloudwatch_metric_alarm").values()
        if a["namespace"] == "DatabaseDR"
    }
    assert set(alarms) == {"ConnectivityOk", "IsWriter", "CanaryError", "ConnectivityOkHighRes"}
    for metric in ("ConnectivityOk", "IsWriter"):
        assert_resource(
            doc,
            "aws_cloudwatch_metric_alarm",
            {
                "namespace": "DatabaseDR",
                "metric_name": metric,
                "treat_missing_data": "breaching",
                "comparison_operator": "LessThanThreshold",
                "threshold": 1,
            },
        )
        # exactly this dimension: another would select other data
        assert alarms[metric]["dimensions"] == {"DBClusterIdentifier": "dbdr-cluster-use1-test"}


def test_a_broken_canary_has_an_alarm_of_its_own_that_moves_nothing(doc):
    alarms = resources(doc, "aws_cloudwatch_metric_alarm").values()
    assert [a["metric_name"] for a in alarms].count("CanaryError") == 1
    topic = ["arn:aws:sns:us-east-1:123456789012:alerts"]
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "metric_name": "CanaryError",
            "alarm_name": "dbdr-canary-error-use1-test",
            "statistic": "Maximum",
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "threshold": 1,
            # silence is the connectivity alarm's business; this one only says "the canary broke"
            "treat_missing_data": "notBreaching",
            "alarm_actions": topic,
            "ok_actions": topic,
        },
    )


def test_the_reader_endpoint_and_the_other_region_are_probed_when_given():
    from constructs_lib.monitoring.connectivity_canary import PeerDatabase

    doc = _canary(
        reader_endpoint="db.cluster-ro-x.us-east-1.rds.amazonaws.com",
        peer=PeerDatabase(
            endpoint="db.cluster-y.us-west-2.rds.amazonaws.com",
            reader_endpoint="db.cluster-ro-y.us-west-2.rds.amazonaws.com",
            database_id="dbdr-cluster-usw2-test",
            cidr="10.20.0.0/16",
        ),
    )
    variables = {
        "DB_READER_HOST": "db.cluster-ro-x.us-east-1.rds.amazonaws.com",
        "PEER_DB_HOST": "db.cluster-y.us-west-2.rds.amazonaws.com",
        "PEER_DB_READER_HOST": "db.cluster-ro-y.us-west-2.rds.amazonaws.com",
        "PEER_CLUSTER_ID": "dbdr-cluster-usw2-test",
    }
    assert_only(doc, "aws_lambda_function", {"environment": {"variables": variables}})
    egress = {
        r["cidr_ipv4"]: r
        for r in resources(doc, "aws_vpc_security_group_egress_rule").values()
        if r["to_port"] == 5432
    }
    assert set(egress) == {"10.10.0.0/16", "10.20.0.0/16"}  # its own VPC and the peer's
    assert "across the peering" in egress["10.20.0.0/16"]["description"]


def test_the_vpc_has_interface_endpoints_for_the_canarys_api_calls(doc):
    endpoints = resources(doc, "aws_vpc_endpoint").values()
    assert sorted(e["service_name"] for e in endpoints if e["provider"] == "aws.primary") == [
        "com.amazonaws.us-east-1.monitoring",
        "com.amazonaws.us-east-1.secretsmanager",
    ]
    assert all(
        e["private_dns_enabled"] and e["vpc_endpoint_type"] == "Interface" for e in endpoints
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"engine": "oracle"}, "engine must be one of"),
        ({"evaluation_periods": 0}, "evaluation_periods must be 1..10, got 0"),
        ({"probe_interval_seconds": 15}, "probe_interval_seconds must be one of 10, 20, 30, 60"),
    ],
)
def test_invalid_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        _canary(**overrides)


def test_no_concurrency_is_reserved_unless_asked_for(doc):
    # A reservation can take a new account's unreserved concurrency below its minimum,
    # which AWS refuses on the first apply (tools/emulator/rules.py, rule 4)
    assert "reserved_concurrent_executions" not in only(doc, "aws_lambda_function")
    reserved = _canary(reserved_concurrency=1)
    assert_only(reserved, "aws_lambda_function", {"reserved_concurrent_executions": 1})


def test_the_fast_path_alarms_on_ten_second_probes(doc):
    alarms = resources(doc, "aws_cloudwatch_metric_alarm").values()
    assert [a["metric_name"] for a in alarms].count("ConnectivityOkHighRes") == 1
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "metric_name": "ConnectivityOkHighRes",
            "alarm_name": "dbdr-connectivity-fast-use1-test",
            "period": 10,
            "evaluation_periods": 2,
            "datapoints_to_alarm": 2,
            "statistic": "Minimum",
            "comparison_operator": "LessThanThreshold",
            "threshold": 1,
            "treat_missing_data": "breaching",  # a silent region is a down one
        },
    )
    assert_only(
        doc,
        "aws_lambda_function",
        {
            "environment": {"variables": {"PROBE_INTERVAL_SECONDS": "10"}},
            "timeout": 80,  # a one-minute run and its last probe
        },
    )


def test_the_other_region_is_watched_from_here_and_a_minute_interval_is_allowed():
    from constructs_lib.monitoring.connectivity_canary import PeerDatabase

    doc = _canary(
        probe_interval_seconds=60,
        peer=PeerDatabase(
            endpoint="p.example",
            reader_endpoint="p-ro.example",
            database_id="dbdr-cluster-usw2-test",
            cidr="10.20.0.0/16",
        ),
    )
    alarms = {a["metric_name"]: a for a in resources(doc, "aws_cloudwatch_metric_alarm").values()}
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "metric_name": "PeerConnectivityOkHighRes",
            "alarm_name": "dbdr-peer-down-use1-test",
            "treat_missing_data": "notBreaching",
            "period": 60,
        },
    )
    # exactly the peer's cluster: another dimension would select other data
    peer = alarms["PeerConnectivityOkHighRes"]
    assert peer["dimensions"] == {"DBClusterIdentifier": "dbdr-cluster-usw2-test"}
    assert_resource(
        doc, "aws_cloudwatch_metric_alarm", {"metric_name": "ConnectivityOkHighRes", "period": 60}
    )
