"""BackupBuckets: a hardened, expiring backup bucket per region, replicated from the primary
to the secondary with Replication Time Control by a least-privilege role."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformOutput

from constructs_lib.checks import skips_of
from constructs_lib.data_protection.backup_buckets import BackupBuckets, BackupBucketsProps
from dr_lambdas.contract import ROLES
from support.matchers import (
    assert_only,
    assert_resource,
    assert_terraform_validates,
    only,
    resources,
)
from support.stacks import NAMER, PRIMARY, SECONDARY, keyed_regions, new_stack

EXPECTED_SKIPS = {"CKV_AWS_18", "CKV2_AWS_62"}


def _stack(secondary_region: str = SECONDARY, **overrides):
    t = new_stack()
    regions = keyed_regions(t, secondary_region=secondary_region)
    buckets = BackupBuckets(
        t.stack,
        "Backups",
        BackupBucketsProps(
            namer=NAMER, primary=regions["primary"], secondary=regions["secondary"], **overrides
        ),
    )
    return t, buckets


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """The default construct, fully synthesized (with the checkov skip comments, which
    Testing.synth strips) and copied to a directory of its own."""
    t, buckets = _stack()
    for role in ROLES:
        TerraformOutput(t.stack, f"{role}_name", value=buckets.bucket_names[role])
        TerraformOutput(t.stack, f"{role}_arn", value=buckets.bucket_arns[role])
        TerraformOutput(t.stack, f"{role}_bucket_id", value=buckets.buckets[role].id)
    TerraformOutput(t.stack, "replication_role", value=buckets.replication_role.arn)
    return t.full_synth(tmp_path_factory.mktemp("backup-buckets"))


@pytest.fixture(scope="module")
def doc(synthesized):
    return synthesized[0]


def _by_role(doc: dict, rtype: str) -> dict[str, tuple[str, dict]]:
    """{role: (logical name, body)} with exactly one ``rtype`` per region's provider."""
    found: dict[str, tuple[str, dict]] = {}
    for name, body in resources(doc, rtype).items():
        role = body["provider"].split(".")[1]
        assert role not in found, f"two {rtype} in {role}"
        found[role] = (name, body)
    assert set(found) == set(ROLES), f"{rtype}: {sorted(found)}"
    return found


def _ref(rtype: str, name: str, attribute: str) -> str:
    return f"${{{rtype}.{name}.{attribute}}}"


def _bucket_ref(doc: dict, role: str, attribute: str) -> str:
    return _ref("aws_s3_bucket", _by_role(doc, "aws_s3_bucket")[role][0], attribute)


def _key_arn(doc: dict, role: str) -> str:
    return _ref("aws_kms_key", _by_role(doc, "aws_kms_key")[role][0], "arn")


def _depends_on(body: dict, rtype: str, doc: dict, role: str) -> bool:
    return f"{rtype}.{_by_role(doc, rtype)[role][0]}" in body.get("depends_on", [])


# Per region -------------------------------------------------------------------------------


def test_each_region_gets_its_named_force_destroy_bucket_through_its_own_provider(doc):
    buckets = _by_role(doc, "aws_s3_bucket")
    for role, code in (("primary", "use1"), ("secondary", "usw2")):
        assert_resource(
            doc,
            "aws_s3_bucket",
            {
                "provider": f"aws.{role}",
                "bucket": f"dbdr-backups-{code}-test",
                "force_destroy": True,
            },
        )
    assert all("acl" not in body and "tags" not in body for _, body in buckets.values())


def test_every_bucket_setting_targets_the_bucket_of_its_own_region(doc):
    # Every aws_s3_bucket_* type: the six settings each bucket carries (each one found once
    # per region by the tests below) and the primary's replication configuration.
    settings = [rtype for rtype in doc["resource"] if rtype.startswith("aws_s3_bucket_")]
    assert len(settings) == 7, settings
    for rtype in settings:
        for name, body in resources(doc, rtype).items():
            role = body["provider"].split(".")[1]
            assert body["bucket"] == _bucket_ref(doc, role, "id"), f"{rtype}.{name}"


def test_versioning_is_enabled_in_both_regions(doc):
    # the whole block: no mfa_delete, which the matchers could not exclude
    for _, body in _by_role(doc, "aws_s3_bucket_versioning").values():
        assert body["versioning_configuration"] == {"status": "Enabled"}


