"""The deployment's configuration: one object, loaded and validated before any construct.

Every setting is one row of :class:`DrConfig`: its name, environment variable, default,
rule and meaning. Loading, validation and the README's configuration table
(``python -m tools.settings_table``) are made from these rows.

Sources, highest first: environment variables (``DR_<SETTING>``, and
``ENVIRONMENT_SUFFIX``), then the ``context`` block of ``cdktf.json``, then the defaults.
Every problem is reported as a :class:`ConfigError` whose one-line message names the
setting, the value received and what is allowed.

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
from typing import Any, NamedTuple, TypeVar

from constructs_lib.database.instance_classes import (
    AURORA_INSTANCE_CLASS,
    AURORA_INSTANCE_CLASS_RULE,
    RDS_INSTANCE_CLASS,
    RDS_INSTANCE_CLASS_RULE,
    SERVERLESS_MIN_ACU,
    serverless_capacity_problem,
)
from constructs_lib.naming import LIMITS, Namer
from dr_lambdas.contract import (
    AURORA_GLOBAL,
    CANARY_PROBE_INTERVAL_SECONDS,
    DNS_MODES_OF,
    PROBE_INTERVALS,
    RDS_REPLICA,
)

T = TypeVar("T")

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


class Engine(NamedTuple):
    default_version: str
    port: int
    tls_parameter: tuple[str, str]  # (name, value that enforces TLS)
    log_exports: tuple[str, ...]
    version: re.Pattern[str]
    version_rule: str  # what ``version`` accepts, with the default as its example


def _engine(version: str, port: int, tls: tuple, logs: tuple, pattern: str, rule: str) -> Engine:
    return Engine(version, port, tls, logs, re.compile(pattern), rule.format(version))


ENGINES = {
    "aurora-postgresql": _engine(
        "15.10",
        5432,
        ("rds.force_ssl", "1"),
        ("postgresql",),
        r"^(?P<major>1[1-9]|[2-9]\d)\.\d+$",
        "an Aurora PostgreSQL version such as {} (major 11 or later)",
    ),
    "aurora-mysql": _engine(
        "8.0.mysql_aurora.3.08.0",
        3306,
        ("require_secure_transport", "ON"),
        ("audit", "error", "slowquery"),
        r"^(?P<major>8\.0)\.mysql_aurora\.3\.\d{2}\.\d+$",
        "an Aurora MySQL 3 version such as {}",
    ),
    "postgres": _engine(
        "15.12",
        5432,
        ("rds.force_ssl", "1"),
        ("postgresql", "upgrade"),
        r"^(?P<major>1[5-7])\.\d+$",
        "an RDS PostgreSQL version 15 or later such as {}",
    ),
}


class Mode(NamedTuple):
    engines: tuple[str, ...]  # the first is the default
    dns_routings: tuple[str, ...]  # dr_lambdas/contract.py; the first is the default
    instance_class: re.Pattern[str]
    instance_class_rule: str


# "global-endpoint": the writer name is a CNAME to the Aurora global writer endpoint, which
# Aurora moves itself; "failover": PRIMARY/SECONDARY records behind alarm-based health
# checks; "weighted": 100/0 records the orchestrator flips through the Route 53 control plane.
DATABASE_MODES = {
    AURORA_GLOBAL: Mode(
        ("aurora-postgresql", "aurora-mysql"),
        DNS_MODES_OF[AURORA_GLOBAL],
        AURORA_INSTANCE_CLASS,
        AURORA_INSTANCE_CLASS_RULE,
    ),
    RDS_REPLICA: Mode(
        ("postgres",), DNS_MODES_OF[RDS_REPLICA], RDS_INSTANCE_CLASS, RDS_INSTANCE_CLASS_RULE
    ),
}
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
# profile: what it forces (an explicit contradicting value is an error), key deletion window
PROFILES = {
    "default": ({}, 7),
    "production": ({"deletion_protection": True, "skip_final_snapshot": False}, 30),
}
PRODUCTION = PROFILES["production"][0]
# Environment variables that belong to the project's tools, not to the deployment.
TOOL_VARIABLES = frozenset({"DR_PROVIDER_MIRROR", "DR_CHECKOV"})

_NAME = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$|^[a-z]$")
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_SG_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_KMS_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/(mrk-)?[0-9a-f-]{32,36}$"
)
_ACM_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$"
)
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}$")
_DB_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_RESERVED_DB_NAMES = ("rdsadmin", "postgres", "template0", "template1")
_ZONE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_LOOPBACK_URL = re.compile(r"^http://(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}$")

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
_INT32_MAX = 2_147_483_647


class ConfigError(ValueError):
    """An invalid setting. ``str(err)`` is the one line shown to the user."""

    def __init__(self, setting: str, value: Any, allowed: str, source: str = "") -> None:
        self.setting, self.value, self.allowed, self.source = setting, value, allowed, source
        where = f" (from {source})" if source else ""
        super().__init__(f"invalid {setting}={value!r}{where}: {allowed}")


# Rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What a setting accepts. ``allowed`` is shown in the README's table; ``check`` returns
    what is allowed when a value is not (the end of the error line), else None."""

    allowed: str
    check: Callable[[Any, DrConfig], str | None]

    def __call__(self, value: Any, config: DrConfig) -> str | None:
        return self.check(value, config)


