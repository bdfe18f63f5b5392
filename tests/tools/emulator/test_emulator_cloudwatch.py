"""CloudWatch composite alarms (patch i) and alarms that act (patch w)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from support.emulator_checks import (
    PRIMARY,
    PRIMARY_ID,
    error_code,
    put_canary_alarm,
)

# -- CloudWatch composite alarms (patch i) -------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:dr-alerts"
COMPOSITE = "writer-unhealthy"


def put_writer_alarms(client, **actions: list[str]) -> None:
    """The metric alarms composite alarms watch, ``writer-cpu`` and ``writer-lag``."""
    for name in ("writer-cpu", "writer-lag"):
        client.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/RDS",
            MetricName="CPUUtilization",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": PRIMARY_ID}],
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=90.0,
            ComparisonOperator="GreaterThanThreshold",
            **actions,
        )


@pytest.fixture()
def cloudwatch(emulator):
    """A CloudWatch client, and two metric alarms for composite alarms to watch."""
    client = emulator.client("cloudwatch", PRIMARY)
    put_writer_alarms(client)
    return client


def composite(client, name: str = COMPOSITE) -> dict:
    answer = client.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])
    assert answer["MetricAlarms"] == []
    (alarm,) = answer["CompositeAlarms"]
    return alarm


def test_composite_alarm_round_trips_as_the_terraform_provider_reads_it(cloudwatch):
    rule = "ALARM(writer-cpu) OR ALARM(writer-lag)"
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmRule=rule,
        AlarmDescription="writer is unhealthy",
        ActionsEnabled=True,
        AlarmActions=[TOPIC],
        OKActions=[TOPIC],
        InsufficientDataActions=[],
        Tags=[{"Key": "Project", "Value": "dbdr"}],
    )
    alarm = composite(cloudwatch)
    arn = f"arn:aws:cloudwatch:{PRIMARY}:123456789012:alarm:{COMPOSITE}"
    assert {
        key: alarm[key]
        for key in (
            "AlarmName",
            "AlarmArn",
            "AlarmRule",
            "AlarmDescription",
            "ActionsEnabled",
            "AlarmActions",
            "OKActions",
            "InsufficientDataActions",
            "StateValue",
        )
    } == {
        "AlarmName": COMPOSITE,
        "AlarmArn": arn,
        "AlarmRule": rule,
        "AlarmDescription": "writer is unhealthy",
        "ActionsEnabled": True,
        "AlarmActions": [TOPIC],
        "OKActions": [TOPIC],
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
    }  # AWS: a new composite alarm's state
    assert alarm["StateReason"] and alarm["StateUpdatedTimestamp"]
    assert alarm["AlarmConfigurationUpdatedTimestamp"]

    # Without AlarmTypes AWS describes metric alarms only; each type on request.
    everything = cloudwatch.describe_alarms()
    assert everything["CompositeAlarms"] == []
    assert sorted(a["AlarmName"] for a in everything["MetricAlarms"]) == [
        "writer-cpu",
        "writer-lag",
    ]
    both = cloudwatch.describe_alarms(
        AlarmTypes=["MetricAlarm", "CompositeAlarm"], AlarmNamePrefix="writer-"
    )
    assert len(both["MetricAlarms"]) == 2 and len(both["CompositeAlarms"]) == 1
    assert (
        cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm"], AlarmNames=[COMPOSITE])[
            "MetricAlarms"
        ]
        == []
    )

    def tags() -> dict[str, str]:
        found = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
        return {tag["Key"]: tag["Value"] for tag in found}

    assert tags() == {"Project": "dbdr"}
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "Environment", "Value": "t"}])
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert tags() == {"Environment": "t"}

    cloudwatch.set_alarm_state(AlarmName=COMPOSITE, StateValue="ALARM", StateReason="drill")
    assert composite(cloudwatch)["StateValue"] == "ALARM"
    in_alarm = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"], StateValue="ALARM")
    assert [a["AlarmName"] for a in in_alarm["CompositeAlarms"]] == [COMPOSITE]
    assert (
        cloudwatch.describe_alarms(
            AlarmTypes=["CompositeAlarm"], AlarmNames=[COMPOSITE], StateValue="OK"
        )["CompositeAlarms"]
        == []
    )

    # An update overwrites the configuration, keeps the state and ignores Tags (AWS).
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmRule="ALARM(writer-cpu)",
        AlarmActions=[TOPIC],
        Tags=[{"Key": "Ignored", "Value": "on-update"}],
    )
    alarm = composite(cloudwatch)
    assert (alarm["AlarmRule"], alarm["StateValue"], alarm["OKActions"]) == (
        "ALARM(writer-cpu)",
        "ALARM",
        [],
    )
    assert "AlarmDescription" not in alarm
    assert tags() == {"Environment": "t"}

    cloudwatch.delete_alarms(AlarmNames=[COMPOSITE])
    assert (
        cloudwatch.describe_alarms(AlarmNames=[COMPOSITE], AlarmTypes=["CompositeAlarm"])[
            "CompositeAlarms"
        ]
        == []
    )
    assert tags() == {}  # a deleted alarm's tags go with it


def test_composite_alarm_needs_its_alarms_and_protects_them_from_deletion(cloudwatch):
    with pytest.raises(ClientError) as excinfo:
        cloudwatch.put_composite_alarm(
            AlarmName=COMPOSITE, AlarmRule="ALARM(writer-cpu) AND ALARM(no-such-alarm)"
        )
    assert error_code(excinfo) == "ValidationError"
    assert "no-such-alarm" in str(excinfo.value)
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []

    lag_arn = f"arn:aws:cloudwatch:{PRIMARY}:123456789012:alarm:writer-lag"
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE, AlarmRule=f'ALARM("writer-cpu") OR OK({lag_arn})'
    )
    for doomed in (["writer-cpu"], ["writer-lag", "writer-cpu"]):
        with pytest.raises(ClientError) as excinfo:
            cloudwatch.delete_alarms(AlarmNames=doomed)
        assert error_code(excinfo) == "ValidationError"
        assert "composite alarm(s) depending on" in str(excinfo.value)
    assert len(cloudwatch.describe_alarms()["MetricAlarms"]) == 2  # nothing was deleted
    # The composite alarm first (as Terraform destroys it), then what it watched.
    cloudwatch.delete_alarms(AlarmNames=[COMPOSITE])
    cloudwatch.delete_alarms(AlarmNames=["writer-cpu", "writer-lag"])
    left = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert (left["MetricAlarms"], left["CompositeAlarms"]) == ([], [])


def test_composite_alarm_over_the_query_protocol_the_terraform_provider_uses(emulator, cloudwatch):
    import urllib.parse
    import xml.etree.ElementTree as ElementTree

    def call(action: str, **params: str) -> ElementTree.Element:
        body = urllib.parse.urlencode({"Action": action, "Version": "2010-08-01", **params})
        request = urllib.request.Request(
            f"{emulator.endpoint}/",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/"
                "monitoring/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return ElementTree.fromstring(response.read())

    call(
        "PutCompositeAlarm",
        AlarmName=COMPOSITE,
        AlarmRule="ALARM(writer-cpu)",
        ActionsEnabled="true",
        **{
            "AlarmActions.member.1": TOPIC,
            "Tags.member.1.Key": "Project",
            "Tags.member.1.Value": "dbdr",
        },
    )
    answer = call(
        "DescribeAlarms",
        **{"AlarmNames.member.1": COMPOSITE, "AlarmTypes.member.1": "CompositeAlarm"},
    )
    namespace = {"cw": "http://monitoring.amazonaws.com/doc/2010-08-01/"}
    (alarm,) = answer.findall(".//cw:CompositeAlarms/cw:member", namespace)
    assert alarm.findtext("cw:AlarmName", namespaces=namespace) == COMPOSITE
    assert alarm.findtext("cw:AlarmRule", namespaces=namespace) == "ALARM(writer-cpu)"
    assert alarm.findtext("cw:StateValue", namespaces=namespace) == "INSUFFICIENT_DATA"
    assert [a.text for a in alarm.findall("cw:AlarmActions/cw:member", namespace)] == [TOPIC]
    assert answer.findall(".//cw:MetricAlarms/cw:member", namespace) == []
    assert composite(cloudwatch)["AlarmArn"].endswith(f":alarm:{COMPOSITE}")


# -- Alarms act (patch w) -------------------------------------------------------------------


def _inbox(emulator, topic_arn: str, **attributes: str) -> str:
    """An SQS queue subscribed to the topic (with a filter policy when given)."""
    sqs = emulator.client("sqs", PRIMARY)
    url = sqs.create_queue(QueueName=f"inbox-{len(attributes)}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    emulator.client("sns", PRIMARY).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes
    )
    return url


def _received(emulator, url: str) -> list[tuple[str, dict]]:
    """(subject, notification) of every message in the queue, removing them."""
    sqs, got = emulator.client("sqs", PRIMARY), []
    for _ in range(10):  # bounded: a test sends a handful
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            got.append((body.get("Subject"), json.loads(body["Message"])))
    return got


def test_a_state_change_publishes_the_alarm_notification_to_the_topics_of_that_state(
    emulator, cloudwatch
):
    topic = emulator.client("sns", PRIMARY).create_topic(Name="dr-alerts")["TopicArn"]
    inbox = _inbox(emulator, topic)
    put_canary_alarm(
        cloudwatch,
        "peer-down",
        "PeerConnectivityOkHighRes",
        {"DBClusterIdentifier": PRIMARY_ID},
        AlarmDescription="the peer cannot be reached",
        Period=10,
        EvaluationPeriods=2,
        AlarmActions=[topic],
        OKActions=[topic],
    )

    state = cloudwatch.describe_alarms(AlarmNames=["peer-down"])["MetricAlarms"][0]["StateValue"]
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="ALARM", StateReason="drill")
    ((subject, note),) = _received(emulator, inbox)
    assert subject == 'ALARM: "peer-down" in US East (N. Virginia)'
    assert {
        k: note[k]
        for k in (
            "AlarmName",
            "AlarmDescription",
            "NewStateValue",
            "OldStateValue",
            "NewStateReason",
            "Region",
            "AlarmArn",
            "AlarmActions",
            "OKActions",
        )
    } == {
        "AlarmName": "peer-down",
        "AlarmDescription": "the peer cannot be reached",
        "NewStateValue": "ALARM",
        "OldStateValue": state,
        "NewStateReason": "drill",
        "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:{PRIMARY}:123456789012:alarm:peer-down",
        "AlarmActions": [topic],
        "OKActions": [topic],
    }
    assert note["Trigger"]["MetricName"] == "PeerConnectivityOkHighRes"
    assert note["Trigger"]["Period"] == 10

    # The same state again is no change: nothing is published (AWS acts on changes only).
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="ALARM", StateReason="again")
    assert _received(emulator, inbox) == []
    # OK has its own actions; INSUFFICIENT_DATA has none here.
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="OK", StateReason="back")
    assert [(n["OldStateValue"], n["NewStateValue"]) for _, n in _received(emulator, inbox)] == [
        ("ALARM", "OK")
    ]
    cloudwatch.set_alarm_state(
        AlarmName="peer-down", StateValue="INSUFFICIENT_DATA", StateReason="quiet"
    )
    assert _received(emulator, inbox) == []
    # Disabled actions publish nothing.
    cloudwatch.disable_alarm_actions(AlarmNames=["peer-down"])
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="ALARM", StateReason="off")
    assert _received(emulator, inbox) == []


def test_a_composite_alarm_follows_its_rule_and_acts(emulator, cloudwatch):
    topic = emulator.client("sns", PRIMARY).create_topic(Name="dr-alerts")["TopicArn"]
    inbox = _inbox(emulator, topic)
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmActions=[topic],
        AlarmRule='ALARM("writer-cpu") OR ALARM(writer-lag)',
    )
    assert composite(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"  # until a child changes
    cloudwatch.set_alarm_state(
        AlarmName="writer-cpu", StateValue="INSUFFICIENT_DATA", StateReason="t"
    )
    assert composite(cloudwatch)["StateValue"] == "OK"  # neither child is in ALARM
    cloudwatch.set_alarm_state(AlarmName="writer-lag", StateValue="ALARM", StateReason="t")
    assert composite(cloudwatch)["StateValue"] == "ALARM"
    ((subject, note),) = _received(emulator, inbox)  # the composite's; children have none
    assert (note["AlarmName"], note["NewStateValue"], note["OldStateValue"]) == (
        COMPOSITE,
        "ALARM",
        "OK",
    )
    assert note["AlarmRule"] == 'ALARM("writer-cpu") OR ALARM(writer-lag)'
    assert subject.startswith(f'ALARM: "{COMPOSITE}"')
    cloudwatch.set_alarm_state(AlarmName="writer-lag", StateValue="OK", StateReason="t")
    assert composite(cloudwatch)["StateValue"] == "OK"


@pytest.mark.parametrize(
    "rule, states, expected",
    [
        ("ALARM(a) OR ALARM(b)", {"a": "OK", "b": "ALARM"}, True),
        ("ALARM(a) AND ALARM(b)", {"a": "OK", "b": "ALARM"}, False),
        ("ALARM(a) OR ALARM(b) AND OK(c)", {"a": "ALARM", "b": "OK", "c": "ALARM"}, True),
        ("(ALARM(a) OR ALARM(b)) AND OK(c)", {"a": "ALARM", "b": "OK", "c": "ALARM"}, False),
        ('NOT ALARM("a") AND TRUE', {"a": "OK"}, True),
        ("INSUFFICIENT_DATA(a) OR FALSE", {"a": "INSUFFICIENT_DATA"}, True),
        ("ALARM(missing)", {}, None),
        ("AT_LEAST(1, ALARM, (a, b))", {"a": "ALARM", "b": "OK"}, None),
    ],
)
def test_alarm_rules_evaluate_with_not_before_and_before_or(rule, states, expected):
    from tools.emulator import _evaluate_alarm_rule

    assert _evaluate_alarm_rule(rule, states.get) is expected


def test_a_lambda_subscription_is_delivered_when_its_filter_matches(emulator, cloudwatch):
    from tools.emulator import lambda_deliveries

    sns = emulator.client("sns", PRIMARY)
    topic = sns.create_topic(Name="dr-alerts")["TopicArn"]
    function = f"arn:aws:lambda:{PRIMARY}:123456789012:function:orchestrator"
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function,
        ReturnSubscriptionArn=True,
        Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"AlarmName": ["writer-cpu"], "NewStateValue": ["ALARM"]}),
        },
    )["SubscriptionArn"]
    put_writer_alarms(cloudwatch, AlarmActions=[topic], OKActions=[topic])
    lambda_deliveries()
    cloudwatch.set_alarm_state(AlarmName="writer-lag", StateValue="ALARM", StateReason="t")
    cloudwatch.set_alarm_state(AlarmName="writer-cpu", StateValue="OK", StateReason="t")
    assert lambda_deliveries(function) == []  # neither matches the filter
    cloudwatch.set_alarm_state(AlarmName="writer-cpu", StateValue="ALARM", StateReason="t")
    (delivery,) = lambda_deliveries(function)
    (record,) = delivery["event"]["Records"]
    assert (record["EventSource"], record["EventSubscriptionArn"]) == ("aws:sns", subscription)
    assert record["Sns"]["TopicArn"] == topic
    assert json.loads(record["Sns"]["Message"])["AlarmName"] == "writer-cpu"
    assert lambda_deliveries(function) == []  # taken once
