"""Configuration: sources and precedence, derived defaults, and every validation error."""

from __future__ import annotations

import pytest

from constructs_lib.config import ConfigError, DrConfig, load_config


def test_defaults_describe_the_documented_deployment():
    # Given no environment and no context / When loaded
    config = load_config({}, {})
    # Then the documented defaults hold, and the derived ones follow the suffix
    assert (config.environment_suffix, config.primary_region, config.secondary_region) == (
        "dev", "us-east-1", "us-west-2")
    assert config.engine_version == "15.10"
    assert config.parameter_family == "aurora-postgresql15"
    assert config.port == 5432
    assert config.dns_zone_name == "db-dev.internal"
    assert config.master_secret == "dbdr/dev/master-credentials"
    assert config.state_key == "dbdr/dev/terraform.tfstate"
    assert config.state_region == "us-east-1"
    assert config.required_tags == {"Environment": "dev", "Project": "dbdr",
                                    "CostCenter": "platform", "DisasterRecovery": "enabled"}


def test_environment_beats_context_beats_default():
    context = {"backup_retention_days": 14, "cpu_threshold_percent": 70}
    config = load_config({"DR_BACKUP_RETENTION_DAYS": "21"}, context)
    assert config.backup_retention_days == 21  # environment wins over context
    assert config.cpu_threshold_percent == 70  # context wins over the default
    assert config.connections_threshold == DrConfig().connections_threshold


def test_rds_replica_mode_derives_engine_version_family_and_failover_dns():
    config = load_config({"DR_DATABASE_MODE": "rds-replica"}, {})
    assert (config.engine, config.engine_version, config.parameter_family) == (
        "postgres", "15.12", "postgres15")
    # Failover records: DNS moves by Route 53's data plane; weights stay on request
    assert config.dns_routing == "failover"
    assert config.log_exports == ("postgresql", "upgrade")
    assert config.tls_parameter == ("rds.force_ssl", "1")
    assert load_config({"DR_DATABASE_MODE": "rds-replica", "DR_DNS_ROUTING": "weighted"},
                       {}).dns_routing == "weighted"
    # Aurora: a CNAME to the global writer endpoint, which Aurora moves itself
    assert load_config({}, {}).dns_routing == "global-endpoint"


def test_mysql_engine_derives_its_own_version_port_family_and_tls_parameter():
    config = load_config({"DR_ENGINE": "aurora-mysql"}, {})
    assert config.engine_version.startswith("8.0.mysql_aurora.3.")
    assert (config.port, config.parameter_family) == (3306, "aurora-mysql8.0")
    assert config.tls_parameter == ("require_secure_transport", "ON")


@pytest.mark.parametrize("raw, expected", [
    ('{"Team": "db", "Tier": "1"}', {"Team": "db", "Tier": "1"}),
    ("Team=db, Tier=1", {"Team": "db", "Tier": "1"}),
])
def test_extra_tags_parse_from_json_or_pairs_and_never_override_required(raw, expected):
    config = load_config({"DR_TAGS": raw + ("" if raw.startswith("{") else ",Project=x")}, {})
    assert {k: config.required_tags[k] for k in expected} == expected
    assert config.required_tags["Project"] == "dbdr"


def test_lists_parse_from_commas_or_json():
    a = load_config({"DR_ALLOWED_CIDRS": "10.1.0.0/16, 10.2.0.0/16"}, {})
    b = load_config({}, {"allowed_cidrs": ["10.1.0.0/16", "10.2.0.0/16"]})
    assert a.allowed_cidrs == b.allowed_cidrs == ("10.1.0.0/16", "10.2.0.0/16")


