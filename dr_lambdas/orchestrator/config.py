"""The orchestrator's settings, read once per invocation from its environment.

Every variable is described in ``dr_lambdas/README.md``. Validation happens here, in one
place, before any AWS call: a missing variable is a ``KeyError`` naming it, a bad value a
``ValueError`` naming the variable, the value received and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from dr_lambdas.common import env_int, env_str

DR_MODES = ("aurora-global", "rds-replica")
DNS_MODES = ("failover", "weighted")
ROLES = ("primary", "secondary")


def arn_region(arn: str) -> str:
    """The region field of an ARN (``arn:partition:service:region:account:resource``)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[3]:
        raise ValueError(f"not a regional ARN: {arn!r}")
    return parts[3]


@dataclass(frozen=True, kw_only=True)
class OrchestratorConfig:
    dr_mode: str
    # Where this copy runs; it only ever promotes the member cluster of this region.
    home_region: str
    primary_region: str
    secondary_region: str
    global_cluster_id: str
    primary_cluster_arn: str
    secondary_cluster_arn: str
    primary_cluster_id: str
    secondary_cluster_id: str
    dns_mode: str
    # Needed for DNS_MODE=weighted (the records flipped); unused in failover mode.
    hosted_zone_id: str = ""
    writer_record_name: str = ""
    # Needed for DNS_MODE=failover (the IsWriter alarms behind the health checks).
    primary_writer_alarm: str = ""
    secondary_writer_alarm: str = ""
    primary_topic_arn: str
    secondary_topic_arn: str
    lock_table: str
    # Default: 600 s. Longer than the wait for the new writer, so a live run never loses
    # its lock; a crashed run's lock is taken over after this.
    lock_ttl_seconds: int = 600
    # Default: 60 s. An unplanned failover that could lose more is refused unless forced.
    rpo_seconds: int = 60
    # Default: 180 s. The writer is healthy when its canary's latest datapoint in this
    # window is 1 (three one-minute canary periods).
    health_window_seconds: int = 180
    # Default: 240 s. How long to wait for the promoted cluster to be the available writer.
    wait_timeout_seconds: int = 240
    # Default: 5 s between two looks at the global cluster while waiting.
    poll_seconds: int = 5
    # Default: DatabaseDR, where the canary publishes ConnectivityOk / IsWriter.
    metric_namespace: str = "DatabaseDR"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> OrchestratorConfig:
        dns_mode = env_str(environ, "DNS_MODE")
        optional = {name: environ.get(name, "") or "" for name in (
            "HOSTED_ZONE_ID", "WRITER_RECORD_NAME", "PRIMARY_WRITER_ALARM",
            "SECONDARY_WRITER_ALARM")}
        needed = {"weighted": ("HOSTED_ZONE_ID", "WRITER_RECORD_NAME"),
                  "failover": ("PRIMARY_WRITER_ALARM", "SECONDARY_WRITER_ALARM")}
        for name in needed.get(dns_mode, ()):
            env_str(environ, name)  # KeyError naming the variable when it is missing
        config = cls(
            dr_mode=env_str(environ, "DR_MODE"),
            home_region=env_str(environ, "HOME_REGION"),
            primary_region=env_str(environ, "PRIMARY_REGION"),
            secondary_region=env_str(environ, "SECONDARY_REGION"),
            global_cluster_id=env_str(environ, "GLOBAL_CLUSTER_ID"),
            primary_cluster_arn=env_str(environ, "PRIMARY_CLUSTER_ARN"),
            secondary_cluster_arn=env_str(environ, "SECONDARY_CLUSTER_ARN"),
            primary_cluster_id=env_str(environ, "PRIMARY_CLUSTER_ID"),
            secondary_cluster_id=env_str(environ, "SECONDARY_CLUSTER_ID"),
            dns_mode=dns_mode,
            hosted_zone_id=optional["HOSTED_ZONE_ID"],
            writer_record_name=optional["WRITER_RECORD_NAME"],
            primary_writer_alarm=optional["PRIMARY_WRITER_ALARM"],
            secondary_writer_alarm=optional["SECONDARY_WRITER_ALARM"],
            primary_topic_arn=env_str(environ, "PRIMARY_TOPIC_ARN"),
            secondary_topic_arn=env_str(environ, "SECONDARY_TOPIC_ARN"),
            lock_table=env_str(environ, "LOCK_TABLE"),
            lock_ttl_seconds=_int(environ, "LOCK_TTL_SECONDS", 600),
            rpo_seconds=_int(environ, "RPO_SECONDS", 60),
            health_window_seconds=_int(environ, "HEALTH_WINDOW_SECONDS", 180),
            wait_timeout_seconds=_int(environ, "WAIT_TIMEOUT_SECONDS", 240),
            poll_seconds=_int(environ, "POLL_SECONDS", 5),
            metric_namespace=env_str(environ, "METRIC_NAMESPACE", "DatabaseDR"),
        )
        config.validate()
        return config

    def validate(self) -> None:
        if self.dr_mode not in DR_MODES:
            raise ValueError(f"DR_MODE must be one of {', '.join(DR_MODES)}, got {self.dr_mode!r}")
        if self.dns_mode not in DNS_MODES:
            raise ValueError(f"DNS_MODE must be one of {', '.join(DNS_MODES)}, "
                             f"got {self.dns_mode!r}")
        if self.primary_region == self.secondary_region:
            raise ValueError("PRIMARY_REGION and SECONDARY_REGION must differ, got "
                             f"{self.primary_region!r} for both")
        if self.home_region not in (self.primary_region, self.secondary_region):
            raise ValueError(f"HOME_REGION must be PRIMARY_REGION ({self.primary_region}) or "
                             f"SECONDARY_REGION ({self.secondary_region}), "
                             f"got {self.home_region!r}")
        for role in ROLES:
            for kind, arn in (("CLUSTER_ARN", self.cluster_arn_of(role)),
                              ("TOPIC_ARN", self._topic_of(role))):
                name = f"{role.upper()}_{kind}"
                try:
                    region = arn_region(arn)
                except ValueError:
                    raise ValueError(f"{name} must be an ARN, got {arn!r}") from None
                if region != self.region_of(role):
                    raise ValueError(f"{name} must be in {role.upper()}_REGION "
                                     f"({self.region_of(role)}), got {arn!r}")
        for name, value, low in (("LOCK_TTL_SECONDS", self.lock_ttl_seconds, 1),
                                 ("RPO_SECONDS", self.rpo_seconds, 0),
                                 ("HEALTH_WINDOW_SECONDS", self.health_window_seconds, 60),
                                 ("WAIT_TIMEOUT_SECONDS", self.wait_timeout_seconds, 1),
                                 ("POLL_SECONDS", self.poll_seconds, 1)):
            if value < low:
                raise ValueError(f"{name} must be >= {low}, got {value}")
        if self.lock_ttl_seconds <= self.wait_timeout_seconds:
            # Otherwise the lock could expire while its holder still waits for the new
            # writer, and a second run would start a second failover.
            raise ValueError(f"LOCK_TTL_SECONDS must exceed WAIT_TIMEOUT_SECONDS "
                             f"({self.wait_timeout_seconds}), got {self.lock_ttl_seconds}")

    # -- look-ups by role or region ---------------------------------------------------------

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary_region, self.secondary_region)

    @property
    def other_region(self) -> str:
        """The region that is not home."""
        return self.region_of("secondary" if self.home_region == self.primary_region
                              else "primary")

    def region_of(self, role: str) -> str:
        return self.primary_region if role == "primary" else self.secondary_region

    def role_of(self, region: str) -> str | None:
        """"primary" / "secondary" for the two configured regions, None for any other."""
        return {self.primary_region: "primary",
                self.secondary_region: "secondary"}.get(region)

    def cluster_arn_of(self, role: str) -> str:
        return self.primary_cluster_arn if role == "primary" else self.secondary_cluster_arn

    def cluster_id_of(self, role: str) -> str:
        return self.primary_cluster_id if role == "primary" else self.secondary_cluster_id

    def writer_alarm_of(self, role: str) -> str:
        return self.primary_writer_alarm if role == "primary" else self.secondary_writer_alarm

    def _topic_of(self, role: str) -> str:
        return self.primary_topic_arn if role == "primary" else self.secondary_topic_arn

    @property
    def topic_arns(self) -> tuple[str, str]:
        return (self.primary_topic_arn, self.secondary_topic_arn)

    @property
    def home_role(self) -> str:
        return "primary" if self.home_region == self.primary_region else "secondary"

    @property
    def target_cluster_arn(self) -> str:
        """The member this copy promotes: the one in its own region."""
        return self.cluster_arn_of(self.home_role)

    @property
    def target_cluster_id(self) -> str:
        return self.cluster_id_of(self.home_role)

    @property
    def lock_key(self) -> str:
        return f"failover#{self.global_cluster_id}"


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    try:
        return env_int(environ, name, default)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {environ.get(name)!r}") from None
