"""The timings the failover path is built from.

One place for the schedules, windows and timeouts that the constructs deploy
(ConnectivityCanary, FailoverAutomation) and that the recovery budget adds up
(recovery_budget.py), so the budget printed at synth is the budget of what is synthesized.
No cdktf import: the budget is computed before the provider bindings load.
"""

from __future__ import annotations

# The canary probes each region's database this often: rate(1 minute) is the finest
# EventBridge schedule, and RDS metrics have 1-minute granularity too.
CANARY_PERIOD_SECONDS = 60
# A probe that cannot connect within this long reports ConnectivityOk=0.
CANARY_CONNECT_TIMEOUT_SECONDS = 5
# The canary's connectivity and is-writer alarms fire after this many breaching
# one-minute periods (missing data is breaching).
CANARY_ALARM_PERIODS = 2
CANARY_ALARM_PERIOD_SECONDS = 60

# The secondary's orchestrator evaluates the writer's health this often (watchdog).
WATCHDOG_PERIOD_SECONDS = 60
# The writer is healthy only if its latest ConnectivityOk within this window is 1: two
# canary periods, so one late or lost canary run alone never triggers a failover.
HEALTH_WINDOW_SECONDS = 120
# While waiting for the new writer, the orchestrator asks this often ...
WRITER_POLL_SECONDS = 5
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
