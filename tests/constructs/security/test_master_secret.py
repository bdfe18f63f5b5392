"""MasterSecret: the master credentials in both regions, never in plan, state or JSON.

An existing secret is checked in both regions by the plan (the secondary region's canary
reads the replica there); a generated one is created with its replica and a password that
only write-only arguments carry."""

from __future__ import annotations

import json
import re

import pytest

from constructs_lib.security.master_secret import MasterUserProps, secret_name
from support.matchers import (
    assert_data_source,
    assert_no_data_source,
    assert_no_resource,
    assert_only,
    assert_resource,
    data_sources,
    resources,
)
from support.stacks import database_stack

NAME = "dbdr/test/master-credentials"
KEY = "arn:aws:kms:{}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _synth(kind="aurora", **overrides):
    t, _, database = database_stack(kind, **overrides)
    return database, t.synth()


@pytest.fixture(scope="module")
def existing():
    return _synth()


@pytest.fixture(scope="module")
def generated():
    return _synth(generate_master_secret=True)


def test_the_plan_checks_the_secret_in_the_primary_and_its_replica_in_the_secondary(existing):
    _, doc = existing
    checks = {
        body["provider"]: body for body in data_sources(doc, "aws_secretsmanager_secrets").values()
    }
    assert set(checks) == {"aws.primary", "aws.secondary"}
    for provider in checks:
        assert_data_source(
            doc,
            "aws_secretsmanager_secrets",
            {
                "provider": provider,
                "filter": [{"name": "name", "values": [NAME]}],
                "lifecycle": {
                    "postcondition": [{"condition": f'${{contains(self.names, "{NAME}")}}'}]
                },
            },
        )
    primary = checks["aws.primary"]["lifecycle"]["postcondition"][0]["error_message"]
    assert primary.startswith(f"The master secret {NAME} does not exist in us-east-1")
    secondary = checks["aws.secondary"]["lifecycle"]["postcondition"][0]["error_message"]
    assert secondary.startswith(f"The master secret {NAME} has no replica in us-west-2")
    assert (
        "aws secretsmanager replicate-secret-to-regions --region us-east-1 --secret-id "
        f"{NAME} --add-replica-regions Region=us-west-2"
    ) in secondary
    # The secret's ARN is read only after the check (so its message is what a user sees)
    (name,) = data_sources(doc, "aws_secretsmanager_secret")
    (check_name,) = [
        n
        for n, b in data_sources(doc, "aws_secretsmanager_secrets").items()
        if b["provider"] == "aws.primary"
    ]
    assert_data_source(
        doc,
        "aws_secretsmanager_secret",
        {"depends_on": [f"data.aws_secretsmanager_secrets.{check_name}"]},
    )
    # ephemeral blocks are beyond the matchers
    ephemeral = doc["ephemeral"]["aws_secretsmanager_secret_version"]["master_credentials"]
    assert ephemeral["secret_id"] == f"${{data.aws_secretsmanager_secret.{name}.arn}}"
    assert_no_resource(doc, "aws_secretsmanager_secret")


def test_an_existing_secret_is_read_by_name_or_by_its_arn_in_each_region():
    arn = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{NAME}-AbCdEf"
    database, doc = _synth(master_secret=arn)
    assert secret_name(arn) == NAME
    assert database.master_secret.secret_id("secondary") == arn.replace("us-east-1", "us-west-2")
    (secret,) = data_sources(doc, "aws_secretsmanager_secret").values()
    assert_data_source(doc, "aws_secretsmanager_secret", {"arn": arn})
    assert "name" not in secret
    (read,) = database.master_secret.read_statements("secondary")
    assert read["Resource"] == arn.replace("us-east-1", "us-west-2")


def test_the_canaries_may_decrypt_with_the_secrets_own_keys_and_only_through_secrets_manager():
    database, _ = _synth(
        master_secret_kms_key_arn=KEY.format("us-east-1"),
        master_secret_replica_kms_key_arn=KEY.format("us-west-2"),
    )
    for role, region in (("primary", "us-east-1"), ("secondary", "us-west-2")):
        read, decrypt = database.master_secret.read_statements(role)
        assert read["Action"] == ["secretsmanager:GetSecretValue"]
        assert re.fullmatch(
            rf"arn:.*:secretsmanager:{region}:.*:secret:{NAME}-\?{{6}}", read["Resource"]
        )
        assert decrypt == {
            "Sid": "DecryptDatabaseCredentials",
            "Action": ["kms:Decrypt"],
            "Resource": KEY.format(region),
            "Condition": {
                "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
            },
        }
    # With the AWS managed key there is nothing to grant
    database, _ = _synth()
    assert [s["Sid"] for s in database.master_secret.read_statements("primary")] == [
        "ReadDatabaseCredentials"
    ]


def test_a_generated_secret_is_created_with_its_replica_each_with_its_regions_key(generated):
    _, doc = generated
    keys = {body["provider"]: name for name, body in resources(doc, "aws_kms_key").items()}
    assert_only(
        doc,
        "aws_secretsmanager_secret",
        {
            "provider": "aws.primary",
            "name": NAME,
            "kms_key_id": f"${{aws_kms_key.{keys['aws.primary']}.arn}}",
            # both arguments a replica has: matched exactly
            "replica": [
                {
                    "region": "us-west-2",
                    "kms_key_id": f"${{aws_kms_key.{keys['aws.secondary']}.arn}}",
                }
            ],
            "recovery_window_in_days": 0,  # destroyable: the name is free at once
        },
    )
    assert_no_data_source(doc, "aws_secretsmanager_secrets")


