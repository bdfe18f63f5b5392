"""RegionalKey: rotating CMK with an alias and a policy scoped to this account's services."""

import json

import pytest

from constructs_lib.regional_key import RegionalKey, RegionalKeyProps
from helpers import NAMER, PRIMARY, data_sources, new_stack, only


def _key(**overrides):
    t = new_stack()
    props = dict(provider=t.primary, region=PRIMARY, namer=NAMER)
    props.update(overrides)
    RegionalKey(t.stack, "Key", RegionalKeyProps(**props))
    return t.synth()


def test_defaults_rotating_key_with_alias_and_short_deletion_window():
    doc = _key()
    key = only(doc, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 7
    assert key["provider"] == "aws.primary"
    alias = only(doc, "aws_kms_alias")
    assert alias["name"] == "alias/dbdr-key-use1-test"
    assert alias["target_key_id"].startswith("${aws_kms_key.")


def test_policy_lets_rds_logs_and_alarm_delivery_use_the_key_and_nothing_broader():
    doc = _key()
    (policy,) = data_sources(doc, "aws_iam_policy_document").values()
    statements = {s["sid"]: s for s in policy["statement"]}
    assert set(statements) == {"AccountAdministration", "RdsInThisAccount",
                               "CloudWatchLogsOfThisRegion", "AlarmDeliveryToEncryptedTopics"}
    rds = statements["RdsInThisAccount"]
    conditions = {c["variable"]: c["values"] for c in rds["condition"]}
    assert conditions["kms:ViaService"] == ["rds.us-east-1.amazonaws.com"]
    assert "kms:CallerAccount" in conditions
    logs = statements["CloudWatchLogsOfThisRegion"]
    assert logs["principals"][0]["identifiers"] == ["logs.us-east-1.amazonaws.com"]
    # every statement other than the root delegation is conditioned
    assert all(s.get("condition") for sid, s in statements.items()
               if sid != "AccountAdministration")
    assert "kms:*" not in json.dumps([s["actions"] for sid, s in statements.items()
                                      if sid != "AccountAdministration"])


@pytest.mark.parametrize("days", [6, 31])
def test_deletion_window_outside_aws_range_is_rejected(days):
    with pytest.raises(ValueError, match=rf"deletion_window_days must be 7..30, got {days}"):
        _key(deletion_window_days=days)