def test_default_encryption_is_the_regional_key_with_a_bucket_key(doc):
    for role in _by_role(doc, "aws_s3_bucket_server_side_encryption_configuration"):
        # every argument of the rule block at each level: matched exactly
        rule = {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": _key_arn(doc, role),
            },
            "bucket_key_enabled": True,
        }
        assert_resource(
            doc,
            "aws_s3_bucket_server_side_encryption_configuration",
            {"provider": f"aws.{role}", "rule": [rule]},
        )


def test_public_access_is_blocked_and_acls_are_disabled(doc):
    flags = {
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    for role in _by_role(doc, "aws_s3_bucket_public_access_block"):
        assert_resource(
            doc, "aws_s3_bucket_public_access_block", {"provider": f"aws.{role}", **flags}
        )
    for role in _by_role(doc, "aws_s3_bucket_ownership_controls"):
        assert_resource(
            doc,
            "aws_s3_bucket_ownership_controls",
            # the rule's only argument: matched exactly
            {"provider": f"aws.{role}", "rule": {"object_ownership": "BucketOwnerEnforced"}},
        )


def test_bucket_policy_denies_every_request_that_is_not_tls(doc):
    for role, (_, body) in _by_role(doc, "aws_s3_bucket_policy").items():
        arn = _bucket_ref(doc, role, "arn")
        assert json.loads(body["policy"])["Statement"] == [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
        assert _depends_on(body, "aws_s3_bucket_public_access_block", doc, role)


def test_lifecycle_expires_current_and_noncurrent_versions_after_exactly_30_days(doc):
    for role, (_, body) in _by_role(doc, "aws_s3_bucket_lifecycle_configuration").items():
        (rule,) = body["rule"]
        assert rule == {
            "id": "expire-backups",
            "status": "Enabled",
            "filter": [{}],
            "expiration": [{"days": 30}],
            "noncurrent_version_expiration": [{"noncurrent_days": 30}],
            "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
        }
        # S3 removes expired delete markers itself when current versions expire; the flag
        # cannot be combined with days (API_LifecycleExpiration).
        assert "expired_object_delete_marker" not in rule["expiration"][0]
        assert _depends_on(body, "aws_s3_bucket_versioning", doc, role)


# Replication ------------------------------------------------------------------------------


def test_replication_runs_from_the_primary_after_both_buckets_are_versioned(doc):
    role_name = next(iter(resources(doc, "aws_iam_role")))
    replication = assert_only(
        doc,
        "aws_s3_bucket_replication_configuration",
        {
            "provider": "aws.primary",
            "bucket": _bucket_ref(doc, "primary", "id"),
            "role": _ref("aws_iam_role", role_name, "arn"),
        },
    )
    assert _depends_on(replication, "aws_s3_bucket_versioning", doc, "primary")
    assert _depends_on(replication, "aws_s3_bucket_versioning", doc, "secondary")
    policy_name = next(iter(resources(doc, "aws_iam_role_policy")))
    assert f"aws_iam_role_policy.{policy_name}" in replication["depends_on"]


def test_replication_rule_uses_rtc_15_minutes_metrics_and_the_secondary_key(doc):
    (rule,) = only(doc, "aws_s3_bucket_replication_configuration")["rule"]
    assert rule == {
        "id": "backups-to-secondary",
        "status": "Enabled",
        "filter": {},
        "delete_marker_replication": {"status": "Enabled"},
        "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
        "destination": {
            "bucket": _bucket_ref(doc, "secondary", "arn"),
            "storage_class": "STANDARD",
            "encryption_configuration": {"replica_kms_key_id": _key_arn(doc, "secondary")},
            "replication_time": {"status": "Enabled", "time": {"minutes": 15}},
            "metrics": {"status": "Enabled", "event_threshold": {"minutes": 15}},
        },
    }


def test_only_s3_of_this_account_can_assume_the_replication_role(doc):
    role = assert_only(
        doc, "aws_iam_role", {"name": "dbdr-backup-replication-test", "provider": "aws.primary"}
    )
    account = next(iter(doc["data"]["aws_caller_identity"]))
    assert json.loads(role["assume_role_policy"])["Statement"] == [
        {
            "Sid": "S3ReplicationInThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": f"${{data.aws_caller_identity.{account}.account_id}}"
                }
            },
        }
    ]


