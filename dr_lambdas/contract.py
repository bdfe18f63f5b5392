"""The facts the stack and its functions share, each defined once.

``constructs_lib`` writes the functions' environment from these values and ``dr_lambdas``
reads them, so the two cannot disagree: the metric namespace and dimension names, the
database and DNS modes, the stack id, the lock's lifetime, and the timings the failover
path is built from (the canary's schedule and probes, the alarms' periods, the watchdog,
the health window, the waits), which the recovery budget (``constructs_lib/
recovery_budget.py``) adds up, so the budget printed at synth is the budget of what is
synthesized. The functions take every one of these values from their environment (no
second defaults of their own); this module is packaged with them. No cdktf import: it is
read before the provider bindings load, and inside the functions.
"""

from __future__ import annotations

# The Terraform stack (cdktf.out/stacks/<STACK_ID>).
STACK_ID = "dbdr"
# What an offline deploy signs with (the emulator accepts any key): the providers and the S3
# backend synthesized for the emulator, and the tools that call it.
EMULATOR_CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}

# The two regions' roles: provider aliases, the writer records' set identifiers, the
# suffixes of the functions' per-region settings.
ROLES = ("primary", "secondary")

# Where the canaries and the orchestrators publish (CloudWatch custom metrics) ...
NAMESPACE = "DatabaseDR"
# ... under the member's id: an Aurora cluster's or an RDS DB instance's.
CLUSTER_DIMENSION = "DBClusterIdentifier"
INSTANCE_DIMENSION = "DBInstanceIdentifier"
# The fence of an old RDS primary: 1 under its instance id, in the surviving region.
FENCE_METRIC = "Fenced"
# The canary's metrics the alarms, health checks and the orchestrator read ...
CONNECTIVITY_OK, IS_WRITER, CANARY_ERROR = "ConnectivityOk", "IsWriter", "CanaryError"
PEER_CONNECTIVITY_OK = "PeerConnectivityOk"
# ... and the one-second copies the fast alarms read; Route 53 health checks accept
# standard-resolution metrics only (Route 53 API reference, AlarmIdentifier).
HIGH_RESOLUTION = {
    CONNECTIVITY_OK: "ConnectivityOkHighRes",
    PEER_CONNECTIVITY_OK: "PeerConnectivityOkHighRes",
}

# What the orchestrators publish: how long a failover took, and a refused one.
FAILOVER_DURATION, FAILOVER_REFUSED = "FailoverDurationSeconds", "FailoverRefused"

# The two shapes of database, and the DNS modes each allows (its default first).
AURORA_GLOBAL, RDS_REPLICA = "aurora-global", "rds-replica"
DR_MODES = (AURORA_GLOBAL, RDS_REPLICA)
GLOBAL_ENDPOINT = "global-endpoint"
DNS_MODES = (GLOBAL_ENDPOINT, "failover", "weighted")
DNS_MODES_OF = {AURORA_GLOBAL: DNS_MODES, RDS_REPLICA: ("failover", "weighted")}
# The metric dimension of each mode's member.
DIMENSION_OF = {AURORA_GLOBAL: CLUSTER_DIMENSION, RDS_REPLICA: INSTANCE_DIMENSION}

# The failover lock (DynamoDB) expires this long after it is taken: longer than the wait
# for the new writer (WAIT_TIMEOUT_SECONDS), so a live run never loses it; a crashed
# run's lock is taken over after this.
LOCK_TTL_SECONDS = 600

# The canary runs this often: rate(1 minute) is the finest EventBridge schedule ...
CANARY_PERIOD_SECONDS = 60
# ... and probes every probe_interval_seconds within each run (default 10 s). An interval
# is a divisor of the minute that is also a CloudWatch alarm period (10, 20, 30 s, or 60 s
# for the cost of the standard path; CloudWatch user guide, high-resolution alarms).
CANARY_PROBE_INTERVAL_SECONDS = 10
PROBE_INTERVALS = (10, 20, 30, 60)
# A probe that cannot connect within this long reports ConnectivityOk=0 (3 s per step:
# resolve, connect, TLS and each read; a database in the same region answers in
# milliseconds, across regions in about 0.1 s).
CANARY_CONNECT_TIMEOUT_SECONDS = 3
# A run lasts the minute; its last probe may take four connect timeouts (two databases,
# two endpoints each) and a little more.
CANARY_TIMEOUT_SECONDS = 80
# The fast path: alarms over the one-second copies of ConnectivityOk (the region's own
# database) and PeerConnectivityOk (the other region's, across the peering) with one
# period per probe interval fire after this many breaching periods ...
CANARY_FAST_ALARM_PERIODS = 2
# ... and CloudWatch evaluates an alarm with a 10 or 30 s period every 10 s (CloudWatch
# user guide, "High-resolution alarms"); a 60 s one every minute.
HIGH_RESOLUTION_EVALUATION_SECONDS = 10
# The canary's standard connectivity and is-writer alarms (what Route 53's alarm-based
# health checks read: standard resolution only) fire after this many breaching one-minute
# periods (missing data is breaching).
CANARY_ALARM_PERIODS = 2
CANARY_ALARM_PERIOD_SECONDS = 60

# The secondary's orchestrator evaluates the writer's health this often (watchdog).
WATCHDOG_PERIOD_SECONDS = 60
# The writer is healthy only if its latest ConnectivityOk within this window is 1: two
# canary periods, so one late or lost canary run alone never triggers a failover.
HEALTH_WINDOW_SECONDS = 120
# While waiting for the new writer, the orchestrator asks this often ...
WRITER_POLL_SECONDS = 2
# ... for at most this long, inside its 300 s Lambda timeout; rds-replica then hands over to
# a fresh invocation, at most MAX_HANDOVERS times.
ORCHESTRATOR_TIMEOUT_SECONDS = 300
WAIT_TIMEOUT_SECONDS = 240
MAX_HANDOVERS = 3


