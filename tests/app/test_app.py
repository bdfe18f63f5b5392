"""The whole app: both regions wired, providers and tags, outputs, backend, Terraform
validation with the real AWS provider, and the entry points (plain Python and cdktf CLI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dr_lambdas.contract import STACK_ID
from support import ROOT
from support.apps import Synthesized, run_main
from support.bad_settings import BAD
from support.matchers import all_blocks
from tools import terraform

REGIONAL_TYPES = {  # resource type -> count per region with the default configuration
    "aws_kms_key": 1,
    "aws_kms_alias": 1,
    "aws_vpc": 1,
    "aws_subnet": 3,
    "aws_route_table": 3,
    "aws_route_table_association": 3,
    "aws_db_subnet_group": 1,
    "aws_security_group": 3,
    "aws_vpc_security_group_ingress_rule": 4,
    # canary egress: its database, the API endpoints, the other region's database
    "aws_vpc_security_group_egress_rule": 3,
    "aws_vpc_endpoint": 2,
    "aws_default_security_group": 1,
    "aws_flow_log": 1,
    "aws_rds_cluster": 1,
    "aws_rds_cluster_parameter_group": 1,
    "aws_sns_topic": 1,
    "aws_lambda_function": 2,
    "aws_dynamodb_table": 1,
    "aws_sqs_queue": 2,
    "aws_cloudwatch_log_group": 4,
    # data-protection extras: peering routes, backup bucket, vault, parameters, events
    "aws_route": 3,
    "aws_s3_bucket": 1,
    "aws_s3_bucket_versioning": 1,
    "aws_s3_bucket_lifecycle_configuration": 1,
    "aws_backup_vault": 1,
    "aws_ssm_parameter": 7,
    "aws_db_event_subscription": 1,
}
# Made once, through the primary provider: peering requester, replication, backup plan,
# dashboard (and the two IAM roles of replication and backup).
PRIMARY_ONLY = {
    "aws_vpc_peering_connection": 1,
    "aws_s3_bucket_replication_configuration": 1,
    "aws_backup_plan": 1,
    "aws_backup_selection": 1,
    "aws_cloudwatch_dashboard": 1,
}
EXTRA_TYPES = (
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_route",
    "aws_s3_bucket",
    "aws_backup_vault",
    "aws_backup_plan",
    "aws_ssm_parameter",
    "aws_db_event_subscription",
    "aws_cloudwatch_dashboard",
)


def test_every_resource_and_data_source_names_its_regions_provider(default_app):
    providers = {
        (kind, rtype, name): body.get("provider")
        for kind, rtype, name, body in all_blocks(default_app.doc)
    }
    assert len(providers) > 60
    assert set(providers.values()) == {"aws.primary", "aws.secondary"}


def test_both_regions_get_the_same_regional_building_blocks(default_app):
    per_region = Counter(
        (rtype, body["provider"])
        for kind, rtype, _, body in all_blocks(default_app.doc)
        if kind == "resource"
    )
    for rtype, count in REGIONAL_TYPES.items():
        assert per_region[(rtype, "aws.primary")] == count, rtype
        assert per_region[(rtype, "aws.secondary")] == count, rtype
    assert per_region[("aws_rds_cluster_instance", "aws.primary")] == 2
    assert per_region[("aws_rds_cluster_instance", "aws.secondary")] == 1
    assert per_region[("aws_rds_global_cluster", "aws.primary")] == 1
    assert per_region[("aws_route53_zone", "aws.primary")] == 1
    # the writer name (a CNAME to the global writer endpoint) and the reader name
    assert per_region[("aws_route53_record", "aws.primary")] == 2
    # per region: two alarm-based children and one CALCULATED parent
    assert per_region[("aws_route53_health_check", "aws.primary")] == 6
    # + the canary's fast connectivity alarm and its peer-down alarm, in each region
    assert per_region[("aws_cloudwatch_metric_alarm", "aws.primary")] == 10
    assert per_region[("aws_cloudwatch_metric_alarm", "aws.secondary")] == 11
    assert per_region[("aws_cloudwatch_composite_alarm", "aws.primary")] == 1
    # the watchdog schedule runs only the secondary's orchestrator
    assert per_region[("aws_cloudwatch_event_rule", "aws.primary")] == 1
    assert per_region[("aws_cloudwatch_event_rule", "aws.secondary")] == 2
    for rtype, count in PRIMARY_ONLY.items():
        assert (per_region[(rtype, "aws.primary")], per_region[(rtype, "aws.secondary")]) == (
            count,
            0,
        ), rtype
    assert per_region[("aws_vpc_peering_connection_accepter", "aws.secondary")] == 1
    assert (
        per_region[("aws_iam_role", "aws.primary")],
        per_region[("aws_iam_role", "aws.secondary")],
    ) == (6, 4)


def test_each_data_protection_extra_is_behind_its_flag(tmp_path):
    flags = (
        "VPC_PEERING",
        "BACKUP_BUCKETS",
        "AWS_BACKUP",
        "ENDPOINT_PARAMETERS",
        "EVENT_SUBSCRIPTIONS",
        "DASHBOARD",
    )
    doc = Synthesized(
        {**{f"DR_{flag}": "false" for flag in flags}, "ENVIRONMENT_SUFFIX": "bare"}, tmp_path
    ).doc
    assert [t for t in EXTRA_TYPES if t in doc["resource"]] == []
    assert not {
        "vpc_peering_connection_id",
        "backup_plan_id",
        "dashboard_name",
        "endpoint_parameter_path",
        "primary_backup_bucket",
    } & set(doc["output"])


def test_providers_are_aliased_per_region_with_required_default_tags(default_app):
    providers = {p["alias"]: p for p in default_app.doc["provider"]["aws"]}
    assert {a: p["region"] for a, p in providers.items()} == {
        "primary": "us-east-1",
        "secondary": "us-west-2",
    }
    for provider in providers.values():
        (tags,) = provider["default_tags"]
        assert tags["tags"] == {
            "Environment": "dev",
            "Project": "dbdr",
            "CostCenter": "platform",
            "DisasterRecovery": "enabled",
        }


def test_variant_configuration_moves_regions_engine_and_backend(variant_app):
    doc = variant_app.doc
    providers = {p["alias"]: p["region"] for p in doc["provider"]["aws"]}
    assert providers == {"primary": "us-east-2", "secondary": "eu-west-1"}
    clusters = {c["provider"]: c for c in doc["resource"]["aws_rds_cluster"].values()}
    assert clusters["aws.primary"]["cluster_identifier"] == "dbdr-cluster-use2-qa2"
    assert clusters["aws.secondary"]["cluster_identifier"] == "dbdr-cluster-euw1-qa2"
    assert {c["engine"] for c in clusters.values()} == {"aurora-mysql"}
    assert {c["port"] for c in clusters.values()} == {3306}
    assert clusters["aws.primary"]["deletion_protection"] is True
    assert clusters["aws.primary"]["final_snapshot_identifier"] == "dbdr-final-use2-qa2"
    instances = doc["resource"]["aws_rds_cluster_instance"].values()
    assert [i["provider"] for i in instances] == ["aws.primary"]  # headless secondary
    assert len(doc["resource"]["aws_subnet"]) == 4  # two AZs per region
    subscriptions = doc["resource"]["aws_sns_topic_subscription"].values()
    # e-mail on both topics; the orchestrator on the primary's (primary-down) and on its
    # own region's (peer-down: the region-loss signal that lives in the surviving region)
    assert sorted(s["protocol"] for s in subscriptions) == ["email", "email", "lambda", "lambda"]
    rules = doc["resource"]["aws_vpc_security_group_ingress_rule"].values()
    # clients (2 CIDRs + 1 security group in the primary), endpoints' HTTPS, the canary,
    # the peer region's CIDR over the VPC peering
    assert Counter(r["provider"] for r in rules) == {"aws.primary": 6, "aws.secondary": 5}
    backend = doc["terraform"]["backend"]["s3"]
    assert backend == {
        "bucket": "dbdr-state-example",
        "key": "dbdr/qa2/terraform.tfstate",
        "region": "us-east-2",
        "encrypt": True,
        "use_lockfile": True,
    }
    zone = next(iter(doc["resource"]["aws_route53_zone"].values()))
    assert zone["name"] == "db-qa2.internal"


def test_default_backend_is_a_local_file_per_environment(default_app):
    assert default_app.doc["terraform"]["backend"] == {"local": {"path": "terraform.dev.tfstate"}}


def test_outputs_cover_both_regions_and_never_a_secret_value(default_app):
    outputs = default_app.doc["output"]
    expected = {
        "global_cluster_id",
        "global_writer_endpoint",
        "writer_dns_name",
        "reader_dns_name",
        "hosted_zone_id",
        "master_secret_arn",
        "database_mode",
        "vpc_peering_connection_id",
        "backup_plan_id",
        "endpoint_parameter_path",
        "dashboard_name",
    }
    for role in ("primary", "secondary"):
        expected |= {
            f"{role}_{n}"
            for n in (
                "writer_endpoint",
                "reader_endpoint",
                "cluster_id",
                "kms_key_arn",
                "alerts_topic_arn",
                "vpc_id",
                "orchestrator_function",
                "canary_function",
                "health_check_id",
                "backup_bucket",
                "backup_vault_arn",
            )
        }
    assert set(outputs) == expected
    assert all(o.get("description") for o in outputs.values())
    assert outputs["writer_dns_name"]["value"] == "writer.db-dev.internal"
    assert outputs["global_writer_endpoint"]["value"].startswith("${aws_rds_global_cluster.")
    assert outputs["master_secret_arn"]["value"].endswith(".arn}")
    assert "secret_string" not in json.dumps(outputs)


def test_every_physical_name_carries_the_suffix(variant_app):
    names = []
    for kind, _, _, body in all_blocks(variant_app.doc):
        for attr in (
            "name",
            "cluster_identifier",
            "identifier",
            "global_cluster_identifier",
            "alarm_name",
        ):
            value = body.get(attr)
            if kind == "resource" and isinstance(value, str) and "${" not in value:
                names.append(value)
    assert len(names) > 25
    assert [n for n in names if "qa2" not in n] == []


def _validate(stack_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    workdir = tmp_path / stack_dir.parent.parent.name
    shutil.copytree(stack_dir, workdir)
    terraform.run(workdir, "init", "-backend=false", "-input=false")
    return terraform.run(workdir, "validate", check=False)


@pytest.mark.parametrize(
    "which", ["default_app", "variant_app", "rds_app", "rds_variant_app", "app_tier_app"]
)
def test_terraform_validate_with_the_real_aws_provider(which, request, tmp_path):
    app = request.getfixturevalue(which)
    result = _validate(app.stack_dir, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The configuration is valid" in result.stdout
    lock = (tmp_path / app.stack_dir.parent.parent.name / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'version     = "5.100.0"' in lock


def test_terraform_validate_catches_a_broken_stack(default_app, tmp_path):
    # The validation test above can fail: a stack with an unknown argument is rejected.
    broken = tmp_path / "broken" / "stacks" / STACK_ID
    shutil.copytree(default_app.stack_dir, broken)
    doc = json.loads((broken / "cdk.tf.json").read_text())
    next(iter(doc["resource"]["aws_rds_global_cluster"].values()))["no_such_argument"] = 1
    (broken / "cdk.tf.json").write_text(json.dumps(doc))
    result = _validate(broken, tmp_path / "run")
    assert result.returncode != 0 and "no_such_argument" in result.stderr


# Entry points -----------------------------------------------------------------------------


# Every invalid configuration of the configuration tests, through the real entry point.
BAD_INPUTS = [(env, setting) for env, setting, _ in BAD]


@pytest.mark.parametrize(
    "env, setting", BAD_INPUTS, ids=[f"{s}-{i}" for i, (_, s) in enumerate(BAD_INPUTS)]
)
def test_bad_input_exits_nonzero_with_one_line_and_writes_nothing(env, setting, tmp_path):
    assert len(BAD_INPUTS) >= 20
    result = run_main(env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: invalid {setting}=")
    assert "Traceback" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []


def test_cdktf_cli_synth_produces_the_same_stack(default_app, tmp_path):
    cli = ROOT / "node_modules" / ".bin" / "cdktf"
    assert cli.exists(), "cdktf CLI missing: run ./run once, it installs it"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DR_") and k != "ENVIRONMENT_SUFFIX"
    }
    env.update(CHECKPOINT_DISABLE="1", JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    result = subprocess.run(
        [str(cli), "synth", "--skip-provider-lock", "--output", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    doc = json.loads((tmp_path / "out" / "stacks" / STACK_ID / "cdk.tf.json").read_text())
    assert doc["resource"] == default_app.doc["resource"]
    # The CLI runs the plain entry point (cdktf.json "app": python main.py) and shows what it
    # prints: the recovery budget and the resources of each region.
    primary = sum(
        1
        for kind, _, _, body in all_blocks(doc)
        if kind == "resource" and body["provider"] == "aws.primary"
    )
    assert "recovery budget (aurora-global" in result.stdout
    assert f"{primary} resources in us-east-1 (primary)" in result.stdout


def test_emulator_setting_changes_only_the_providers_connection(default_app, emulator_app):
    assert emulator_app.doc["resource"] == default_app.doc["resource"]
    assert emulator_app.doc["data"] == default_app.doc["data"]
    assert emulator_app.doc["ephemeral"] == default_app.doc["ephemeral"]
    for plain, emulated in zip(
        default_app.doc["provider"]["aws"], emulator_app.doc["provider"]["aws"], strict=True
    ):
        added = {k: v for k, v in emulated.items() if k not in plain}
        assert set(added) == {
            "endpoints",
            "access_key",
            "secret_key",
            "skip_credentials_validation",
            "skip_requesting_account_id",
            "skip_metadata_api_check",
            "s3_use_path_style",
        }
        (endpoints,) = added["endpoints"]
        assert set(endpoints.values()) == {"http://127.0.0.1:4566"}
        assert {"rds", "ec2", "route53", "kms", "sts", "secretsmanager"} <= set(endpoints)
        assert {k: emulated[k] for k in plain} == plain


def test_legacy_tls_optional_stops_enforcing_tls_and_warns_at_synth(tmp_path, capsys):
    # The entry point's function in this process: the bindings are loaded once per session.
    import main

    env = {"DR_LEGACY_TLS_OPTIONAL": "true", "ENVIRONMENT_SUFFIX": "legacy"}
    assert main.main(env, outdir=str(tmp_path / "cdktf.out")) == 0
    assert "warning: legacy_tls_optional=true: rds.force_ssl=0" in capsys.readouterr().err
    doc = json.loads((tmp_path / "cdktf.out" / "stacks" / STACK_ID / "cdk.tf.json").read_text())
    groups = doc["resource"]["aws_rds_cluster_parameter_group"].values()
    assert [{p["name"]: p["value"] for p in g["parameter"]}["rds.force_ssl"] for g in groups] == [
        "0",
        "0",
    ]


def test_tls_is_enforced_by_default(default_app):
    groups = default_app.doc["resource"]["aws_rds_cluster_parameter_group"].values()
    assert [{p["name"]: p["value"] for p in g["parameter"]}["rds.force_ssl"] for g in groups] == [
        "1",
        "1",
    ]


def test_no_function_reserves_concurrency_by_default_and_the_skip_says_why(default_app):
    from constructs_lib.checks import skips_of

    functions = default_app.doc["resource"]["aws_lambda_function"].values()
    assert len(functions) == 4
    for function in functions:
        # AWS refuses a reservation that takes a new account's unreserved concurrency below
        # its minimum on the first apply (tools/emulator/rules.py, rule 4): opt-in only
        assert "reserved_concurrent_executions" not in function
        assert "reserve_function_concurrency" in skips_of(function)["CKV_AWS_115"]


def test_a_lost_primary_region_reaches_the_orchestrator_without_it(default_app):
    # The secondary canary probes the primary's database across the peering; its peer-down
    # alarm lives in the secondary region and reaches the orchestrator through the
    # secondary's own topic: nothing of this path is in the primary region
    doc = default_app.doc["resource"]
    (peer_down,) = [
        a
        for a in doc["aws_cloudwatch_metric_alarm"].values()
        if a["alarm_name"] == "dbdr-peer-down-usw2-dev"
    ]
    assert peer_down["provider"] == "aws.secondary"
    assert peer_down["dimensions"] == {"DBClusterIdentifier": "dbdr-cluster-use1-dev"}
    (subscription,) = [
        s
        for s in doc["aws_sns_topic_subscription"].values()
        if s["protocol"] == "lambda" and s["provider"] == "aws.secondary"
    ]
    topic = subscription["topic_arn"].split(".")[1]
    assert doc["aws_sns_topic"][topic]["provider"] == "aws.secondary"
    assert json.loads(subscription["filter_policy"]) == {
        "AlarmName": [
            "${aws_cloudwatch_metric_alarm."
            + [
                n
                for n, a in doc["aws_cloudwatch_metric_alarm"].items()
                if a["alarm_name"] == "dbdr-peer-down-usw2-dev"
            ][0]
            + ".alarm_name}"
        ],
        "NewStateValue": ["ALARM"],
    }
    function = subscription["endpoint"].split(".")[1]
    assert doc["aws_lambda_function"][function]["provider"] == "aws.secondary"
