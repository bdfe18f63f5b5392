"""The e2e run through the cdktf CLI (``DR_E2E_DEPLOY=cdktf``, tools/e2e/cli.py): the mode is
chosen once and kept out of the deployment's settings, the phases keep the names the DR
report reads, the CLI runs offline with the project's .venv, and the state bucket is made
and removed as an input of the run. Against the session's emulator where AWS is involved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from constructs_lib.config import load_config
from tools.e2e import cli, deploy, runner
from tools.e2e.context import Run
from tools.e2e.verify import leftovers

SUFFIX = "e2ecli"


@pytest.fixture
def run(emulator, tmp_path, monkeypatch):
    """A run of the cdktf mode on the session's emulator, emptied (tests/tools/conftest.py)."""
    monkeypatch.delenv("DR_EMULATOR_ENDPOINT", raising=False)
    config = load_config({"ENVIRONMENT_SUFFIX": SUFFIX}, {})
    return Run(config=config, workdir=tmp_path, emulator=emulator, deploy_mode="cdktf")


def test_the_mode_is_terraform_unless_set_and_leaves_the_environment(monkeypatch, capsys):
    monkeypatch.delenv("DR_E2E_DEPLOY", raising=False)
    assert runner._deploy_mode() == "terraform"
    monkeypatch.setenv("DR_E2E_DEPLOY", "cdktf")
    assert runner._deploy_mode() == "cdktf"
    # main.py refuses unknown DR_ settings: the synth subprocesses must not see it
    assert "DR_E2E_DEPLOY" not in __import__("os").environ
    monkeypatch.setenv("DR_E2E_DEPLOY", "pulumi")
    assert runner._deploy_mode() is None
    assert capsys.readouterr().err == (
        "error: DR_E2E_DEPLOY must be terraform or cdktf, got 'pulumi'\n"
    )


def test_both_modes_have_the_phases_the_dr_report_reads():
    for mode in ("terraform", "cdktf"):
        names = [name for name, _ in runner.phases_of(mode)]
        assert {"apply", "failover drill", "destroy"} <= set(names)
        assert names.index("apply") < names.index("failover drill") < names.index("destroy")
    terraform = dict(runner.phases_of("terraform"))
    assert terraform["apply"] is deploy.apply and terraform["destroy"] is deploy.destroy
    assert "pr-plan of a risky change" not in terraform
    cdktf = dict(runner.phases_of("cdktf"))
    assert cdktf["apply"] is cli.apply and cdktf["destroy"] is cli.destroy
    names = list(cdktf)
    # the pull-request check: on the fresh stack before the deploy, on a risky change after
    # the deployment is verified and before the drill
    assert names.index("pr-plan + checkov") < names.index("apply")
    assert (
        names.index("integration tests")
        < names.index("pr-plan of a risky change")
        < names.index("failover drill")
    )


def test_the_cli_runs_offline_with_the_runs_settings_and_the_projects_venv(
    run, monkeypatch, tmp_path
):
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io/hashicorp/aws").mkdir(parents=True)
    monkeypatch.setenv("DR_PROVIDER_MIRROR", str(mirror))
    monkeypatch.setenv("AWS_PROFILE", "production")
    run.settings["DR_STATE_BUCKET"] = "dbdr-tfstate-e2ecli"
    env = cli.cli_env(run)
    assert env["DR_STATE_BUCKET"] == "dbdr-tfstate-e2ecli"
    assert env["ENVIRONMENT_SUFFIX"] == SUFFIX
    assert env["DR_EMULATOR_ENDPOINT"] == run.emulator.endpoint
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("testing", "testing")
    assert "AWS_PROFILE" not in env
    assert env["CHECKPOINT_DISABLE"] == "1" and env["PIPENV_VENV_IN_PROJECT"] == "1"
    config_file = Path(env["TF_CLI_CONFIG_FILE"])
    assert config_file == tmp_path / "terraform.tfrc"
    assert f"path = {json.dumps(str(mirror))}" in config_file.read_text()
    # cdktf.json's app is what the CLI runs: pipenv, in the project's .venv
    app = json.loads((runner.ROOT / "cdktf.json").read_text())["app"]
    assert app == "pipenv run python main.py"


def test_the_state_bucket_is_made_versioned_and_encrypted_and_joins_the_settings(run):
    made = deploy._state_bucket(run)
    bucket = f"dbdr-tfstate-{SUFFIX}"
    assert made == f"state bucket s3://{bucket} (versioned, SSE, lock file on)"
    s3 = run.emulator.client("s3", "us-east-1")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert run.settings == {"DR_STATE_BUCKET": bucket}
    assert (run.config.state_bucket, run.config.state_lock) == (bucket, True)
    assert run.config.state_key == f"dbdr/{SUFFIX}/terraform.tfstate"


