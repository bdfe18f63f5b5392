"""Configuration: sources and precedence, derived defaults, and every validation error."""

from __future__ import annotations

import dataclasses

import pytest

from constructs_lib.config import ConfigError, DrConfig, load_config
from support.bad_settings import BAD


def test_defaults_describe_the_documented_deployment():
    # Given no environment and no context / When loaded
    config = load_config({}, {})
    # Then the documented defaults hold, and the derived ones follow the suffix
    assert (config.environment_suffix, config.primary_region, config.secondary_region) == (
        "dev",
        "us-east-1",
        "us-west-2",
    )
    assert config.engine_version == "15.10"
    assert config.parameter_family == "aurora-postgresql15"
    assert config.port == 5432
    assert config.dns_zone_name == "db-dev.internal"
    assert config.master_secret == "dbdr/dev/master-credentials"
    assert config.state_key == "dbdr/dev/terraform.tfstate"
    assert config.state_region == "us-east-1"
    assert config.required_tags == {
        "Environment": "dev",
        "Project": "dbdr",
        "CostCenter": "platform",
        "DisasterRecovery": "enabled",
    }


def test_environment_beats_context_beats_default():
    context = {"backup_retention_days": 14, "cpu_threshold_percent": 70}
    config = load_config({"DR_BACKUP_RETENTION_DAYS": "21"}, context)
    assert config.backup_retention_days == 21  # environment wins over context
    assert config.cpu_threshold_percent == 70  # context wins over the default
    assert config.connections_threshold == DrConfig().connections_threshold


def test_configured_fills_the_fields_named_like_settings_and_keeps_what_is_given():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Wanted:
        port: int  # a derived value
        backup_retention_days: int  # a setting
        engine: str  # a setting, given here
        unrelated: str = "default"  # named like no setting

    # Given a configuration / When it builds Wanted with one field given
    config = load_config({"DR_BACKUP_RETENTION_DAYS": "21"}, {})
    wanted = config.configured(Wanted, engine="given")
    # Then the settings and derived values fill the rest, and other fields keep their default
    assert wanted == Wanted(port=5432, backup_retention_days=21, engine="given")


def test_rds_replica_mode_derives_engine_version_family_and_failover_dns():
    config = load_config({"DR_DATABASE_MODE": "rds-replica"}, {})
    assert (config.engine, config.engine_version, config.parameter_family) == (
        "postgres",
        "15.12",
        "postgres15",
    )
    # Failover records: DNS moves by Route 53's data plane; weights stay on request
    assert config.dns_routing == "failover"
    assert config.log_exports == ("postgresql", "upgrade")
    assert config.tls_parameter == ("rds.force_ssl", "1")
    assert (
        load_config(
            {"DR_DATABASE_MODE": "rds-replica", "DR_DNS_ROUTING": "weighted"}, {}
        ).dns_routing
        == "weighted"
    )
    # Aurora: a CNAME to the global writer endpoint, which Aurora moves itself
    assert load_config({}, {}).dns_routing == "global-endpoint"


def test_mysql_engine_derives_its_own_version_port_family_and_tls_parameter():
    config = load_config({"DR_ENGINE": "aurora-mysql"}, {})
    assert config.engine_version.startswith("8.0.mysql_aurora.3.")
    assert (config.port, config.parameter_family) == (3306, "aurora-mysql8.0")
    assert config.tls_parameter == ("require_secure_transport", "ON")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('{"Team": "db", "Tier": "1"}', {"Team": "db", "Tier": "1"}),
        ("Team=db, Tier=1", {"Team": "db", "Tier": "1"}),
    ],
)
def test_extra_tags_parse_from_json_or_pairs_and_never_override_required(raw, expected):
    config = load_config({"DR_TAGS": raw + ("" if raw.startswith("{") else ",Project=x")}, {})
    assert {k: config.required_tags[k] for k in expected} == expected
    assert config.required_tags["Project"] == "dbdr"


def test_lists_parse_from_commas_or_json():
    a = load_config({"DR_ALLOWED_CIDRS": "10.1.0.0/16, 10.2.0.0/16"}, {})
    b = load_config({}, {"allowed_cidrs": ["10.1.0.0/16", "10.2.0.0/16"]})
    assert a.allowed_cidrs == b.allowed_cidrs == ("10.1.0.0/16", "10.2.0.0/16")


