"""Plan review (tools/plan_review.py) on real Terraform plans of this stack.

The fixtures in tests/fixtures/plans are ``terraform show -json`` of plans that Terraform
made against the stack deployed to the local emulator (``python -m tools.plan_fixtures``
regenerates them; its README lists each change). ``summary.json`` next to them holds
Terraform's own count of each plan, which the review must reproduce. The last section has
small hand-built plans, only for rules no configuration setting can reach.
"""

from __future__ import annotations

import functools
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.plan_review import EXIT_CODES, Finding, PlanError, load_plan, render, review

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "plans"
TERRAFORM_COUNTS = {
    name: entry["terraform_counts"]
    for name, entry in json.loads((FIXTURES / "summary.json").read_text()).items()
}
EXPECTED_LEVEL = {
    "create": "none",
    "no-change": "none",
    "tags-only": "low",
    "widen-db-access": "medium",
    "engine-upgrade": "medium",
    "rename-database": "high",
    "drop-backup-buckets": "high",
    "iam-widening": "high",
    "bucket-policy-opened": "high",
    "invoke-from-anyone": "high",
}


@functools.cache
def fixture(name: str) -> dict:
    return load_plan(str(FIXTURES / f"{name}.json.gz"))


def findings(name: str, level: str | None = None) -> list:
    return [f for f in review(fixture(name)).findings if level in (None, f.level)]


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.plan_review", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
    )


# The fixtures ----------------------------------------------------------------------------


def test_every_fixture_has_an_expected_outcome():
    on_disk = {p.name.removesuffix(".json.gz") for p in FIXTURES.glob("*.json.gz")}
    assert on_disk == set(EXPECTED_LEVEL) == set(TERRAFORM_COUNTS)


@pytest.mark.parametrize("name, level", sorted(EXPECTED_LEVEL.items()))
def test_overall_level_and_exit_code(name, level):
    result = review(fixture(name))
    assert result.level == level, [f.why for f in result.findings]
    assert result.exit_code == EXIT_CODES[level]


@pytest.mark.parametrize("name", sorted(EXPECTED_LEVEL))
def test_counts_by_action_equal_terraforms_own_count(name):
    result = review(fixture(name))
    assert result.terraform_counts == TERRAFORM_COUNTS[name]
    for action in ("create", "update", "replace", "delete"):
        assert sum(row[action] for row in result.by_type.values()) == result.actions[action]


def test_create_counts_every_resource_as_created():
    result = review(fixture("create"))
    managed = [r for r in fixture("create")["resource_changes"] if r["mode"] == "managed"]
    assert result.actions["create"] == len(managed) == TERRAFORM_COUNTS["create"]["add"]
    assert result.by_type["aws_rds_cluster"]["create"] == 2
    assert not result.findings


def test_no_change_plan_has_no_changes_and_no_findings():
    result = review(fixture("no-change"))
    assert {
        a: result.actions[a] for a in ("create", "update", "replace", "delete")
    } == dict.fromkeys(("create", "update", "replace", "delete"), 0)
    assert result.actions["no-op"] == len(fixture("no-change")["resource_changes"])
    assert not result.findings and not result.by_type
    assert "No risky change found." in render(result)


def test_tags_only_reports_stateful_resources_as_low_tag_updates():
    found = findings("tags-only")
    tag_updates = [f for f in found if f.why == "updated in place: tags only"]
    assert {f.level for f in found} == {"low"}
    assert any(f.address.startswith("aws_rds_global_cluster.") for f in tag_updates)
    assert sum(f.address.startswith("aws_s3_bucket.") for f in tag_updates) == 2


def test_widen_db_access_names_each_widened_rule_and_what_it_admits():
    found = findings("widen-db-access", "medium")
    by_address = {f.address.split(".")[1].split("_")[0]: f.why for f in found}
    assert {f.address.split(".")[0] for f in found} == {"aws_vpc_security_group_ingress_rule"}
    assert "admits 10.0.0.0/8 on tcp port 5432" in by_address["PrimaryVpc"]
    assert "was 10.10.0.0/16" in by_address["PrimaryVpc"]
    assert "was 10.20.0.0/16" in by_address["SecondaryVpc"]


