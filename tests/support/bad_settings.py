"""Configurations that must be refused: each names the setting the one-line error names and a
fragment of what the error says is allowed (tests/app/test_config.py loads them, and
tests/app/test_app.py runs main.py on some of them)."""

# A key in the primary region (the replica key must be in the secondary one).
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# The rds-replica mode, which some settings need or refuse.
RDS = {"DR_DATABASE_MODE": "rds-replica"}

CERT_WEST = "arn:aws:acm:us-west-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


def refused(
    variable: str, value: str, allowed: str, **context: str
) -> tuple[dict[str, str], str, str]:
    """``variable`` set to ``value`` after the ``context`` variables: the environment, the
    setting the error names (the variable's name without ``DR_``, in lower case) and the
    fragment of what the error says is allowed."""
    return {**context, variable: value}, variable.removeprefix("DR_").lower(), allowed


BAD = [
    refused("DR_PRIMARY_REGION", "us-moon-1", "AWS region"),
    refused("DR_SECONDARY_REGION", "us-east-1", "differ"),
    refused("DR_SECONDARY_VPC_CIDR", "10.10.128.0/17", "overlap"),
    refused("DR_PRIMARY_VPC_CIDR", "10.0.0.0/8", "/16 to /24"),
    refused("DR_PRIMARY_VPC_CIDR", "8.8.0.0/16", "private"),
    refused("DR_PRIMARY_VPC_CIDR", "banana", "CIDR"),
    refused("ENVIRONMENT_SUFFIX", "Dev_1", "lowercase"),
    refused("ENVIRONMENT_SUFFIX", "a--b", "single hyphens"),
    refused("ENVIRONMENT_SUFFIX", "x" * 41, "1-40"),
    refused("ENVIRONMENT_SUFFIX", "x" * 39, "use at most 38 characters"),
    refused("ENVIRONMENT_SUFFIX", "x" * 23, "too long", DR_PROJECT_NAME="a-very-long-project1"),
    refused("DR_PRIMARY_INSTANCE_COUNT", "0", "1..15"),
    refused("DR_DATABASE_MODE", "multi-master", "aurora-global, rds-replica"),
    refused("DR_INSTANCE_CLASS", "db.t3.medium", "at least db.r6g.large", **RDS),
    refused("DR_INSTANCE_CLASS", "db.r6g.medium", "size large or bigger", **RDS),
    refused("DR_ENGINE", "aurora-postgresql", "postgres in database_mode rds-replica", **RDS),
    refused("DR_ENGINE", "postgres", "in database_mode aurora-global"),
    refused("DR_ENGINE_VERSION", "14.9", "15 or later", **RDS),
    refused("DR_ALLOCATED_STORAGE_GIB", "10", "20..65536", **RDS),
    refused("DR_MAX_ALLOCATED_STORAGE_GIB", "50", ">= allocated_storage_gib", **RDS),
    refused("DR_REPLICA_LAG_THRESHOLD_SECONDS", "0", "greater than 0"),
    refused("DR_REPLICA_MULTI_AZ", "maybe", "true or false"),
    refused("DR_BACKUP_OBJECT_EXPIRATION_DAYS", "0", "1..3650"),
    refused("DR_AWS_BACKUP_RETENTION_DAYS", "0", "1..36500"),
    refused("DR_AWS_BACKUP_COPY_RETENTION_DAYS", "40000", "1..36500"),
    refused("DR_VPC_PEERING", "sometimes", "true or false"),
    refused("DR_RTO_SECONDS", "-1", "0 (no objective)"),
    refused("DR_RTO_SECONDS", "86401", "1..86400"),
    refused("DR_GLOBAL_DB_RPO_SECONDS", "19", "20..2147483647"),
    refused(
        "DR_GLOBAL_DB_RPO_SECONDS", "30", "only for aurora-postgresql", DR_ENGINE="aurora-mysql"
    ),
    refused("DR_GLOBAL_DB_RPO_SECONDS", "30", "only for aurora-postgresql, not postgres", **RDS),
    refused("DR_SECONDARY_INSTANCE_COUNT", "-1", "0..15"),
    refused("DR_BACKUP_RETENTION_DAYS", "0", "1..35"),
    refused("DR_BACKUP_RETENTION_DAYS", "36", "1..35"),
    refused("DR_BACKUP_RETENTION_DAYS", "seven", "whole number"),
    refused("DR_CPU_THRESHOLD_PERCENT", "0", "1..100"),
    refused("DR_REPLICATION_LAG_THRESHOLD_MS", "0", "greater than 0"),
    refused("DR_CONNECTIONS_THRESHOLD", "-5", "greater than 0"),
    refused("DR_FREEABLE_MEMORY_THRESHOLD_MIB", "0", "greater than 0"),
    refused("DR_MASTER_SECRET", "arn:aws:secretsmanager:us-east-1:12:secret:x", "ARN"),
    refused(
        "DR_MASTER_SECRET",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
        "primary_region",
    ),
    refused(
        "DR_MASTER_SECRET",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "must be a name with generate_master_secret",
        DR_GENERATE_MASTER_SECRET="true",
    ),
    refused(
        "DR_MASTER_SECRET_KMS_KEY_ARN",
        KEY_ARN,
        "goes together with master_secret_replica_kms_key_arn",
    ),
    refused(
        "DR_MASTER_SECRET_KMS_KEY_ARN",
        "alias/db",
        "KMS key ARN",
        DR_MASTER_SECRET_REPLICA_KMS_KEY_ARN="alias/db",
    ),
    refused(
        "DR_MASTER_SECRET_REPLICA_KMS_KEY_ARN",
        KEY_ARN,
        "a key in secondary_region us-west-2",
        DR_MASTER_SECRET_KMS_KEY_ARN=KEY_ARN,
    ),
    refused(
        "DR_MASTER_SECRET_KMS_KEY_ARN",
        KEY_ARN,
        "must be empty with generate_master_secret",
        DR_GENERATE_MASTER_SECRET="true",
    ),
    refused("DR_ENGINE", "oracle-ee", "aurora-postgresql"),
    refused("DR_ENGINE_VERSION", "9.6", "Aurora PostgreSQL"),
    refused("DR_INSTANCE_CLASS", "db.t3.micro", "memory-optimized"),
    refused("DR_INSTANCE_CLASS", "db.serverless", "at least db.r6g.large", **RDS),
    refused("DR_SERVERLESS_MIN_CAPACITY", "0", "a writer paused at 0 looks down"),
    refused("DR_SERVERLESS_MIN_CAPACITY", "1.25", "steps of 0.5"),
    refused("DR_SERVERLESS_MIN_CAPACITY", "many", "must be a number"),
    refused(
        "DR_SERVERLESS_MAX_CAPACITY", "4", "below the minimum 8.0", DR_SERVERLESS_MIN_CAPACITY="8"
    ),
    refused("DR_SERVERLESS_MAX_CAPACITY", "512", "..256.0 ACU"),
    refused(
        "DR_APP_TIER",
        "true",
        "needs secondary_vpc_cidr of /22 or larger for the public subnets, got 10.20.0.0/24",
        DR_SECONDARY_VPC_CIDR="10.20.0.0/24",
    ),
    refused("DR_APP_DOMAIN_NAME", "App.Example.com", "lowercase DNS name"),
    refused("DR_APP_DOMAIN_NAME", "app.example.com", "needs app_public_zone_id"),
    refused("DR_APP_PUBLIC_ZONE_ID", "Z0123456789ABC", "needs app_domain_name"),
    refused(
        "DR_APP_PUBLIC_ZONE_ID", "zone-1", "hosted zone id", DR_APP_DOMAIN_NAME="app.example.com"
    ),
    refused(
        "DR_APP_PRIMARY_CERTIFICATE_ARN",
        CERT_WEST,
        "a certificate in primary_region us-east-1",
        DR_APP_DOMAIN_NAME="app.example.com",
        DR_APP_SECONDARY_CERTIFICATE_ARN=CERT_WEST,
    ),
    refused(
        "DR_APP_SECONDARY_CERTIFICATE_ARN",
        "cert",
        "ACM certificate ARN",
        DR_APP_DOMAIN_NAME="app.example.com",
        DR_APP_PRIMARY_CERTIFICATE_ARN=CERT_WEST.replace("us-west-2", "us-east-1"),
    ),
    refused("DR_APP_SECONDARY_CERTIFICATE_ARN", CERT_WEST, "needs app_domain_name"),
    refused(
        "DR_APP_SECONDARY_CERTIFICATE_ARN",
        CERT_WEST,
        "must be empty with app_public_zone_id",
        DR_APP_DOMAIN_NAME="app.example.com",
        DR_APP_PUBLIC_ZONE_ID="Z0123456789ABC",
    ),
    refused("DR_ACCELERATOR_CLIENT_AFFINITY", "COOKIE", "SOURCE_IP"),
    refused("DR_ACCELERATOR_SECONDARY_DIAL", "101", "0..100"),
    refused("DR_APP_FEATURE_FLAGS", "new checkout=on", "flag 'new checkout'"),
    refused("DR_ALLOWED_CIDRS", "0.0.0.0/0", "internet"),
    refused("DR_ALLOWED_CIDRS", "::/0", "internet"),
    refused("DR_PRIMARY_CLIENT_SECURITY_GROUP_IDS", "web", "sg-"),
    refused("DR_DNS_TTL_SECONDS", "300", "1..60"),
    refused("DR_DNS_ZONE_NAME", "Not A Zone", "DNS name"),
    refused(
        "DR_DNS_ROUTING",
        "global-endpoint",
        "must be one of failover, weighted in database_mode rds-replica",
        **RDS,
    ),
    refused("DR_LOG_RETENTION_DAYS", "10", "one of"),
    refused("DR_MONITORING_INTERVAL_SECONDS", "7", "one of"),
    refused("DR_ALARM_PERIOD_SECONDS", "45", "multiple of 60"),
    refused("DR_ALERT_EMAIL", "not-an-address", "e-mail"),
    refused("DR_DELETION_PROTECTION", "maybe", "true or false"),
    refused("DR_MASTER_USERNAME", "rdsadmin", "reserved"),
    refused("DR_STATE_BUCKET", "Bad_Bucket", "S3 bucket"),
    refused("DR_TAGS", "nokeyvalue", "key=value"),
    refused("DR_AZ_COUNT", "1", "2..6"),
    refused("DR_PRIMARY_ZONE_IDS", "use1-az1,use1-az2", "exactly az_count (3)"),
    refused(
        "DR_SECONDARY_ZONE_IDS",
        "use1-az1,use1-az2",
        "IDs of us-west-2 such as usw2-az1",
        DR_AZ_COUNT="2",
    ),
    refused("DR_PRIMARY_ZONE_IDS", "us-east-1a,us-east-1b", "'us-east-1a' is not", DR_AZ_COUNT="2"),
    refused("DR_PROFILE", "staging", "production"),
    refused("DR_DELETION_PROTECTION", "false", "production profile", DR_PROFILE="production"),
    refused("DR_SKIP_FINAL_SNAPSHOT", "true", "production profile", DR_PROFILE="production"),
    refused("DR_LEGACY_TLS_OPTIONAL", "sometimes", "true or false"),
    refused("DR_EMULATOR_ENDPOINT", "http://10.0.0.5:4566", "loopback"),
    refused("DR_BACKUP_RETENTON_DAYS", "7", "not a setting"),
    refused("DR_ENVIRONMENT_SUFFIX", "prod", "is read from ENVIRONMENT_SUFFIX"),
]