def rule(
    allowed: str, *, first: Rule | None = None
) -> Callable[[Callable[[Any, DrConfig], str | None]], Rule]:
    """Declare a check function as a rule the README describes as ``allowed``; with
    ``first``, a value must pass that rule before the check runs."""
    if first is None:
        return lambda check: Rule(allowed, check)
    return lambda check: Rule(allowed, lambda v, config: first(v, config) or check(v, config))


def between(low: int, high: int) -> Rule:
    return Rule(
        f"{low}..{high}", lambda v, _: None if low <= v <= high else f"must be {low}..{high}"
    )


def one_of(values: tuple) -> Rule:
    listed = ", ".join(map(str, values))
    return Rule(
        ", ".join(f"`{v}`" for v in values),
        lambda v, _: None if v in values else f"must be one of {listed}",
    )


def matches(pattern: re.Pattern[str], allowed: str, *, or_empty: bool = False) -> Rule:
    """A text rule; ``or_empty``: the empty default (none) passes too."""
    wording = f"must be {allowed} or empty" if or_empty else f"must be {allowed}"
    return Rule(
        allowed,
        lambda v, _: None if (or_empty and v == "") or pattern.match(v) else wording,
    )


POSITIVE = Rule("> 0", lambda v, _: None if v > 0 else "must be greater than 0")


def _length(low: int, high: int) -> Rule:
    return Rule(
        f"{low}-{high} characters",
        lambda v, _: None if low <= len(v) <= high else f"must be {low}-{high} characters",
    )


def _pairs(allowed: str, what: str, ok: Callable[[str, str], bool], wanted: str) -> Rule:
    """A ``name=value`` mapping rule (tags, flags): every pair must pass ``ok``; the first
    that does not is named: "<what> '<name>' must have <wanted>"."""

    def check(value: dict, _: DrConfig) -> str | None:
        bad = next((name for name, val in value.items() if not ok(name, val)), None)
        return None if bad is None else f"{what} {bad!r} must have {wanted}"

    return Rule(allowed, check)


def _per_mode(allowed_in: Callable[[Mode], tuple[str, ...]]) -> Rule:
    """One of the values the database mode allows (its engines, its DNS routings)."""

    def check(value: str, config: DrConfig) -> str | None:
        allowed = allowed_in(DATABASE_MODES[config.database_mode])
        if value in allowed:
            return None
        return f"must be one of {', '.join(allowed)} in database_mode {config.database_mode}"

    shown = "; ".join(
        f"{mode}: " + ", ".join(f"`{v}`" for v in allowed_in(m))
        for mode, m in DATABASE_MODES.items()
    )
    return Rule(shown, check)


@rule("1-40 lowercase letters, digits and single hyphens, starting with a letter")
def _name_rule(value: str, _: DrConfig) -> str | None:
    if not _NAME.match(value) or len(value) > 40:
        return "must be 1-40 lowercase letters, digits and single hyphens, starting with a letter"
    return None


@rule(
    "as `project_name`, short enough that the longest derived name fits the AWS limits",
    first=_name_rule,
)
def _fits_longest_name(value: str, config: DrConfig) -> str | None:
    regions = tuple(
        r for r in (config.primary_region, config.secondary_region) if r in KNOWN_REGIONS
    ) or ("us-east-1",)
    for name, kind in config.namer.longest_names(regions, app_tier=config.app_tier):
        if len(name) > LIMITS[kind]:
            room = LIMITS[kind] - (len(name) - len(value))
            return (
                f"too long: the longest derived name {name!r} exceeds the AWS limit of "
                f"{LIMITS[kind]} characters; use at most {max(room, 0)} characters"
            )
    return None


_tags = _pairs(
    "keys of 1-128 characters not starting with `aws:`, values of at most 256",
    "tag",
    lambda key, val: (
        1 <= len(key) <= 128 and len(val) <= 256 and not key.lower().startswith("aws:")
    ),
    "a 1-128 character key not starting with aws: and a value of at most 256",
)


@rule("a commercial AWS region such as `us-east-1`")
def _region(value: str, _: DrConfig) -> str | None:
    return None if value in KNOWN_REGIONS else "must be an AWS region such as us-east-1"