def _state_in_bucket(run, resources: list) -> None:
    deploy._state_bucket(run)
    c = run.config
    s3 = run.emulator.client("s3", c.state_region)
    for version in ([{"type": "aws_vpc"}], resources):  # two versions of the state
        s3.put_object(
            Bucket=c.state_bucket, Key=c.state_key, Body=json.dumps({"resources": version})
        )
    s3.put_object(Bucket=c.state_bucket, Key=c.state_key + ".tflock", Body=b"{}")
    s3.delete_object(Bucket=c.state_bucket, Key=c.state_key + ".tflock")  # a delete marker


def test_an_empty_state_bucket_is_removed_with_every_version(run):
    _state_in_bucket(run, resources=[])
    leftovers._state_bucket_left(run)
    assert run.failures == [] and run.checks == 2
    buckets = run.emulator.client("s3", "us-east-1").list_buckets()["Buckets"]
    assert buckets == []


def test_a_state_that_still_holds_resources_is_a_leftover_and_is_kept(run):
    _state_in_bucket(run, resources=[{"type": "aws_rds_cluster"}])
    leftovers._state_bucket_left(run)
    assert run.failures == [
        f"the state in s3://dbdr-tfstate-{SUFFIX}/dbdr/{SUFFIX}/terraform.tfstate holds no "
        "resource, got 1"
    ]
    buckets = run.emulator.client("s3", "us-east-1").list_buckets()["Buckets"]
    assert [b["Name"] for b in buckets] == [f"dbdr-tfstate-{SUFFIX}"]


def test_the_s3_backend_talks_to_the_emulator_only_when_one_is_configured():
    real = load_config({"ENVIRONMENT_SUFFIX": "qa", "DR_STATE_BUCKET": "dbdr-state"}, {})
    assert main.s3_backend(real) == {
        "bucket": "dbdr-state",
        "key": "dbdr/qa/terraform.tfstate",
        "region": "us-east-1",
        "encrypt": True,
    }
    endpoint = "http://127.0.0.1:5000"
    offline = load_config(
        {
            "ENVIRONMENT_SUFFIX": "qa",
            "DR_STATE_BUCKET": "dbdr-state",
            "DR_EMULATOR_ENDPOINT": endpoint,
        },
        {},
    )
    backend = main.s3_backend(offline)
    assert {k: backend.pop(k) for k in main.s3_backend(real)} == main.s3_backend(real)
    assert backend == {
        "endpoints": {"s3": endpoint, "sts": endpoint},
        "use_path_style": True,
        "access_key": "testing",
        "secret_key": "testing",
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }


def test_the_emulator_refuses_a_second_lock_file_as_s3_does(emulator):
    # Terraform's S3-native lock (use_lockfile): a conditional PutObject (If-None-Match: *)
    # that S3 refuses with 412 PreconditionFailed while the lock object exists.
    s3 = emulator.client("s3", "us-east-1")
    s3.create_bucket(Bucket="lock-test")
    s3.put_bucket_versioning(Bucket="lock-test", VersioningConfiguration={"Status": "Enabled"})
    lock = {"Bucket": "lock-test", "Key": "dbdr/e2e/terraform.tfstate.tflock", "IfNoneMatch": "*"}
    s3.put_object(Body=b'{"ID": "first"}', **lock)
    with pytest.raises(s3.exceptions.ClientError) as refused:
        s3.put_object(Body=b'{"ID": "second"}', **lock)
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "PreconditionFailed",
        412,
    )
    # released (a delete marker in a versioned bucket), the lock can be taken again
    s3.delete_object(Bucket=lock["Bucket"], Key=lock["Key"])
    s3.put_object(Body=b'{"ID": "third"}', **lock)
    body = s3.get_object(Bucket=lock["Bucket"], Key=lock["Key"])["Body"].read()
    assert body == b'{"ID": "third"}'


def test_the_clis_redrawn_lines_are_logged_plain_and_counted(monkeypatch):
    # Given what cdktf 0.21 prints without a terminal, even with --no-color
    shown = []
    monkeypatch.setattr(cli, "detail", shown.append)
    progress = cli._progress("Creation complete after")
    for line in (
        "\x1b[2K\x1b[1A\x1b[2K\x1b[Gdbdr  aws_vpc.PrimaryVpc_Vpc (PrimaryVpc/Vpc): Creating...",
        "\x1b[2K\x1b[1A\x1b[2K\x1b[Gdbdr  aws_vpc.PrimaryVpc_Vpc (PrimaryVpc/Vpc): "
        "Creation complete after 1s [id=vpc-1]",
        "      aws_kms_key.PrimaryKey: Creation complete after 2s [id=k-1]",
        "1 Stack deploying     0 Stacks done     0 Stacks waiting",
        "\x1b[Gdbdr  Error: creating RDS Cluster: boom",
    ):
        progress(cli.TERMINAL_CONTROL.sub("", line))
    assert shown == [
        "    [  1] aws_vpc.PrimaryVpc_Vpc (PrimaryVpc/Vpc): Creation complete after 1s [id=vpc-1]",
        "    [  2] aws_kms_key.PrimaryKey: Creation complete after 2s [id=k-1]",
        "    [  2] Error: creating RDS Cluster: boom",
    ]