def test_engine_upgrade_is_a_minor_upgrade_of_every_database_resource():
    found = findings("engine-upgrade")
    assert {f.level for f in found} == {"medium"}
    assert {f.address.split(".")[0] for f in found} == {
        "aws_rds_global_cluster",
        "aws_rds_cluster",
        "aws_rds_cluster_instance",
    }
    assert all(f.why == "minor engine upgrade: `15.10` -> `15.12`" for f in found)


def test_rename_database_names_the_replaced_member_its_global_cluster_and_the_cause():
    high = findings("rename-database", "high")
    (cluster,) = [f for f in high if f.address.startswith("aws_rds_cluster.Database_Primary")]
    assert cluster.why.startswith("replaced: `database_name` (`appdb` -> `ledger`)")
    assert "global cluster `dbdr-global-plans`" in cluster.why
    instances = [f for f in high if f.address.startswith("aws_rds_cluster_instance.")]
    assert len(instances) == 2 and all("`cluster_identifier`" in f.why for f in instances)


def test_drop_backup_buckets_names_both_deleted_buckets():
    high = findings("drop-backup-buckets", "high")
    buckets = sorted(f.address for f in high if f.address.startswith("aws_s3_bucket."))
    assert buckets == [
        "aws_s3_bucket.BackupBuckets_Primary_02C5CBD9",
        "aws_s3_bucket.BackupBuckets_Secondary_5F925C59",
    ]
    assert all(
        f.why.startswith("deleted: it is no longer in the configuration")
        for f in high
        if f.address in buckets
    )


def test_iam_widening_names_the_policy_and_the_wildcard_grant():
    (widened,) = [f for f in findings("iam-widening") if f.level != "low"]
    assert widened.level == "high"
    assert widened.address.startswith("aws_iam_role_policy.SecondaryFailover_Function_Policy")
    assert widened.why == "policy grants `rds:*` on `*`: a wildcard action on every resource"


def test_bucket_policy_opened_names_the_public_grant_and_the_lost_tls_rule():
    opened = [f for f in findings("bucket-policy-opened") if f.level != "low"]
    assert {f.address for f in opened} == {
        "aws_s3_bucket_policy.BackupBuckets_Primary_Policy_7D594998"
    }
    (public,) = [f for f in opened if f.level == "high"]
    assert public.why.startswith("policy grants `s3:GetObject` on `arn:aws:s3:::")
    assert public.why.endswith("/*` to `*`: anyone may use it")
    (lost,) = [f for f in opened if f.level == "medium"]
    assert lost.why.startswith("policy no longer denies `s3:*` on `arn:aws:s3:::")
    assert "(with a condition)" in lost.why


def test_invoke_from_anyone_names_the_replaced_permission():
    (opened,) = [f for f in findings("invoke-from-anyone") if f.level != "low"]
    assert opened == Finding(
        "high",
        "aws_lambda_permission.SecondaryFailover_AllowPrimaryDown_223C4B3A",
        "anyone may call `lambda:InvokeFunction` (principal `*`, no source condition)",
    )


def test_markdown_puts_the_header_then_risk_before_the_counts():
    text = render(review(fixture("rename-database")))
    lines = text.splitlines()
    assert lines[0] == "## Terraform plan review: HIGH risk"
    assert "Terraform 1.11.4" in lines[2] and "plan format 1.2" in lines[2]
    assert "4 to add, 9 to change, 4 to destroy" in lines[2]
    risk = text.index("### Risk")
    assert risk < text.index("### Changes by action") < text.index("### Changes by resource type")
    assert text.index("| high |") < text.index("| low |") < text.index("### Changes by action")
    assert "| aws_rds_cluster | 0 | 0 | 1 | 0 |" in text


def test_render_does_not_depend_on_the_order_of_resource_changes():
    plan = fixture("tags-only")
    shuffled = dict(plan, resource_changes=list(reversed(plan["resource_changes"])))
    assert render(review(shuffled)) == render(review(plan))