@rule("a commercial AWS region other than `primary_region`")
def _secondary_region(value: str, config: DrConfig) -> str | None:
    if value == config.primary_region:
        return "must differ from primary_region"
    return _region(value, config)


@rule("a private (RFC 1918) IPv4 network, /16 to /24")
def _vpc_cidr(value: str, _: DrConfig) -> str | None:
    try:
        net = ipaddress.IPv4Network(value)
    except ValueError:
        return "must be an IPv4 network in CIDR notation such as 10.10.0.0/16"
    if not 16 <= net.prefixlen <= 24 or not net.is_private:
        return "must be a private (RFC 1918) network with a prefix from /16 to /24"
    return None


@rule("as `primary_vpc_cidr`, not overlapping it", first=_vpc_cidr)
def _secondary_cidr(value: str, config: DrConfig) -> str | None:
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


@rule("networks in CIDR notation, none wider than /8")
def _client_cidrs(value: tuple, _: DrConfig) -> str | None:
    return next((problem for problem in map(client_cidr_problem, value) if problem), None)


def _zone_ids(role: str) -> Rule:
    def check(value: tuple, config: DrConfig) -> str | None:
        return zone_ids_problem(value, getattr(config, f"{role}_region"), config.az_count)

    return Rule(f"`az_count` distinct availability-zone IDs of `{role}_region`", check)


@rule("security group IDs (`sg-...`)")
def _sg_ids(value: tuple, _: DrConfig) -> str | None:
    bad = [v for v in value if not _SG_ID.match(v)]
    return f"{bad[0]!r} is not a security group id (sg-...)" if bad else None


@rule("; ".join(f"{name}: {engine.version_rule}" for name, engine in ENGINES.items()))
def _engine_version(value: str, config: DrConfig) -> str | None:
    engine = ENGINES.get(config.engine)  # an unknown engine is reported by its own rule
    if engine is None or engine.version.match(value):
        return None
    return f"must be {engine.version_rule}"


@rule("; ".join(f"{mode}: {m.instance_class_rule}" for mode, m in DATABASE_MODES.items()))
def _instance_class(value: str, config: DrConfig) -> str | None:
    mode = DATABASE_MODES[config.database_mode]
    return None if mode.instance_class.match(value) else f"must be {mode.instance_class_rule}"


@rule("0.5..256 ACU in steps of 0.5 (0, auto-pause, is refused: a paused writer looks down)")
def _serverless_minimum(value: float, config: DrConfig) -> str | None:
    return serverless_capacity_problem(value, max(value, SERVERLESS_MIN_ACU))


@rule("`serverless_min_capacity`..256 ACU in steps of 0.5")
def _serverless_maximum(value: float, config: DrConfig) -> str | None:
    return serverless_capacity_problem(config.serverless_min_capacity, value)


@rule("0, or `allocated_storage_gib`..65536")
def _max_storage(value: int, config: DrConfig) -> str | None:
    if value == 0 or config.allocated_storage_gib <= value <= 65536:
        return None
    return (
        f"must be 0 (no storage growth) or {config.allocated_storage_gib}..65536"
        " (>= allocated_storage_gib)"
    )


@rule(
    "1-63 letters, digits or underscores, starting with a letter; not "
    + ", ".join(f"`{name}`" for name in _RESERVED_DB_NAMES)
)
def _db_ident(value: str, _: DrConfig) -> str | None:
    if not _DB_IDENT.match(value) or value.lower() in _RESERVED_DB_NAMES:
        return (
            "must be 1-63 letters, digits or underscores, start with a letter, and not be reserved"
        )
    return None


@rule(
    "a Secrets Manager secret name, or the secret's ARN in `primary_region`; a name with "
    "`generate_master_secret`"
)
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


def _certificate(role: str) -> Rule:
    def check(value: str, config: DrConfig) -> str | None:
        region = getattr(config, f"{role}_region")
        match = _ACM_ARN.match(value)
        if value and not match:
            return (
                "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) "
                "or empty"
            )
        if value and match["region"] != region:
            return f"must be a certificate in {role}_region {region}"
        if value and not config.app_domain_name:
            return "needs app_domain_name, the name the certificate is for"
        if value and config.app_public_zone_id:
            return (
                "must be empty with app_public_zone_id (the stack then requests and validates one)"
            )
        return None

    return Rule(
        f"an ACM certificate ARN in `{role}_region` covering the regional names, or empty "
        "(requested and DNS-validated when `app_public_zone_id` is set)",
        check,
    )


# The application tier's public subnets take 1/8 of the VPC each and AWS's smallest subnet is
# a /28 (constructs_lib/application/public_edge.py): the VPCs must be /22 or larger.
APP_TIER_LARGEST_VPC_PREFIX = 22