BAD = [
    # (environment, setting named in the message, fragment of what is allowed)
    ({"DR_PRIMARY_REGION": "us-moon-1"}, "primary_region", "AWS region"),
    ({"DR_SECONDARY_REGION": "us-east-1"}, "secondary_region", "differ"),
    ({"DR_SECONDARY_VPC_CIDR": "10.10.128.0/17"}, "secondary_vpc_cidr", "overlap"),
    ({"DR_PRIMARY_VPC_CIDR": "10.0.0.0/8"}, "primary_vpc_cidr", "/16 to /24"),
    ({"DR_PRIMARY_VPC_CIDR": "8.8.0.0/16"}, "primary_vpc_cidr", "private"),
    ({"DR_PRIMARY_VPC_CIDR": "banana"}, "primary_vpc_cidr", "CIDR"),
    ({"ENVIRONMENT_SUFFIX": "Dev_1"}, "environment_suffix", "lowercase"),
    ({"ENVIRONMENT_SUFFIX": "a--b"}, "environment_suffix", "single hyphens"),
    ({"ENVIRONMENT_SUFFIX": "x" * 41}, "environment_suffix", "1-40"),
    ({"ENVIRONMENT_SUFFIX": "x" * 39}, "environment_suffix", "use at most 38 characters"),
    ({"DR_PROJECT_NAME": "a-very-long-project1", "ENVIRONMENT_SUFFIX": "x" * 23},
     "environment_suffix", "too long"),
    ({"DR_PRIMARY_INSTANCE_COUNT": "0"}, "primary_instance_count", "1..15"),
    ({"DR_DATABASE_MODE": "multi-master"}, "database_mode", "aurora-global, rds-replica"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_INSTANCE_CLASS": "db.t3.medium"},
     "instance_class", "at least db.r6g.large"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_INSTANCE_CLASS": "db.r6g.medium"},
     "instance_class", "size large or bigger"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_ENGINE": "aurora-postgresql"}, "engine",
     "postgres in database_mode rds-replica"),
    ({"DR_ENGINE": "postgres"}, "engine", "in database_mode aurora-global"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_ENGINE_VERSION": "14.9"}, "engine_version",
     "15 or later"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_ALLOCATED_STORAGE_GIB": "10"},
     "allocated_storage_gib", "20..65536"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_MAX_ALLOCATED_STORAGE_GIB": "50"},
     "max_allocated_storage_gib", ">= allocated_storage_gib"),
    ({"DR_REPLICA_LAG_THRESHOLD_SECONDS": "0"}, "replica_lag_threshold_seconds",
     "greater than 0"),
    ({"DR_REPLICA_MULTI_AZ": "maybe"}, "replica_multi_az", "true or false"),
    ({"DR_BACKUP_OBJECT_EXPIRATION_DAYS": "0"}, "backup_object_expiration_days", "1..3650"),
    ({"DR_AWS_BACKUP_RETENTION_DAYS": "0"}, "aws_backup_retention_days", "1..36500"),
    ({"DR_AWS_BACKUP_COPY_RETENTION_DAYS": "40000"}, "aws_backup_copy_retention_days",
     "1..36500"),
    ({"DR_VPC_PEERING": "sometimes"}, "vpc_peering", "true or false"),
    ({"DR_RTO_SECONDS": "-1"}, "rto_seconds", "0 (no objective)"),
    ({"DR_RTO_SECONDS": "86401"}, "rto_seconds", "1..86400"),
    ({"DR_GLOBAL_DB_RPO_SECONDS": "19"}, "global_db_rpo_seconds", "20..2147483647"),
    ({"DR_ENGINE": "aurora-mysql", "DR_GLOBAL_DB_RPO_SECONDS": "30"}, "global_db_rpo_seconds",
     "only for aurora-postgresql"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_GLOBAL_DB_RPO_SECONDS": "30"},
     "global_db_rpo_seconds", "only for aurora-postgresql, not postgres"),
    ({"DR_SECONDARY_INSTANCE_COUNT": "-1"}, "secondary_instance_count", "0..15"),
    ({"DR_BACKUP_RETENTION_DAYS": "0"}, "backup_retention_days", "1..35"),
    ({"DR_BACKUP_RETENTION_DAYS": "36"}, "backup_retention_days", "1..35"),
    ({"DR_BACKUP_RETENTION_DAYS": "seven"}, "backup_retention_days", "whole number"),
    ({"DR_CPU_THRESHOLD_PERCENT": "0"}, "cpu_threshold_percent", "1..100"),
    ({"DR_REPLICATION_LAG_THRESHOLD_MS": "0"}, "replication_lag_threshold_ms", "greater than 0"),
    ({"DR_CONNECTIONS_THRESHOLD": "-5"}, "connections_threshold", "greater than 0"),
    ({"DR_FREEABLE_MEMORY_THRESHOLD_MIB": "0"}, "freeable_memory_threshold_mib", "greater than 0"),
    ({"DR_MASTER_SECRET": "arn:aws:secretsmanager:us-east-1:12:secret:x"}, "master_secret", "ARN"),
    ({"DR_MASTER_SECRET": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"},
     "master_secret", "primary_region"),
    ({"DR_GENERATE_MASTER_SECRET": "true",
      "DR_MASTER_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"},
     "master_secret", "must be a name with generate_master_secret"),
    ({"DR_MASTER_SECRET_KMS_KEY_ARN":
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
     "master_secret_kms_key_arn", "goes together with master_secret_replica_kms_key_arn"),
    ({"DR_MASTER_SECRET_REPLICA_KMS_KEY_ARN": "alias/db",
      "DR_MASTER_SECRET_KMS_KEY_ARN": "alias/db"},
     "master_secret_kms_key_arn", "KMS key ARN"),
    ({"DR_MASTER_SECRET_KMS_KEY_ARN":
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "DR_MASTER_SECRET_REPLICA_KMS_KEY_ARN":
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
     "master_secret_replica_kms_key_arn", "a key in secondary_region us-west-2"),
    ({"DR_GENERATE_MASTER_SECRET": "true", "DR_MASTER_SECRET_KMS_KEY_ARN":
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
     "master_secret_kms_key_arn", "must be empty with generate_master_secret"),
    ({"DR_ENGINE": "oracle-ee"}, "engine", "aurora-postgresql"),
    ({"DR_ENGINE_VERSION": "9.6"}, "engine_version", "Aurora PostgreSQL"),
    ({"DR_INSTANCE_CLASS": "db.t3.micro"}, "instance_class", "memory-optimized"),
    ({"DR_ALLOWED_CIDRS": "0.0.0.0/0"}, "allowed_cidrs", "internet"),
    ({"DR_ALLOWED_CIDRS": "::/0"}, "allowed_cidrs", "internet"),
    ({"DR_PRIMARY_CLIENT_SECURITY_GROUP_IDS": "web"}, "primary_client_security_group_ids", "sg-"),
    ({"DR_DNS_TTL_SECONDS": "300"}, "dns_ttl_seconds", "1..60"),
    ({"DR_DNS_ZONE_NAME": "Not A Zone"}, "dns_zone_name", "DNS name"),
    ({"DR_DATABASE_MODE": "rds-replica", "DR_DNS_ROUTING": "global-endpoint"}, "dns_routing",
     "must be one of failover, weighted in database_mode rds-replica"),
    ({"DR_LOG_RETENTION_DAYS": "10"}, "log_retention_days", "one of"),
    ({"DR_MONITORING_INTERVAL_SECONDS": "7"}, "monitoring_interval_seconds", "one of"),
    ({"DR_ALARM_PERIOD_SECONDS": "45"}, "alarm_period_seconds", "multiple of 60"),
    ({"DR_ALERT_EMAIL": "not-an-address"}, "alert_email", "e-mail"),
    ({"DR_DELETION_PROTECTION": "maybe"}, "deletion_protection", "true or false"),
    ({"DR_MASTER_USERNAME": "rdsadmin"}, "master_username", "reserved"),
    ({"DR_STATE_BUCKET": "Bad_Bucket"}, "state_bucket", "S3 bucket"),
    ({"DR_TAGS": "nokeyvalue"}, "tags", "key=value"),
    ({"DR_AZ_COUNT": "1"}, "az_count", "2..6"),
    ({"DR_PRIMARY_ZONE_IDS": "use1-az1,use1-az2"}, "primary_zone_ids", "exactly az_count (3)"),
    ({"DR_AZ_COUNT": "2", "DR_SECONDARY_ZONE_IDS": "use1-az1,use1-az2"}, "secondary_zone_ids",
     "IDs of us-west-2 such as usw2-az1"),
    ({"DR_AZ_COUNT": "2", "DR_PRIMARY_ZONE_IDS": "us-east-1a,us-east-1b"}, "primary_zone_ids",
     "'us-east-1a' is not"),
    ({"DR_PROFILE": "staging"}, "profile", "production"),
    ({"DR_PROFILE": "production", "DR_DELETION_PROTECTION": "false"}, "deletion_protection",
     "production profile"),
    ({"DR_PROFILE": "production", "DR_SKIP_FINAL_SNAPSHOT": "true"}, "skip_final_snapshot",
     "production profile"),
    ({"DR_LEGACY_TLS_OPTIONAL": "sometimes"}, "legacy_tls_optional", "true or false"),
    ({"DR_EMULATOR_ENDPOINT": "http://10.0.0.5:4566"}, "emulator_endpoint", "loopback"),
    ({"DR_BACKUP_RETENTON_DAYS": "7"}, "backup_retenton_days", "not a setting"),
]


@pytest.mark.parametrize("env, setting, allowed", BAD, ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD)])
def test_invalid_setting_is_named_with_value_and_what_is_allowed(env, setting, allowed):
    with pytest.raises(ConfigError) as raised:
        load_config(env, {})
    message = str(raised.value)
    assert raised.value.setting == setting
    assert f"invalid {setting}=" in message and allowed in message
    assert "\n" not in message
    assert list(env)[-1] in message  # the variable that carried the value is named


@pytest.mark.parametrize("variable, setting", [
    ("ENVIRONMENT_SUFFIX", "environment_suffix"),
    ("DR_PRIMARY_REGION", "primary_region"),
    ("DR_SECONDARY_REGION", "secondary_region"),
    ("DR_MASTER_SECRET", "master_secret"),
    ("DR_STATE_BUCKET", "state_bucket"),
    ("DR_STATE_KEY", "state_key"),
    ("DR_BACKUP_RETENTION_DAYS", "backup_retention_days"),
])
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
    config = load_config({"DR_ALERT_EMAIL": "", "DR_ALLOWED_CIDRS": "", "DR_TAGS": ""},
                         {"alert_email": "oncall@example.com"})
    assert (config.alert_email, config.allowed_cidrs, config.tags) == ("", (), {})


def test_unknown_context_key_is_rejected_but_cdktf_feature_flags_pass():
    with pytest.raises(ConfigError, match="invalid primary_regoin="):
        load_config({}, {"primary_regoin": "us-east-1"})
    assert load_config({}, {"excludeStackIdFromLogicalIds": "true"}).engine == "aurora-postgresql"


def test_readme_documents_every_setting_with_its_default():
    from conftest import ROOT
    import dataclasses

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("## Deploying", 1)[0]
    missing = [f.name for f in dataclasses.fields(DrConfig) if f"| `{f.name}`" not in table]
    assert missing == []


def test_production_profile_turns_protection_and_final_snapshots_on():
    config = load_config({"DR_PROFILE": "production"}, {})
    assert (config.deletion_protection, config.skip_final_snapshot) == (True, False)
    assert config.key_deletion_window_days == 30
    assert load_config({}, {}).key_deletion_window_days == 7


def test_legacy_tls_optional_turns_the_engines_tls_parameter_off():
    assert load_config({"DR_LEGACY_TLS_OPTIONAL": "true"}, {}).tls_parameter == ("rds.force_ssl", "0")
    mysql = load_config({"DR_LEGACY_TLS_OPTIONAL": "true", "DR_ENGINE": "aurora-mysql"}, {})
    assert mysql.tls_parameter == ("require_secure_transport", "OFF")
