"""GlobalEvents: a KMS-encrypted bus of one name per region behind an EventBridge global
endpoint that fails over on AWS's latency health check, replicating to both buses, and a
rule on each bus delivering to that region's function with retries and a dead-letter queue."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformOutput

from constructs_lib.application.global_events import GlobalEvents, GlobalEventsProps
from constructs_lib.automation.python_function import PythonFunction
from constructs_lib.security.regional_key import KeyedRegion
from support.matchers import assert_no_resource, assert_only, assert_resource, resources
from support.stacks import (
    NAMER,
    PRIMARY,
    ROLES,
    SECONDARY,
    function_props,
    keyed_regions,
    new_stack,
)

CODES = {"primary": "use1", "secondary": "usw2"}
REGIONS = {"primary": PRIMARY, "secondary": SECONDARY}
TOPIC = "arn:aws:sns:us-east-1:123456789012:dbdr-alerts-use1-test"


def _function(t, where: KeyedRegion, id: str) -> PythonFunction:
    """A packaged function of an existing dr_lambdas package, as the events' target."""
    return PythonFunction(t.stack, id, function_props(where, "service"))


def _props(regions, functions, **overrides) -> GlobalEventsProps:
    props = dict(
        namer=NAMER,
        primary=regions["primary"],
        secondary=regions["secondary"],
        targets=functions,
        source_prefix="dbdr.app",
    )
    props.update(overrides)
    return GlobalEventsProps(**props)


@pytest.fixture(scope="module")
def built():
    """The construct with minimal props, synthesized once, with outputs of its attributes."""
    t = new_stack()
    regions = keyed_regions(t, application_events=ROLES)
    targets = {role: _function(t, regions[role], f"{role}Service") for role in ROLES}
    events = GlobalEvents(t.stack, "Events", _props(regions, targets))
    for name, value in {
        "endpoint_id": events.endpoint_id,
        "endpoint_url": events.endpoint_url,
        "endpoint_arn": events.endpoint_arn,
        "health_check_id": events.health_check_id,
        "alarm_arn": events.health_alarm.arn,
        "bus_name": events.bus_name,
        **{f"{role}_bus_arn": events.bus_arns[role] for role in ROLES},
        **{f"{role}_bus_name": events.bus_names[role] for role in ROLES},
    }.items():
        TerraformOutput(t.stack, name, value=value)
    return events, t.synth()


@pytest.fixture(scope="module")
def doc(built):
    return built[1]


def _by_role(doc, rtype: str) -> dict[str, tuple[str, dict]]:
    """{role: (logical name, body)} with exactly one ``rtype`` per region's provider."""
    found: dict[str, tuple[str, dict]] = {}
    for name, body in resources(doc, rtype).items():
        role = body["provider"].split(".")[1]
        assert role not in found, f"two {rtype} in {role}"
        found[role] = (name, body)
    return found


def _assert_one_per_region(doc, rtype: str, properties) -> None:
    """Exactly one ``rtype`` per region, each with ``properties(role)`` and its region's
    provider."""
    assert set(_by_role(doc, rtype)) == set(ROLES)
    for role in ROLES:
        assert_resource(doc, rtype, {"provider": f"aws.{role}", **properties(role)})


def _ref(doc, rtype: str, role: str, attribute: str, match=None) -> str:
    names = [
        name
        for name, body in resources(doc, rtype).items()
        if body["provider"] == f"aws.{role}" and (match is None or match(body))
    ]
    assert len(names) == 1, f"{rtype} in {role}: {names}"
    return f"${{{rtype}.{names[0]}.{attribute}}}"


def _named(doc, rtype: str, name: str) -> str:
    """The logical name of the one ``rtype`` whose ``name`` is ``name``."""
    (found,) = [n for n, b in resources(doc, rtype).items() if b.get("name") == name]
    return found


def _key_arn(doc, role):
    return _ref(doc, "aws_kms_key", role, "arn")


def _bus(doc, role, attribute):
    return _ref(doc, "aws_cloudwatch_event_bus", role, attribute)


def _queue(doc, role, attribute):
    return _ref(doc, "aws_sqs_queue", role, attribute, lambda b: "events-delivery" in b["name"])


def _function_arn(doc, role):
    return _ref(doc, "aws_lambda_function", role, "arn")


# Buses --------------------------------------------------------------------------------------


def test_each_region_has_a_bus_of_the_same_name_encrypted_with_its_own_key(doc):
    _assert_one_per_region(
        doc,
        "aws_cloudwatch_event_bus",
        lambda role: {
            "name": "dbdr-events-test",
            "kms_key_identifier": _key_arn(doc, role),
            # events EventBridge cannot encrypt or decrypt go to the region's queue
            "dead_letter_config": {"arn": _queue(doc, role, "arn")},
        },
    )


