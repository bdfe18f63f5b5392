"""The deployment's configuration: one object, loaded and validated before any construct.

Sources, highest first: environment variables (``DR_<SETTING>``, and
``ENVIRONMENT_SUFFIX``), then the ``context`` block of ``cdktf.json``, then the defaults
of :class:`DrConfig` (each setting declared once, with its rule and meaning). Every problem
is reported as a :class:`ConfigError` whose one-line message names the setting, the value
received and what is allowed.

This module imports nothing from cdktf, so validating a configuration costs milliseconds.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constructs_lib.database.instance_classes import (
    AURORA_INSTANCE_CLASS,
    AURORA_INSTANCE_CLASS_RULE,
    RDS_INSTANCE_CLASS,
    RDS_INSTANCE_CLASS_RULE,
)
from constructs_lib.naming import LIMITS, Namer
from dr_lambdas.contract import (
    AURORA_GLOBAL,
    CANARY_PROBE_INTERVAL_SECONDS,
    DNS_MODES_OF,
    PROBE_INTERVALS,
    RDS_REPLICA,
)

# Commercial regions that offer Aurora Global Database and RDS cross-region replicas.
KNOWN_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "ca-west-1",
        "sa-east-1",
        "mx-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-south-1",
        "me-central-1",
        "af-south-1",
        "ap-south-1",
        "ap-south-2",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
    }
)
ENGINES = {
    # engine: (default version, port, TLS parameter, log exports)
    "aurora-postgresql": ("15.10", 5432, ("rds.force_ssl", "1"), ("postgresql",)),
    "aurora-mysql": (
        "8.0.mysql_aurora.3.08.0",
        3306,
        ("require_secure_transport", "ON"),
        ("audit", "error", "slowquery"),
    ),
    "postgres": ("15.12", 5432, ("rds.force_ssl", "1"), ("postgresql", "upgrade")),
}
# database mode: (engines it runs, default engine, default DNS routing)
DATABASE_MODES = {
    AURORA_GLOBAL: (
        ("aurora-postgresql", "aurora-mysql"),
        "aurora-postgresql",
        DNS_MODES_OF[AURORA_GLOBAL][0],
    ),
    RDS_REPLICA: (("postgres",), "postgres", DNS_MODES_OF[RDS_REPLICA][0]),
}
# DNS routing of the writer name per database mode (dr_lambdas/contract.py). "global-endpoint":
# a CNAME to the Aurora global writer endpoint, which Aurora moves itself; "failover":
# PRIMARY/SECONDARY records behind alarm-based health checks; "weighted": 100/0 records the
# orchestrator flips through the Route 53 control plane.
DNS_ROUTINGS = DNS_MODES_OF
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
PROFILES = ("default", "production")
PRODUCTION = {"deletion_protection": True, "skip_final_snapshot": False}
# Environment variables that belong to the project's tools, not to the deployment.
TOOL_VARIABLES = frozenset({"DR_PROVIDER_MIRROR", "DR_KEEP_WORKDIR"})
# Settings whose empty value means "none". Every other setting that is set must have a
# value: an empty variable is what a CI job produces when a variable it expects is missing,
# and reading it as "unset" would silently deploy the default environment, regions, secret
# or state.
EMPTY_MEANS_NONE = frozenset(
    {
        "alert_email",
        "allowed_cidrs",
        "tags",
        "primary_zone_ids",
        "secondary_zone_ids",
        "primary_client_security_group_ids",
        "secondary_client_security_group_ids",
    }
)

_NAME = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$|^[a-z]$")
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SG_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_KMS_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/(mrk-)?[0-9a-f-]{32,36}$"
)
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}$")
_DB_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_ZONE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_PG_VERSION = re.compile(r"^(?P<major>1[1-9]|[2-9]\d)\.\d+$")
_RDS_PG_VERSION = re.compile(r"^(?P<major>1[5-7])\.\d+$")
_MYSQL_VERSION = re.compile(r"^(?P<major>8\.0)\.mysql_aurora\.3\.\d{2}\.\d+$")

# An availability-zone ID: the region's short code, "-az" and a number (use1-az1, apne1-az4).
_ZONE_ID = re.compile(r"^(?P<region>[a-z]{2}[a-z]{0,3}\d)-az\d{1,2}$")
_DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}

# Aurora PostgreSQL accepts rds.global_db_rpo from 20 s (Aurora user guide,
# aurora-global-database-disaster-recovery, "Managing RPOs").
GLOBAL_DB_RPO_MINIMUM_SECONDS = 20


class ConfigError(ValueError):
    """An invalid setting. ``str(err)`` is the one line shown to the user."""

    def __init__(self, setting: str, value: Any, allowed: str, source: str = "") -> None:
        self.setting, self.value, self.allowed, self.source = setting, value, allowed, source
        where = f" (from {source})" if source else ""
        super().__init__(f"invalid {setting}={value!r}{where}: {allowed}")


# Rules: each returns what is allowed when a value is not, else None ----------------------


def _name_rule(value: str, _: DrConfig) -> str | None:
    if not _NAME.match(value) or len(value) > 40:
        return "must be 1-40 lowercase letters, digits and single hyphens, starting with a letter"
    return None


def _fits_longest_name(value: str, config: DrConfig) -> str | None:
    if _name_rule(value, config):
        return _name_rule(value, config)
    regions = tuple(
        r for r in (config.primary_region, config.secondary_region) if r in KNOWN_REGIONS
    ) or ("us-east-1",)
    for name, kind in config.namer.longest_names(regions):
        if len(name) > LIMITS[kind]:
            room = LIMITS[kind] - (len(name) - len(value))
            return (
                f"too long: the longest derived name {name!r} exceeds the AWS limit of "
                f"{LIMITS[kind]} characters; use at most {max(room, 0)} characters"
            )
    return None


def _region(value: str, _: DrConfig) -> str | None:
    return None if value in KNOWN_REGIONS else "must be an AWS region such as us-east-1"


def _secondary_region(value: str, config: DrConfig) -> str | None:
    if value == config.primary_region:
        return "must differ from primary_region"
    return _region(value, config)


def _vpc_cidr(value: str, _: DrConfig) -> str | None:
    try:
        net = ipaddress.IPv4Network(value)
    except ValueError:
        return "must be an IPv4 network in CIDR notation such as 10.10.0.0/16"
    if not 16 <= net.prefixlen <= 24 or not net.is_private:
        return "must be a private (RFC 1918) network with a prefix from /16 to /24"
    return None


def _secondary_cidr(value: str, config: DrConfig) -> str | None:
    problem = _vpc_cidr(value, config)
    if problem:
        return problem
    if ipaddress.IPv4Network(value).overlaps(ipaddress.IPv4Network(config.primary_vpc_cidr)):
        return f"must not overlap primary_vpc_cidr {config.primary_vpc_cidr}"
    return None


def client_cidr_problem(cidr: str) -> str | None:
    """Why a client CIDR may not reach the database, or None (the one rule, used by the
    configuration and by RegionalVpc)."""
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        return f"{cidr!r} is not a network in CIDR notation"
    if net.prefixlen < 8:
        return (
            f"{cidr} is too wide; the database is never opened to the internet (use /8 or narrower)"
        )
    return None


def _client_cidrs(value: tuple, _: DrConfig) -> str | None:
    return next((problem for problem in map(client_cidr_problem, value) if problem), None)


def _zone_ids(role: str) -> Callable[[tuple, DrConfig], str | None]:
    def check(value: tuple, config: DrConfig) -> str | None:
        return zone_ids_problem(value, getattr(config, f"{role}_region"), config.az_count)

    return check


def _sg_ids(value: tuple, _: DrConfig) -> str | None:
    bad = [v for v in value if not _SG_ID.match(v)]
    return f"{bad[0]!r} is not a security group id (sg-...)" if bad else None


def _engine(value: str, config: DrConfig) -> str | None:
    engines = DATABASE_MODES[config.database_mode][0]
    if value not in engines:
        return f"must be one of {', '.join(engines)} in database_mode {config.database_mode}"
    return None


def _engine_version(value: str, config: DrConfig) -> str | None:
    if config.engine == "postgres" and not _RDS_PG_VERSION.match(value):
        return "must be an RDS PostgreSQL version 15 or later such as 15.12"
    if config.engine == "aurora-postgresql" and not _PG_VERSION.match(value):
        return "must be an Aurora PostgreSQL version such as 15.10 (major 11 or later)"
    if config.engine == "aurora-mysql" and not _MYSQL_VERSION.match(value):
        return "must be an Aurora MySQL 3 version such as 8.0.mysql_aurora.3.08.0"
    return None


def _instance_class(value: str, config: DrConfig) -> str | None:
    pattern, rule = (
        (RDS_INSTANCE_CLASS, RDS_INSTANCE_CLASS_RULE)
        if config.database_mode == "rds-replica"
        else (AURORA_INSTANCE_CLASS, AURORA_INSTANCE_CLASS_RULE)
    )
    return None if pattern.match(value) else f"must be {rule}"


def _max_storage(value: int, config: DrConfig) -> str | None:
    if value == 0 or config.allocated_storage_gib <= value <= 65536:
        return None
    return (
        f"must be 0 (no storage growth) or {config.allocated_storage_gib}..65536"
        " (>= allocated_storage_gib)"
    )


def _between(low: int, high: int) -> Callable[[int, DrConfig], str | None]:
    def check(value: int, _: DrConfig) -> str | None:
        return None if low <= value <= high else f"must be {low}..{high}"

    return check


def _one_of(allowed: tuple) -> Callable[[Any, DrConfig], str | None]:
    def check(value: Any, _: DrConfig) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(map(str, allowed))}"

    return check


def _positive(value: int, _: DrConfig) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _db_ident(value: str, _: DrConfig) -> str | None:
    if not _DB_IDENT.match(value) or value.lower() in (
        "rdsadmin",
        "postgres",
        "template0",
        "template1",
    ):
        return (
            "must be 1-63 letters, digits or underscores, start with a letter, and not be reserved"
        )
    return None


def _secret(value: str, config: DrConfig) -> str | None:
    if config.generate_master_secret and value.startswith("arn:"):
        return "must be a name with generate_master_secret=true (the stack creates it)"
    if value.startswith("arn:"):
        match = _SECRET_ARN.match(value)
        if not match:
            return (
                "must be a Secrets Manager secret ARN"
                " (arn:aws:secretsmanager:<region>:<account>:secret:<name>) or a secret name"
            )
        if match["region"] != config.primary_region:
            return f"the secret must live in primary_region {config.primary_region}"
        return None
    return None if _SECRET_NAME.match(value) else "must be a Secrets Manager secret name or ARN"


def _secret_key(role: str) -> Callable[[str, DrConfig], str | None]:
    def check(value: str, config: DrConfig) -> str | None:
        region = getattr(config, f"{role}_region")
        other = (
            "master_secret_replica_kms_key_arn"
            if role == "primary"
            else "master_secret_kms_key_arn"
        )
        if value and config.generate_master_secret:
            return (
                "must be empty with generate_master_secret=true (the stack encrypts the "
                "secret it creates with its regional keys)"
            )
        if bool(value) != bool(getattr(config, other)):
            return f"goes together with {other}: give the key of the secret in both regions"
        match = _KMS_KEY_ARN.match(value)
        if value and not match:
            return "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or empty"
        if value and match["region"] != region:
            return f"must be a key in {role}_region {region}"
        return None

    return check


def _backup_window(value: str, _: DrConfig) -> str | None:
    return (
        None if _BACKUP_WINDOW.match(value) else "must be hh:mm-hh:mm in UTC, such as 03:00-04:00"
    )


def _zone(value: str, _: DrConfig) -> str | None:
    return None if _ZONE.match(value) else "must be a lowercase DNS name such as db-dev.internal"


def _alarm_period(value: int, _: DrConfig) -> str | None:
    return (
        None
        if value in (10, 30) or (value >= 60 and value % 60 == 0)
        else "must be 10, 30 or a multiple of 60"
    )


def _global_db_rpo(value: int, config: DrConfig) -> str | None:
    if value == 0:
        return None
    if config.engine != "aurora-postgresql":
        return (
            f"must be 0: rds.global_db_rpo exists only for aurora-postgresql, not {config.engine}"
        )
    if not GLOBAL_DB_RPO_MINIMUM_SECONDS <= value <= 2_147_483_647:
        return f"must be 0 (not set) or {GLOBAL_DB_RPO_MINIMUM_SECONDS}..2147483647 seconds"
    return None


def _email(value: str, _: DrConfig) -> str | None:
    return None if value == "" or _EMAIL.match(value) else "must be an e-mail address or empty"


def _bucket(value: str, _: DrConfig) -> str | None:
    return None if value == "" or _BUCKET.match(value) else "must be an S3 bucket name or empty"


def _loopback_url(value: str, _: DrConfig) -> str | None:
    if value == "" or re.fullmatch(
        r"http://(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}", value
    ):
        return None
    return "must be empty or a loopback URL such as http://127.0.0.1:5000"


def _tags(value: dict, _: DrConfig) -> str | None:
    for key, val in value.items():
        if not 1 <= len(key) <= 128 or len(val) > 256 or key.lower().startswith("aws:"):
            return (
                f"tag {key!r} must have a 1-128 character key not starting with aws: and a"
                " value of at most 256"
            )
    return None


def _length(low: int, high: int) -> Callable[[str, DrConfig], str | None]:
    def check(value: str, _: DrConfig) -> str | None:
        return None if low <= len(value) <= high else f"must be {low}-{high} characters"

    return check


def _rto(value: int, _: DrConfig) -> str | None:
    return None if 0 <= value <= 86400 else "must be 0 (no objective) or 1..86400"


def _dns_routing(value: str, config: DrConfig) -> str | None:
    allowed = DNS_ROUTINGS.get(config.database_mode, ())
    if value in allowed:
        return None
    return f"must be one of {', '.join(allowed)} in database_mode {config.database_mode}"


def setting(
    default: Any,
    rule: Callable[[Any, DrConfig], str | None] | None = None,
    doc: str = "",
    *,
    default_text: str = "",
) -> Any:
    """A field of :class:`DrConfig`: its default, its rule (a function returning what is
    allowed when the value is not, else None), what it means, and how the README shows a
    default that is derived at load time (``default_text``)."""
    metadata = {"rule": rule, "doc": doc, "default_text": default_text}
    if isinstance(default, type):  # dict: a fresh one per instance
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, kw_only=True)
class DrConfig:
    """Everything one environment of the deployment is built from. Each setting is declared
    once: its default, its rule (checked in this order) and what it means, from which
    validation and the README's configuration table (tools/settings_table.py) are made."""

    profile: str = setting(
        "default",
        _one_of(PROFILES),
        "`default` is destroyable; `production` forces `deletion_protection=true`, "
        "`skip_final_snapshot=false` and 30-day key deletion windows (a contradicting explicit "
        "value is an error)",
    )
    project_name: str = setting(
        "dbdr",
        _name_rule,
        "first part of every name; `Project` tag",
    )
    environment_suffix: str = setting(
        "dev",
        _fits_longest_name,
        "lowercase letters, digits, single hyphens; short enough that the longest derived name "
        "fits AWS limits",
    )
    cost_center: str = setting(
        "platform",
        _length(1, 256),
        "`CostCenter` tag",
    )
    tags: dict = setting(
        dict,
        _tags,
        "extra tags on every resource (the required four win)",
    )
    primary_region: str = setting(
        "us-east-1",
        _region,
        "a commercial AWS region",
    )
    secondary_region: str = setting(
        "us-west-2",
        _secondary_region,
        "another region",
    )
    primary_vpc_cidr: str = setting(
        "10.10.0.0/16",
        _vpc_cidr,
        "private network, /16../24",
    )
    secondary_vpc_cidr: str = setting(
        "10.20.0.0/16",
        _secondary_cidr,
        "private, must not overlap the primary",
    )
    az_count: int = setting(
        3,
        _between(2, 6),
        "2..6 private subnets per region",
    )
    primary_zone_ids: tuple = setting(
        (),
        _zone_ids("primary"),
        "`az_count` availability-zone IDs of the primary region (`use1-az1`, ...): IDs name the"
        " same physical zone in every account, zone names do not; Local and Wavelength Zones "
        "are never chosen by default, and the plan stops, naming the region, when it has too "
        "few zones",
        default_text="the region's first `az_count` standard zones, by ID",
    )
    secondary_zone_ids: tuple = setting(
        (),
        _zone_ids("secondary"),
        "zone IDs of the secondary region (`usw2-az1`, ...)",
        default_text="likewise",
    )
    allowed_cidrs: tuple = setting(
        (),
        _client_cidrs,
        "networks admitted to the DB port; never wider than /8",
        default_text="each VPC's own range",
    )
    primary_client_security_group_ids: tuple = setting(
        (),
        _sg_ids,
        "`sg-...` admitted in the primary region",
    )
    secondary_client_security_group_ids: tuple = setting(
        (),
        _sg_ids,
        "`sg-...` admitted in the secondary region",
    )
    database_mode: str = setting(
        "aurora-global",
        _one_of(tuple(DATABASE_MODES)),
        "`aurora-global` (Aurora Global Database) or `rds-replica` (RDS PostgreSQL Multi-AZ "
        "primary + cross-region read replica); see [Which mode should I "
        "choose](docs/modes-and-failover.md#which-mode-should-i-choose)",
    )
    engine: str = setting(
        "",
        _engine,
        "`aurora-postgresql` or `aurora-mysql` (aurora-global); `postgres` (rds-replica)",
        default_text="mode's engine",
    )
    engine_version: str = setting(
        "",
        _engine_version,
        "one version for both regions; RDS PostgreSQL 15 or later",
        default_text="`15.10` (Aurora MySQL: `8.0.mysql_aurora.3.08.0`; RDS: `15.12`)",
    )
    instance_class: str = setting(
        "db.r6g.large",
        _instance_class,
        "memory-optimized (`db.r*`/`db.x*`), as global databases require; rds-replica: r5 or "
        "newer / x2, size `large` or bigger (smaller classes are rejected)",
    )
    primary_instance_count: int = setting(
        2,
        _between(1, 15),
        "aurora-global: 1..15 (writer + readers)",
    )
    secondary_instance_count: int = setting(
        1,
        _between(0, 15),
        "aurora-global: 0..15; 0 is a headless secondary",
    )
    allocated_storage_gib: int = setting(
        100,
        _between(20, 65536),
        "rds-replica: 20..65536 GiB of gp3 storage",
    )
    max_allocated_storage_gib: int = setting(
        500,
        _max_storage,
        "rds-replica: storage autoscaling ceiling, >= `allocated_storage_gib`; 0 turns growth off",
    )
    replica_multi_az: bool = setting(
        True,
        None,
        "rds-replica: the replica is Multi-AZ too, so the promoted writer is as durable as the "
        "primary",
    )
    database_name: str = setting(
        "appdb",
        _db_ident,
        "created in the primary",
    )
    master_username: str = setting(
        "dbadmin",
        _db_ident,
        "not a reserved name",
    )
    master_secret: str = setting(
        "",
        _secret,
        "existing secret name or ARN in the primary region, JSON with `username` and "
        "`password`, replicated to the secondary region (see "
        "[Credentials](docs/modes-and-failover.md#credentials))",
        default_text="`<project>/<suffix>/master-credentials`",
    )
    master_password_version: int = setting(
        1,
        _positive,
        "raise to apply a rotated password (with `generate_master_secret`, a new password is "
        "generated and written to the secret and the database in one apply)",
    )
    generate_master_secret: bool = setting(
        False,
        None,
        "`true`: the stack creates `master_secret` (a name) with a replica in the secondary "
        "region, each encrypted with its region's key, and generates the password at apply "
        "time; it is in neither the plan, the state nor the synthesized JSON, and CI never "
        "holds it",
    )
    master_secret_kms_key_arn: str = setting(
        "",
        _secret_key("primary"),
        "existing secret only: ARN of the customer-managed key encrypting the secret in the "
        "primary region; the primary canary gets `kms:Decrypt` on exactly this key, through "
        "Secrets Manager",
        default_text="none (AWS managed key)",
    )
    master_secret_replica_kms_key_arn: str = setting(
        "",
        _secret_key("secondary"),
        "the key of the replica in the secondary region; set both or neither",
    )
    backup_retention_days: int = setting(
        7,
        _between(1, 35),
        "1..35",
    )
    preferred_backup_window: str = setting(
        "03:00-04:00",
        _backup_window,
        "UTC",
    )
    deletion_protection: bool = setting(
        False,
        None,
        "also turns off `force_destroy`",
    )
    skip_final_snapshot: bool = setting(
        True,
        None,
        "`false` takes `dbdr-final-<region>-<suffix>`",
    )
    monitoring_interval_seconds: int = setting(
        60,
        _one_of(MONITORING_INTERVALS),
        "enhanced monitoring: 0, 1, 5, 10, 15, 30, 60",
    )
    log_retention_days: int = setting(
        365,
        _one_of(LOG_RETENTION_DAYS),
        "a CloudWatch Logs retention value",
    )
    legacy_tls_optional: bool = setting(
        False,
        None,
        "`true` stops enforcing TLS (`rds.force_ssl=0` / `require_secure_transport=OFF`) for "
        "clients that cannot use it, and synth prints a warning",
    )
    dns_zone_name: str = setting(
        "",
        _zone,
        "private zone",
        default_text="`db-<suffix>.internal`",
    )
    dns_ttl_seconds: int = setting(
        30,
        _between(1, 60),
        "1..60",
    )
    dns_routing: str = setting(
        "",
        _dns_routing,
        "`global-endpoint` (aurora-global only: `writer.<zone>` is a CNAME to the Aurora global"
        " writer endpoint, which Aurora moves itself; no DNS step), `failover` "
        "(PRIMARY/SECONDARY records behind the health checks: Route 53's data plane moves them)"
        " or `weighted` (100/0 records the orchestrator flips with `ChangeResourceRecordSets`, "
        "a Route 53 control-plane call in us-east-1 only: the budget and the IAM policy say so)",
        default_text="`global-endpoint` (rds-replica: `failover`)",
    )
    automatic_failover: bool = setting(
        True,
        None,
        "the secondary's orchestrator runs on the watchdog schedule and the primary-down alarm;"
        " `false` leaves only manual invokes",
    )
    probe_interval_seconds: int = setting(
        CANARY_PROBE_INTERVAL_SECONDS,
        _one_of(PROBE_INTERVALS),
        "10, 20, 30 or 60: each canary run probes this often within its minute and the fast "
        "alarms use it as their period; 60 costs least (see [Cost of "
        "detection](docs/modes-and-failover.md#cost-of-detection)) and detects in minutes, "
        "not seconds",
    )
    reserve_function_concurrency: bool = setting(
        False,
        None,
        "`true` reserves one concurrent execution for each orchestrator and canary; off by "
        "default because AWS refuses a reservation that takes the account's unreserved "
        "concurrency below its minimum (a new account's quota of 10 is all minimum), and the "
        "lock table already keeps failovers one at a time",
    )
    rpo_seconds: int = setting(
        60,
        _between(1, 86400),
        "1..86400; an unplanned failover that could lose more is refused unless forced",
    )
    rto_seconds: int = setting(
        300,
        _rto,
        "0 or 1..86400; the worst-case RTO of the [recovery "
        "budget](docs/recovery-and-review.md#recovery-budget-at-synth) must not exceed it, "
        "or synthesis stops; 0: no objective, the budget is only printed",
    )
    global_db_rpo_seconds: int = setting(
        0,
        _global_db_rpo,
        "aurora-postgresql only: 20..2147483647; sets `rds.global_db_rpo` on both cluster "
        "parameter groups, so primary commits pause while the secondary lags beyond it; must "
        "not exceed `rpo_seconds`",
        default_text="`0` (not set)",
    )
    replication_lag_threshold_ms: int = setting(
        5000,
        _positive,
        "`AuroraGlobalDBReplicationLag` alarm",
    )
    rpo_lag_threshold_ms: int = setting(
        30000,
        _positive,
        "`AuroraGlobalDBRPOLag` alarm",
    )
    cpu_threshold_percent: int = setting(
        80,
        _between(1, 100),
        "1..100",
    )
    freeable_memory_threshold_mib: int = setting(
        256,
        _positive,
        "> 0",
    )
    free_local_storage_threshold_mib: int = setting(
        5120,
        _positive,
        "> 0 (Aurora `FreeLocalStorage`)",
    )
    free_storage_threshold_mib: int = setting(
        10240,
        _positive,
        "> 0 (RDS `FreeStorageSpace`)",
    )
    replica_lag_threshold_seconds: int = setting(
        60,
        _positive,
        "> 0; rds-replica `ReplicaLag` alarm on the replica",
    )
    connections_threshold: int = setting(
        500,
        _positive,
        "> 0",
    )
    alarm_period_seconds: int = setting(
        60,
        _alarm_period,
        "10, 30 or a multiple of 60",
    )
    alarm_evaluation_periods: int = setting(
        3,
        _between(1, 100),
        "1..100",
    )
    alert_email: str = setting(
        "",
        _email,
        "e-mail subscription on both topics",
    )
    vpc_peering: bool = setting(
        True,
        None,
        "peer the two VPCs (requester in the primary), routes both ways in every private route "
        "table, DB port open to the peer CIDR",
    )
    backup_buckets: bool = setting(
        True,
        None,
        "a backup bucket per region (versioned, SSE-KMS, TLS-only, no public access), "
        "replicated primary -> secondary with Replication Time Control and metrics",
    )
    backup_object_expiration_days: int = setting(
        30,
        _between(1, 3650),
        "1..3650; current and noncurrent backup objects expire after exactly this many days",
    )
    aws_backup: bool = setting(
        True,
        None,
        "an AWS Backup vault per region (regional key) and a daily plan for the primary "
        "database with a copy to the secondary vault",
    )
    aws_backup_retention_days: int = setting(
        35,
        _between(1, 36500),
        "1..36500; recovery points in the primary vault",
    )
    aws_backup_copy_retention_days: int = setting(
        35,
        _between(1, 36500),
        "1..36500; copies in the secondary vault",
    )
    endpoint_parameters: bool = setting(
        True,
        None,
        "SSM parameters under `/<project>/<suffix>/` in both regions: writer and reader DNS "
        "names, both endpoints, port, secret ARN (SecureString)",
    )
    event_subscriptions: bool = setting(
        True,
        None,
        "RDS event subscription per region (failover, failure, notification, ...) to that "
        "region's alert topic",
    )
    dashboard: bool = setting(
        True,
        None,
        "one CloudWatch dashboard: replication lag, RPO lag, connections, CPU, canary metrics "
        "and health-check status of both regions side by side",
    )
    state_bucket: str = setting(
        "",
        _bucket,
        "S3 bucket for state",
        default_text="none (local state `terraform.<suffix>.tfstate`)",
    )
    state_key: str = setting(
        "",
        None,
        "key of the state object in `state_bucket`",
        default_text="`<project>/<suffix>/terraform.tfstate`",
    )
    state_region: str = setting(
        "",
        _region,
        "region of `state_bucket`",
        default_text="the primary region",
    )
    state_lock: bool = setting(
        True,
        None,
        "S3-native lock file (`use_lockfile`)",
    )
    emulator_endpoint: str = setting(
        "",
        _loopback_url,
        "offline deploys only: a loopback URL every provider endpoint points at, with test "
        "credentials (set by `./run e2e`; changes nothing else)",
    )

    # Derived values -------------------------------------------------------------------
    @property
    def namer(self) -> Namer:
        return Namer(self.project_name, self.environment_suffix)

    @property
    def port(self) -> int:
        return ENGINES[self.engine][1]

    @property
    def parameter_family(self) -> str:
        major = self.engine_version.split(".")[0]
        if self.engine == "aurora-mysql":
            return "aurora-mysql8.0"
        if self.engine == "postgres":
            return f"postgres{major}"
        return f"aurora-postgresql{major}"

    @property
    def tls_parameter(self) -> tuple[str, str]:
        name, enforced = ENGINES[self.engine][2]
        if self.legacy_tls_optional:
            return name, {"1": "0", "ON": "OFF"}[enforced]
        return name, enforced

    def secret_in(self, region: str) -> str:
        """The master secret as read in ``region``: a replica keeps the name (and, in an
        ARN, everything but the region)."""
        if self.master_secret.startswith("arn:"):
            parts = self.master_secret.split(":")
            parts[3] = region
            return ":".join(parts)
        return self.master_secret

    @property
    def key_deletion_window_days(self) -> int:
        return 30 if self.profile == "production" else 7

    @property
    def log_exports(self) -> tuple[str, ...]:
        return ENGINES[self.engine][3]

    @property
    def required_tags(self) -> dict[str, str]:
        from constructs_lib.naming import required_tags

        return required_tags(
            environment=self.environment_suffix,
            project=self.project_name,
            cost_center=self.cost_center,
            extra=self.tags,
        )