# The command line ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["no-change", "tags-only", "widen-db-access", "rename-database"])
def test_cli_exit_code_is_the_highest_risk(name):
    result = cli(str(FIXTURES / f"{name}.json.gz"))
    assert result.returncode == EXIT_CODES[EXPECTED_LEVEL[name]], result.stderr
    assert result.stdout.decode().startswith("## Terraform plan review:")


def test_cli_reads_plain_json_from_stdin_and_writes_the_output_file(tmp_path):
    plain = gzip.decompress((FIXTURES / "engine-upgrade.json.gz").read_bytes())
    output = tmp_path / "review.md"
    result = cli("-", "--output", str(output), stdin=plain)
    assert result.returncode == 20 and result.stdout == b""
    assert output.read_text() == render(review(fixture("engine-upgrade")))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Plan: 1 to add, 0 to change, 0 to destroy.\n", "is not JSON"),
        (b"", "is not JSON"),
        (b"\x1f\x8b\x08\x00garbage", "not a readable gzip file"),
        (b'["a list"]', "no format_version"),
        (b'{"format_version": "1.0", "values": {}}', "JSON of a state"),
        (b'{"format_version": "2.0", "resource_changes": []}', "reads 1.x"),
        (b'{"format_version": "1.2", "resource_changes": [{"address": "x"}]}', "malformed"),
    ],
)
def test_cli_rejects_an_unusable_plan_with_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    result = cli(str(path))
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert stderr.count("\n") == 1 and stderr.startswith("error: ") and message in stderr
    assert "Traceback" not in stderr and result.stdout == b""


def test_cli_rejects_a_missing_file(tmp_path):
    result = cli(str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert (
        result.stderr.decode() == f"error: cannot read {tmp_path / 'absent.json'}: "
        "No such file or directory\n"
    )


def test_load_plan_raises_plan_error_not_json_error(tmp_path):
    (tmp_path / "plan.json").write_text("{")
    with pytest.raises(PlanError, match="is not JSON"):
        load_plan(str(tmp_path / "plan.json"))


# Hand-built plans: rules that no configuration setting of this stack can reach ------------
# (the stack validates its settings: it never opens 0.0.0.0/0, attaches no administrator
# policy, and its profiles set deletion protection and final snapshots together).


def plan(*changes: dict) -> dict:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "resource_changes": list(changes),
    }


def change(
    type_: str,
    actions: list[str],
    before: dict | None,
    after: dict | None,
    name: str = "this",
    **extra,
) -> dict:
    body = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": extra.pop("after_unknown", {}),
    }
    body.update(extra)
    return {
        "address": f"{type_}.{name}",
        "mode": "managed",
        "type": type_,
        "name": name,
        "change": body,
    }


def review_change(type_: str, actions: list[str], before, after, **extra):
    """The review of a plan with this one change (``change``'s arguments)."""
    return review(plan(change(type_, actions, before, after, **extra)))


def only(result) -> tuple[str, str]:
    (finding,) = result.findings
    return finding.level, finding.why


CLUSTER = {
    "cluster_identifier": "db",
    "deletion_protection": False,
    "skip_final_snapshot": False,
    "engine": "aurora-postgresql",
    "engine_version": "15.10",
    "global_cluster_identifier": "dbdr-global-prod",
}


@pytest.mark.parametrize(
    "attribute, before, after, level, why",
    [
        ("deletion_protection", True, False, "high", "deletion protection turned off"),
        ("deletion_protection", False, True, "low", "deletion protection turned on"),
        ("skip_final_snapshot", False, True, "high", "skip_final_snapshot turned on"),
        (
            "final_snapshot_identifier",
            "final-1",
            "final-2",
            "medium",
            "final_snapshot_identifier changed: `final-1` -> `final-2`",
        ),
        ("engine_version", "15.10", "16.4", "high", "major engine upgrade: `15.10` -> `16.4`"),
        ("engine", "aurora-postgresql", "aurora-mysql", "high", "engine changed"),
        (
            "global_cluster_identifier",
            "dbdr-global-prod",
            "other",
            "high",
            "replication membership changes",
        ),
    ],
)
def test_hand_built_protection_engine_and_membership_changes(attribute, before, after, level, why):
    result = review_change(
        "aws_rds_cluster",
        ["update"],
        {**CLUSTER, attribute: before},
        {**CLUSTER, attribute: after},
    )
    found_level, found_why = only(result)
    assert (found_level, why in found_why) == (level, True), found_why


