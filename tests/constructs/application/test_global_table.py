"""GlobalTable: the application's DynamoDB global table (a replica per region, each with
its region's key) and a ReplicationLatency alarm per region on what it sends to the other."""

from __future__ import annotations

import pytest
from cdktf import TerraformOutput

from constructs_lib.application.global_table import GlobalTable, GlobalTableProps
from dr_lambdas.contract import ROLES
from support.matchers import assert_only, assert_resource, assert_terraform_validates, resources
from support.stacks import NAMER, PRIMARY, SECONDARY, keyed_regions, new_stack

TOPICS = {
    "primary": "arn:aws:sns:us-east-1:123456789012:dbdr-alerts-use1-test",
    "secondary": "arn:aws:sns:us-west-2:123456789012:dbdr-alerts-usw2-test",
}
TABLE = "dbdr-app-table-test"
CODES = {"primary": "use1", "secondary": "usw2"}


def _stack(secondary_region: str = SECONDARY, **overrides):
    t = new_stack()
    regions = keyed_regions(t, secondary_region=secondary_region)
    props = dict(
        namer=NAMER, primary=regions["primary"], secondary=regions["secondary"], topic_arns=TOPICS
    )
    props.update(overrides)
    return t, GlobalTable(t.stack, "AppTable", GlobalTableProps(**props))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The default construct, its attributes as outputs, fully synthesized into a
    directory of its own (for terraform validate and checkov)."""
    t, table = _stack()
    for role in ROLES:
        TerraformOutput(t.stack, f"{role}_arn", value=table.arn(role))
        TerraformOutput(t.stack, f"{role}_alarm", value=table.alarm_names[role])
    TerraformOutput(t.stack, "table_name", value=table.table_name)
    TerraformOutput(t.stack, "table_arn", value=table.table_arn)
    TerraformOutput(t.stack, "replica_arn", value=table.replica_arn)
    TerraformOutput(t.stack, "stream_arn", value=table.stream_arn)
    doc, stack_dir = t.full_synth(tmp_path_factory.mktemp("global-table"))
    return doc, stack_dir, table


@pytest.fixture(scope="module")
def doc(built):
    return built[0]


def _name(doc: dict, rtype: str, provider: str) -> str:
    (name,) = [n for n, b in resources(doc, rtype).items() if b["provider"] == provider]
    return name


def _key_arn(doc: dict, role: str) -> str:
    return f"${{aws_kms_key.{_name(doc, 'aws_kms_key', f'aws.{role}')}.arn}}"


def _table_ref(doc: dict, attribute: str) -> str:
    (name,) = resources(doc, "aws_dynamodb_table")
    return f"${{aws_dynamodb_table.{name}.{attribute}}}"


# The table -------------------------------------------------------------------------------


def test_one_on_demand_table_through_the_primary_provider_with_pk_and_sk(doc):
    body = assert_only(
        doc,
        "aws_dynamodb_table",
        {
            "provider": "aws.primary",
            "name": TABLE,
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "pk",
            "range_key": "sk",
            "deletion_protection_enabled": False,
        },
    )
    assert sorted(body["attribute"], key=lambda a: a["name"]) == [
        {"name": "pk", "type": "S"},
        {"name": "sk", "type": "S"},
    ]
    for capacity in ("read_capacity", "write_capacity"):
        assert capacity not in body


def test_stream_of_new_and_old_images_and_point_in_time_recovery_on_the_table(doc):
    assert_resource(
        doc,
        "aws_dynamodb_table",
        {
            "stream_enabled": True,
            "stream_view_type": "NEW_AND_OLD_IMAGES",
            "point_in_time_recovery": {"enabled": True},
        },
    )


def test_each_replica_is_encrypted_with_the_key_of_its_own_region(doc):
    body = assert_only(
        doc,
        "aws_dynamodb_table",
        {"server_side_encryption": {"enabled": True, "kms_key_arn": _key_arn(doc, "primary")}},
    )
    # the whole block list: one replica, in the secondary region, nothing unexpected
    assert body["replica"] == [
        {
            "region_name": SECONDARY,
            "kms_key_arn": _key_arn(doc, "secondary"),
            "point_in_time_recovery": True,
            "propagate_tags": True,
        }
    ]


def test_the_key_policies_are_left_as_they_were():
    # DynamoDB uses a customer-managed key through the caller's IAM permissions, which the
    # AccountAdministration statement delegates; no statement is added for it.
    t = new_stack()
    regions = keyed_regions(t)
    sids = [s["Sid"] for s in regions["primary"].key.policy_document["Statement"]]
    assert not [sid for sid in sids if "Dynamo" in sid]


# Alarms ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role, other", [("primary", SECONDARY), ("secondary", PRIMARY)])
def test_each_region_alarms_on_replication_into_the_other_to_its_own_topic(doc, role, other):
    assert_resource(
        doc,
        "aws_cloudwatch_metric_alarm",
        {
            "provider": f"aws.{role}",
            "alarm_name": f"dbdr-table-replication-{CODES[role]}-test",
            "namespace": "AWS/DynamoDB",
            "metric_name": "ReplicationLatency",
            "dimensions": {"TableName": _table_ref(doc, "name"), "ReceivingRegion": other},
            "alarm_actions": [TOPICS[role]],
            "ok_actions": [TOPICS[role]],
        },
    )


def test_alarm_defaults_average_over_a_minute_three_times_above_sixty_seconds(doc):
    alarms = resources(doc, "aws_cloudwatch_metric_alarm")
    assert len(alarms) == 2
    assert {body["provider"] for body in alarms.values()} == {"aws.primary", "aws.secondary"}
    for body in alarms.values():
        assert body["statistic"] == "Average"
        assert body["period"] == 60
        assert body["evaluation_periods"] == 3
        assert body["datapoints_to_alarm"] == 3
        assert body["comparison_operator"] == "GreaterThanThreshold"
        assert body["threshold"] == 60000
        # an idle table publishes no ReplicationLatency and must stay OK
        assert body["treat_missing_data"] == "notBreaching"
        assert set(body["dimensions"]) == {"TableName", "ReceivingRegion"}


def test_alarm_settings_follow_the_props():
    t, _ = _stack(
        replication_latency_threshold_ms=5000, alarm_period_seconds=300, evaluation_periods=2
    )
    doc = t.synth()
    for role in ROLES:
        assert_resource(
            doc,
            "aws_cloudwatch_metric_alarm",
            {
                "provider": f"aws.{role}",
                "threshold": 5000,
                "period": 300,
                "evaluation_periods": 2,
                "datapoints_to_alarm": 2,
            },
        )


# What it exposes -------------------------------------------------------------------------


def test_exposes_names_and_arns_of_each_replica(doc):
    outputs = {name: body["value"] for name, body in doc["output"].items()}
    assert outputs["table_name"] == _table_ref(doc, "name")
    assert outputs["table_arn"] == outputs["primary_arn"] == _table_ref(doc, "arn")
    assert outputs["stream_arn"] == _table_ref(doc, "stream_arn")
    (account,) = [
        n for n, b in doc["data"]["aws_caller_identity"].items() if b["provider"] == "aws.secondary"
    ]
    (partition,) = [
        n for n, b in doc["data"]["aws_partition"].items() if b["provider"] == "aws.secondary"
    ]
    assert (
        outputs["secondary_arn"]
        == outputs["replica_arn"]
        == (
            f"arn:${{data.aws_partition.{partition}.partition}}:dynamodb:{SECONDARY}:"
            f"${{data.aws_caller_identity.{account}.account_id}}:table/{_table_ref(doc, 'name')}"
        )
    )
    alarms = resources(doc, "aws_cloudwatch_metric_alarm")
    for role in ROLES:
        (name,) = [n for n, b in alarms.items() if b["provider"] == f"aws.{role}"]
        assert outputs[f"{role}_alarm"] == f"${{aws_cloudwatch_metric_alarm.{name}.alarm_name}}"


def test_metric_specs_name_the_source_region_and_the_receiving_one(built):
    _, _, table = built
    primary, secondary = table.metrics["primary"], table.metrics["secondary"]
    assert (primary.region, primary.receiving_region) == (PRIMARY, SECONDARY)
    assert (secondary.region, secondary.receiving_region) == (SECONDARY, PRIMARY)
    row = primary.widget_metric()
    assert row[:3] == ["AWS/DynamoDB", "ReplicationLatency", "TableName"]
    assert row[4:6] == ["ReceivingRegion", SECONDARY]
    assert row[6]["region"] == PRIMARY
    assert row[6]["stat"] == "Average" and row[6]["period"] == 60


def test_key_statement_allows_the_region_key_only_through_dynamodb_of_that_region(built):
    _, _, table = built
    statement = table.key_statement("secondary", write=False)
    assert statement["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert statement["Resource"] == table.regions["secondary"].key.arn
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": f"dynamodb.{SECONDARY}.amazonaws.com"}
    }
    writer = table.key_statement("primary")
    assert set(writer["Action"]) >= {"kms:Encrypt", "kms:GenerateDataKey*", "kms:Decrypt"}
    with pytest.raises(ValueError, match="role must be one of primary, secondary, got 'third'"):
        table.arn("third")


# Validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"secondary_region": PRIMARY},
            "secondary region must differ from the primary, got us-east-1 twice",
        ),
        (
            {"topic_arns": {"primary": TOPICS["primary"]}},
            r"topic_arns must have exactly the keys primary, secondary, got \['primary'\]",
        ),
        (
            {"topic_arns": {**TOPICS, "secondary": "alerts"}},
            r"topic_arns\['secondary'\] must be an SNS topic ARN, got 'alerts'",
        ),
        (
            {"replication_latency_threshold_ms": 0},
            "replication_latency_threshold_ms must be greater than 0, got 0",
        ),
        (
            {"alarm_period_seconds": 30},
            r"alarm_period_seconds must be a multiple of 60 .*, got 30",
        ),
        (
            {"alarm_period_seconds": 90},
            r"alarm_period_seconds must be a multiple of 60 .*, got 90",
        ),
        ({"evaluation_periods": 0}, "evaluation_periods must be at least 1, got 0"),
        (
            {"alarm_period_seconds": 3600, "evaluation_periods": 25},
            r"alarm_period_seconds x evaluation_periods must be at most 86400 s .*, "
            r"got 3600 x 25",
        ),
    ],
)
def test_rejects_invalid_props(overrides, message):
    with pytest.raises(ValueError, match=message):
        _stack(**overrides)


# Terraform and checkov -------------------------------------------------------------------


def test_terraform_validates_it_without_warnings(built, tmp_path):
    _, stack_dir, _ = built
    assert_terraform_validates(stack_dir, tmp_path)