def env_var(setting: str) -> str:
    return "ENVIRONMENT_SUFFIX" if setting == "environment_suffix" else f"DR_{setting.upper()}"


# Parsing ----------------------------------------------------------------------------------


def _parse(setting: str, kind: type, raw: Any, source: str) -> Any:
    """Turn an environment string or a JSON context value into the setting's type."""

    def bad(allowed: str) -> ConfigError:
        return ConfigError(setting, raw, allowed, source)

    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise bad("must be true or false")
    if kind is int:
        if isinstance(raw, bool):
            raise bad("must be a whole number")
        if isinstance(raw, int):
            return raw
        try:
            return int(str(raw).strip())
        except ValueError:
            raise bad("must be a whole number") from None
    if kind is tuple:
        if isinstance(raw, (list, tuple)):
            return tuple(str(x).strip() for x in raw)
        text = str(raw).strip()
        if text.startswith("["):
            try:
                return tuple(str(x).strip() for x in json.loads(text))
            except (ValueError, TypeError):
                raise bad("must be a JSON list or a comma-separated list") from None
        return tuple(x.strip() for x in text.split(",") if x.strip())
    if kind is dict:
        if isinstance(raw, dict):
            return {str(k): str(v) for k, v in raw.items()}
        text = str(raw).strip()
        if text.startswith("{"):
            try:
                return {str(k): str(v) for k, v in json.loads(text).items()}
            except (ValueError, AttributeError):
                raise bad("must be a JSON object or key=value pairs") from None
        pairs = [p for p in text.split(",") if p.strip()]
        if not all("=" in p for p in pairs):
            raise bad("must be a JSON object or key=value pairs separated by commas")
        return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}
    if not isinstance(raw, str):
        raise bad("must be a string")
    return raw.strip()