def test_replication_policy_grants_exactly_the_replication_actions_on_these_buckets_and_keys(doc):
    role_name = next(iter(resources(doc, "aws_iam_role")))
    policy = assert_only(
        doc,
        "aws_iam_role_policy",
        {
            "role": _ref("aws_iam_role", role_name, "id"),
            "name": "dbdr-backup-replication-test",
            "provider": "aws.primary",
        },
    )
    source, destination = (_bucket_ref(doc, r, "arn") for r in ROLES)

    def through_s3(region, bucket):
        return {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket, f"{bucket}/*"]},
        }

    statements = {s.pop("Sid"): s for s in json.loads(policy["policy"])["Statement"]}
    assert statements == {
        "ReadSourceReplicationConfiguration": {
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": source,
        },
        "ReadSourceObjectVersions": {
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": f"{source}/*",
        },
        "WriteReplicas": {
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            "Resource": f"{destination}/*",
        },
        "DecryptSourceObjects": {
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": _key_arn(doc, "primary"),
            "Condition": through_s3(PRIMARY, source),
        },
        "EncryptReplicas": {
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": _key_arn(doc, "secondary"),
            "Condition": through_s3(SECONDARY, destination),
        },
    }
    assert all(
        "*" not in json.dumps(s["Action"]) and s["Resource"] != "*" for s in statements.values()
    )


# Exposed attributes, checks, Terraform ----------------------------------------------------


def test_exposes_buckets_names_arns_and_the_role_by_region(doc):
    outputs = {name: body["value"] for name, body in doc["output"].items()}
    for role in ROLES:
        assert outputs[f"{role}_name"] == _bucket_ref(doc, role, "bucket")
        assert outputs[f"{role}_arn"] == _bucket_ref(doc, role, "arn")
        assert outputs[f"{role}_bucket_id"] == _bucket_ref(doc, role, "id")
    role_name = next(iter(resources(doc, "aws_iam_role")))
    assert outputs["replication_role"] == _ref("aws_iam_role", role_name, "arn")


def test_checkov_passes_with_only_logging_and_notifications_skipped_on_the_buckets(synthesized):
    from tools.checkov_gate import gate, inline_skips, scan

    doc, stack_dir = synthesized
    for _, body in _by_role(doc, "aws_s3_bucket").values():
        assert set(skips_of(body)) == EXPECTED_SKIPS
    assert set(inline_skips(doc)) == set(resources(doc, "aws_s3_bucket"))
    result = gate(scan(stack_dir / "cdk.tf.json", "terraform_json"), inline_skips(doc))
    assert result.ok, (result.failed, result.unused_skips)
    assert result.passed > 40
    # CKV_AWS_144 (cross-region replication) passes on both buckets without a skip.
    assert {check for check, _, _ in result.skipped} == EXPECTED_SKIPS


def test_terraform_validates_it_without_warnings(synthesized, tmp_path):
    _, stack_dir = synthesized
    assert_terraform_validates(stack_dir, tmp_path)


def test_expiration_days_and_force_destroy_follow_the_props():
    t, _ = _stack(expiration_days=365, force_destroy=False)
    doc = t.synth()
    for role in _by_role(doc, "aws_s3_bucket"):
        assert_resource(doc, "aws_s3_bucket", {"provider": f"aws.{role}", "force_destroy": False})
    # whole blocks: a date or delete-marker flag beside the days would be wrong
    for _, body in _by_role(doc, "aws_s3_bucket_lifecycle_configuration").values():
        (rule,) = body["rule"]
        assert rule["expiration"] == [{"days": 365}]
        assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 365}]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"expiration_days": 0}, r"expiration_days must be 1\.\.3650, got 0"),
        ({"expiration_days": 3651}, r"expiration_days must be 1\.\.3650, got 3651"),
        (
            {"replication_time_minutes": 10},
            r"replication_time_minutes must be 15 \(the only value S3 Replication Time Control "
            r"accepts\), got 10",
        ),
        (
            {"secondary_region": PRIMARY},
            "secondary region must differ from the primary, got us-east-1 twice",
        ),
    ],
)
def test_invalid_props_are_rejected_before_any_resource(overrides, message):
    t = new_stack()
    overrides = dict(overrides)
    regions = keyed_regions(t, secondary_region=overrides.pop("secondary_region", SECONDARY))
    with pytest.raises(ValueError, match=message):
        BackupBuckets(
            t.stack,
            "Backups",
            BackupBucketsProps(
                namer=NAMER, primary=regions["primary"], secondary=regions["secondary"], **overrides
            ),
        )
    assert t.stack.node.find_child("Backups").node.children == []