def test_the_regional_keys_let_eventbridge_use_them_for_this_bus_and_queue_only(doc):
    for role in ROLES:
        (_, key) = _by_role(doc, "aws_kms_key")[role]
        statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
        region, code = REGIONS[role], CODES[role]
        bus = statements["EventBridgeEncryptsEventBus"]
        queue = statements["EventBridgeToEncryptedDeadLetterQueue"]
        describe = statements["EventBridgeDescribesKey"]
        for statement in (bus, queue, describe):
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert "StringEqualsIfExists" in statement["Condition"]  # aws:SourceAccount
        assert describe["Action"] == ["kms:DescribeKey"]
        assert bus["Action"] == queue["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
        context = bus["Condition"]["StringEquals"]
        bus_arn = context["kms:EncryptionContext:aws:events:event-bus:arn"]
        assert f":events:{region}:" in bus_arn
        assert bus_arn.endswith(":event-bus/dbdr-events-test")
        queue_arns = queue["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sqs:arn"]
        # this region's delivery and configuration dead-letter queues, nothing else
        assert [a.rsplit(":", 1)[1] for a in queue_arns] == [
            f"dbdr-events-delivery-{code}-test",
            f"dbdr-config-replicator-dlq-{code}-test",
        ]
        assert all(f":sqs:{region}:" in a for a in queue_arns)


# Endpoint -----------------------------------------------------------------------------------


def test_endpoint_fails_over_from_the_primary_bus_to_the_secondary_region_on_the_health_check(doc):
    health_check = next(iter(resources(doc, "aws_route53_health_check")))
    role = _named(doc, "aws_iam_role", "dbdr-events-replication-test")
    endpoint = assert_only(
        doc,
        "aws_cloudwatch_event_endpoint",
        {
            "provider": "aws.primary",
            "name": "dbdr-events-endpoint-test",
            # the primary's bus first
            "event_bus": [
                {"event_bus_arn": _bus(doc, "primary", "arn")},
                {"event_bus_arn": _bus(doc, "secondary", "arn")},
            ],
            "routing_config": {
                "failover_config": {
                    "primary": {
                        "health_check": f"${{aws_route53_health_check.{health_check}.arn}}"
                    },
                    "secondary": {"route": SECONDARY},
                }
            },
            "replication_config": {"state": "ENABLED"},
            "role_arn": f"${{aws_iam_role.{role}.arn}}",
        },
    )
    # the role's policy exists before CreateEndpoint checks that EventBridge can use it
    policy = _named(doc, "aws_iam_role_policy", "dbdr-events-replication-test")
    assert f"aws_iam_role_policy.{policy}" in endpoint["depends_on"]


def test_only_eventbridge_in_this_account_can_assume_the_replication_role(doc):
    role = resources(doc, "aws_iam_role")[
        _named(doc, "aws_iam_role", "dbdr-events-replication-test")
    ]
    assert role["provider"] == "aws.primary"
    (statement,) = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    account = next(iter(doc["data"]["aws_caller_identity"]))
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": f"${{data.aws_caller_identity.{account}.account_id}}"
    }
    sources = statement["Condition"]["ArnLikeIfExists"]["aws:SourceArn"]
    assert [s.split(":")[3] for s in sources] == [PRIMARY, SECONDARY]


def test_replication_role_may_replicate_between_these_two_buses_and_nothing_more(doc):
    role = _named(doc, "aws_iam_role", "dbdr-events-replication-test")
    assert_resource(
        doc,
        "aws_iam_role_policy",
        {
            "provider": "aws.primary",
            "name": "dbdr-events-replication-test",
            "role": f"${{aws_iam_role.{role}.id}}",
        },
    )
    policy = resources(doc, "aws_iam_role_policy")[
        _named(doc, "aws_iam_role_policy", "dbdr-events-replication-test")
    ]
    statements = {s.pop("Sid"): s for s in json.loads(policy["policy"])["Statement"]}
    buses = [_bus(doc, r, "arn") for r in ROLES]
    assert statements["ReplicateToBothBuses"] == {
        "Effect": "Allow",
        "Action": ["events:PutEvents"],
        "Resource": buses,
    }
    rules = statements["ManageReplicationRules"]
    assert rules["Action"] == [
        "events:PutRule",
        "events:PutTargets",
        "events:DeleteRule",
        "events:RemoveTargets",
    ]
    assert [r.split(":")[3] for r in rules["Resource"]] == [PRIMARY, SECONDARY]
    assert all(
        r.endswith(":rule/dbdr-events-test/GlobalEndpointManagedRule-*") for r in rules["Resource"]
    )
    assert statements["PassItselfToReplicationRules"] == {
        "Effect": "Allow",
        "Action": ["iam:PassRole"],
        "Resource": f"${{aws_iam_role.{role}.arn}}",
        "Condition": {"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}},
    }
    assert statements["RulesOnEncryptedBuses"] == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [_key_arn(doc, r) for r in ROLES],
        "Condition": {"StringEquals": {"kms:EncryptionContext:aws:events:event-bus:arn": buses}},
    }
    assert set(statements) == {
        "ReplicateToBothBuses",
        "ManageReplicationRules",
        "PassItselfToReplicationRules",
        "RulesOnEncryptedBuses",
    }


