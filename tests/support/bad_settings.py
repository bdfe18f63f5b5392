"""Configurations that must be refused: each names the setting the one-line error names and a
fragment of what the error says is allowed (tests/app/test_config.py loads them, and
tests/app/test_app.py runs main.py on some of them)."""

# A key in the primary region (the replica key must be in the secondary one).
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# The rds-replica mode, which some settings need or refuse.
RDS = {"DR_DATABASE_MODE": "rds-replica"}

CERT_WEST = "arn:aws:acm:us-west-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
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
    (
        {"DR_PROJECT_NAME": "a-very-long-project1", "ENVIRONMENT_SUFFIX": "x" * 23},
        "environment_suffix",
        "too long",
    ),
    ({"DR_PRIMARY_INSTANCE_COUNT": "0"}, "primary_instance_count", "1..15"),
    ({"DR_DATABASE_MODE": "multi-master"}, "database_mode", "aurora-global, rds-replica"),
    ({**RDS, "DR_INSTANCE_CLASS": "db.t3.medium"}, "instance_class", "at least db.r6g.large"),
    ({**RDS, "DR_INSTANCE_CLASS": "db.r6g.medium"}, "instance_class", "size large or bigger"),
    ({**RDS, "DR_ENGINE": "aurora-postgresql"}, "engine", "postgres in database_mode rds-replica"),
    ({"DR_ENGINE": "postgres"}, "engine", "in database_mode aurora-global"),
    ({**RDS, "DR_ENGINE_VERSION": "14.9"}, "engine_version", "15 or later"),
    ({**RDS, "DR_ALLOCATED_STORAGE_GIB": "10"}, "allocated_storage_gib", "20..65536"),
    (
        {**RDS, "DR_MAX_ALLOCATED_STORAGE_GIB": "50"},
        "max_allocated_storage_gib",
        ">= allocated_storage_gib",
    ),
    ({"DR_REPLICA_LAG_THRESHOLD_SECONDS": "0"}, "replica_lag_threshold_seconds", "greater than 0"),
    ({"DR_REPLICA_MULTI_AZ": "maybe"}, "replica_multi_az", "true or false"),
    ({"DR_BACKUP_OBJECT_EXPIRATION_DAYS": "0"}, "backup_object_expiration_days", "1..3650"),
    ({"DR_AWS_BACKUP_RETENTION_DAYS": "0"}, "aws_backup_retention_days", "1..36500"),
    ({"DR_AWS_BACKUP_COPY_RETENTION_DAYS": "40000"}, "aws_backup_copy_retention_days", "1..36500"),
    ({"DR_VPC_PEERING": "sometimes"}, "vpc_peering", "true or false"),
    ({"DR_RTO_SECONDS": "-1"}, "rto_seconds", "0 (no objective)"),
    ({"DR_RTO_SECONDS": "86401"}, "rto_seconds", "1..86400"),
    ({"DR_GLOBAL_DB_RPO_SECONDS": "19"}, "global_db_rpo_seconds", "20..2147483647"),
    (
        {"DR_ENGINE": "aurora-mysql", "DR_GLOBAL_DB_RPO_SECONDS": "30"},
        "global_db_rpo_seconds",
        "only for aurora-postgresql",
    ),
    (
        {**RDS, "DR_GLOBAL_DB_RPO_SECONDS": "30"},
        "global_db_rpo_seconds",
        "only for aurora-postgresql, not postgres",
    ),
    ({"DR_SECONDARY_INSTANCE_COUNT": "-1"}, "secondary_instance_count", "0..15"),
    ({"DR_BACKUP_RETENTION_DAYS": "0"}, "backup_retention_days", "1..35"),
    ({"DR_BACKUP_RETENTION_DAYS": "36"}, "backup_retention_days", "1..35"),
    ({"DR_BACKUP_RETENTION_DAYS": "seven"}, "backup_retention_days", "whole number"),
    ({"DR_CPU_THRESHOLD_PERCENT": "0"}, "cpu_threshold_percent", "1..100"),
    ({"DR_REPLICATION_LAG_THRESHOLD_MS": "0"}, "replication_lag_threshold_ms", "greater than 0"),
    ({"DR_CONNECTIONS_THRESHOLD": "-5"}, "connections_threshold", "greater than 0"),
    ({"DR_FREEABLE_MEMORY_THRESHOLD_MIB": "0"}, "freeable_memory_threshold_mib", "greater than 0"),
    ({"DR_MASTER_SECRET": "arn:aws:secretsmanager:us-east-1:12:secret:x"}, "master_secret", "ARN"),
    (
        {"DR_MASTER_SECRET": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"},
        "master_secret",
        "primary_region",
    ),
    (
        {
            "DR_GENERATE_MASTER_SECRET": "true",
            "DR_MASTER_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        },
        "master_secret",
        "must be a name with generate_master_secret",
    ),
    (
        {"DR_MASTER_SECRET_KMS_KEY_ARN": KEY_ARN},
        "master_secret_kms_key_arn",
        "goes together with master_secret_replica_kms_key_arn",
    ),
    (
        {
            "DR_MASTER_SECRET_REPLICA_KMS_KEY_ARN": "alias/db",
            "DR_MASTER_SECRET_KMS_KEY_ARN": "alias/db",
        },
        "master_secret_kms_key_arn",
        "KMS key ARN",
    ),
    (
        {
            "DR_MASTER_SECRET_KMS_KEY_ARN": KEY_ARN,
            "DR_MASTER_SECRET_REPLICA_KMS_KEY_ARN": KEY_ARN,
        },
        "master_secret_replica_kms_key_arn",
        "a key in secondary_region us-west-2",
    ),
    (
        {
            "DR_GENERATE_MASTER_SECRET": "true",
            "DR_MASTER_SECRET_KMS_KEY_ARN": KEY_ARN,
        },
        "master_secret_kms_key_arn",
        "must be empty with generate_master_secret",
    ),
    ({"DR_ENGINE": "oracle-ee"}, "engine", "aurora-postgresql"),
    ({"DR_ENGINE_VERSION": "9.6"}, "engine_version", "Aurora PostgreSQL"),
    ({"DR_INSTANCE_CLASS": "db.t3.micro"}, "instance_class", "memory-optimized"),
    ({**RDS, "DR_INSTANCE_CLASS": "db.serverless"}, "instance_class", "at least db.r6g.large"),
    (
        {"DR_SERVERLESS_MIN_CAPACITY": "0"},
        "serverless_min_capacity",
        "a writer paused at 0 looks down",
    ),
    ({"DR_SERVERLESS_MIN_CAPACITY": "1.25"}, "serverless_min_capacity", "steps of 0.5"),
    ({"DR_SERVERLESS_MIN_CAPACITY": "many"}, "serverless_min_capacity", "must be a number"),
    (
        {"DR_SERVERLESS_MIN_CAPACITY": "8", "DR_SERVERLESS_MAX_CAPACITY": "4"},
        "serverless_max_capacity",
        "below the minimum 8.0",
    ),
    ({"DR_SERVERLESS_MAX_CAPACITY": "512"}, "serverless_max_capacity", "..256.0 ACU"),
    (
        {"DR_SECONDARY_VPC_CIDR": "10.20.0.0/24", "DR_APP_TIER": "true"},
        "app_tier",
        "needs secondary_vpc_cidr of /22 or larger for the public subnets, got 10.20.0.0/24",
    ),
    ({"DR_APP_DOMAIN_NAME": "App.Example.com"}, "app_domain_name", "lowercase DNS name"),
    ({"DR_APP_DOMAIN_NAME": "app.example.com"}, "app_domain_name", "needs app_public_zone_id"),
    ({"DR_APP_PUBLIC_ZONE_ID": "Z0123456789ABC"}, "app_public_zone_id", "needs app_domain_name"),
    (
        {"DR_APP_DOMAIN_NAME": "app.example.com", "DR_APP_PUBLIC_ZONE_ID": "zone-1"},
        "app_public_zone_id",
        "hosted zone id",
    ),
    (
        {
            "DR_APP_DOMAIN_NAME": "app.example.com",
            "DR_APP_SECONDARY_CERTIFICATE_ARN": CERT_WEST,
            "DR_APP_PRIMARY_CERTIFICATE_ARN": CERT_WEST,
        },
        "app_primary_certificate_arn",
        "a certificate in primary_region us-east-1",
    ),
    (
        {
            "DR_APP_DOMAIN_NAME": "app.example.com",
            "DR_APP_PRIMARY_CERTIFICATE_ARN": CERT_WEST.replace("us-west-2", "us-east-1"),
            "DR_APP_SECONDARY_CERTIFICATE_ARN": "cert",
        },
        "app_secondary_certificate_arn",
        "ACM certificate ARN",
    ),
    (
        {"DR_APP_SECONDARY_CERTIFICATE_ARN": CERT_WEST},
        "app_secondary_certificate_arn",
        "needs app_domain_name",
    ),
    (
        {
            "DR_APP_DOMAIN_NAME": "app.example.com",
            "DR_APP_PUBLIC_ZONE_ID": "Z0123456789ABC",
            "DR_APP_SECONDARY_CERTIFICATE_ARN": CERT_WEST,
        },
        "app_secondary_certificate_arn",
        "must be empty with app_public_zone_id",
    ),
    ({"DR_ACCELERATOR_CLIENT_AFFINITY": "COOKIE"}, "accelerator_client_affinity", "SOURCE_IP"),
    ({"DR_ACCELERATOR_SECONDARY_DIAL": "101"}, "accelerator_secondary_dial", "0..100"),
    ({"DR_APP_FEATURE_FLAGS": "new checkout=on"}, "app_feature_flags", "flag 'new checkout'"),
    ({"DR_ALLOWED_CIDRS": "0.0.0.0/0"}, "allowed_cidrs", "internet"),
    ({"DR_ALLOWED_CIDRS": "::/0"}, "allowed_cidrs", "internet"),
    ({"DR_PRIMARY_CLIENT_SECURITY_GROUP_IDS": "web"}, "primary_client_security_group_ids", "sg-"),
    ({"DR_DNS_TTL_SECONDS": "300"}, "dns_ttl_seconds", "1..60"),
    ({"DR_DNS_ZONE_NAME": "Not A Zone"}, "dns_zone_name", "DNS name"),
    (
        {**RDS, "DR_DNS_ROUTING": "global-endpoint"},
        "dns_routing",
        "must be one of failover, weighted in database_mode rds-replica",
    ),
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
    (
        {"DR_AZ_COUNT": "2", "DR_SECONDARY_ZONE_IDS": "use1-az1,use1-az2"},
        "secondary_zone_ids",
        "IDs of us-west-2 such as usw2-az1",
    ),
    (
        {"DR_AZ_COUNT": "2", "DR_PRIMARY_ZONE_IDS": "us-east-1a,us-east-1b"},
        "primary_zone_ids",
        "'us-east-1a' is not",
    ),
    ({"DR_PROFILE": "staging"}, "profile", "production"),
    (
        {"DR_PROFILE": "production", "DR_DELETION_PROTECTION": "false"},
        "deletion_protection",
        "production profile",
    ),
    (
        {"DR_PROFILE": "production", "DR_SKIP_FINAL_SNAPSHOT": "true"},
        "skip_final_snapshot",
        "production profile",
    ),
    ({"DR_LEGACY_TLS_OPTIONAL": "sometimes"}, "legacy_tls_optional", "true or false"),
    ({"DR_EMULATOR_ENDPOINT": "http://10.0.0.5:4566"}, "emulator_endpoint", "loopback"),
    ({"DR_BACKUP_RETENTON_DAYS": "7"}, "backup_retenton_days", "not a setting"),
    ({"DR_ENVIRONMENT_SUFFIX": "prod"}, "environment_suffix", "is read from ENVIRONMENT_SUFFIX"),
]