@rule(
    f"`true`, `false`; `true` needs both VPC CIDRs /{APP_TIER_LARGEST_VPC_PREFIX} or larger "
    "(room for the public subnets)"
)
def _app_tier(value: bool, config: DrConfig) -> str | None:
    if not value:
        return None
    for role in ("primary", "secondary"):
        cidr = getattr(config, f"{role}_vpc_cidr")
        try:
            prefix = ipaddress.ip_network(cidr, strict=False).prefixlen
        except ValueError:
            return None  # its own rule names it
        if prefix > APP_TIER_LARGEST_VPC_PREFIX:
            return (
                f"needs {role}_vpc_cidr of /{APP_TIER_LARGEST_VPC_PREFIX} or larger for the "
                f"public subnets, got {cidr}"
            )
    return None


_FLAG = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


_flags = _pairs(
    "names of 1-64 letters, digits, `_`, `.`, `-`; values of 1-1024 characters",
    "flag",
    lambda name, flag: bool(_FLAG.match(name)) and 1 <= len(flag) <= 1024,
    "a name of 1-64 letters, digits, _ . - and a value of 1-1024 characters",
)


@rule("0..100 (percent)")
def _dial(value: int, _: DrConfig) -> str | None:
    return None if 0 <= value <= 100 else "must be 0..100"


@rule(
    "a lowercase DNS name such as app.example.com, with `app_public_zone_id` or both "
    "certificate ARNs; or empty"
)
def _app_domain(value: str, config: DrConfig) -> str | None:
    if value and not _ZONE.match(value):
        return "must be a lowercase DNS name such as app.example.com, or empty"
    certificates = (config.app_primary_certificate_arn, config.app_secondary_certificate_arn)
    if value and not config.app_public_zone_id and not all(certificates):
        return (
            "needs app_public_zone_id (certificates requested and validated there) or both "
            "app_primary_certificate_arn and app_secondary_certificate_arn"
        )
    return None


@rule("a public hosted zone id (Z...) that serves `app_domain_name`, or empty")
def _public_zone(value: str, config: DrConfig) -> str | None:
    if value and not _HOSTED_ZONE_ID.match(value):
        return "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, or empty"
    if value and not config.app_domain_name:
        return "needs app_domain_name, the name under the zone"
    return None


def _secret_key(role: str) -> Rule:
    other = (
        "master_secret_replica_kms_key_arn" if role == "primary" else "master_secret_kms_key_arn"
    )

    def check(value: str, config: DrConfig) -> str | None:
        region = getattr(config, f"{role}_region")
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

    return Rule(
        f"a KMS key ARN in `{role}_region`, set together with `{other}`; none with "
        "`generate_master_secret`",
        check,
    )


@rule("`10`, `30` or a multiple of 60")
def _alarm_period(value: int, _: DrConfig) -> str | None:
    if value in (10, 30) or (value >= 60 and value % 60 == 0):
        return None
    return "must be 10, 30 or a multiple of 60"


@rule("0..86400")
def _rto(value: int, _: DrConfig) -> str | None:
    return None if 0 <= value <= 86400 else "must be 0 (no objective) or 1..86400"


@rule(f"0, or {GLOBAL_DB_RPO_MINIMUM_SECONDS}..{_INT32_MAX} with `aurora-postgresql`")
def _global_db_rpo(value: int, config: DrConfig) -> str | None:
    if value == 0:
        return None
    if config.engine != "aurora-postgresql":
        return (
            f"must be 0: rds.global_db_rpo exists only for aurora-postgresql, not {config.engine}"
        )
    if not GLOBAL_DB_RPO_MINIMUM_SECONDS <= value <= _INT32_MAX:
        return f"must be 0 (not set) or {GLOBAL_DB_RPO_MINIMUM_SECONDS}..{_INT32_MAX} seconds"
    return None


# Defaults made from other settings at load time ----------------------------------------------


@dataclass(frozen=True)
class Derived:
    """A default made at load time from the settings declared before it; ``shown`` is how
    the README writes it."""

    of: Callable[[DrConfig], Any]
    shown: str


def template(text: str) -> Derived:
    """A default built from other settings, named in braces: ``db-{environment_suffix}``."""
    return Derived(
        lambda c: text.format_map({f.name: getattr(c, f.name) for f in dataclasses.fields(c)}),
        "`" + text.replace("{", "<").replace("}", ">") + "`",
    )


def per(setting: str, values: Mapping[str, Any]) -> Derived:
    """A default chosen by another setting's value (the engine by the database mode)."""
    return Derived(
        lambda c: values.get(getattr(c, setting), ""),
        "; ".join(f"{key}: `{value}`" for key, value in values.items()),
    )


