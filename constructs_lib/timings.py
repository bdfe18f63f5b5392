"""The timings the failover path is built from.

One place for the schedules, windows and timeouts that the constructs deploy
(ConnectivityCanary, FailoverAutomation) and that the recovery budget adds up
(recovery_budget.py), so the budget printed at synth is the budget of what is synthesized.
No cdktf import: the budget is computed before the provider bindings load.
"""

from __future__ import annotations

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
