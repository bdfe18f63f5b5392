"""DatabaseBackups: encrypted vault per region, daily plan copying to the secondary vault,
AWS Backup role and the selection of the primary database."""

import json

import pytest

from constructs_lib.data_protection.backup_plan import DatabaseBackups, DatabaseBackupsProps
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion
from support.matchers import assert_no_resource, assert_only, assert_resource, resources
from support.stacks import NAMER, database_stack, new_stack, regional_base


def _vault_region(base, role):
    provider, region, key, _ = base[role]
    return KeyedRegion(provider=provider, region=region, key=key)


def _backups(t, base, database_arn, **overrides):
    props = dict(
        namer=NAMER,
        primary=_vault_region(base, "primary"),
        secondary=_vault_region(base, "secondary"),
        database_arn=database_arn,
    )
    props.update(overrides)
    return DatabaseBackups(t.stack, "Backups", DatabaseBackupsProps(**props))


# Backups of the Aurora global database take every default; those of the rds-replica
# database override every one.
OVERRIDES = {
    "aurora": {},
    "rds": dict(
        retention_days=7,
        copy_retention_days=90,
        schedule="cron(30 6 ? * SUN *)",
        force_destroy=False,
    ),
}


def synth(kind):
    t, base, database = database_stack(kind)
    _backups(t, base, database.primary.arn, **OVERRIDES[kind])
    return t.synth()


def _ref(doc, rtype, provider, attribute):
    """``${rtype.<name>.attribute}`` of the one ``rtype`` declared through ``provider``."""
    names = [n for n, r in resources(doc, rtype).items() if r["provider"] == provider]
    assert len(names) == 1, f"expected one {rtype} on {provider}, found {names}"
    return f"${{{rtype}.{names[0]}.{attribute}}}"


def _vaults(doc):
    return {v["provider"]: v for v in resources(doc, "aws_backup_vault").values()}


def test_one_destroyable_vault_per_region_encrypted_with_that_regions_key(aurora_doc):
    assert set(_vaults(aurora_doc)) == {"aws.primary", "aws.secondary"}
    for provider, code in (("aws.primary", "use1"), ("aws.secondary", "usw2")):
        assert_resource(
            aurora_doc,
            "aws_backup_vault",
            {
                "provider": provider,
                "name": f"dbdr-vault-{code}-test",
                "kms_key_arn": _ref(aurora_doc, "aws_kms_key", provider, "arn"),
                "force_destroy": True,
            },
        )


def test_daily_rule_keeps_the_backup_in_the_primary_vault_and_copies_it_to_the_secondary(
    aurora_doc,
):
    daily = {
        "rule_name": "daily",
        "target_vault_name": _ref(aurora_doc, "aws_backup_vault", "aws.primary", "name"),
        "schedule": "cron(0 5 * * ? *)",
        "start_window": 60,
        "completion_window": 180,
    }
    plan = assert_only(
        aurora_doc,
        "aws_backup_plan",
        {"provider": "aws.primary", "name": "dbdr-backup-plan-test", "rule": [daily]},
    )
    # whole lifecycle blocks: no cold storage or archive beside the deletion
    [rule] = plan["rule"]
    assert rule["lifecycle"] == {"delete_after": 35}
    assert rule["copy_action"] == [
        {
            "destination_vault_arn": _ref(aurora_doc, "aws_backup_vault", "aws.secondary", "arn"),
            "lifecycle": {"delete_after": 35},
        }
    ]


def test_role_is_assumable_by_aws_backup_of_this_account_only_with_the_managed_policies(aurora_doc):
    name, role = _backup_role(aurora_doc)
    assert_resource(
        aurora_doc, "aws_iam_role", {"name": "dbdr-backup-test", "provider": "aws.primary"}
    )
    [statement] = json.loads(role["assume_role_policy"])["Statement"]
    assert statement["Principal"] == {"Service": "backup.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": _data_ref(aurora_doc, "aws_caller_identity", "account_id")
        }
    }
    assert len(_attachments(aurora_doc, name)) == 2
    partition = _data_ref(aurora_doc, "aws_partition", "partition")
    for policy in ("Backup", "Restores"):
        assert_resource(
            aurora_doc,
            "aws_iam_role_policy_attachment",
            {
                "provider": "aws.primary",
                "role": f"${{aws_iam_role.{name}.name}}",
                "policy_arn": (
                    f"arn:{partition}:iam::aws:policy/service-role/"
                    f"AWSBackupServiceRolePolicyFor{policy}"
                ),
            },
        )
    # nothing inline
    assert_no_resource(aurora_doc, "aws_iam_role_policy", {"role": f"${{aws_iam_role.{name}.id}}"})


