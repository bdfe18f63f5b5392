"""EventBridge global endpoints (tools/emulator/events_endpoints.py, x-z): the provider's call
sequence, AWS's refusals, and PutEvents through an endpoint."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from botocore.config import Config

from support.emulator_checks import PRIMARY, SECONDARY, refusal, trust_policy

BUS = "emu-app-bus"
ENDPOINT = "emu-app-endpoint"
ALARM = "emu-primary-events-healthy"


@pytest.fixture()
def stack(emulator):
    """What the product deploys before the endpoint: a bus of the same name in each region, an
    alarm-based Route 53 health check on the primary, the replication role; and a queue behind
    a rule on each bus, to see where events land."""
    # parameter_validation off: the server's own checks are what the tests below exercise.
    unchecked = Config(parameter_validation=False)
    events = {r: emulator.client("events", r, config=unchecked) for r in (PRIMARY, SECONDARY)}
    buses = {r: events[r].create_event_bus(Name=BUS)["EventBusArn"] for r in events}
    cloudwatch = emulator.client("cloudwatch", PRIMARY)
    cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/Events",
        MetricName="PutEventsFailedEntries",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="healthy")
    check_id = emulator.client("route53").create_health_check(
        CallerReference="emu-events",
        HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC",
            "AlarmIdentifier": {"Region": PRIMARY, "Name": ALARM},
            "InsufficientDataHealthStatus": "Unhealthy",
        },
    )["HealthCheck"]["Id"]
    iam = emulator.client("iam")
    role = iam.create_role(
        RoleName="emu-replication", AssumeRolePolicyDocument=trust_policy("events.amazonaws.com")
    )
    queues = {}
    for region in events:
        sqs = emulator.client("sqs", region)
        url = sqs.create_queue(QueueName="emu-app-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        events[region].put_rule(Name="emu-app", EventBusName=BUS, EventPattern='{"source":["emu"]}')
        events[region].put_targets(
            Rule="emu-app",
            EventBusName=BUS,
            Targets=[{"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}],
        )
        queues[region] = (sqs, url)
    return {
        "events": events,
        "buses": buses,
        "health_check": f"arn:aws:route53:::healthcheck/{check_id}",
        "role": role["Role"]["Arn"],
        "queues": queues,
        "cloudwatch": cloudwatch,
        "iam": iam,
    }


def _routing(health_check: str, route: str) -> dict:
    """A RoutingConfig: events go to the primary while ``health_check`` is healthy, else to
    the Region ``route``."""
    return {
        "FailoverConfig": {
            "Primary": {"HealthCheck": health_check},
            "Secondary": {"Route": route},
        }
    }


def _config(stack, **overrides) -> dict:
    """CreateEndpoint's arguments as the provider sends them for the product's endpoint."""
    config = {
        "Name": ENDPOINT,
        "Description": "application events",
        "EventBuses": [
            {"EventBusArn": stack["buses"][PRIMARY]},
            {"EventBusArn": stack["buses"][SECONDARY]},
        ],
        "RoutingConfig": _routing(stack["health_check"], SECONDARY),
        "ReplicationConfig": {"State": "ENABLED"},
        "RoleArn": stack["role"],
    }
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


# -- (x) the provider's sequence ----------------------------------------------------------


def test_endpoint_lifecycle_as_the_provider_drives_it(stack):
    events = stack["events"][PRIMARY]
    created = events.create_endpoint(**_config(stack))
    assert created["State"] == "CREATING"
    assert created["Arn"] == f"arn:aws:events:{PRIMARY}:123456789012:endpoint/{ENDPOINT}"

    # waitEndpointCreated: CREATING -> ACTIVE; then the read
    found = events.describe_endpoint(Name=ENDPOINT)
    assert found["State"] == "ACTIVE"
    assert re.fullmatch(r"[a-z0-9]{10}\.[a-z]{3}", found["EndpointId"])
    assert found["EndpointUrl"] == f"https://{found['EndpointId']}.endpoint.events.amazonaws.com"
    assert found["Arn"] == created["Arn"]
    assert [b["EventBusArn"] for b in found["EventBuses"]] == [
        stack["buses"][PRIMARY],
        stack["buses"][SECONDARY],
    ]
    assert found["RoutingConfig"]["FailoverConfig"] == {
        "Primary": {"HealthCheck": stack["health_check"]},
        "Secondary": {"Route": SECONDARY},
    }
    assert (found["ReplicationConfig"], found["RoleArn"]) == ({"State": "ENABLED"}, stack["role"])
    assert found["Description"] == "application events"
    assert found["LastModifiedTime"] >= found["CreationTime"]

    # The endpoint belongs to the region that created it (HomeRegion reads it from elsewhere).
    assert [e["Name"] for e in events.list_endpoints()["Endpoints"]] == [ENDPOINT]
    other = stack["events"][SECONDARY]
    assert other.list_endpoints()["Endpoints"] == []
    assert other.describe_endpoint(Name=ENDPOINT, HomeRegion=PRIMARY)["Arn"] == created["Arn"]
    assert refusal(lambda: other.describe_endpoint(Name=ENDPOINT))[0] == (
        "ResourceNotFoundException"
    )

    # An update sends only what changed: UPDATING -> ACTIVE, the rest kept.
    updated = events.update_endpoint(
        Name=ENDPOINT, Description="changed", ReplicationConfig={"State": "DISABLED"}
    )
    assert (updated["State"], updated["EndpointId"]) == ("UPDATING", found["EndpointId"])
    again = events.describe_endpoint(Name=ENDPOINT)
    assert (again["State"], again["Description"]) == ("ACTIVE", "changed")
    assert again["ReplicationConfig"] == {"State": "DISABLED"}
    assert again["EventBuses"] == found["EventBuses"]
    assert again["RoutingConfig"] == found["RoutingConfig"]

    # Delete; the delete waiter and a second delete see ResourceNotFoundException.
    events.delete_endpoint(Name=ENDPOINT)
    code, status, message = refusal(lambda: events.describe_endpoint(Name=ENDPOINT))
    assert (code, status) == ("ResourceNotFoundException", 400)
    assert message == f"Endpoint {ENDPOINT} does not exist."
    assert refusal(lambda: events.delete_endpoint(Name=ENDPOINT))[0] == "ResourceNotFoundException"
    assert refusal(lambda: events.update_endpoint(Name=ENDPOINT, Description="x"))[0] == (
        "ResourceNotFoundException"
    )
    assert events.list_endpoints()["Endpoints"] == []


def test_list_endpoints_pages_and_filters_by_prefix(stack):
    events = stack["events"][PRIMARY]
    for name in ("emu-b", "emu-a", "other"):
        events.create_endpoint(**_config(stack, Name=name))
    first = events.list_endpoints(NamePrefix="emu-", MaxResults=1)
    second = events.list_endpoints(NamePrefix="emu-", NextToken=first["NextToken"])
    assert [e["Name"] for e in first["Endpoints"] + second["Endpoints"]] == ["emu-a", "emu-b"]
    assert "NextToken" not in second


# -- (x) what AWS refuses -----------------------------------------------------------------


def _other_bus(stack, region: str, name: str) -> str:
    return stack["events"][region].create_event_bus(Name=name)["EventBusArn"]


REFUSALS = {
    "name outside the pattern": (
        lambda s: {"Name": "emu endpoint!"},
        "1 validation error detected: Value 'emu endpoint!' at 'name' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
    ),
    "name over 64": (lambda s: {"Name": "e" * 65}, "Member must have length less than or equal"),
    "one event bus": (
        lambda s: {"EventBuses": [{"EventBusArn": s["buses"][PRIMARY]}]},
        "at 'eventBuses' failed to satisfy constraint: Member must have length greater than",
    ),
    "buses of different names": (
        lambda s: {
            "EventBuses": [
                {"EventBusArn": s["buses"][PRIMARY]},
                {"EventBusArn": _other_bus(s, SECONDARY, "emu-other-bus")},
            ]
        },
        "The names of the event buses must be identical in each Region",
    ),
    "both buses in one region": (
        lambda s: {
            "EventBuses": [
                {"EventBusArn": s["buses"][PRIMARY]},
                {"EventBusArn": s["buses"][PRIMARY]},
            ]
        },
        "The event buses must be in two different Regions",
    ),
    "a bus that does not exist": (
        lambda s: {
            "EventBuses": [
                {"EventBusArn": s["buses"][PRIMARY]},
                {"EventBusArn": s["buses"][SECONDARY].replace(SECONDARY, "eu-west-1")},
            ],
            "RoutingConfig": _routing(s["health_check"], "eu-west-1"),
        },
        "Event bus arn:aws:events:eu-west-1:123456789012:event-bus/emu-app-bus does not exist.",
    ),
    "a health check that does not exist": (
        lambda s: {
            "RoutingConfig": _routing("arn:aws:route53:::healthcheck/0000-missing", SECONDARY)
        },
        "Health check arn:aws:route53:::healthcheck/0000-missing does not exist.",
    ),
    "a health check that is not a Route 53 health check ARN": (
        lambda s: {"RoutingConfig": _routing(f"arn:aws:cloudwatch:{PRIMARY}::alarm:x", SECONDARY)},
        "at 'routingConfig.failoverConfig.primary.healthCheck' failed to satisfy constraint",
    ),
    "a secondary route outside the buses' regions": (
        lambda s: {"RoutingConfig": _routing(s["health_check"], "eu-west-1")},
        "The secondary Region eu-west-1 must be the Region of one of the event buses",
    ),
    "replication enabled without a role": (
        lambda s: {"RoleArn": None},
        "RoleArn is required when event replication is ENABLED.",
    ),
    "a role EventBridge cannot assume": (
        lambda s: {
            "RoleArn": s["iam"].create_role(
                RoleName="emu-lambda-only",
                AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"),
            )["Role"]["Arn"]
        },
        "Provided role 'arn:aws:iam::123456789012:role/emu-lambda-only' cannot be assumed by "
        "principal 'events.amazonaws.com'.",
    ),
    "a role that does not exist": (
        lambda s: {"RoleArn": "arn:aws:iam::123456789012:role/emu-missing"},
        "Provided role 'arn:aws:iam::123456789012:role/emu-missing' cannot be assumed by "
        "principal 'events.amazonaws.com'.",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_create_endpoint_refuses_what_aws_refuses(stack, case):
    overrides, expected = REFUSALS[case]
    events = stack["events"][PRIMARY]
    code, status, message = refusal(
        lambda: events.create_endpoint(**_config(stack, **overrides(stack)))
    )
    assert (code, status) == ("ValidationException", 400)
    assert expected in message
    assert events.list_endpoints()["Endpoints"] == []  # nothing was created


def test_an_update_is_checked_as_a_create_is(stack):
    events = stack["events"][PRIMARY]
    events.create_endpoint(**_config(stack))
    code, _, message = refusal(
        lambda: events.update_endpoint(
            Name=ENDPOINT,
            RoutingConfig=_routing(stack["health_check"], "eu-west-1"),
        )
    )
    assert code == "ValidationException" and "eu-west-1" in message
    found = events.describe_endpoint(Name=ENDPOINT)
    assert found["RoutingConfig"]["FailoverConfig"]["Secondary"] == {"Route": SECONDARY}


def test_a_second_endpoint_of_the_same_name_is_refused(stack):
    events = stack["events"][PRIMARY]
    events.create_endpoint(**_config(stack))
    code, status, message = refusal(lambda: events.create_endpoint(**_config(stack)))
    assert (code, status) == ("ResourceAlreadyExistsException", 400)
    assert message == f"Endpoint {ENDPOINT} already exists."


def test_replication_disabled_needs_no_role(stack):
    events = stack["events"][PRIMARY]
    events.create_endpoint(**_config(stack, RoleArn=None, ReplicationConfig={"State": "DISABLED"}))
    found = events.describe_endpoint(Name=ENDPOINT)
    assert "RoleArn" not in found and found["ReplicationConfig"] == {"State": "DISABLED"}


# -- (y) PutEvents through the endpoint ---------------------------------------------------


def _put_through_endpoint(emulator, endpoint_id: str, detail: str) -> dict:
    """PutEvents as an SDK with SigV4a (botocore[crt]) sends it: the endpoint's EndpointId in
    the body, a credential scope without a Region, X-Amz-Region-Set: *."""
    body = {
        "EndpointId": endpoint_id,
        "Entries": [
            {"Source": "emu", "DetailType": "order", "Detail": detail, "EventBusName": BUS}
        ],
    }
    request = urllib.request.Request(
        emulator.endpoint + "/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSEvents.PutEvents",
            "X-Amz-Region-Set": "*",
            "X-Amz-Date": "20260101T000000Z",
            "Authorization": "AWS4-ECDSA-P256-SHA256 Credential=testing/20260101/events/"
            "aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=00",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _received(stack, region: str) -> list[dict]:
    sqs, url = stack["queues"][region]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"])["detail"] for m in messages]


def test_put_events_goes_where_the_health_check_says(emulator, stack):
    events = stack["events"][PRIMARY]
    events.create_endpoint(**_config(stack))
    endpoint_id = events.describe_endpoint(Name=ENDPOINT)["EndpointId"]

    # Healthy primary: the primary bus gets the event, replication copies it to the secondary.
    answer = _put_through_endpoint(emulator, endpoint_id, '{"n": 1}')
    assert answer["FailedEntryCount"] == 0 and "EventId" in answer["Entries"][0]
    assert _received(stack, PRIMARY) == [{"n": 1}]
    assert _received(stack, SECONDARY) == [{"n": 1}]

    # The health check's alarm fires: events go to the secondary Region (and are replicated).
    stack["cloudwatch"].set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="down")
    events.update_endpoint(Name=ENDPOINT, ReplicationConfig={"State": "DISABLED"})
    _put_through_endpoint(emulator, endpoint_id, '{"n": 2}')
    assert _received(stack, SECONDARY) == [{"n": 2}]
    assert _received(stack, PRIMARY) == []

    # Recovered: back to the primary.
    stack["cloudwatch"].set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="up")
    _put_through_endpoint(emulator, endpoint_id, '{"n": 3}')
    assert (_received(stack, PRIMARY), _received(stack, SECONDARY)) == ([{"n": 3}], [])

    # Missing data counts as the check's InsufficientDataHealthStatus (Unhealthy here).
    stack["cloudwatch"].set_alarm_state(
        AlarmName=ALARM, StateValue="INSUFFICIENT_DATA", StateReason="no data"
    )
    _put_through_endpoint(emulator, endpoint_id, '{"n": 4}')
    assert (_received(stack, PRIMARY), _received(stack, SECONDARY)) == ([], [{"n": 4}])


def test_put_events_without_an_endpoint_stays_regional(emulator, stack):
    stack["events"][PRIMARY].create_endpoint(**_config(stack))
    stack["cloudwatch"].set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="down")
    answer = stack["events"][PRIMARY].put_events(
        Entries=[
            {"Source": "emu", "DetailType": "order", "Detail": '{"n": 5}', "EventBusName": BUS}
        ]
    )
    assert answer["FailedEntryCount"] == 0
    assert (_received(stack, PRIMARY), _received(stack, SECONDARY)) == ([{"n": 5}], [])


def test_put_events_to_an_unknown_endpoint_is_refused(emulator, stack):
    with pytest.raises(urllib.error.HTTPError) as raised:
        _put_through_endpoint(emulator, "nosuchthing.abc", '{"n": 6}')
    assert raised.value.code == 400
    assert json.loads(raised.value.read())["__type"] == "ResourceNotFoundException"


# -- (z) buses in use ---------------------------------------------------------------------


def test_a_bus_with_rules_or_a_replicating_endpoint_is_not_deleted(stack):
    events = stack["events"]
    # A bus that still has a rule (the product's rule on each bus).
    code, status, message = refusal(lambda: events[SECONDARY].delete_event_bus(Name=BUS))
    assert (code, status, message) == (
        "ValidationException",
        400,
        "EventBus can't be deleted since it has rules.",
    )
    for region in events:
        events[region].remove_targets(Rule="emu-app", EventBusName=BUS, Ids=["queue"])
        events[region].delete_rule(Name="emu-app", EventBusName=BUS)

    # A bus an endpoint replicates to (AWS's managed rules) waits for the endpoint.
    events[PRIMARY].create_endpoint(**_config(stack))
    assert refusal(lambda: events[SECONDARY].delete_event_bus(Name=BUS))[0] == "ValidationException"
    events[PRIMARY].delete_endpoint(Name=ENDPOINT)
    for region in events:
        events[region].delete_event_bus(Name=BUS)
        assert BUS not in [b["Name"] for b in events[region].list_event_buses()["EventBuses"]]