def test_a_generated_password_reaches_the_secret_and_the_database_write_only(generated):
    _, doc = generated
    password = "ephemeral.aws_secretsmanager_random_password.master_password.random_password"
    # ephemeral blocks are beyond the matchers
    generator = doc["ephemeral"]["aws_secretsmanager_random_password"]["master_password"]
    assert generator["provider"] == "aws.primary" and generator["password_length"] == 32
    assert set('"@/ ') <= set(generator["exclude_characters"])  # what RDS refuses
    version = assert_only(
        doc,
        "aws_secretsmanager_secret_version",
        {
            "secret_string_wo": (
                f'${{jsonencode({{username = "dbadmin", password = {password}}})}}'
            ),
            "secret_string_wo_version": 1,
        },
    )
    assert "secret_string" not in version
    (version_name,) = resources(doc, "aws_secretsmanager_secret_version")
    (primary,) = [
        c for c in resources(doc, "aws_rds_cluster").values() if c["provider"] == "aws.primary"
    ]
    assert_resource(
        doc,
        "aws_rds_cluster",
        {
            "provider": "aws.primary",
            "master_password_wo": f"${{{password}}}",
            "master_password_wo_version": 1,  # the secret's version
        },
    )
    # The database takes the password once the secret holds it
    assert f"aws_secretsmanager_secret_version.{version_name}" in primary["depends_on"]


def test_rds_replica_mode_generates_the_same_way():
    _, doc = _synth("rds", generate_master_secret=True)
    (primary,) = [i for i in resources(doc, "aws_db_instance").values() if "password_wo" in i]
    assert_resource(
        doc,
        "aws_db_instance",
        {
            "password_wo": (
                "${ephemeral.aws_secretsmanager_random_password.master_password.random_password}"
            )
        },
    )
    assert any(d.startswith("aws_secretsmanager_secret_version.") for d in primary["depends_on"])


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {
                "generate_master_secret": True,
                "master_secret": (
                    f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{NAME}-AbCdEf"
                ),
            },
            "master_secret must be a name with generate_master_secret",
        ),
        (
            {
                "generate_master_secret": True,
                "master_secret_kms_key_arn": KEY.format("us-east-1"),
                "master_secret_replica_kms_key_arn": KEY.format("us-west-2"),
            },
            "must be empty with generate_master_secret",
        ),
        ({"master_secret_kms_key_arn": KEY.format("us-east-1")}, "go together"),
    ],
)
def test_invalid_master_user_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        MasterUserProps(**{"master_secret": NAME, **overrides}).validate_master_user()


def test_terraform_plan_stops_naming_the_missing_replica_until_it_exists(tmp_path):
    """A real ``terraform plan`` (provider 5.100.0) against the emulator."""
    from cdktf import App, TerraformStack

    from constructs_lib.naming import Namer
    from constructs_lib.regional_provider import regional_provider
    from constructs_lib.security.master_secret import MasterSecret, MasterSecretProps
    from constructs_lib.security.regional_key import KeyedRegion, RegionalKey, RegionalKeyProps
    from tools import terraform
    from tools.emulator import Emulator

    with Emulator() as emu:
        app = App(outdir=str(tmp_path))
        stack = TerraformStack(app, "secret")
        sides = {}
        for role, region in (("primary", "us-east-1"), ("secondary", "us-west-2")):
            provider = regional_provider(stack, role, region, {"Project": "dbdr"}, emu.endpoint)
            key = RegionalKey(
                stack,
                f"{role}Key",
                RegionalKeyProps(provider=provider, region=region, namer=Namer("dbdr", "test")),
            )
            sides[role] = KeyedRegion(provider=provider, region=region, key=key)
        MasterSecret(
            stack,
            "MasterSecret",
            MasterSecretProps(**sides, user=MasterUserProps(master_secret=NAME)),
        )
        app.synth()
        stack_dir = tmp_path / "stacks" / "secret"
        terraform.run(stack_dir, "init", "-input=false")

        # Given the secret in the primary region only
        value = json.dumps({"username": "dbadmin", "password": "not-used-here"})
        emu.client("secretsmanager", "us-east-1").create_secret(Name=NAME, SecretString=value)
        # When planned, Then the plan stops and names the missing replica
        failed = terraform.run(stack_dir, "plan", "-input=false", check=False)
        assert failed.returncode == 1
        said = " ".join((failed.stdout + failed.stderr).split())
        assert f"The master secret {NAME} has no replica in us-west-2" in said
        assert "replicate-secret-to-regions" in said

        # Given the replica, Then the same plan goes through
        emu.client("secretsmanager", "us-east-1").replicate_secret_to_regions(
            SecretId=NAME, AddReplicaRegions=[{"Region": "us-west-2"}]
        )
        planned = terraform.run(stack_dir, "plan", "-input=false", check=False)
        assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
        assert "not-used-here" not in planned.stdout