@pytest.mark.parametrize(
    "env, setting, allowed", BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)]
)
def test_invalid_setting_is_named_with_value_and_what_is_allowed(env, setting, allowed):
    with pytest.raises(ConfigError) as raised:
        load_config(env, {})
    message = str(raised.value)
    assert raised.value.setting == setting
    assert f"invalid {setting}=" in message and allowed in message
    assert "\n" not in message
    assert list(env)[-1] in message  # the variable that carried the value is named


@pytest.mark.parametrize(
    "variable, setting",
    [
        ("ENVIRONMENT_SUFFIX", "environment_suffix"),
        ("DR_PRIMARY_REGION", "primary_region"),
        ("DR_SECONDARY_REGION", "secondary_region"),
        ("DR_MASTER_SECRET", "master_secret"),
        ("DR_STATE_BUCKET", "state_bucket"),
        ("DR_STATE_KEY", "state_key"),
        ("DR_BACKUP_RETENTION_DAYS", "backup_retention_days"),
    ],
)
def test_a_variable_set_but_empty_is_an_error_naming_it_not_the_default(variable, setting):
    # Given a CI job whose variable is missing, so it exports an empty string
    with pytest.raises(ConfigError) as raised:
        load_config({variable: "  "}, {"environment_suffix": "staging"})
    # Then nothing falls back to dev, us-east-1, the default secret or local state
    assert raised.value.setting == setting
    assert f"(from {variable}): is set but empty" in str(raised.value)
    assert f"unset {variable}" in str(raised.value)


def test_an_empty_context_value_is_an_error_too():
    with pytest.raises(ConfigError, match=r"invalid environment_suffix=''.*cdktf.json context"):
        load_config({}, {"environment_suffix": ""})


def test_settings_whose_empty_value_means_none_accept_it():
    config = load_config(
        {"DR_ALERT_EMAIL": "", "DR_ALLOWED_CIDRS": "", "DR_TAGS": ""},
        {"alert_email": "oncall@example.com"},
    )
    assert (config.alert_email, config.allowed_cidrs, config.tags) == ("", (), {})


def test_unknown_context_key_is_rejected_but_cdktf_feature_flags_pass():
    with pytest.raises(ConfigError, match="invalid primary_regoin="):
        load_config({}, {"primary_regoin": "us-east-1"})
    assert load_config({}, {"excludeStackIdFromLogicalIds": "true"}).engine == "aurora-postgresql"


def test_the_tools_own_variables_pass_and_nothing_else_of_the_prefix():
    # The variables the project's tools read (tools/terraform.py, tools/checkov_gate.py) may
    # be exported in the same shell as a synth; anything else is a misspelt setting.
    tools = {"DR_PROVIDER_MIRROR": "/opt/tf-plugins", "DR_CHECKOV": "/usr/bin/checkov"}
    assert load_config(tools, {}).primary_region == "us-east-1"
    with pytest.raises(ConfigError, match="invalid keep_workdir='1'.*not a setting"):
        load_config({"DR_KEEP_WORKDIR": "1"}, {})


def test_production_profile_turns_protection_and_final_snapshots_on():
    config = load_config({"DR_PROFILE": "production"}, {})
    assert (config.deletion_protection, config.skip_final_snapshot) == (True, False)
    assert config.key_deletion_window_days == 30
    assert load_config({}, {}).key_deletion_window_days == 7


def test_legacy_tls_optional_turns_the_engines_tls_parameter_off():
    assert load_config({"DR_LEGACY_TLS_OPTIONAL": "true"}, {}).tls_parameter == (
        "rds.force_ssl",
        "0",
    )
    mysql = load_config({"DR_LEGACY_TLS_OPTIONAL": "true", "DR_ENGINE": "aurora-mysql"}, {})
    assert mysql.tls_parameter == ("require_secure_transport", "OFF")


def test_the_application_tier_s_names_must_fit_only_when_the_tier_is_on():
    # Given a project name that leaves room for every name of the database tier
    env = {"DR_PROJECT_NAME": "p" * 38, "ENVIRONMENT_SUFFIX": "dev"}
    assert not load_config(env, {}).app_tier
    # When the application tier is turned on, its longest IAM name no longer fits
    with pytest.raises(ConfigError) as raised:
        load_config({**env, "DR_APP_TIER": "true"}, {})
    # Then the error names the name that does not fit and the room left
    assert "-config-replicator-use1-dev' exceeds the AWS limit of 64" in str(raised.value)
