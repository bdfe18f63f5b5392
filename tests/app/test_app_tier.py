"""The whole app with the application tier on (us-east-1 -> us-east-2, a domain in a public
zone): every piece of the tier in both regions, wired to the database tier and to each
other; with the tier off, none of it."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from dr_lambdas.contract import STACK_ID
from support.apps import APP_TIER_ENV
from support.apps import Synthesized as SynthesizedApp
from support.matchers import Synthesized, all_blocks, assert_resource, resources, sorted_names

ROLES = {"aws.primary": "use1", "aws.secondary": "use2"}
WRITER_NAME = "writer.db-shop.internal"  # the private name that follows the writer
# What the tier adds in each region (types whose count is the same in both).
PER_REGION = {
    "aws_lb": 2,  # the public NLB and the internal ALB
    "aws_internet_gateway": 1,
    "aws_api_gateway_rest_api": 1,
    "aws_api_gateway_domain_name": 2,  # api-<code>.<domain> and api.<domain>
    "aws_acm_certificate": 1,
    "aws_cloudwatch_event_bus": 1,
    "aws_cloudwatch_metric_alarm": None,  # more than the database tier's, counted below
}
TIER_TYPES = (
    "aws_lb",
    "aws_globalaccelerator_accelerator",
    "aws_api_gateway_rest_api",
    "aws_cloudwatch_event_endpoint",
    "aws_cloudwatch_event_bus",
    "aws_internet_gateway",
    "aws_acm_certificate",
)


def _per_region(doc) -> Counter:
    return Counter(
        (rtype, body["provider"]) for kind, rtype, _, body in all_blocks(doc) if kind == "resource"
    )


def _ref(doc, rtype: str, predicate, attribute: str) -> str:
    (name,) = [n for n, b in resources(doc, rtype).items() if predicate(b)]
    return f"${{{rtype}.{name}.{attribute}}}"


@pytest.fixture(scope="module")
def doc(app_tier_app):
    return Synthesized.of((app_tier_app.stack_dir / "cdk.tf.json").read_text())


def test_every_regional_piece_stands_in_both_regions(doc):
    per_region = _per_region(doc)
    for rtype, count in PER_REGION.items():
        for provider in ROLES:
            if count is None:
                assert per_region[(rtype, provider)] > 0, (rtype, provider)
            else:
                assert per_region[(rtype, provider)] == count, (rtype, provider)


def test_the_global_table_lives_in_the_primary_with_a_keyed_replica_in_us_east_2(doc):
    assert_resource(
        doc,
        "aws_dynamodb_table",
        {
            "provider": "aws.primary",
            "name": "dbdr-app-table-shop",
            "billing_mode": "PAY_PER_REQUEST",
            "stream_enabled": True,
            "stream_view_type": "NEW_AND_OLD_IMAGES",
            "point_in_time_recovery": {"enabled": True},
        },
    )
    (body,) = [
        b
        for b in resources(doc, "aws_dynamodb_table").values()
        if b["name"] == "dbdr-app-table-shop"
    ]
    (replica,) = body["replica"]
    assert replica["region_name"] == "us-east-2"
    secondary_key = _ref(doc, "aws_kms_key", lambda b: b["provider"] == "aws.secondary", "arn")
    assert replica["kms_key_arn"] == secondary_key
    for provider, code in ROLES.items():
        assert_resource(
            doc,
            "aws_cloudwatch_metric_alarm",
            {
                "provider": provider,
                "alarm_name": f"dbdr-table-replication-{code}-shop",
                "metric_name": "ReplicationLatency",
                "namespace": "AWS/DynamoDB",
            },
        )


def test_the_configuration_is_written_in_the_primary_and_copied_on_every_change(doc):
    assert sorted_names(doc, "aws_ssm_parameter", "/dbdr/shop/app/") == [
        "/dbdr/shop/app/database/port",
        "/dbdr/shop/app/database/primary-endpoint",
        "/dbdr/shop/app/database/reader",
        "/dbdr/shop/app/database/secondary-endpoint",
        "/dbdr/shop/app/database/writer",
        "/dbdr/shop/app/flags/new-checkout",
    ]
    writer = [
        b for b in resources(doc, "aws_ssm_parameter").values() if b["name"].endswith("writer")
    ]
    (writer,) = [b for b in writer if b["name"].startswith("/dbdr/shop/app/")]
    assert writer["provider"] == "aws.primary" and writer["type"] == "SecureString"
    # the writer's parameter is the private name that follows the writer
    assert writer["value"] == WRITER_NAME
    (changes,) = [
        b
        for b in resources(doc, "aws_cloudwatch_event_rule").values()
        if b["name"] == "dbdr-config-changes-use1-shop"
    ]
    pattern = json.loads(changes["event_pattern"])
    assert pattern["source"] == ["aws.ssm"]
    assert pattern["detail"]["name"] == [{"prefix": "/dbdr/shop/app/"}]
    assert changes["provider"] == "aws.primary"


def test_each_region_serves_its_own_table_replica_and_configuration(doc):
    for provider, code in ROLES.items():
        assert_resource(
            doc,
            "aws_lambda_function",
            {
                "provider": provider,
                "function_name": f"dbdr-service-{code}-shop",
                "environment": {
                    "variables": {
                        "TABLE_NAME": _ref(
                            doc,
                            "aws_dynamodb_table",
                            lambda b: b["name"] == "dbdr-app-table-shop",
                            "name",
                        ),
                        "CONFIG_PATH": "/dbdr/shop/app/",
                        "WRITER_PARAMETER": "/dbdr/shop/app/database/writer",
                    }
                },
            },
        )


def test_each_region_s_api_has_its_own_and_the_shared_name_on_a_dns_validated_certificate(doc):
    for provider, code in ROLES.items():
        assert_resource(
            doc,
            "aws_acm_certificate",
            {
                "provider": provider,
                "domain_name": f"api-{code}.app.example.com",
                "subject_alternative_names": ["api.app.example.com", "app.example.com"],
                "validation_method": "DNS",
            },
        )
        domains = sorted(
            b["domain_name"]
            for b in resources(doc, "aws_api_gateway_domain_name").values()
            if b["provider"] == provider
        )
        assert domains == [f"api-{code}.app.example.com", "api.app.example.com"]
        assert_resource(
            doc,
            "aws_route53_health_check",
            {"provider": provider, "type": "HTTPS", "resource_path": "/live/health", "port": 443},
        )


def test_the_shared_api_name_fails_over_on_the_primary_api_s_health(doc):
    records = {
        b["failover_routing_policy"]["type"]: b
        for b in resources(doc, "aws_route53_record").values()
        if b.get("name") == "api.app.example.com"
    }
    assert set(records) == {"PRIMARY", "SECONDARY"}
    for kind, record in records.items():
        assert record["zone_id"] == "Z0123456789ABCDEFGHIJ"
        assert record["type"] == "A"
        assert record["alias"]["evaluate_target_health"] is False
        provider = "aws.primary" if kind == "PRIMARY" else "aws.secondary"
        assert record["health_check_id"] == _ref(
            doc,
            "aws_route53_health_check",
            lambda b, p=provider: (
                b["provider"] == p and b["type"] == "HTTPS" and "api" in b["tags"]["Name"]
            ),
            "id",
        )


def test_the_accelerator_routes_to_both_regions_nlbs_on_443(doc):
    assert_resource(
        doc,
        "aws_globalaccelerator_accelerator",
        {"name": "dbdr-accelerator-shop", "ip_address_type": "IPV4", "enabled": True},
    )
    assert_resource(
        doc,
        "aws_globalaccelerator_listener",
        {
            "protocol": "TCP",
            "client_affinity": "NONE",
            "port_range": [{"from_port": 443, "to_port": 443}],
        },
    )
    groups = {
        b["endpoint_group_region"]: b
        for b in resources(doc, "aws_globalaccelerator_endpoint_group").values()
    }
    assert set(groups) == {"us-east-1", "us-east-2"}
    for region, provider in (("us-east-1", "aws.primary"), ("us-east-2", "aws.secondary")):
        nlb = _ref(
            doc,
            "aws_lb",
            lambda b, p=provider: b["provider"] == p and b["load_balancer_type"] == "network",
            "arn",
        )
        (endpoint,) = groups[region]["endpoint_configuration"]
        assert endpoint["endpoint_id"] == nlb
        assert groups[region]["traffic_dial_percentage"] == 100


def test_the_edge_presents_the_region_s_issued_certificate(doc):
    for provider in ROLES:
        issued = _ref(
            doc,
            "aws_acm_certificate_validation",
            lambda b, p=provider: b["provider"] == p,
            "certificate_arn",
        )
        assert_resource(
            doc,
            "aws_lb_listener",
            {"provider": provider, "protocol": "HTTPS", "port": 443, "certificate_arn": issued},
        )


def test_the_event_endpoint_fails_over_to_us_east_2_and_replicates(doc):
    endpoint = [b for b in resources(doc, "aws_cloudwatch_event_endpoint").values()]
    assert len(endpoint) == 1
    (endpoint,) = endpoint
    assert endpoint["provider"] == "aws.primary"
    assert endpoint["replication_config"] == {"state": "ENABLED"}
    failover = endpoint["routing_config"]["failover_config"]
    assert failover["secondary"]["route"] == "us-east-2"
    buses = {b["provider"]: b["name"] for b in resources(doc, "aws_cloudwatch_event_bus").values()}
    assert buses == {"aws.primary": "dbdr-events-shop", "aws.secondary": "dbdr-events-shop"}
    for provider, code in ROLES.items():
        assert_resource(
            doc,
            "aws_cloudwatch_event_rule",
            {"provider": provider, "name": f"dbdr-events-delivery-{code}-shop"},
        )


def test_the_tier_s_outputs_name_its_entry_points(doc):
    outputs = doc["output"]
    for name in (
        "app_accelerator_dns_name",
        "app_table_name",
        "app_configuration_path",
        "app_events_endpoint_url",
        "primary_api_invoke_url",
        "secondary_api_invoke_url",
        "primary_edge_dns_name",
        "secondary_api_domain_target",
    ):
        assert outputs[name]["description"], name


HEALTH_ALARMS = {  # alarm role -> the construct of the health check it watches
    "api-unhealthy": "Api",
    "edge-unhealthy": "Edge",
}


def _health_alarms(doc) -> dict[str, dict]:
    return {
        b["alarm_name"]: b
        for b in resources(doc, "aws_cloudwatch_metric_alarm").values()
        if b["metric_name"] == "HealthCheckStatus"
    }


def test_every_api_and_edge_health_check_alarms_in_us_east_1_to_its_topic(doc):
    topic = _ref(doc, "aws_sns_topic", lambda b: b["provider"] == "aws.primary", "arn")
    alarms = _health_alarms(doc)
    assert sorted(alarms) == sorted(
        f"dbdr-{role}-{code}-shop" for role in HEALTH_ALARMS for code in ROLES.values()
    )
    checks = {n: b for n, b in resources(doc, "aws_route53_health_check").items()}
    for role, part in HEALTH_ALARMS.items():
        for side, code in (("Primary", "use1"), ("Secondary", "use2")):
            alarm = alarms[f"dbdr-{role}-{code}-shop"]
            (check,) = [n for n in checks if n.startswith(f"{side}{part}_HealthCheck")]
            assert alarm["dimensions"] == {
                "HealthCheckId": f"${{aws_route53_health_check.{check}.id}}"
            }
            assert alarm["provider"] == "aws.primary"  # us-east-1 here
            assert alarm["alarm_actions"] == [topic] and alarm["ok_actions"] == [topic]
            assert alarm["treat_missing_data"] == "notBreaching"


def test_the_dashboard_shows_the_tier_of_both_regions(doc):
    (dashboard,) = resources(doc, "aws_cloudwatch_dashboard").values()
    widgets = json.loads(dashboard["dashboard_body"])["widgets"]
    metrics = [m for w in widgets for m in w["properties"].get("metrics", [])]
    shown = {(m[0], m[1], m[-1]["region"]) for m in metrics}
    for region in ("us-east-1", "us-east-2"):
        for namespace, metric in (
            ("AWS/Lambda", "Errors"),
            ("AWS/ApiGateway", "5XXError"),
            ("AWS/ApiGateway", "Latency"),
            ("AWS/NetworkELB", "UnHealthyHostCount"),
            ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
            ("AWS/ApplicationELB", "TargetResponseTime"),
            ("AWS/DynamoDB", "ReplicationLatency"),
        ):
            assert (namespace, metric, region) in shown, (namespace, metric, region)
    # every API and edge health check (and the writer records'), read in us-east-1
    statuses = [m[3] for m in metrics if m[1] == "HealthCheckStatus"]
    assert {m[-1]["region"] for m in metrics if m[1] == "HealthCheckStatus"} == {"us-east-1"}
    for name in resources(doc, "aws_route53_health_check"):
        if "Api_" in name or "Edge_" in name:
            assert f"${{aws_route53_health_check.{name}.id}}" in statuses, name
    stage = _ref(
        doc, "aws_api_gateway_stage", lambda b: b["provider"] == "aws.secondary", "stage_name"
    )
    api = [m for m in metrics if m[:2] == ["AWS/ApiGateway", "Count"] and "use2" in m[3]]
    assert [m[2:6] for m in api] == [["ApiName", "dbdr-api-use2-shop", "Stage", stage]]
    alarm = _ref(
        doc,
        "aws_cloudwatch_metric_alarm",
        lambda b: b["alarm_name"] == "dbdr-events-health-shop",
        "arn",
    )
    assert [
        w["properties"]["annotations"] for w in widgets if "annotations" in w["properties"]
    ] == [{"alarms": [alarm]}]


@pytest.fixture(scope="module")
def secondary_in_us_east_1(outdir_root):
    env = dict(APP_TIER_ENV, DR_PRIMARY_REGION="us-east-2", DR_SECONDARY_REGION="us-east-1")
    return SynthesizedApp(env, outdir_root / "app-tier-secondary-use1").doc


def test_with_the_secondary_in_us_east_1_its_provider_and_topic_carry_the_alarms(
    secondary_in_us_east_1,
):
    doc = secondary_in_us_east_1
    topic = _ref(doc, "aws_sns_topic", lambda b: b["provider"] == "aws.secondary", "arn")
    alarms = _health_alarms(doc)
    assert len(alarms) == 4
    assert {a["provider"] for a in alarms.values()} == {"aws.secondary"}
    assert all(a["alarm_actions"] == [topic] for a in alarms.values())


def test_with_neither_region_in_us_east_1_no_alarm_and_a_note_at_synth(tmp_path, capsys):
    import main

    env = dict(APP_TIER_ENV, DR_PRIMARY_REGION="us-west-2", DR_SECONDARY_REGION="us-east-2")
    assert main.main(env, outdir=str(tmp_path / "cdktf.out")) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "us-east-1" in line]
    assert notes == [
        "note: app_tier with neither region in us-east-1: no alarms on the API and edge "
        "health checks (Route 53 publishes their status only in us-east-1); the API health "
        "checks still drive the failover records"
    ]
    doc = json.loads((tmp_path / "cdktf.out" / "stacks" / STACK_ID / "cdk.tf.json").read_text())
    assert _health_alarms(doc) == {}
    checks = resources(doc, "aws_route53_health_check")
    assert len([n for n in checks if "Api_" in n or "Edge_" in n]) == 4  # still there


@pytest.mark.parametrize("which", ["default_app", "rds_app"])
def test_with_the_tier_off_none_of_it_is_deployed(request, which):
    doc = request.getfixturevalue(which).doc
    assert [t for t in TIER_TYPES if t in doc["resource"]] == []
    assert not [o for o in doc["output"] if o.startswith("app_")]


def test_checkov_skips_nothing_on_the_table_and_no_more_on_the_replicator_than_the_service(doc):
    # test_checkov.py scans this configuration: no failure that is not skipped inline with a
    # reason. Here: what may be skipped at all.
    from tools.checkov_gate import inline_skips

    skips = inline_skips(doc)
    assert not [name for name in skips if name.startswith("AppTable")]

    def checks(prefix: str) -> set[str]:
        (found,) = [set(s) for n, s in skips.items() if n.startswith(prefix)]
        return found

    # both functions run outside the VPC with PythonFunction's common skips, nothing else
    replicator = checks("AppConfiguration_Function_")
    assert "CKV_AWS_117" in replicator
    assert replicator == checks("PrimaryService_Function_")
