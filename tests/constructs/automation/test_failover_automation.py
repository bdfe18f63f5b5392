"""FailoverAutomation: orchestrator per region, lock table, triggers on the secondary copy
only, and a role scoped to this deployment's resources."""

import json

import pytest

from constructs_lib.automation.failover_automation import (
    FailoverAutomation,
    FailoverAutomationProps,
    RegionSide,
)
from support.matchers import assert_only, assert_resource, resources
from support.stacks import NAMER, ROLES, failover_stack


def _automation(**overrides):
    built = failover_stack()
    sides = {}
    for role in ROLES:
        provider, region, key, _ = built.base[role]
        sides[role] = RegionSide(
            provider=provider,
            region=region,
            key=key,
            database=getattr(built.database, role),
            topic_arn=built.alarms[role].topic_arn,
            writer_alarm=built.canaries[role].writer_alarm,
        )
    for home in ROLES:
        props = dict(
            namer=NAMER,
            home=home,
            **sides,
            global_cluster_id=built.database.global_cluster_id,
            global_cluster_arn=built.database.global_cluster.arn,
            hosted_zone_id=built.dns.zone_id,
            hosted_zone_arn=built.dns.zone_arn,
            writer_record_name=built.dns.writer_name,
            primary_down_alarms=(
                built.canaries["primary"].connectivity_alarm,
                built.alarms["primary"].writer_health_alarm,
            ),
        )
        props.update(overrides)
        FailoverAutomation(built.t.stack, f"{home}Failover", FailoverAutomationProps(**props))
    return built.t.synth()


@pytest.fixture(scope="module")
def doc():
    return _automation()


def _orchestrators(doc):
    return {
        f["provider"].split(".")[1]: f
        for f in resources(doc, "aws_lambda_function").values()
        if f["handler"].startswith("dr_lambdas.orchestrator")
    }


def test_one_orchestrator_per_region_promoting_its_own_region(doc):
    functions = _orchestrators(doc)
    assert set(functions) == {"primary", "secondary"}
    for role, region in (("primary", "us-east-1"), ("secondary", "us-west-2")):
        variables = {
            "HOME_REGION": region,
            "PRIMARY_REGION": "us-east-1",
            "SECONDARY_REGION": "us-west-2",
            "DNS_MODE": "failover",
            "RPO_SECONDS": "60",
        }
        assert_resource(
            doc,
            "aws_lambda_function",
            {
                "provider": f"aws.{role}",
                "handler": "dr_lambdas.orchestrator.handler.lambda_handler",
                "timeout": 300,
                "environment": {"variables": variables},
            },
        )
        env = functions[role]["environment"]["variables"]
        assert env["LOCK_TABLE"].startswith("${aws_dynamodb_table.")
        assert functions[role]["dead_letter_config"]["target_arn"].startswith("${aws_sqs_queue.")


def test_lock_table_is_encrypted_recoverable_and_expires_items(doc):
    tables = list(resources(doc, "aws_dynamodb_table").values())
    assert sorted(t["provider"] for t in tables) == ["aws.primary", "aws.secondary"]
    for provider in ("aws.primary", "aws.secondary"):
        assert_resource(
            doc,
            "aws_dynamodb_table",
            {
                "provider": provider,
                "hash_key": "pk",
                "ttl": {"attribute_name": "ttl", "enabled": True},
                "point_in_time_recovery": {"enabled": True},
                "billing_mode": "PAY_PER_REQUEST",
            },
        )
    for table in tables:
        assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")


