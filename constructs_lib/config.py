"""The deployment's configuration: one object, loaded and validated before any construct.

Sources, highest first: environment variables (``DR_<SETTING>``, and
``ENVIRONMENT_SUFFIX``), then the ``context`` block of ``cdktf.json``, then the defaults
of :class:`DrConfig` (each setting's rule is in ``_CHECKS``). Every problem is reported as
a :class:`ConfigError` whose one-line message names the setting, the value received and
what is allowed.

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


@dataclass(frozen=True, kw_only=True)
class DrConfig:
    """Everything one environment of the deployment is built from."""

    # "default": destroyable (no deletion protection, no final snapshot);
    # "production": deletion protection, final snapshots and 30-day key deletion windows.
    profile: str = "default"
    # Naming and tagging
    environment_suffix: str = "dev"
    project_name: str = "dbdr"
    cost_center: str = "platform"
    tags: dict = field(default_factory=dict)
    # Regions and networks
    primary_region: str = "us-east-1"
    secondary_region: str = "us-west-2"
    primary_vpc_cidr: str = "10.10.0.0/16"
    secondary_vpc_cidr: str = "10.20.0.0/16"
    az_count: int = 3
    # Availability-zone IDs (use1-az1, ...) of the private subnets, az_count per region.
    # Default: the region's first az_count standard zones by ID (Local Zones excluded).
    primary_zone_ids: tuple = ()
    secondary_zone_ids: tuple = ()
    allowed_cidrs: tuple = ()
    primary_client_security_group_ids: tuple = ()
    secondary_client_security_group_ids: tuple = ()
    # Database. "aurora-global": Aurora Global Database; "rds-replica": RDS PostgreSQL
    # Multi-AZ primary with a promotable cross-region read replica.
    database_mode: str = "aurora-global"
    engine: str = ""  # default: the mode's engine (aurora-postgresql / postgres)
    engine_version: str = ""
    instance_class: str = "db.r6g.large"
    # Aurora only: instances per member cluster.
    primary_instance_count: int = 2
    secondary_instance_count: int = 1
    # RDS only: gp3 storage that grows up to the maximum (0: no growth); replica Multi-AZ.
    allocated_storage_gib: int = 100
    max_allocated_storage_gib: int = 500
    replica_multi_az: bool = True
    database_name: str = "appdb"
    master_username: str = "dbadmin"
    master_secret: str = ""
    master_password_version: int = 1
    # Default: off, master_secret exists (JSON username/password, replicated to the
    # secondary region). On: the stack creates it, replicated, with a generated password
    # that is in neither plan, state nor synthesized JSON.
    generate_master_secret: bool = False
    # Existing secret only: the customer-managed keys encrypting it and its replica
    # (default: none, the AWS managed key); the canaries get kms:Decrypt on exactly these.
    master_secret_kms_key_arn: str = ""
    master_secret_replica_kms_key_arn: str = ""
    backup_retention_days: int = 7
    preferred_backup_window: str = "03:00-04:00"
    deletion_protection: bool = False
    skip_final_snapshot: bool = True
    monitoring_interval_seconds: int = 60
    log_retention_days: int = 365
    # Some legacy applications cannot use TLS: true stops enforcing it (with a warning).
    legacy_tls_optional: bool = False
    # DNS
    dns_zone_name: str = ""
    dns_ttl_seconds: int = 30
    # "global-endpoint" (aurora-global only): the writer name is a CNAME to the Aurora
    # global writer endpoint; "failover": PRIMARY/SECONDARY records; "weighted": 100/0
    # records the orchestrator flips through Route 53's control plane. Default:
    # global-endpoint for aurora-global, failover for rds-replica.
    dns_routing: str = ""
    # Failover automation
    automatic_failover: bool = True
    # The canaries probe this often within each one-minute run (10, 20, 30 or 60 s); the
    # fast alarms use it as their period. 60 costs least and detects slowest.
    probe_interval_seconds: int = CANARY_PROBE_INTERVAL_SECONDS
    # Reserve one concurrent execution for each orchestrator and canary function. Default:
    # off; AWS refuses a reservation that takes the account's unreserved concurrency below
    # its minimum (new accounts have a quota of 10, all of it the minimum).
    reserve_function_concurrency: bool = False
    rpo_seconds: int = 60
    # Recovery objective: the worst-case RTO (recovery_budget.py) must not exceed it, or
    # synthesis stops. 0: no objective, the budget is only reported.
    rto_seconds: int = 300
    # Aurora PostgreSQL rds.global_db_rpo: primary commits pause while the secondary lags
    # beyond it. Default: 0, not set (a lagging or lost secondary never stalls the primary).
    global_db_rpo_seconds: int = 0
    # Alarms
    replication_lag_threshold_ms: int = 5000
    rpo_lag_threshold_ms: int = 30000
    cpu_threshold_percent: int = 80
    freeable_memory_threshold_mib: int = 256
    free_local_storage_threshold_mib: int = 5120
    free_storage_threshold_mib: int = 10240
    replica_lag_threshold_seconds: int = 60
    connections_threshold: int = 500
    alarm_period_seconds: int = 60
    alarm_evaluation_periods: int = 3
    alert_email: str = ""
    # Data-protection extras (each on by default; README, Data protection)
    vpc_peering: bool = True
    backup_buckets: bool = True
    backup_object_expiration_days: int = 30
    aws_backup: bool = True
    aws_backup_retention_days: int = 35
    aws_backup_copy_retention_days: int = 35
    endpoint_parameters: bool = True
    event_subscriptions: bool = True
    dashboard: bool = True
    # Terraform state
    state_bucket: str = ""
    state_key: str = ""
    state_region: str = ""
    state_lock: bool = True
    # Offline deploys: the loopback URL of a local AWS emulator (see regional_provider.py).
    emulator_endpoint: str = ""

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
                "is not a setting (see README, Configuration)",
                "cdktf.json context",
            )
    for key in environ:
        if key.startswith("DR_") and key not in TOOL_VARIABLES and key[3:].lower() not in fields:
            raise ConfigError(
                key[3:].lower(), environ[key], "is not a setting (see README, Configuration)", key
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


_CHECKS: list[tuple[str, Callable[[Any, DrConfig], str | None]]] = [
    ("profile", _one_of(PROFILES)),
    ("project_name", _name_rule),
    ("environment_suffix", _fits_longest_name),
    ("cost_center", lambda v, c: None if 1 <= len(v) <= 256 else "must be 1-256 characters"),
    ("tags", _tags),
    ("primary_region", _region),
    ("secondary_region", _secondary_region),
    ("primary_vpc_cidr", _vpc_cidr),
    ("secondary_vpc_cidr", _secondary_cidr),
    ("az_count", _between(2, 6)),
    ("primary_zone_ids", _zone_ids("primary")),
    ("secondary_zone_ids", _zone_ids("secondary")),
    ("allowed_cidrs", _client_cidrs),
    ("primary_client_security_group_ids", _sg_ids),
    ("secondary_client_security_group_ids", _sg_ids),
    ("database_mode", _one_of(tuple(DATABASE_MODES))),
    ("engine", _engine),
    ("engine_version", _engine_version),
    ("instance_class", _instance_class),
    ("primary_instance_count", _between(1, 15)),
    ("secondary_instance_count", _between(0, 15)),
    ("allocated_storage_gib", _between(20, 65536)),
    ("max_allocated_storage_gib", _max_storage),
    ("database_name", _db_ident),
    ("master_username", _db_ident),
    ("master_secret", _secret),
    ("master_password_version", _positive),
    ("master_secret_kms_key_arn", _secret_key("primary")),
    ("master_secret_replica_kms_key_arn", _secret_key("secondary")),
    ("backup_retention_days", _between(1, 35)),
    ("preferred_backup_window", _backup_window),
    ("monitoring_interval_seconds", _one_of(MONITORING_INTERVALS)),
    ("log_retention_days", _one_of(LOG_RETENTION_DAYS)),
    ("dns_zone_name", _zone),
    ("dns_ttl_seconds", _between(1, 60)),
    (
        "dns_routing",
        lambda v, c: (
            None
            if v in DNS_ROUTINGS.get(c.database_mode, ())
            else f"must be one of {', '.join(DNS_ROUTINGS.get(c.database_mode, ()))} in "
            f"database_mode {c.database_mode}"
        ),
    ),
    ("probe_interval_seconds", _one_of(PROBE_INTERVALS)),
    ("rpo_seconds", _between(1, 86400)),
    (
        "rto_seconds",
        lambda v, c: None if 0 <= v <= 86400 else "must be 0 (no objective) or 1..86400",
    ),
    ("global_db_rpo_seconds", _global_db_rpo),
    ("replication_lag_threshold_ms", _positive),
    ("rpo_lag_threshold_ms", _positive),
    ("cpu_threshold_percent", _between(1, 100)),
    ("freeable_memory_threshold_mib", _positive),
    ("free_local_storage_threshold_mib", _positive),
    ("free_storage_threshold_mib", _positive),
    ("replica_lag_threshold_seconds", _positive),
    ("connections_threshold", _positive),
    ("alarm_period_seconds", _alarm_period),
    ("alarm_evaluation_periods", _between(1, 100)),
    ("alert_email", _email),
    ("backup_object_expiration_days", _between(1, 3650)),
    ("aws_backup_retention_days", _between(1, 36500)),
    ("aws_backup_copy_retention_days", _between(1, 36500)),
    ("state_bucket", _bucket),
    ("state_region", _region),
    ("emulator_endpoint", _loopback_url),
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