def test_hand_built_membership_unknown_until_apply_is_high():
    result = review_change(
        "aws_rds_cluster",
        ["update"],
        CLUSTER,
        {**CLUSTER, "global_cluster_identifier": None},
        after_unknown={"global_cluster_identifier": True},
    )
    assert only(result) == (
        "high",
        "replication membership changes: "
        "`global_cluster_identifier` `dbdr-global-prod` -> (known after apply)",
    )


def test_hand_built_force_destroy_on_a_vault_is_medium():
    result = review_change(
        "aws_backup_vault", ["update"], {"force_destroy": False}, {"force_destroy": True}
    )
    assert only(result) == (
        "medium",
        "force_destroy turned on: deleting it also deletes every recovery point",
    )


def test_hand_built_deleted_master_secret_is_high():
    # Turning generate_master_secret off deletes the only copy of the generated password
    result = review_change(
        "aws_secretsmanager_secret",
        ["delete"],
        {"name": "dbdr/prod/master-credentials"},
        None,
    )
    level, why = only(result)
    assert level == "high" and "a generated password is kept nowhere else" in why


def test_hand_built_replaced_log_group_is_medium():
    result = review_change(
        "aws_cloudwatch_log_group",
        ["create", "delete"],
        {"name": "audit"},
        {"name": "audit2"},
        replace_paths=[["name"]],
    )
    assert only(result) == (
        "medium",
        "replaced: `name` (`audit` -> `audit2`) forces a new "
        "resource; loses its log events (audit logs)",
    )


def test_hand_built_ingress_from_the_internet_is_high_even_on_a_new_group():
    rule = {
        "protocol": "tcp",
        "from_port": 5432,
        "to_port": 5432,
        "cidr_blocks": ["0.0.0.0/0"],
        "ipv6_cidr_blocks": [],
        "security_groups": [],
        "prefix_list_ids": [],
        "self": False,
    }
    result = review_change(
        "aws_security_group",
        ["create"],
        None,
        {"ingress": [rule]},
        after_unknown={"id": True},
    )
    assert only(result) == ("high", "ingress admits the whole internet: 0.0.0.0/0 on tcp port 5432")


def test_hand_built_ipv6_world_rule_on_an_existing_group_is_high():
    after = {
        "type": "ingress",
        "protocol": "-1",
        "from_port": 0,
        "to_port": 0,
        "ipv6_cidr_blocks": ["::/0"],
        "security_group_id": "sg-1",
    }
    result = review_change("aws_security_group_rule", ["create"], None, after)
    assert only(result) == (
        "high",
        "ingress admits the whole internet: ::/0 on all protocols and ports",
    )


def test_hand_built_broader_port_range_is_medium_and_a_narrower_one_is_nothing():
    def rule(low, high):
        return {
            "ip_protocol": "tcp",
            "from_port": low,
            "to_port": high,
            "cidr_ipv4": "10.10.0.0/16",
            "security_group_id": "sg-1",
        }

    wider = review_change(
        "aws_vpc_security_group_ingress_rule",
        ["update"],
        rule(5432, 5432),
        rule(5000, 6000),
    )
    assert only(wider) == (
        "medium",
        "ingress widened: admits 10.10.0.0/16 on tcp ports "
        "5000-6000 (was 10.10.0.0/16 on tcp port 5432)",
    )
    narrower = review_change(
        "aws_vpc_security_group_ingress_rule",
        ["update"],
        rule(5000, 6000),
        rule(5432, 5432),
    )
    assert not narrower.findings


