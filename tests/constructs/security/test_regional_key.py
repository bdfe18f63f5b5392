"""RegionalKey: rotating CMK with an alias and a policy scoped to this account's services."""

import json

import pytest

from support.matchers import assert_only, only, resources
from support.stacks import keyed_region, new_stack, synthesized_once

doc = synthesized_once(keyed_region, "primary")


def test_defaults_rotating_key_with_alias_and_short_deletion_window(doc):
    assert_only(
        doc,
        "aws_kms_key",
        {"provider": "aws.primary", "enable_key_rotation": True, "deletion_window_in_days": 7},
    )
    (key,) = resources(doc, "aws_kms_key")
    assert_only(
        doc,
        "aws_kms_alias",
        {
            "provider": "aws.primary",
            "name": "alias/dbdr-key-use1-test",
            "target_key_id": f"${{aws_kms_key.{key}.key_id}}",
        },
    )


def test_policy_lets_rds_logs_alarm_and_event_delivery_use_the_key_and_nothing_broader(doc):
    policy = json.loads(only(doc, "aws_kms_key")["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {
        "AccountAdministration",
        "RdsInThisAccount",
        "CloudWatchLogsOfThisRegion",
        "AlarmsToEncryptedTopics",
        "RdsEventsToEncryptedTopics",
    }
    rds = statements["RdsInThisAccount"]
    assert rds["Condition"]["StringEquals"]["kms:ViaService"] == "rds.us-east-1.amazonaws.com"
    assert "kms:CallerAccount" in rds["Condition"]["StringEquals"]
    assert rds["Principal"]["AWS"].endswith(":root")  # this account only, never "*"
    logs = statements["CloudWatchLogsOfThisRegion"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    # every statement other than the root delegation is conditioned and uses no kms:*
    for sid, statement in statements.items():
        if sid != "AccountAdministration":
            assert statement["Condition"] and "kms:*" not in statement["Action"]
    assert all(
        s["Principal"] != "*" and s["Principal"].get("AWS") != "*" for s in statements.values()
    )


@pytest.mark.parametrize("days", [6, 31])
def test_deletion_window_outside_aws_range_is_rejected(days):
    with pytest.raises(ValueError, match=rf"deletion_window_days must be 7..30, got {days}"):
        keyed_region(new_stack(), "primary", deletion_window_days=days)


@pytest.mark.parametrize(
    "sid, service, source",
    [
        (
            "AlarmsToEncryptedTopics",
            "cloudwatch.amazonaws.com",
            "arn:${data.aws_partition.primaryKey_Partition_*.partition}"
            ":cloudwatch:us-east-1:*:alarm:*",
        ),
        (
            "RdsEventsToEncryptedTopics",
            "events.rds.amazonaws.com",
            "arn:${data.aws_partition.primaryKey_Partition_*.partition}:rds:us-east-1:*",
        ),
    ],
)
def test_topic_publishers_get_what_the_sns_guide_lists_and_conditions_that_cannot_drop_them(
    doc, sid, service, source
):
    # Given the key of the encrypted alert topics
    statement = {s["Sid"]: s for s in json.loads(only(doc, "aws_kms_key")["policy"])["Statement"]}[
        sid
    ]
    # Then the publishing service (never SNS itself) gets exactly GenerateDataKey* and Decrypt
    assert statement["Principal"] == {"Service": service}
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # and the confused-deputy keys only refuse a request that carries other values: a
    # delivery in which the service passes no such key is never silently dropped
    condition = statement["Condition"]
    assert set(condition) == {"StringEqualsIfExists", "ArnLikeIfExists"}
    assert condition["StringEqualsIfExists"]["aws:SourceAccount"].startswith(
        "${data.aws_caller_identity."
    )
    import fnmatch

    assert fnmatch.fnmatch(condition["ArnLikeIfExists"]["aws:SourceArn"], source)