def load_config(environ: Mapping[str, str], context: Mapping[str, Any]) -> DrConfig:
    """Merge environment, context and defaults, then validate. Raises ConfigError."""
    fields = {f.name: f for f in dataclasses.fields(DrConfig)}
    kinds = {name: _kind(f) for name, f in fields.items()}
    for key in context:
        if re.fullmatch(r"[a-z0-9_]+", key) and key not in fields:
            raise ConfigError(
                key,
                context[key],
                "is not a setting (see README.md, Configuration)",
                "cdktf.json context",
            )
    for key in environ:
        if key.startswith("DR_") and key not in TOOL_VARIABLES and key[3:].lower() not in fields:
            raise ConfigError(
                key[3:].lower(),
                environ[key],
                "is not a setting (see README.md, Configuration)",
                key,
            )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in fields:
        var = env_var(name)
        if var in environ:
            raw, source = environ[var], var
        elif name in context:
            raw, source = context[name], "cdktf.json context"
        else:
            continue
        if isinstance(raw, str) and raw.strip() == "" and name not in EMPTY_MEANS_NONE:
            where = f"unset {var}" if source == var else f"remove {name} from {source}"
            raise ConfigError(
                name,
                raw,
                f"is set but empty: give it a value, or {where} to use the default",
                source,
            )
        values[name] = _parse(name, kinds[name], raw, source)
        sources[name] = source
    if values.get("profile") == "production":
        for setting, required in PRODUCTION.items():
            if setting in values and values[setting] != required:
                raise ConfigError(
                    setting,
                    values[setting],
                    f"must be {str(required).lower()} in the production profile",
                    sources[setting],
                )
            values[setting] = required
    config = DrConfig(**values)
    config = _apply_derived_defaults(config)
    validate(config, sources)
    return config