def test_hand_built_rule_added_to_an_existing_group_is_medium():
    after = {
        "ip_protocol": "tcp",
        "from_port": 5432,
        "to_port": 5432,
        "cidr_ipv4": "192.168.0.0/24",
        "security_group_id": "sg-existing",
    }
    result = review_change("aws_vpc_security_group_ingress_rule", ["create"], None, after)
    assert only(result)[0] == "medium"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


READ = {"Effect": "Allow", "Action": "rds:DescribeDBClusters", "Resource": "arn:aws:rds:x"}


@pytest.mark.parametrize(
    "statement, level, why",
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, "high", "`*` on"),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, "high", "`s3:*` on `*`"),
        (
            {"Effect": "Allow", "Action": "rds:StopDBCluster", "Resource": "arn:aws:rds:x"},
            "medium",
            "`rds:StopDBCluster` on `arn:aws:rds:x`",
        ),
        (
            {"Effect": "Allow", "Action": "rds:DescribeDBClusters", "Resource": "arn:aws:rds:*"},
            "medium",
            "on `arn:aws:rds:*`",
        ),
    ],
)
def test_hand_built_policy_widening(statement, level, why):
    result = review_change(
        "aws_iam_role_policy",
        ["update"],
        {"role": "r", "policy": policy(READ)},
        {"role": "r", "policy": policy(READ, statement)},
    )
    found_level, found_why = only(result)
    assert found_level == level and why in found_why, found_why


def test_hand_built_policy_narrowing_or_reformatting_is_nothing():
    conditioned = dict(READ, Condition={"Bool": {"aws:SecureTransport": "true"}})
    result = review(
        plan(
            change(
                "aws_iam_role_policy",
                ["update"],
                {"role": "r", "policy": policy(READ)},
                {"role": "r", "policy": json.dumps(json.loads(policy(conditioned)), indent=4)},
            ),
            change(
                "aws_iam_policy",
                ["update"],
                {"policy": policy({**READ, "Action": "rds:*"})},
                {"policy": policy(READ)},
                name="other",
            ),
        )
    )
    assert not result.findings


def test_hand_built_open_trust_policy_is_high():
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"},
    }
    result = review_change(
        "aws_iam_role",
        ["update"],
        {"name": "r", "assume_role_policy": policy(trust)},
        {"name": "r", "assume_role_policy": policy(trust, {**trust, "Principal": "*"})},
    )
    assert only(result) == (
        "high",
        "assume_role_policy grants `sts:AssumeRole` to `*`: anyone may use it",
    )


def test_hand_built_policy_unknown_until_apply_is_low():
    result = review_change(
        "aws_iam_role_policy",
        ["update"],
        {"role": "r", "policy": policy(READ)},
        {"role": "r", "policy": None},
        after_unknown={"policy": True},
    )
    assert only(result) == (
        "low",
        "policy is known only after apply: cannot tell until apply whether it widens",
    )


@pytest.mark.parametrize(
    "arn, role_is_new, level",
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", True, "high"),
        ("arn:aws:iam::aws:policy/IAMFullAccess", False, "high"),
        ("arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess", False, "medium"),
        ("arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess", True, None),
    ],
)
def test_hand_built_managed_policy_attachments(arn, role_is_new, level):
    changes = [
        change(
            "aws_iam_role_policy_attachment", ["create"], None, {"role": "app", "policy_arn": arn}
        )
    ]
    if role_is_new:
        changes.append(change("aws_iam_role", ["create"], None, {"name": "app"}, name="app"))
    result = review(plan(*changes))
    assert [f.level for f in result.findings] == ([level] if level else [])


TLS_ONLY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
REPLICATION = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "s3:ReplicateObject",
    "Resource": "arn:aws:s3:::b/*",
}