def test_only_the_secondary_copy_is_triggered_by_schedule_and_the_primary_down_alarm(doc):
    rules = [
        r for r in resources(doc, "aws_cloudwatch_event_rule").values() if "watchdog" in r["name"]
    ]
    assert [r["provider"] for r in rules] == ["aws.secondary"]
    composite = assert_only(doc, "aws_cloudwatch_composite_alarm", {"provider": "aws.primary"})
    assert composite["alarm_rule"].count("ALARM(") == 2 and " OR " in composite["alarm_rule"]
    (subscription,) = [
        s
        for s in resources(doc, "aws_sns_topic_subscription").values()
        if s["protocol"] == "lambda"
    ]
    orchestrator = [
        n
        for n, f in resources(doc, "aws_lambda_function").items()
        if f["provider"] == "aws.secondary" and "orchestrator" in f["function_name"]
    ][0]
    assert_resource(
        doc,
        "aws_sns_topic_subscription",
        {
            "protocol": "lambda",
            "provider": "aws.primary",  # the topic's region
            "endpoint": f"${{aws_lambda_function.{orchestrator}.arn}}",
        },
    )
    assert "NewStateValue" in subscription["filter_policy"]


def test_role_acts_only_on_this_deployments_resources(doc):
    policies = [
        json.loads(p["policy"])
        for p in resources(doc, "aws_iam_role_policy").values()
        if "orchestrator" in p["name"]
    ]
    assert len(policies) == 2
    for policy in policies:
        statements = {s["Sid"]: s for s in policy["Statement"]}
        move = statements["MoveTheWriter"]
        assert move["Action"] == ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"]
        assert len(move["Resource"]) == 3 and all("${aws_rds_" in r for r in move["Resource"])
        # The writer instance's status is a second opinion on an unreachable writer:
        # DescribeDBInstances on exactly the members' instances (2 + 1 by default)
        instances = statements["ReadTheInstances"]
        assert instances["Action"] == ["rds:DescribeDBInstances"]
        assert len(instances["Resource"]) == 3
        assert all(
            r.startswith("${aws_rds_cluster_instance.") and r.endswith(".arn}")
            for r in instances["Resource"]
        )
        # Failover records move by their health checks: no Route 53 permission at all
        assert not [
            s for s in policy["Statement"] if any(a.startswith("route53:") for a in s["Action"])
        ]
        assert all(
            r.startswith("${aws_cloudwatch_metric_alarm.")
            for r in statements["MarkWriterAlarms"]["Resource"]
        )
        star = sorted(sid for sid, s in statements.items() if s["Resource"] == "*")
        assert star == ["PublishFailoverMetric", "ReadHealthMetrics"]


@pytest.mark.parametrize(
    "dns_mode, dns_actions",
    [
        ("global-endpoint", set()),  # Aurora moves the global writer endpoint: no DNS step
        ("failover", {"cloudwatch:SetAlarmState"}),
        ("weighted", {"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"}),
    ],
)
def test_only_weighted_records_need_the_route53_control_plane(dns_mode, dns_actions):
    doc = _automation(dns_mode=dns_mode)
    for policy in [
        json.loads(p["policy"])
        for p in resources(doc, "aws_iam_role_policy").values()
        if "orchestrator" in p["name"]
    ]:
        granted = {a for s in policy["Statement"] for a in s["Action"]}
        assert {
            a for a in granted if a.startswith("route53:") or a.endswith("SetAlarmState")
        } == dns_actions
    environments = [
        f["environment"]["variables"]
        for f in resources(doc, "aws_lambda_function").values()
        if "orchestrator" in f["function_name"]
    ]
    assert {e["DNS_MODE"] for e in environments} == {dns_mode}


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"dns_mode": "geo"},
            "dns_mode must be one of global-endpoint, failover, weighted, got 'geo'",
        ),
        ({"rpo_seconds": 0}, "rpo_seconds must be >= 1, got 0"),
        ({"primary_down_alarms": ()}, "needs primary_down_alarms"),
    ],
)
def test_invalid_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        _automation(**overrides)


def test_database_mode_needs_matching_members_and_its_own_inputs():
    with pytest.raises(ValueError, match="aurora-global mode needs global_cluster_id"):
        _automation(global_cluster_id="")