def _kind(f: dataclasses.Field) -> type:
    annotation = f.type if isinstance(f.type, str) else f.type.__name__
    return {"str": str, "int": int, "bool": bool, "tuple": tuple, "dict": dict}[annotation]


def _apply_derived_defaults(config: DrConfig) -> DrConfig:
    suffix, project = config.environment_suffix, config.project_name
    _, mode_engine, mode_routing = DATABASE_MODES.get(config.database_mode, ((), "", ""))
    if config.engine == "" and mode_engine:
        config = dataclasses.replace(config, engine=mode_engine)
    derived = {
        "engine_version": ENGINES.get(config.engine, ("",))[0],
        "dns_routing": mode_routing,
        "master_secret": f"{project}/{suffix}/master-credentials",
        "dns_zone_name": f"db-{suffix}.internal",
        "state_key": f"{project}/{suffix}/terraform.tfstate",
        "state_region": config.primary_region,
    }
    return dataclasses.replace(
        config, **{k: v for k, v in derived.items() if getattr(config, k) == ""}
    )


# Validation -------------------------------------------------------------------------------


def validate(config: DrConfig, sources: Mapping[str, str] | None = None) -> None:
    """Raise ConfigError for the first invalid setting, in declaration order."""
    sources = sources or {}
    for setting, check in _CHECKS:
        value = getattr(config, setting)
        allowed = check(value, config)
        if allowed:
            raise ConfigError(setting, value, allowed, sources.get(setting, ""))


