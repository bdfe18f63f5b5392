"""The AWS Backup path (patches p-t) as the Terraform provider drives it: selections,
tags, recovery points before a vault is destroyed, plan updates, a destroyed plan's name."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from support.emulator_checks import (
    PRIMARY,
    SECONDARY,
    error_code,
)

# -- AWS Backup (patches p-t) ------------------------------------------------------------

ROLE_ARN = "arn:aws:iam::123456789012:role/dr-backup"
DB_ARN = "arn:aws:rds:us-east-1:123456789012:db:dr-pg-primary"
COPY_VAULT_ARN = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault-us-west-2"


def backup_rule(delete_after: int = 35) -> dict:
    """A daily rule with a cross-region copy, as aws_backup_plan sends it."""
    return {
        "RuleName": "daily",
        "TargetBackupVaultName": "dr-vault",
        "ScheduleExpression": "cron(0 5 * * ? *)",
        "ScheduleExpressionTimezone": "Etc/UTC",
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 180,
        "EnableContinuousBackup": False,
        "Lifecycle": {"DeleteAfterDays": delete_after},
        "CopyActions": [
            {
                "DestinationBackupVaultArn": COPY_VAULT_ARN,
                "Lifecycle": {"DeleteAfterDays": delete_after},
            }
        ],
    }


@pytest.fixture()
def backup(emulator):
    """A us-east-1 Backup client with a vault and a plan, on an emptied emulator."""
    client = emulator.client("backup", PRIMARY)
    client.create_backup_vault(BackupVaultName="dr-vault")
    plan = client.create_backup_plan(
        BackupPlan={"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule()]}
    )
    return {"client": client, "plan_id": plan["BackupPlanId"]}


def test_backup_selection_round_trips_as_the_terraform_provider_uses_it(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    # What aws_backup_selection sends for `resources = [ARN]`: empty tags, conditions and
    # exclusions included.
    created = client.create_backup_selection(
        BackupPlanId=plan_id,
        CreatorRequestId="request-1",
        BackupSelection={
            "SelectionName": "dr-selection",
            "IamRoleArn": ROLE_ARN,
            "Resources": [DB_ARN],
            "ListOfTags": [],
            "NotResources": [],
            "Conditions": {},
        },
    )
    selection_id = created["SelectionId"]
    assert created["BackupPlanId"] == plan_id and created["CreationDate"]

    found = client.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert found["BackupSelection"] == {
        "SelectionName": "dr-selection",
        "IamRoleArn": ROLE_ARN,
        "Resources": [DB_ARN],
        "ListOfTags": [],
        "NotResources": [],
        "Conditions": {
            "StringEquals": [],
            "StringNotEquals": [],
            "StringLike": [],
            "StringNotLike": [],
        },
    }
    assert (found["SelectionId"], found["BackupPlanId"]) == (selection_id, plan_id)
    assert found["CreationDate"] == created["CreationDate"]
    assert found["CreatorRequestId"] == "request-1"

    tagged = client.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "by-tag",
            "IamRoleArn": ROLE_ARN,
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}
            ],
        },
    )
    listed = client.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert {
        (s["SelectionId"], s["SelectionName"], s["BackupPlanId"], s["IamRoleArn"]) for s in listed
    } == {
        (selection_id, "dr-selection", plan_id, ROLE_ARN),
        (tagged["SelectionId"], "by-tag", plan_id, ROLE_ARN),
    }
    first = client.list_backup_selections(BackupPlanId=plan_id, MaxResults=1)
    second = client.list_backup_selections(BackupPlanId=plan_id, NextToken=first["NextToken"])
    assert len(first["BackupSelectionsList"]) == len(second["BackupSelectionsList"]) == 1
    assert "NextToken" not in second

    # A plan with selections cannot be deleted (the provider retries on this message).
    with pytest.raises(ClientError) as excinfo:
        client.delete_backup_plan(BackupPlanId=plan_id)
    assert error_code(excinfo) == "InvalidRequestException"
    assert "Related backup plan selections must be deleted prior to backup" in str(excinfo.value)
    for selection in (selection_id, tagged["SelectionId"]):
        client.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection)
    assert client.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    with pytest.raises(ClientError) as excinfo:  # Terraform's read after a delete: "gone"
        client.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    client.delete_backup_plan(BackupPlanId=plan_id)


def test_backup_selection_is_refused_as_aws_refuses_it(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    with pytest.raises(ClientError) as excinfo:  # names no resource at all
        client.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={"SelectionName": "nothing", "IamRoleArn": ROLE_ARN},
        )
    assert error_code(excinfo) == "InvalidParameterValueException"
    unknown_plan = "00000000-0000-0000-0000-000000000000"
    calls = [
        lambda: client.create_backup_selection(
            BackupPlanId=unknown_plan,
            BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE_ARN, "Resources": [DB_ARN]},
        ),
        lambda: client.get_backup_selection(BackupPlanId=unknown_plan, SelectionId="x"),
        lambda: client.list_backup_selections(BackupPlanId=unknown_plan),
        lambda: client.get_backup_selection(BackupPlanId=plan_id, SelectionId="unknown"),
        lambda: client.delete_backup_selection(BackupPlanId=plan_id, SelectionId="unknown"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "ResourceNotFoundException"
    client.delete_backup_plan(BackupPlanId=plan_id)  # a deleted plan takes no selection
    with pytest.raises(ClientError) as excinfo:
        client.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE_ARN, "Resources": [DB_ARN]},
        )
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_backup_tags_are_read_without_the_trailing_slash_and_leave_with_the_vault(emulator):
    client = emulator.client("backup", PRIMARY)

    # The Terraform provider (aws-sdk-go-v2) sends GET /tags/{arn} without the model's
    # trailing slash; boto3 sends it. Send ListTags both ways.
    go_style = emulator.client("backup", PRIMARY)

    def strip_trailing_slash(request, **_: object) -> None:
        request.url = request.url.rstrip("/")

    go_style.meta.events.register("before-sign.backup.ListTags", strip_trailing_slash)
    tags = {"Project": "dbdr", "Scenario": "backup"}
    vault_arn = client.create_backup_vault(BackupVaultName="dr-vault", BackupVaultTags=tags)[
        "BackupVaultArn"
    ]
    plan_arn = client.create_backup_plan(
        BackupPlan={"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule()]},
        BackupPlanTags=tags,
    )["BackupPlanArn"]
    for arn in (vault_arn, plan_arn):
        assert client.list_tags(ResourceArn=arn)["Tags"] == tags
        assert go_style.list_tags(ResourceArn=arn)["Tags"] == tags

    client.delete_backup_vault(BackupVaultName="dr-vault")
    client.create_backup_vault(BackupVaultName="dr-vault")  # same name, same ARN
    assert go_style.list_tags(ResourceArn=vault_arn)["Tags"] == {}


def test_vault_recovery_points_are_listed_so_force_destroy_can_delete_it(emulator):
    client = emulator.client("backup", SECONDARY)
    client.create_backup_vault(BackupVaultName="dr-vault-us-west-2")
    # What aws_backup_vault with force_destroy does: list (and delete) the recovery points,
    # then delete the vault.
    listed = client.list_recovery_points_by_backup_vault(BackupVaultName="dr-vault-us-west-2")
    assert listed["RecoveryPoints"] == []
    client.delete_backup_vault(BackupVaultName="dr-vault-us-west-2")
    assert client.list_backup_vaults()["BackupVaultList"] == []
    with pytest.raises(ClientError) as excinfo:
        client.list_recovery_points_by_backup_vault(BackupVaultName="dr-vault-us-west-2")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_backup_plan_update_replaces_its_rules_in_a_new_version(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    before = client.get_backup_plan(BackupPlanId=plan_id)
    answer = client.update_backup_plan(
        BackupPlanId=plan_id,
        BackupPlan={"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule(delete_after=14)]},
    )
    assert answer["BackupPlanId"] == plan_id
    assert answer["BackupPlanArn"] == before["BackupPlanArn"]
    assert answer["VersionId"] != before["VersionId"]
    after = client.get_backup_plan(BackupPlanId=plan_id)
    assert after["VersionId"] == answer["VersionId"]
    assert after["CreationDate"] == before["CreationDate"]
    (rule,) = after["BackupPlan"]["Rules"]
    assert rule["Lifecycle"] == {"DeleteAfterDays": 14}
    assert rule["CopyActions"] == [
        {"DestinationBackupVaultArn": COPY_VAULT_ARN, "Lifecycle": {"DeleteAfterDays": 14}}
    ]
    assert (rule["StartWindowMinutes"], rule["CompletionWindowMinutes"]) == (60, 180)
    with pytest.raises(ClientError) as excinfo:
        client.update_backup_plan(
            BackupPlanId="00000000-0000-0000-0000-000000000000",
            BackupPlan={"BackupPlanName": "x", "Rules": [backup_rule()]},
        )
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_a_deleted_backup_plan_leaves_its_name_free(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    document = {"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule()]}
    with pytest.raises(ClientError) as excinfo:  # while it exists, moto refuses the name
        client.create_backup_plan(BackupPlan=document)
    assert error_code(excinfo) == "AlreadyExistsException"
    client.delete_backup_plan(BackupPlanId=plan_id)
    again = client.create_backup_plan(BackupPlan=document)["BackupPlanId"]  # destroy, apply
    assert again != plan_id
    assert [p["BackupPlanId"] for p in client.list_backup_plans()["BackupPlansList"]] == [again]


def test_bucket_replication_answers_the_rule_as_put(emulator):
    """u: delete-marker replication and SSE-KMS source selection come back as put."""
    s3 = emulator.client("s3", "us-east-1")
    for name in ("repl-source", "repl-target"):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    rule = {
        "ID": "to-target",
        "Priority": 0,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        "Destination": {"Bucket": "arn:aws:s3:::repl-target", "StorageClass": "STANDARD"},
    }
    s3.put_bucket_replication(
        Bucket="repl-source",
        ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/replication",
            "Rules": [rule],
        },
    )
    (answered,) = s3.get_bucket_replication(Bucket="repl-source")["ReplicationConfiguration"][
        "Rules"
    ]
    assert answered["DeleteMarkerReplication"] == {"Status": "Enabled"}
    assert answered["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert answered["Destination"]["Bucket"] == "arn:aws:s3:::repl-target"
