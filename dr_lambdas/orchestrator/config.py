"""The orchestrator's settings, read once per invocation from its environment.

Every variable is described in ``dr_lambdas/README.md``. Validation happens here, in one
place, before any AWS call: a missing variable is a ``KeyError`` naming it, a bad value a
``ValueError`` naming the variable, the value received and what is allowed.

Two modes (``DR_MODE``) protect two shapes of database; the code calls each region's copy of
the database its *member*:

- ``aurora-global``: an Aurora global database; a member is an Aurora DB **cluster**
  (``GLOBAL_CLUSTER_ID``, ``<ROLE>_CLUSTER_ARN``, ``<ROLE>_CLUSTER_ID``).
- ``rds-replica``: an RDS DB **instance** in the primary region and its cross-region read
  replica in the secondary region; a member is a DB instance (``<ROLE>_INSTANCE_ARN``,
  ``<ROLE>_INSTANCE_ID``); an old primary is fenced by a metric and remembered in the lock
  tables (``LOCK_TABLE``, ``OTHER_LOCK_TABLE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dr_lambdas.common import env_int, env_str
from dr_lambdas.contract import AURORA_GLOBAL, DNS_MODES, DR_MODES, RDS_REPLICA, ROLES
from dr_lambdas.contract import OrchestratorEnv as E

# What a member is in each mode: the word in messages (and, upper case, in variable names).
MEMBER_KINDS = {mode: kind.lower() for mode, kind in E.MEMBER_KIND.items()}


def arn_region(arn: str) -> str:
    """The region field of an ARN (``arn:partition:service:region:account:resource``)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[3]:
        raise ValueError(f"not a regional ARN: {arn!r}")
    return parts[3]