def setting(
    default: Any,
    rule: Rule | None,
    meaning: str,
    *,
    variable: str = "",
    shown: str = "",
    empty_means_none: bool = False,
) -> Any:
    """One row of the settings table: the default (a :class:`Derived` one is made at load
    time), the rule (checked in declaration order) and the meaning. ``variable`` when it is
    not ``DR_<SETTING>``; ``shown``: how the README writes a default that a construct
    resolves; ``empty_means_none``: a variable set but empty is accepted as none (for every
    other setting it is an error: it is what a CI job exports when its variable is missing,
    and reading it as unset would silently deploy the defaults)."""
    metadata = {
        "rule": rule,
        "meaning": meaning,
        "variable": variable,
        "derived": default if isinstance(default, Derived) else None,
        "shown": shown,
        "empty_means_none": empty_means_none,
    }
    if isinstance(default, Derived):
        default = ""
    if isinstance(default, type):  # dict: a fresh one per instance
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


def _profiles() -> str:
    """What each profile forces, for the table."""
    return "; ".join(
        f"`{name}`: "
        + ", ".join([f"`{k}={str(v).lower()}`" for k, v in forced.items()] + [f"{days}-day"])
        + " key deletion windows"
        for name, (forced, days) in PROFILES.items()
    )


@dataclass(frozen=True, kw_only=True)
class DrConfig:
    """Everything one environment of the deployment is built from: the settings table."""

    profile: str = setting(
        "default",
        one_of(tuple(PROFILES)),
        f"{_profiles()}; an explicit value contradicting its profile is an error",
    )
    project_name: str = setting("dbdr", _name_rule, "first part of every name; `Project` tag")
    environment_suffix: str = setting(
        "dev",
        _fits_longest_name,
        "last part of every name; `Environment` tag",
        variable="ENVIRONMENT_SUFFIX",
    )
    cost_center: str = setting("platform", _length(1, 256), "`CostCenter` tag")
    tags: dict = setting(
        dict,
        _tags,
        "extra tags on every resource (the required four win)",
        empty_means_none=True,
    )
    primary_region: str = setting("us-east-1", _region, "where the writer runs")
    secondary_region: str = setting(
        "us-west-2", _secondary_region, "where the replica waits to take over"
    )
    primary_vpc_cidr: str = setting("10.10.0.0/16", _vpc_cidr, "the primary region's VPC")
    secondary_vpc_cidr: str = setting("10.20.0.0/16", _secondary_cidr, "the secondary region's VPC")
    az_count: int = setting(3, between(2, 6), "private subnets per region, one per zone")
    primary_zone_ids: tuple = setting(
        (),
        _zone_ids("primary"),
        "pins the subnets to zones (`use1-az1`, ...): IDs name the same physical zone in every "
        "account, zone names do not; Local and Wavelength Zones are never chosen by default, "
        "and the plan stops, naming the region, when it has too few zones",
        shown="the region's first `az_count` standard zones, by ID",
        empty_means_none=True,
    )
    secondary_zone_ids: tuple = setting(
        (),
        _zone_ids("secondary"),
        "likewise in the secondary region (`usw2-az1`, ...)",
        shown="likewise",
        empty_means_none=True,
    )
    allowed_cidrs: tuple = setting(
        (),
        _client_cidrs,
        "networks admitted to the DB port",
        shown="each VPC's own range",
        empty_means_none=True,
    )
    primary_client_security_group_ids: tuple = setting(
        (),
        _sg_ids,
        "clients admitted to the DB port in the primary region",
        empty_means_none=True,
    )
    secondary_client_security_group_ids: tuple = setting(
        (),
        _sg_ids,
        "clients admitted to the DB port in the secondary region",
        empty_means_none=True,
    )
    database_mode: str = setting(
        AURORA_GLOBAL,
        one_of(tuple(DATABASE_MODES)),
        "Aurora Global Database, or an RDS PostgreSQL Multi-AZ primary with a cross-region "
        "read replica; see [Which mode should I "
        "choose](docs/modes-and-failover.md#which-mode-should-i-choose)",
    )
    engine: str = setting(
        per("database_mode", {mode: m.engines[0] for mode, m in DATABASE_MODES.items()}),
        _per_mode(lambda m: m.engines),
        "the database engine",
    )
    engine_version: str = setting(
        per("engine", {name: engine.default_version for name, engine in ENGINES.items()}),
        _engine_version,
        "one version for both regions",
    )
    instance_class: str = setting(
        "db.r6g.large", _instance_class, "every database instance, in both regions"
    )
    serverless_min_capacity: float = setting(
        0.5,
        _serverless_minimum,
        "aurora-global with `db.serverless`: the least capacity (ACU) of every instance",
    )
    serverless_max_capacity: float = setting(
        16.0,
        _serverless_maximum,
        "aurora-global with `db.serverless`: the most capacity (ACU) of every instance",
    )
    primary_instance_count: int = setting(
        2, between(1, 15), "aurora-global: instances of the primary cluster (writer + readers)"
    )
    secondary_instance_count: int = setting(
        1, between(0, 15), "aurora-global: instances of the secondary cluster; 0 is headless"
    )
    allocated_storage_gib: int = setting(100, between(20, 65536), "rds-replica: GiB of gp3 storage")
    max_allocated_storage_gib: int = setting(
        500, _max_storage, "rds-replica: storage autoscaling ceiling; 0 turns growth off"
    )
    replica_multi_az: bool = setting(
        True,
        None,
        "rds-replica: the replica is Multi-AZ too, so the promoted writer is as durable as the "
        "primary",
    )
    database_name: str = setting("appdb", _db_ident, "created in the primary")
    master_username: str = setting("dbadmin", _db_ident, "the master user")
    master_secret: str = setting(
        template("{project_name}/{environment_suffix}/master-credentials"),
        _secret,
        "an existing secret in the primary region, JSON with `username` and `password`, "
        "replicated to the secondary region (see "
        "[Credentials](docs/modes-and-failover.md#credentials))",
    )
    master_password_version: int = setting(
        1,
        POSITIVE,
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
        "existing secret only: the customer-managed key encrypting it in the primary region; "
        "the primary canary gets `kms:Decrypt` on exactly this key, through Secrets Manager",
        shown="none (AWS managed key)",
    )
    master_secret_replica_kms_key_arn: str = setting(
        "", _secret_key("secondary"), "the key of the replica in the secondary region"
    )
    backup_retention_days: int = setting(7, between(1, 35), "automated backups, in days")
    preferred_backup_window: str = setting(
        "03:00-04:00",
        matches(_BACKUP_WINDOW, "hh:mm-hh:mm in UTC, such as 03:00-04:00"),
        "when automated backups run",
    )
    deletion_protection: bool = setting(False, None, "also turns off `force_destroy`")
    skip_final_snapshot: bool = setting(
        True,
        None,
        "`false` takes a final snapshot `<project_name>-final-<region code>-<environment_suffix>`",
    )
    monitoring_interval_seconds: int = setting(
        60, one_of(MONITORING_INTERVALS), "enhanced monitoring; 0 turns it off"
    )
    log_retention_days: int = setting(
        365,
        one_of(LOG_RETENTION_DAYS),
        "retention of every log group (database, flow logs, functions)",
    )
    legacy_tls_optional: bool = setting(
        False,
        None,
        "`true` stops enforcing TLS (`rds.force_ssl=0` / `require_secure_transport=OFF`) for "
        "clients that cannot use it, and synth prints a warning",
    )
    dns_zone_name: str = setting(
        template("db-{environment_suffix}.internal"),
        matches(_ZONE, "a lowercase DNS name such as db-dev.internal"),
        "the private zone, associated with both VPCs",
    )
    dns_ttl_seconds: int = setting(30, between(1, 60), "TTL of the writer and reader names")
    dns_routing: str = setting(
        per("database_mode", {mode: m.dns_routings[0] for mode, m in DATABASE_MODES.items()}),
        _per_mode(lambda m: m.dns_routings),
        "`global-endpoint`: `writer.<zone>` is a CNAME to the Aurora global writer endpoint, "
        "which Aurora moves itself (no DNS step); `failover`: PRIMARY/SECONDARY records behind "
        "the health checks, moved by Route 53's data plane; `weighted`: 100/0 records the "
        "orchestrator flips with `ChangeResourceRecordSets`, a Route 53 control-plane call in "
        "us-east-1 only (the budget and the IAM policy say so)",
    )
    automatic_failover: bool = setting(
        True,
        None,
        "the secondary's orchestrator runs on the watchdog schedule and the primary-down alarm;"
        " `false` leaves only manual invokes",
    )
    probe_interval_seconds: int = setting(
        CANARY_PROBE_INTERVAL_SECONDS,
        one_of(PROBE_INTERVALS),
        "each canary run probes this often within its minute and the fast alarms use it as "
        "their period; 60 costs least (see [Cost of "
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
        between(1, 86400),
        "an unplanned failover that could lose more is refused unless forced",
    )
    rto_seconds: int = setting(
        300,
        _rto,
        "the worst-case RTO of the [recovery budget](docs/recovery-budget.md) must not exceed "
        "it, or synthesis stops; 0: no objective, the budget is only printed",
    )
    global_db_rpo_seconds: int = setting(
        0,
        _global_db_rpo,
        "sets `rds.global_db_rpo` on both cluster parameter groups, so primary commits pause "
        "while the secondary lags beyond it; the recovery budget requires it not to exceed "
        "`rpo_seconds`",
        shown="`0` (not set)",
    )
    replication_lag_threshold_ms: int = setting(
        5000, POSITIVE, "`AuroraGlobalDBReplicationLag` alarm"
    )
    rpo_lag_threshold_ms: int = setting(30000, POSITIVE, "`AuroraGlobalDBRPOLag` alarm")
    cpu_threshold_percent: int = setting(80, between(1, 100), "`CPUUtilization` alarm")
    freeable_memory_threshold_mib: int = setting(256, POSITIVE, "`FreeableMemory` alarm")
    free_local_storage_threshold_mib: int = setting(
        5120, POSITIVE, "Aurora `FreeLocalStorage` alarm"
    )
    free_storage_threshold_mib: int = setting(10240, POSITIVE, "RDS `FreeStorageSpace` alarm")
    replica_lag_threshold_seconds: int = setting(
        60, POSITIVE, "rds-replica: `ReplicaLag` alarm on the replica"
    )
    connections_threshold: int = setting(500, POSITIVE, "`DatabaseConnections` alarm")
    alarm_period_seconds: int = setting(60, _alarm_period, "period of the database alarms")
    alarm_evaluation_periods: int = setting(
        3, between(1, 100), "breaching periods before a database alarm fires"
    )
    alert_email: str = setting(
        "",
        matches(_EMAIL, "an e-mail address", or_empty=True),
        "e-mail subscription on both alert topics",
        empty_means_none=True,
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
        between(1, 3650),
        "current and noncurrent backup objects expire after exactly this many days",
    )
    aws_backup: bool = setting(
        True,
        None,
        "an AWS Backup vault per region (regional key) and a daily plan for the primary "
        "database with a copy to the secondary vault",
    )
    aws_backup_retention_days: int = setting(
        35, between(1, 36500), "days recovery points stay in the primary vault"
    )
    aws_backup_copy_retention_days: int = setting(
        35, between(1, 36500), "days copies stay in the secondary vault"
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
    app_tier: bool = setting(
        False,
        _app_tier,
        "the application tier in both regions: DynamoDB global table, configuration "
        "replicated primary -> secondary, EventBridge global endpoint (docs/application-tier.md)",
    )
    app_domain_name: str = setting(
        "",
        _app_domain,
        "the application's name; each region's API is `api-<region code>.<name>`, and without "
        "it the APIs have no custom domain (synth says so)",
        shown="none",
    )
    app_public_zone_id: str = setting(
        "",
        _public_zone,
        "public hosted zone of `app_domain_name`: certificates validated by DNS there, and the "
        "API's failover records",
        shown="none",
    )
    app_primary_certificate_arn: str = setting(
        "", _certificate("primary"), "imported certificate of the primary region", shown="none"
    )
    app_secondary_certificate_arn: str = setting(
        "",
        _certificate("secondary"),
        "imported certificate of the secondary region",
        shown="none",
    )
    accelerator_client_affinity: str = setting(
        "NONE",
        one_of(("NONE", "SOURCE_IP")),
        "Global Accelerator: `SOURCE_IP` keeps a client on one endpoint",
    )
    accelerator_primary_dial: int = setting(
        100, _dial, "Global Accelerator: share of the primary region's traffic it keeps"
    )
    accelerator_secondary_dial: int = setting(
        100, _dial, "Global Accelerator: share of the secondary region's traffic it keeps"
    )
    app_feature_flags: dict = setting(
        dict,
        _flags,
        "feature flags written to the replicated configuration (`name=value` pairs)",
        empty_means_none=True,
    )
    state_bucket: str = setting(
        "",
        matches(_BUCKET, "an S3 bucket name", or_empty=True),
        "S3 bucket of the Terraform state",
        shown="none (local state `terraform.<environment_suffix>.tfstate`)",
    )
    state_key: str = setting(
        template("{project_name}/{environment_suffix}/terraform.tfstate"),
        None,
        "key of the state object in `state_bucket`",
    )
    state_region: str = setting(template("{primary_region}"), _region, "region of `state_bucket`")
    state_lock: bool = setting(True, None, "S3-native lock file (`use_lockfile`)")
    emulator_endpoint: str = setting(
        "",
        matches(_LOOPBACK_URL, "a loopback URL such as http://127.0.0.1:5000", or_empty=True),
        "offline deploys only: every provider endpoint points at it, with test credentials "
        "(set by `./run e2e`; changes nothing else)",
    )

    # Derived values -------------------------------------------------------------------
    @property
    def namer(self) -> Namer:
        return Namer(self.project_name, self.environment_suffix)

    @property
    def port(self) -> int:
        return ENGINES[self.engine].port

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
        name, enforced = ENGINES[self.engine].tls_parameter
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

    def configured(self, cls: type[T], **given: Any) -> T:
        """``cls`` (a dataclass) from ``given`` and, for each of its other fields named like a
        setting or a derived value (``namer``, ``port``), this configuration's value."""
        names = {f.name for f in dataclasses.fields(cls)} - given.keys()
        return cls(**given, **{name: getattr(self, name) for name in names if hasattr(self, name)})

    @property
    def key_deletion_window_days(self) -> int:
        return PROFILES[self.profile][1]

    @property
    def log_exports(self) -> tuple[str, ...]:
        return ENGINES[self.engine].log_exports

    @property
    def required_tags(self) -> dict[str, str]:
        from constructs_lib.naming import required_tags

        return required_tags(
            environment=self.environment_suffix,
            project=self.project_name,
            cost_center=self.cost_center,
            extra=self.tags,
        )


SETTINGS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(DrConfig)}