# Health -------------------------------------------------------------------------------------


def test_alarm_is_awss_eventbridge_latency_alarm_in_the_primary_region_quiet_on_no_traffic(doc):
    alarm = assert_only(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "provider": "aws.primary",
            "alarm_name": "dbdr-events-health-test",
            "namespace": "AWS/Events",
            "metric_name": "IngestionToInvocationStartLatency",
            "statistic": "Average",
            "period": 60,
            "evaluation_periods": 5,
            "threshold": 30000,
            "comparison_operator": "GreaterThanThreshold",
            # no data is not a breach: a quiet application never fails over
            "treat_missing_data": "missing",
        },
    )
    # a service-level metric: no dimension (eb-monitoring.html); no actions by default
    assert "dimensions" not in alarm
    assert "alarm_actions" not in alarm and "ok_actions" not in alarm


def test_health_check_watches_the_alarm_and_keeps_its_last_status_without_data(doc):
    alarm = next(iter(resources(doc, "aws_cloudwatch_metric_alarm")))
    assert_only(
        doc,
        "aws_route53_health_check",
        {
            "provider": "aws.primary",
            "type": "CLOUDWATCH_METRIC",
            "cloudwatch_alarm_name": f"${{aws_cloudwatch_metric_alarm.{alarm}.alarm_name}}",
            "cloudwatch_alarm_region": PRIMARY,
            "insufficient_data_health_status": "LastKnownStatus",
            "tags": {"Name": "dbdr-events-health-test"},
        },
    )


# Delivery -----------------------------------------------------------------------------------


def test_each_bus_has_a_rule_on_the_source_prefix(doc):
    _assert_one_per_region(
        doc,
        "aws_cloudwatch_event_rule",
        lambda role: {
            "name": f"dbdr-events-delivery-{CODES[role]}-test",
            "event_bus_name": _bus(doc, role, "name"),
            "event_pattern": json.dumps({"source": [{"prefix": "dbdr.app"}]}),
            "state": "ENABLED",
        },
    )


def test_each_rule_delivers_to_its_regions_function_with_retries_and_dead_letters(doc):
    _assert_one_per_region(
        doc,
        "aws_cloudwatch_event_target",
        lambda role: {
            "rule": _ref(doc, "aws_cloudwatch_event_rule", role, "name"),
            "event_bus_name": _bus(doc, role, "name"),
            "arn": _function_arn(doc, role),
            "retry_policy": {"maximum_retry_attempts": 185, "maximum_event_age_in_seconds": 86400},
            "dead_letter_config": {"arn": _queue(doc, role, "arn")},
        },
    )


def test_each_function_may_be_invoked_by_its_regions_rule_only(doc):
    for role in ROLES:
        assert_resource(
            doc,
            "aws_lambda_permission",
            {
                "provider": f"aws.{role}",
                "action": "lambda:InvokeFunction",
                "function_name": f"dbdr-service-{CODES[role]}-test",
                "principal": "events.amazonaws.com",
                "source_arn": _ref(doc, "aws_cloudwatch_event_rule", role, "arn"),
            },
        )


def test_dead_letter_queues_are_encrypted_and_admit_eventbridge_for_this_rule_and_bus_only(doc):
    for role in ROLES:
        assert_resource(
            doc,
            "aws_sqs_queue",
            {
                "provider": f"aws.{role}",
                "name": f"dbdr-events-delivery-{CODES[role]}-test",
                "kms_master_key_id": _key_arn(doc, role),
                "message_retention_seconds": 1209600,
            },
        )
        _, policy = next(
            (n, b)
            for n, b in resources(doc, "aws_sqs_queue_policy").items()
            if b["provider"] == f"aws.{role}"
        )
        assert policy["queue_url"] == _queue(doc, role, "url")
        assert json.loads(policy["policy"])["Statement"] == [
            {
                "Sid": "EventBridgeDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": _queue(doc, role, "arn"),
                "Condition": {
                    "ArnEquals": {
                        "aws:SourceArn": [
                            _ref(doc, "aws_cloudwatch_event_rule", role, "arn"),
                            _bus(doc, role, "arn"),
                        ]
                    }
                },
            }
        ]