def test_selection_assigns_the_primary_aurora_cluster_after_the_role_has_its_policies(aurora_doc):
    role, _ = _backup_role(aurora_doc)
    selection = assert_only(
        aurora_doc,
        "aws_backup_selection",
        {
            "provider": "aws.primary",
            "name": "dbdr-backup-plan-test",  # unique within the plan, suffixed
            "plan_id": _ref(aurora_doc, "aws_backup_plan", "aws.primary", "id"),
            "iam_role_arn": f"${{aws_iam_role.{role}.arn}}",
            "resources": [_ref(aurora_doc, "aws_rds_cluster", "aws.primary", "arn")],
        },
    )
    assert sorted(selection["depends_on"]) == sorted(
        f"aws_iam_role_policy_attachment.{name}" for name in _attachments(aurora_doc, role)
    )


def test_rds_instance_is_selected_with_the_overridden_retentions_schedule_and_protection(rds_doc):
    assert_only(
        rds_doc,
        "aws_backup_selection",
        {"resources": [_ref(rds_doc, "aws_db_instance", "aws.primary", "arn")]},
    )
    plan = assert_only(rds_doc, "aws_backup_plan", {"rule": [{"schedule": "cron(30 6 ? * SUN *)"}]})
    [rule] = plan["rule"]
    assert rule["lifecycle"] == {"delete_after": 7}
    assert [c["lifecycle"] for c in rule["copy_action"]] == [{"delete_after": 90}]
    assert set(_vaults(rds_doc)) == {"aws.primary", "aws.secondary"}
    for provider in _vaults(rds_doc):
        assert_resource(rds_doc, "aws_backup_vault", {"provider": provider, "force_destroy": False})


def _backup_role(doc):
    [(name, role)] = [
        (n, r) for n, r in resources(doc, "aws_iam_role").items() if r["name"] == "dbdr-backup-test"
    ]
    return name, role


def _attachments(doc, role_name):
    return {
        n: a
        for n, a in resources(doc, "aws_iam_role_policy_attachment").items()
        if a["role"] == f"${{aws_iam_role.{role_name}.name}}"
    }


def _data_ref(doc, dtype, attribute, provider="aws.primary"):
    """The role is global but declared through the primary provider: its account and
    partition come from the primary region's data sources."""
    names = [n for n, d in doc["data"][dtype].items() if d["provider"] == provider]
    return f"${{data.{dtype}.{names[0]}.{attribute}}}"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"retention_days": 0}, r"retention_days must be 1\.\.36500, got 0"),
        ({"copy_retention_days": 36501}, r"copy_retention_days must be 1\.\.36500, got 36501"),
        (
            {"schedule": "daily at 5"},
            r"schedule must be a cron\(\.\.\.\) or rate\(\.\.\.\) expression, got 'daily at 5'",
        ),
        (
            {"same_region": True},
            "secondary region must differ from the primary, got us-east-1 twice",
        ),
        (
            {"namer": Namer("dbdr", "a-very-long-environment-suffix-for-vaults")},
            r"vault name 'dbdr-vault-use1-a-very-long-environment-suffix-for-vaults' must be "
            r"2-50 letters, digits, hyphens or underscores \(57 characters\)",
        ),
    ],
)
def test_invalid_props_are_rejected_before_any_resource(overrides, message):
    t = new_stack()
    base = regional_base(t)
    overrides = dict(overrides)
    if overrides.pop("same_region", False):
        overrides["secondary"] = _vault_region(base, "primary")
    with pytest.raises(ValueError, match=message):
        _backups(t, base, "arn:aws:rds:us-east-1:123456789012:cluster:db", **overrides)
    assert not [c for c in t.stack.node.children if c.node.id == "Backups"][0].node.children