def env_var(setting: str) -> str:
    """The environment variable that sets ``setting``."""
    return SETTINGS[setting].metadata["variable"] or f"DR_{setting.upper()}"


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
    if kind is float:
        if isinstance(raw, bool):
            raise bad("must be a number")
        if isinstance(raw, (int, float)):
            return float(raw)
        try:
            return float(str(raw).strip())
        except ValueError:
            raise bad("must be a number") from None
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


def value_type(setting: str) -> type:
    """The type a setting's value is parsed into."""
    annotation = SETTINGS[setting].type
    name = annotation if isinstance(annotation, str) else annotation.__name__
    return {"str": str, "int": int, "float": float, "bool": bool, "tuple": tuple, "dict": dict}[
        name
    ]


def _reject_unknown(environ: Mapping[str, str], context: Mapping[str, Any]) -> None:
    """A misspelt setting is an error, not a silently ignored default."""
    unknown = "is not a setting (see README.md, Configuration)"
    for key in context:
        if re.fullmatch(r"[a-z0-9_]+", key) and key not in SETTINGS:
            raise ConfigError(key, context[key], unknown, "cdktf.json context")
    variables = {env_var(name) for name in SETTINGS} | TOOL_VARIABLES
    for key in environ:
        if key.startswith("DR_") and key not in variables:
            name = key[3:].lower()
            allowed = f"is read from {env_var(name)}" if name in SETTINGS else unknown
            raise ConfigError(name, environ[key], allowed, key)