@dataclass(frozen=True, kw_only=True)
class OrchestratorConfig:
    dr_mode: str
    # Where this copy runs; it only ever promotes the member of this region.
    home_region: str
    primary_region: str
    secondary_region: str
    # The member per region: an Aurora cluster (aurora-global) or a DB instance (rds-replica).
    primary_member_arn: str
    secondary_member_arn: str
    primary_member_id: str
    secondary_member_id: str
    # aurora-global only: the global database the two clusters belong to.
    global_cluster_id: str = ""
    dns_mode: str
    # Needed for DNS_MODE=weighted and in rds-replica mode (the records flipped).
    hosted_zone_id: str = ""
    writer_record_name: str = ""
    # Needed for DNS_MODE=failover (the IsWriter alarms behind the health checks).
    primary_writer_alarm: str = ""
    secondary_writer_alarm: str = ""
    # rds-replica only: the other region's lock table, where a fence of this region's
    # instance (an old primary) is remembered by the orchestrator that set it.
    other_lock_table: str = ""
    primary_topic_arn: str
    secondary_topic_arn: str
    lock_table: str
    # The values below have no defaults here: the stack sets each from dr_lambdas/contract.py
    # or the configuration, so a test runs with what production runs.
    # Longer than the wait for the new writer, so a live run never loses its lock; a
    # crashed run's lock is taken over after this.
    lock_ttl_seconds: int
    # An unplanned failover that could lose more is refused unless forced.
    rpo_seconds: int
    # The writer is healthy when its canary's latest datapoint in this window is 1.
    health_window_seconds: int
    # How long to wait for the promoted member to be the available writer, looking at it
    # every poll_seconds.
    wait_timeout_seconds: int
    poll_seconds: int
    # Where the canary publishes ConnectivityOk / IsWriter, and the dimension name of its
    # metrics, whose value is the member id.
    metric_namespace: str
    metric_dimension: str
    # rds-replica only: how many times a run whose wait timed out hands the rest of the
    # failover to a fresh invocation of this function (a promotion takes "several minutes
    # or longer", more than one Lambda run).
    max_handovers: int = 0
    # rds-replica only: the automated-backup retention the promoted instance keeps.
    # PromoteReadReplica documents "Default: 1" for BackupRetentionPeriod, so the
    # deployment's value is passed explicitly (and a plan after failover stays empty).
    backup_retention_days: int = 0
    # AWS_LAMBDA_FUNCTION_NAME (set by the Lambda runtime) is the function a hand-over
    # invokes; CANARY_FUNCTION the home region's connectivity canary, run once the writer
    # moved here (see actions.refresh_writer_health). Both are empty outside Lambda: then a
    # timed-out wait is reported, not handed over, and no canary is run.
    function_name: str = ""
    canary_function: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> OrchestratorConfig:
        dr_mode = env_str(environ, E.DR_MODE)
        _check_choice(E.DR_MODE, dr_mode, DR_MODES)
        dns_mode = env_str(environ, E.DNS_MODE)
        optional = {
            name: environ.get(name, "") or ""
            for name in (
                E.HOSTED_ZONE_ID,
                E.WRITER_RECORD_NAME,
                E.side("PRIMARY", E.WRITER_ALARM),
                E.side("SECONDARY", E.WRITER_ALARM),
                E.OTHER_LOCK_TABLE,
            )
        }
        needed = {
            "weighted": (E.HOSTED_ZONE_ID, E.WRITER_RECORD_NAME),
            "failover": (E.side("PRIMARY", E.WRITER_ALARM), E.side("SECONDARY", E.WRITER_ALARM)),
        }
        required = list(needed.get(dns_mode, ()))
        if dr_mode == RDS_REPLICA:
            # The fences are remembered in the lock tables: this region's, and the other
            # region's (is this region's instance an old primary, fenced over there?).
            required += [E.OTHER_LOCK_TABLE]
        for name in required:
            env_str(environ, name)  # KeyError naming the variable when it is missing
        rds = dr_mode == RDS_REPLICA
        config = cls(
            dr_mode=dr_mode,
            home_region=env_str(environ, E.HOME_REGION),
            primary_region=env_str(environ, E.side("PRIMARY", E.REGION)),
            secondary_region=env_str(environ, E.side("SECONDARY", E.REGION)),
            global_cluster_id=(
                env_str(environ, E.GLOBAL_CLUSTER_ID) if dr_mode == AURORA_GLOBAL else ""
            ),
            primary_member_arn=env_str(environ, E.member("PRIMARY", dr_mode, "ARN")),
            secondary_member_arn=env_str(environ, E.member("SECONDARY", dr_mode, "ARN")),
            primary_member_id=env_str(environ, E.member("PRIMARY", dr_mode, "ID")),
            secondary_member_id=env_str(environ, E.member("SECONDARY", dr_mode, "ID")),
            dns_mode=dns_mode,
            hosted_zone_id=optional[E.HOSTED_ZONE_ID],
            writer_record_name=optional[E.WRITER_RECORD_NAME],
            primary_writer_alarm=optional[E.side("PRIMARY", E.WRITER_ALARM)],
            secondary_writer_alarm=optional[E.side("SECONDARY", E.WRITER_ALARM)],
            other_lock_table=optional[E.OTHER_LOCK_TABLE],
            primary_topic_arn=env_str(environ, E.side("PRIMARY", E.TOPIC_ARN)),
            secondary_topic_arn=env_str(environ, E.side("SECONDARY", E.TOPIC_ARN)),
            lock_table=env_str(environ, E.LOCK_TABLE),
            lock_ttl_seconds=_int(environ, E.LOCK_TTL),
            rpo_seconds=_int(environ, E.RPO),
            health_window_seconds=_int(environ, E.HEALTH_WINDOW),
            wait_timeout_seconds=_int(environ, E.WAIT_TIMEOUT),
            poll_seconds=_int(environ, E.POLL),
            metric_namespace=env_str(environ, E.METRIC_NAMESPACE),
            metric_dimension=env_str(environ, E.METRIC_DIMENSION),
            max_handovers=_int(environ, E.MAX_HANDOVERS) if rds else 0,
            backup_retention_days=_int(environ, E.BACKUP_RETENTION_DAYS) if rds else 0,
            function_name=environ.get("AWS_LAMBDA_FUNCTION_NAME", "") or "",
            canary_function=environ.get(E.CANARY_FUNCTION, "") or "",
        )
        config.validate()
        return config

    def validate(self) -> None:
        _check_choice("DR_MODE", self.dr_mode, DR_MODES)
        _check_choice("DNS_MODE", self.dns_mode, DNS_MODES)
        if self.primary_region == self.secondary_region:
            raise ValueError(
                "PRIMARY_REGION and SECONDARY_REGION must differ, got "
                f"{self.primary_region!r} for both"
            )
        if self.home_region not in (self.primary_region, self.secondary_region):
            raise ValueError(
                f"HOME_REGION must be PRIMARY_REGION ({self.primary_region}) or "
                f"SECONDARY_REGION ({self.secondary_region}), "
                f"got {self.home_region!r}"
            )
        member = self.member_kind.upper()
        for role in ROLES:
            for kind, arn in (
                (f"{member}_ARN", self.member_arn_of(role)),
                ("TOPIC_ARN", self._topic_of(role)),
            ):
                name = f"{role.upper()}_{kind}"
                try:
                    region = arn_region(arn)
                except ValueError:
                    raise ValueError(f"{name} must be an ARN, got {arn!r}") from None
                if region != self.region_of(role):
                    raise ValueError(
                        f"{name} must be in {role.upper()}_REGION "
                        f"({self.region_of(role)}), got {arn!r}"
                    )
            if self.dr_mode == "rds-replica":
                # A DB instance ARN ends in db:<identifier> (RDS user guide, ARNs).
                expected = f"db:{self.member_id_of(role)}"
                if self.member_arn_of(role).split(":", 5)[5] != expected:
                    raise ValueError(
                        f"{role.upper()}_INSTANCE_ARN must be the ARN of DB "
                        f"instance {role.upper()}_INSTANCE_ID "
                        f"({self.member_id_of(role)}), ending in {expected}, "
                        f"got {self.member_arn_of(role)!r}"
                    )
        for name, value, low in (
            ("LOCK_TTL_SECONDS", self.lock_ttl_seconds, 1),
            ("RPO_SECONDS", self.rpo_seconds, 0),
            ("HEALTH_WINDOW_SECONDS", self.health_window_seconds, 60),
            ("WAIT_TIMEOUT_SECONDS", self.wait_timeout_seconds, 1),
            ("POLL_SECONDS", self.poll_seconds, 1),
            *(
                (
                    ("MAX_HANDOVERS", self.max_handovers, 0),
                    ("BACKUP_RETENTION_DAYS", self.backup_retention_days, 1),
                )
                if self.dr_mode == RDS_REPLICA
                else ()
            ),
        ):
            if value < low:
                raise ValueError(f"{name} must be >= {low}, got {value}")
        if self.lock_ttl_seconds <= self.wait_timeout_seconds:
            # Otherwise the lock could expire while its holder still waits for the new
            # writer, and a second run would start a second failover.
            raise ValueError(
                f"LOCK_TTL_SECONDS must exceed WAIT_TIMEOUT_SECONDS "
                f"({self.wait_timeout_seconds}), got {self.lock_ttl_seconds}"
            )

    # -- look-ups by role or region ---------------------------------------------------------

    @property
    def member_kind(self) -> str:
        """ "cluster" (aurora-global) or "instance" (rds-replica)."""
        return MEMBER_KINDS[self.dr_mode]

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary_region, self.secondary_region)

    @property
    def other_region(self) -> str:
        """The region that is not home."""
        return self.region_of(self.other_role)

    def region_of(self, role: str) -> str:
        return self.primary_region if role == "primary" else self.secondary_region

    def role_of(self, region: str) -> str | None:
        """ "primary" / "secondary" for the two configured regions, None for any other."""
        return {self.primary_region: "primary", self.secondary_region: "secondary"}.get(region)

    def member_arn_of(self, role: str) -> str:
        return self.primary_member_arn if role == "primary" else self.secondary_member_arn

    def member_id_of(self, role: str) -> str:
        return self.primary_member_id if role == "primary" else self.secondary_member_id

    def writer_alarm_of(self, role: str) -> str:
        return self.primary_writer_alarm if role == "primary" else self.secondary_writer_alarm

    def fence_key(self, role: str) -> str:
        """The lock-table key remembering that ``role``'s instance is fenced."""
        return f"fence#{self.member_id_of(role)}"

    def _topic_of(self, role: str) -> str:
        return self.primary_topic_arn if role == "primary" else self.secondary_topic_arn

    @property
    def topic_arns(self) -> tuple[str, str]:
        return (self.primary_topic_arn, self.secondary_topic_arn)

    @property
    def home_role(self) -> str:
        return "primary" if self.home_region == self.primary_region else "secondary"

    @property
    def other_role(self) -> str:
        return "secondary" if self.home_role == "primary" else "primary"

    @property
    def target_member_arn(self) -> str:
        """The member this copy promotes: the one in its own region."""
        return self.member_arn_of(self.home_role)

    @property
    def target_member_id(self) -> str:
        return self.member_id_of(self.home_role)

    # The names from before rds-replica mode, when every member was a cluster.
    target_cluster_arn = target_member_arn
    target_cluster_id = target_member_id

    @property
    def protected_id(self) -> str:
        """What this orchestrator protects, for messages and the lock: the global cluster
        (aurora-global) or the configured primary DB instance (rds-replica)."""
        if self.dr_mode == "aurora-global":
            return self.global_cluster_id
        return self.primary_member_id

    @property
    def lock_key(self) -> str:
        return f"failover#{self.protected_id}"


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _int(environ: Mapping[str, str], name: str) -> int:
    env_str(environ, name)  # KeyError naming the variable when it is missing
    try:
        return env_int(environ, name, 0)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {environ.get(name)!r}") from None