@pytest.mark.parametrize(
    "statement, level, why",
    [
        ({**REPLICATION, "Principal": {"AWS": "*"}}, "high", "to `*`: anyone may use it"),
        (
            {**REPLICATION, "Principal": {"AWS": "arn:aws:iam::444455556666:root"}},
            "medium",
            "grants `s3:ReplicateObject` on `arn:aws:s3:::b/*` to `AWS:arn:aws:iam::444455556666",
        ),
        ({**REPLICATION, "Action": "s3:*", "Resource": "*"}, "medium", "`s3:*` on `*`"),
    ],
)
def test_hand_built_bucket_policy_widening(statement, level, why):
    result = review_change(
        "aws_s3_bucket_policy",
        ["update"],
        {"bucket": "b", "policy": policy(TLS_ONLY, REPLICATION)},
        {"bucket": "b", "policy": policy(TLS_ONLY, REPLICATION, statement)},
    )
    found_level, found_why = only(result)
    assert found_level == level and why in found_why, found_why


def test_hand_built_removed_tls_rule_on_a_topic_is_medium():
    tls_only = {**TLS_ONLY, "Action": "sns:Publish", "Resource": "arn:aws:sns:x"}
    result = review_change(
        "aws_sns_topic_policy",
        ["update"],
        {"arn": "arn:aws:sns:x", "policy": policy(tls_only)},
        {"arn": "arn:aws:sns:x", "policy": policy()},
    )
    assert only(result) == (
        "medium",
        "policy no longer denies `sns:Publish` on `arn:aws:sns:x` to `*` (with a condition)",
    )


def test_hand_built_policy_of_a_new_bucket_is_nothing_unless_public():
    bucket = change("aws_s3_bucket", ["create"], None, {"bucket": "b"}, name="b")
    grant = change(
        "aws_s3_bucket_policy",
        ["create"],
        None,
        {"bucket": "b", "policy": policy(TLS_ONLY, REPLICATION)},
    )
    public = change(
        "aws_s3_bucket_policy",
        ["create"],
        None,
        {"bucket": "b", "policy": policy({**REPLICATION, "Principal": "*"})},
        name="public",
    )
    assert not review(plan(bucket, grant)).findings
    assert [f.level for f in review(plan(bucket, public)).findings] == ["high"]
    # The same grant on a bucket that already exists is new access to existing data.
    assert [f.level for f in review(plan(grant)).findings] == ["medium"]


PERMISSION = {
    "function_name": "orchestrator",
    "statement_id": "AllowAlarm",
    "action": "lambda:InvokeFunction",
    "principal": "sns.amazonaws.com",
    "source_arn": "arn:aws:sns:us-east-1:111122223333:alarms",
}


@pytest.mark.parametrize(
    "after, function_is_new, level, why",
    [
        (
            {**PERMISSION, "principal": "*", "source_arn": None},
            True,
            "high",
            "anyone may call `lambda:InvokeFunction` (principal `*`, no source condition)",
        ),
        (
            PERMISSION,
            False,
            "medium",
            "lets `sns.amazonaws.com` call `lambda:InvokeFunction` on "
            "existing function `orchestrator`",
        ),
        (
            {**PERMISSION, "source_arn": None},
            False,
            "medium",
            "existing function `orchestrator` from any source",
        ),
        (PERMISSION, True, None, None),
        ({**PERMISSION, "principal": "*"}, True, None, None),  # scoped to the topic: not anyone
    ],
)
def test_hand_built_lambda_permissions(after, function_is_new, level, why):
    changes = [change("aws_lambda_permission", ["create"], None, after)]
    if function_is_new:
        changes.append(
            change(
                "aws_lambda_function",
                ["create"],
                None,
                {"function_name": "orchestrator"},
                name="fn",
            )
        )
    result = review(plan(*changes))
    assert [(f.level, why in f.why) for f in result.findings] == ([(level, True)] if level else [])


def test_hand_built_unchanged_callers_of_a_replaced_permission_are_nothing():
    result = review_change(
        "aws_lambda_permission",
        ["delete", "create"],
        PERMISSION,
        {**PERMISSION, "statement_id": "Renamed"},
    )
    assert not result.findings