# Each setting's rule, in declaration order.
_CHECKS: list[tuple[str, Callable[[Any, DrConfig], str | None]]] = [
    (f.name, f.metadata["rule"]) for f in dataclasses.fields(DrConfig) if f.metadata["rule"]
]


def zone_id_prefix(region: str) -> str:
    """The short code AWS puts before "-az" in the zone IDs of ``region`` (us-east-1: use1,
    ap-northeast-1: apne1, eu-central-1: euc1)."""
    area, direction, number = region.split("-")
    return f"{area}{_DIRECTIONS.get(direction, direction[:1])}{number}"


def zone_ids_problem(zone_ids: tuple[str, ...], region: str, az_count: int) -> str | None:
    """Why ``zone_ids`` cannot place ``az_count`` subnets in ``region``, or None."""
    if not zone_ids:
        return None
    if len(zone_ids) != az_count:
        return f"must list exactly az_count ({az_count}) zones"
    if len(set(zone_ids)) != len(zone_ids):
        return "must not repeat a zone"
    prefix = zone_id_prefix(region)
    for zone_id in zone_ids:
        match = _ZONE_ID.match(zone_id)
        if not match or match["region"] != prefix:
            return (
                f"must be availability-zone IDs of {region} such as {prefix}-az1 "
                f"({zone_id!r} is not)"
            )
    return None


def read_context(project_dir: Path) -> dict[str, Any]:
    """The ``context`` block of ``cdktf.json`` in ``project_dir`` (empty if absent)."""
    path = project_dir / "cdktf.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("context", {})