def load_config(environ: Mapping[str, str], context: Mapping[str, Any]) -> DrConfig:
    """Merge environment, context and defaults, then validate. Raises ConfigError."""
    _reject_unknown(environ, context)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, declared in SETTINGS.items():
        var = env_var(name)
        if var in environ:
            raw, source = environ[var], var
        elif name in context:
            raw, source = context[name], "cdktf.json context"
        else:
            continue
        empty = isinstance(raw, str) and raw.strip() == ""
        if empty and not declared.metadata["empty_means_none"]:
            where = f"unset {var}" if source == var else f"remove {name} from {source}"
            raise ConfigError(
                name,
                raw,
                f"is set but empty: give it a value, or {where} to use the default",
                source,
            )
        values[name] = _parse(name, value_type(name), raw, source)
        sources[name] = source
    for name, required in PROFILES.get(values.get("profile", ""), ({}, 0))[0].items():
        if name in values and values[name] != required:
            raise ConfigError(
                name,
                values[name],
                f"must be {str(required).lower()} in the {values['profile']} profile",
                sources[name],
            )
        values[name] = required
    config = _with_derived_defaults(DrConfig(**values))
    validate(config, sources)
    return config


def _with_derived_defaults(config: DrConfig) -> DrConfig:
    """Fill each unset derived setting in declaration order, so a default may build on the
    ones before it (the engine version on the engine, the engine on the mode)."""
    for name, declared in SETTINGS.items():
        derived = declared.metadata["derived"]
        if derived and getattr(config, name) == "":
            config = dataclasses.replace(config, **{name: derived.of(config)})
    return config


# Validation -------------------------------------------------------------------------------

# Each setting's rule, in declaration order.
_CHECKS: list[tuple[str, Rule]] = [
    (name, f.metadata["rule"]) for name, f in SETTINGS.items() if f.metadata["rule"]
]


def validate(config: DrConfig, sources: Mapping[str, str] | None = None) -> None:
    """Raise ConfigError for the first invalid setting, in declaration order."""
    sources = sources or {}
    for name, check in _CHECKS:
        value = getattr(config, name)
        allowed = check(value, config)
        if allowed:
            raise ConfigError(name, value, allowed, sources.get(name, ""))


def zone_id_prefix(region: str) -> str:
    """The short code AWS puts before "-az" in the zone IDs of ``region`` (us-east-1: use1,
    ap-northeast-1: apne1, eu-central-1: euc1)."""
    area, direction, number = region.split("-")
    return f"{area}{_DIRECTIONS.get(direction, direction[:1])}{number}"


def zone_ids_problem(zone_ids: tuple[str, ...], region: str, az_count: int) -> str | None:
    """Why ``zone_ids`` cannot place ``az_count`` subnets in ``region``, or None (the one
    rule, used by the configuration and by RegionalVpc)."""
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