def rate(seconds: int) -> str:
    """An EventBridge rate expression for a whole number of minutes."""
    if seconds < 60 or seconds % 60:
        raise ValueError(f"an EventBridge rate needs whole minutes, got {seconds} s")
    minutes = seconds // 60
    return f"rate({minutes} minute{'' if minutes == 1 else 's'})"


def alarm_evaluation_seconds(period_seconds: int) -> int:
    """How often CloudWatch evaluates an alarm of ``period_seconds``."""
    return HIGH_RESOLUTION_EVALUATION_SECONDS if period_seconds < 60 else 60


class CanaryEnv:
    """The canary's environment: the stack writes these variables, the canary reads them."""

    DB_ENGINE, DB_HOST, DB_READER_HOST = "DB_ENGINE", "DB_HOST", "DB_READER_HOST"
    DB_PORT, DB_NAME, SECRET_ID = "DB_PORT", "DB_NAME", "SECRET_ID"
    # The member the metrics are published under (see METRIC_DIMENSION).
    CLUSTER_ID = "CLUSTER_ID"
    METRIC_NAMESPACE, METRIC_DIMENSION = "METRIC_NAMESPACE", "METRIC_DIMENSION"
    CONNECT_TIMEOUT, PROBE_INTERVAL = "CONNECT_TIMEOUT_SECONDS", "PROBE_INTERVAL_SECONDS"
    # The other region's database, probed across the peering (optional).
    PEER_CLUSTER_ID, PEER_DB_HOST = "PEER_CLUSTER_ID", "PEER_DB_HOST"
    PEER_DB_READER_HOST = "PEER_DB_READER_HOST"
    # A CA bundle path inside the package (optional; tests point it at their own CA).
    CA_BUNDLE = "CA_BUNDLE"


class OrchestratorEnv:
    """The orchestrator's environment: the stack writes these variables, the orchestrator
    reads them. Per-side variables are named by ``side``: PRIMARY_REGION, SECONDARY_TOPIC_ARN,
    PRIMARY_CLUSTER_ARN (aurora-global) or PRIMARY_INSTANCE_ARN (rds-replica), ..."""

    DR_MODE, DNS_MODE, HOME_REGION = "DR_MODE", "DNS_MODE", "HOME_REGION"
    GLOBAL_CLUSTER_ID = "GLOBAL_CLUSTER_ID"  # aurora-global
    HOSTED_ZONE_ID, WRITER_RECORD_NAME = "HOSTED_ZONE_ID", "WRITER_RECORD_NAME"  # weighted
    LOCK_TABLE, OTHER_LOCK_TABLE = "LOCK_TABLE", "OTHER_LOCK_TABLE"  # the other: rds-replica
    LOCK_TTL, RPO, HEALTH_WINDOW = "LOCK_TTL_SECONDS", "RPO_SECONDS", "HEALTH_WINDOW_SECONDS"
    WAIT_TIMEOUT, POLL = "WAIT_TIMEOUT_SECONDS", "POLL_SECONDS"
    METRIC_NAMESPACE, METRIC_DIMENSION = "METRIC_NAMESPACE", "METRIC_DIMENSION"
    MAX_HANDOVERS, BACKUP_RETENTION_DAYS = "MAX_HANDOVERS", "BACKUP_RETENTION_DAYS"  # rds
    CANARY_FUNCTION = "CANARY_FUNCTION"
    SIDES = ("PRIMARY", "SECONDARY")
    # Per side: its region, alert topic, writer-health alarm (failover DNS mode) ...
    REGION, TOPIC_ARN, WRITER_ALARM = "REGION", "TOPIC_ARN", "WRITER_ALARM"
    # ... and its member, an Aurora cluster or an RDS instance.
    MEMBER_KIND = {AURORA_GLOBAL: "CLUSTER", RDS_REPLICA: "INSTANCE"}

    @staticmethod
    def side(side: str, name: str) -> str:
        return f"{side}_{name}"

    @classmethod
    def member(cls, side: str, dr_mode: str, what: str) -> str:
        """The member's ARN or ID variable: ``what`` is "ARN" or "ID"."""
        return f"{side}_{cls.MEMBER_KIND[dr_mode]}_{what}"


# The application tier (app_tier) reroutes on its own health signals, in parallel with the
# database failover: the recovery budget adds each path up from these.
# The NLB marks the ALB (its target) unhealthy after this many failed checks this far apart
# (Global Accelerator routes on the NLB's own target health) ...
EDGE_HEALTH_INTERVAL_SECONDS, EDGE_UNHEALTHY_THRESHOLD = 10, 3
# ... the API's Route 53 HTTPS health check, which its name's failover records follow ...
API_HEALTH_INTERVAL_SECONDS, API_HEALTH_FAILURES = 30, 3
# ... and the replicated configuration's full reconcile heals a missed change within this.
CONFIG_RECONCILE_MINUTES = 15


class ServiceEnv:
    """The regional service's environment (application tier): the stack writes these
    variables, the service reads them; each region's service names its own region's
    resources."""

    TABLE_NAME = "TABLE_NAME"  # the global table (the same name in every region)
    CONFIG_PATH = "CONFIG_PATH"  # the replicated configuration's path, "/.../app/"
    WRITER_PARAMETER = "WRITER_PARAMETER"  # the parameter naming the database writer