# Attributes ---------------------------------------------------------------------------------


def test_attributes_name_the_endpoint_health_check_and_buses(built, doc):
    events, _ = built
    endpoint = next(iter(resources(doc, "aws_cloudwatch_event_endpoint")))
    outputs = {name: body["value"] for name, body in doc["output"].items()}
    url = f"aws_cloudwatch_event_endpoint.{endpoint}.endpoint_url"
    # the URL's subdomain, which PutEvents takes as EndpointId
    assert outputs["endpoint_id"] == (
        f'${{element(split(".endpoints.event.", trimprefix({url}, "https://")), 0)}}'
    )
    assert outputs["endpoint_url"] == f"${{{url}}}"
    assert outputs["endpoint_arn"] == f"${{aws_cloudwatch_event_endpoint.{endpoint}.arn}}"
    check = next(iter(resources(doc, "aws_route53_health_check")))
    assert outputs["health_check_id"] == f"${{aws_route53_health_check.{check}.id}}"
    assert outputs["bus_name"] == "dbdr-events-test"
    for role in ROLES:
        assert outputs[f"{role}_bus_arn"] == _bus(doc, role, "arn")
        assert outputs[f"{role}_bus_name"] == _bus(doc, role, "name")
    statement = events.put_events_statement()
    assert statement["Action"] == ["events:PutEvents"]
    assert statement["Resource"] is events.put_events_resources
    assert len(events.put_events_resources) == 2


def test_a_topic_is_told_when_the_latency_alarm_changes():
    t = new_stack()
    regions = keyed_regions(t, application_events=ROLES)
    targets = {role: _function(t, regions[role], f"{role}Service") for role in ROLES}
    GlobalEvents(t.stack, "Events", _props(regions, targets, alarm_topic_arn=TOPIC))
    doc = t.synth()
    assert_only(
        doc,
        "aws_cloudwatch_metric_alarm",
        {"provider": "aws.primary", "alarm_actions": [TOPIC], "ok_actions": [TOPIC]},
    )
    assert_no_resource(doc, "aws_cloudwatch_metric_alarm", {"provider": "aws.secondary"})


# Validation ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base():
    """Keys (with and without application_events) and a function per region, to build
    invalid constructs over (each fails before creating anything)."""
    t = new_stack()
    regions = keyed_regions(t, application_events=ROLES)
    plain = keyed_regions(t, id_suffix="Plain")
    targets = {role: _function(t, regions[role], f"{role}Service") for role in ROLES}
    return t, regions, plain, targets


@pytest.mark.parametrize(
    "case, overrides, message",
    [
        (
            "same-region",
            lambda r, p, t: {"secondary": r["primary"]},
            "secondary region must differ from the primary, got us-east-1 twice",
        ),
        (
            "key-without-events",
            lambda r, p, t: {"secondary": p["secondary"]},
            "secondary.key must be a RegionalKey with application_events=True",
        ),
        (
            "missing-target",
            lambda r, p, t: {"targets": {"primary": t["primary"]}},
            "targets must have exactly the roles primary, secondary, got primary",
        ),
        (
            "target-in-wrong-region",
            lambda r, p, t: {"targets": {"primary": t["secondary"], "secondary": t["secondary"]}},
            r"targets\['primary'\] must be a function in us-east-1 .*dbdr-service-usw2-test",
        ),
        ("aws-source", {"source_prefix": "aws.app"}, "not with 'aws.'"),
        ("empty-source", {"source_prefix": ""}, "source_prefix must be 1-256"),
        (
            "topic-not-sns",
            {"alarm_topic_arn": "arn:aws:sqs:us-east-1:123456789012:q"},
            "alarm_topic_arn must be an SNS topic ARN",
        ),
        (
            "topic-in-secondary",
            {"alarm_topic_arn": TOPIC.replace("us-east-1", "us-west-2")},
            "alarm_topic_arn must be in the primary region us-east-1",
        ),
        *(
            (field, {field: value}, f"{field} must be {allowed}, got {value}")
            for field, value, allowed in (
                ("latency_threshold_ms", 0, "1..3600000"),
                ("latency_evaluation_periods", 1441, "1..1440"),
                ("retry_attempts", 186, "0..185"),
                ("max_event_age_seconds", 59, "60..86400"),
            )
        ),
    ],
)
def test_invalid_props_are_rejected_naming_field_value_and_what_is_allowed(
    base, case, overrides, message
):
    t, regions, plain, targets = base
    if callable(overrides):  # the cases that need the keys or functions built by ``base``
        overrides = overrides(regions, plain, targets)
    with pytest.raises(ValueError, match=message):
        GlobalEvents(t.stack, f"Invalid-{case}", _props(regions, targets, **overrides))
