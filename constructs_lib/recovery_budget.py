"""RecoveryBudget: the worst-case RTO and RPO a configuration can promise, before deploying.

Users declare ``rto_seconds`` and ``rpo_seconds``; this adds up, from the settings the
constructs synthesize (timings.py and the configuration), what the failover path needs in
the worst case, and says whether the objectives hold. Synthesis prints the table and stops
when they do not (main.py). No cdktf import: it runs before the provider bindings load.

RTO, an unplanned failover of the writer's region, worst case over three failures. Each
is caught by the first of two paths, and an unplanned failover also needs a second,
independent signal, read in the same evaluation (dr_lambdas/README.md, decision table):

- *database down* (the canary connects and fails): the canaries probe every
  ``probe_interval_seconds`` (one probe: the endpoint, then the reader endpoint, each
  bounded by the connect timeout); the fast alarm over the one-second ``ConnectivityOk``
  copy fires after ``CANARY_FAST_ALARM_PERIODS`` breaching periods, CloudWatch evaluates
  it every 10 s, and the ``primary-down`` composite alarm reaches the orchestrator through
  SNS; the second signal is the other region's probe across the peering, which fails in
  the same cadence;
- *region lost* (nothing in the primary region answers): the secondary canary's
  ``peer-down`` alarm, the same cadence, in the surviving region; the second signal is the
  lost region's RDS API, which does not answer within the orchestrator's client timeouts
  (``UNREACHABLE_REGION_SECONDS``). The watchdog (every minute) is the backstop;
- *silent writer* (nothing is published, CloudWatch answers): the fast alarm treats missing
  data as breaching.

then the promotion (per mode, AWS's figure or our allowance, plus one poll of the wait),
then DNS: with the ``global-endpoint`` record Aurora moves the global writer endpoint itself
as part of the failover, and clients re-resolve it within Aurora's DNS TTL; with ``failover``
records Route 53 follows the new writer once its health check's *metric stream* shows
IsWriter=1 (the orchestrator runs the canary at once, and the health check reads the next
one-minute datapoint: Route 53 accepts standard-resolution metrics only), then clients'
caches expire (``dns_ttl_seconds``); with ``weighted`` records the orchestrator's change
propagates to the Route 53 name servers (a control-plane call, us-east-1 only: not in the
data-plane SLA) before the TTL.

RPO, data an automatic failover may lose: ``rds.global_db_rpo`` (Aurora PostgreSQL) caps the
lag itself (primary commits pause beyond it); without it the orchestrator refuses an
unplanned failover whose measured lag exceeds ``rpo_seconds``, and the lag alarm tells
people first, which only helps if it fires below the objective.

The AWS figures and our allowances are listed with their sources in DESIGN.md ("Recovery
budget"); each constant below names its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs_lib.config import DrConfig
from dr_lambdas.contract import (
    API_HEALTH_FAILURES,
    API_HEALTH_INTERVAL_SECONDS,
    CANARY_CONNECT_TIMEOUT_SECONDS,
    CANARY_FAST_ALARM_PERIODS,
    CONFIG_RECONCILE_MINUTES,
    EDGE_HEALTH_INTERVAL_SECONDS,
    EDGE_UNHEALTHY_THRESHOLD,
    HEALTH_WINDOW_SECONDS,
    WATCHDOG_PERIOD_SECONDS,
    WRITER_POLL_SECONDS,
    alarm_evaluation_seconds,
)

# Aurora: promoting a secondary of a global database takes "under a minute" (Aurora user
# guide, aurora-global-database-disaster-recovery).
AURORA_PROMOTION_SECONDS = 60
# RDS: a read-replica promotion "takes several minutes or longer" and reboots the instance
# (RDS user guide, USER_ReadRepl.Promote). AWS gives no bound: 10 minutes is our allowance.
RDS_PROMOTION_SECONDS = 600
PROMOTION_SECONDS = {
    "aurora-global": AURORA_PROMOTION_SECONDS,
    "rds-replica": RDS_PROMOTION_SECONDS,
}
PROMOTION_SOURCE = {
    "aurora-global": 'FailoverGlobalCluster: "under a minute" (Aurora user guide)',
    "rds-replica": 'PromoteReadReplica: "several minutes or longer"; allowance 600 s',
}
# The orchestrator's clients connect within 3 s, 2 attempts (dr_lambdas/orchestrator/
# handler.py): a dead region's CloudWatch is "unhealthy" after at most this long.
UNREACHABLE_REGION_SECONDS = 6
# CloudWatch alarm -> composite alarm -> SNS -> Lambda: seconds; our allowance.
ALARM_DELIVERY_SECONDS = 10
# Route 53 alarm-based health checks read the alarm's metric data stream, not its state
# (Route 53 developer guide, dns-failover-determining-health-of-endpoints): the new
# writer's datapoint counts once its one-minute period is in the stream.
HEALTH_CHECK_STREAM_SECONDS = 60
# "Changes generally propagate to all Route 53 name servers within 60 seconds" (Route 53
# API reference, GetChange / ChangeResourceRecordSets).
RECORD_PROPAGATION_SECONDS = 60
# "Aurora DNS zones use a short Time-To-Live (TTL) of five seconds" (Amazon Aurora MySQL DBA
# handbook, dns-caching; re:Post knowledge center). AWS states no separate figure for the
# global writer endpoint, which Aurora points at the new writer as part of the failover.
AURORA_DNS_TTL_SECONDS = 5
# One canary probe, at worst: the endpoint, then the reader endpoint, each bounded.
PROBE_SECONDS = 2 * CANARY_CONNECT_TIMEOUT_SECONDS

# The application tier. Global Accelerator stops routing to an endpoint "within seconds" of
# the load balancer reporting it unhealthy (Global Accelerator developer guide,
# about-endpoint-groups-health-check-options): 10 s is our allowance.
ACCELERATOR_REACTION_SECONDS = 10
# An alias record to an API Gateway regional domain answers with a 60 s TTL (Route 53
# developer guide, resource-record-sets-choosing-alias-non-alias: the target's TTL).
API_ALIAS_TTL_SECONDS = 60
# EventBridge global endpoints: with AWS's health-check template, "an RTO and RPO of 360
# seconds, with a maximum of 420 seconds" (EventBridge user guide, eb-global-endpoints).
EVENTS_ENDPOINT_FAILOVER_SECONDS = 420


@dataclass(frozen=True)
class Step:
    """One contribution to a worst case: what it is, how long, and where it comes from."""

    name: str
    seconds: float
    source: str


@dataclass(frozen=True)
class Check:
    """One RPO condition: holds or not, and why."""

    name: str
    seconds: float | None  # None: not set
    holds: bool
    source: str


@dataclass(frozen=True)
class RecoveryBudget:
    database_mode: str
    dns_routing: str
    automatic: bool
    rto_objective: int  # 0: no objective, report only
    rpo_objective: int
    rto_steps: tuple[Step, ...]
    rpo_checks: tuple[Check, ...]
    rpo_worst_seconds: float
    # The application tier's own rerouting, in parallel with the database's (app_tier on):
    # reported against rto_seconds, never part of the database's worst case.
    tier_steps: tuple[Step, ...] = ()

    @property
    def rto_worst_seconds(self) -> float | None:
        """None when failover waits for a person (automatic_failover=false)."""
        if not self.automatic:
            return None
        return sum(step.seconds for step in self.rto_steps)

    @property
    def meets_rto(self) -> bool:
        if self.rto_objective == 0:
            return True
        worst = self.rto_worst_seconds
        return worst is not None and worst <= self.rto_objective

    @property
    def meets_rpo(self) -> bool:
        return self.rpo_worst_seconds <= self.rpo_objective and all(
            check.holds for check in self.rpo_checks
        )

    @property
    def meets_objectives(self) -> bool:
        return self.meets_rto and self.meets_rpo

    def largest_steps(self, count: int = 3) -> list[Step]:
        return sorted(self.rto_steps, key=lambda step: -step.seconds)[:count]

    def problems(self) -> list[str]:
        """One sentence per objective that cannot be met, with what would change it."""
        found = []
        if not self.meets_rto:
            if self.rto_worst_seconds is None:
                found.append(
                    f"automatic_failover=false: failover waits for a person, so no "
                    f"worst case can be promised for rto_seconds {self.rto_objective} "
                    "(set automatic_failover=true, or rto_seconds=0 for no objective)"
                )
            else:
                largest = ", ".join(f"{s.name} {_s(s.seconds)}" for s in self.largest_steps())
                hint = (
                    "; the rds-replica promotion alone needs "
                    f"{RDS_PROMOTION_SECONDS} s: raise rto_seconds or use aurora-global"
                    if self.database_mode == "rds-replica"
                    else ""
                )
                found.append(
                    f"worst-case RTO {_s(self.rto_worst_seconds)} exceeds rto_seconds "
                    f"{self.rto_objective} (largest: {largest}){hint}"
                )
        for check in self.rpo_checks:
            if not check.holds:
                found.append(
                    f"{check.name} {_s(check.seconds)} exceeds rpo_seconds "
                    f"{self.rpo_objective} ({check.source})"
                )
        return found


def recovery_budget(config: DrConfig) -> RecoveryBudget:
    """The worst-case RTO and RPO of ``config``."""
    return RecoveryBudget(
        database_mode=config.database_mode,
        dns_routing=config.dns_routing,
        automatic=config.automatic_failover,
        rto_objective=config.rto_seconds,
        rpo_objective=config.rpo_seconds,
        rto_steps=tuple(_rto_steps(config)),
        rpo_checks=tuple(_rpo_checks(config)),
        rpo_worst_seconds=_rpo_worst(config),
        tier_steps=tuple(_tier_steps(config)) if config.app_tier else (),
    )


def _tier_steps(config: DrConfig) -> list[Step]:
    """How long each path of the application tier takes to move away from a lost region."""
    edge_health = EDGE_HEALTH_INTERVAL_SECONDS * EDGE_UNHEALTHY_THRESHOLD
    api_health = API_HEALTH_INTERVAL_SECONDS * API_HEALTH_FAILURES
    return [
        Step(
            "edge: accelerator reroutes",
            edge_health + ACCELERATOR_REACTION_SECONDS,
            f"NLB target health {EDGE_UNHEALTHY_THRESHOLD} x {EDGE_HEALTH_INTERVAL_SECONDS} s"
            f" + {ACCELERATOR_REACTION_SECONDS} s allowance",
        ),
        Step(
            "API name: failover record",
            api_health + API_ALIAS_TTL_SECONDS,
            f"HTTPS health check {API_HEALTH_FAILURES} x {API_HEALTH_INTERVAL_SECONDS} s"
            f" + alias TTL {API_ALIAS_TTL_SECONDS} s",
        ),
        Step(
            "events: global endpoint",
            EVENTS_ENDPOINT_FAILOVER_SECONDS,
            "AWS's figure for its health-check template (at most 420 s)",
        ),
        Step(
            "configuration: missed change healed",
            CONFIG_RECONCILE_MINUTES * 60,
            "full reconcile; a change event is copied within seconds",
        ),
    ]


def _tier_verdict(step: Step, budget: RecoveryBudget) -> str:
    if budget.rto_objective == 0 or step.seconds <= budget.rto_objective:
        return "within rto_seconds" if budget.rto_objective else "no objective"
    return f"beyond rto_seconds {budget.rto_objective}"


def detection_scenarios(config: DrConfig) -> dict[str, float]:
    """Failure -> seconds until the secondary's orchestrator starts moving the writer."""
    interval = config.probe_interval_seconds
    alarm_tail = alarm_evaluation_seconds(interval) + ALARM_DELIVERY_SECONDS
    # The first failed probe, then the further breaching periods, then the alarm path.
    fast_alarm = interval + PROBE_SECONDS + (CANARY_FAST_ALARM_PERIODS - 1) * interval + alarm_tail
    writer_health_alarm = (
        config.alarm_period_seconds * config.alarm_evaluation_periods + ALARM_DELIVERY_SECONDS
    )
    # The watchdog (every minute) reads the standard metrics: a backstop for each.
    return {
        "database down": min(fast_alarm, interval + PROBE_SECONDS + WATCHDOG_PERIOD_SECONDS),
        "region lost": min(fast_alarm, WATCHDOG_PERIOD_SECONDS) + UNREACHABLE_REGION_SECONDS,
        "silent writer": min(
            CANARY_FAST_ALARM_PERIODS * interval + alarm_tail,
            writer_health_alarm,
            HEALTH_WINDOW_SECONDS + WATCHDOG_PERIOD_SECONDS,
        ),
    }


def _rto_steps(config: DrConfig) -> list[Step]:
    scenarios = detection_scenarios(config)
    worst = max(scenarios, key=lambda name: scenarios[name])
    steps = [
        Step(
            "detection",
            scenarios[worst],
            f"worst: {worst}; "
            + ", ".join(f"{name} {_s(seconds)}" for name, seconds in scenarios.items()),
        ),
        Step(
            "promotion",
            PROMOTION_SECONDS[config.database_mode] + WRITER_POLL_SECONDS,
            f"{PROMOTION_SOURCE[config.database_mode]}, + one {WRITER_POLL_SECONDS} s poll",
        ),
    ]
    if config.dns_routing == "global-endpoint":
        steps.append(
            Step(
                "DNS TTL",
                AURORA_DNS_TTL_SECONDS,
                "Aurora moves the global writer endpoint with the failover; "
                "clients re-resolve it within Aurora's 5 s DNS TTL",
            )
        )
        return steps
    if config.dns_routing == "failover":
        steps.append(
            Step(
                "DNS health",
                PROBE_SECONDS + HEALTH_CHECK_STREAM_SECONDS,
                "the orchestrator runs the new writer's canary; Route 53 reads the next "
                "one-minute datapoint of its metric stream",
            )
        )
    else:
        steps.append(
            Step(
                "DNS change",
                RECORD_PROPAGATION_SECONDS,
                "weights 0/100 reach every Route 53 name server (a control-plane "
                "call, us-east-1 only)",
            )
        )
    steps.append(Step("DNS TTL", config.dns_ttl_seconds, "dns_ttl_seconds: client caches"))
    return steps


def _lag_alarm(config: DrConfig) -> tuple[float, str]:
    if config.database_mode == "rds-replica":
        return config.replica_lag_threshold_seconds, "ReplicaLag alarm"
    if config.engine == "aurora-postgresql":
        return config.rpo_lag_threshold_ms / 1000, "AuroraGlobalDBRPOLag alarm"
    return config.replication_lag_threshold_ms / 1000, "AuroraGlobalDBReplicationLag alarm"


def _rpo_checks(config: DrConfig) -> list[Check]:
    threshold, name = _lag_alarm(config)
    checks = [
        Check(
            f"{name} threshold",
            threshold,
            threshold <= config.rpo_seconds,
            "people are told of the lag before it exceeds the RPO",
        )
    ]
    if config.global_db_rpo_seconds:
        checks.append(
            Check(
                "rds.global_db_rpo",
                config.global_db_rpo_seconds,
                config.global_db_rpo_seconds <= config.rpo_seconds,
                "primary commits pause while the secondary lags beyond it",
            )
        )
    return checks


def _rpo_worst(config: DrConfig) -> float:
    """Data an automatic failover may lose: the hard cap when set, else the guard."""
    return float(config.global_db_rpo_seconds or config.rpo_seconds)


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "not set"
    return f"{seconds:g} s"


# -- rendering --------------------------------------------------------------------------------


def _title(budget: RecoveryBudget) -> str:
    trigger = "automatic failover" if budget.automatic else "manual failover"
    return f"{budget.database_mode}, {budget.dns_routing} DNS, {trigger}"


def _rto_verdict(budget: RecoveryBudget) -> str:
    worst = budget.rto_worst_seconds
    if budget.rto_objective == 0:
        return "no objective (rto_seconds=0): reported only"
    if worst is None:
        return f"rto_seconds {budget.rto_objective}: NOT MET (failover waits for a person)"
    spare = budget.rto_objective - worst
    verdict = f"met, {_s(spare)} to spare" if spare >= 0 else f"NOT MET by {_s(-spare)}"
    return f"rto_seconds {budget.rto_objective}: {verdict}"


def _rpo_verdict(budget: RecoveryBudget) -> str:
    return f"rpo_seconds {budget.rpo_objective}: " + ("met" if budget.meets_rpo else "NOT MET")


def _rpo_rows(budget: RecoveryBudget) -> list[tuple[str, str, str]]:
    rows = [
        (check.name, _s(check.seconds), ("ok: " if check.holds else "too high: ") + check.source)
        for check in budget.rpo_checks
    ]
    capped = any(check.name == "rds.global_db_rpo" for check in budget.rpo_checks)
    if not capped:
        rows.append(
            (
                "rds.global_db_rpo",
                "not set",
                "no hard cap: lag is bounded by the guard below"
                if budget.database_mode == "aurora-global"
                else "not available for RDS PostgreSQL",
            )
        )
    rows.append(
        (
            "failover guard",
            _s(budget.rpo_objective),
            "an unplanned failover with more measured lag is refused unless forced",
        )
    )
    return rows


def render_text(budget: RecoveryBudget) -> str:
    """The table synthesis prints."""
    lines = [f"recovery budget ({_title(budget)})", "  RTO"]
    for step in budget.rto_steps:
        lines.append(f"    {step.name:<36}{_s(step.seconds):>9}  {step.source}")
    worst = budget.rto_worst_seconds
    lines.append(
        f"    {'worst case':<36}{(_s(worst) if worst is not None else 'unbounded'):>9}"
        f"  {_rto_verdict(budget)}"
    )
    lines.append("  RPO")
    for name, seconds, source in _rpo_rows(budget):
        lines.append(f"    {name:<36}{seconds:>9}  {source}")
    lines.append(f"    {'worst case':<36}{_s(budget.rpo_worst_seconds):>9}  {_rpo_verdict(budget)}")
    if budget.tier_steps:
        lines.append("  application tier (in parallel with the database)")
        for step in budget.tier_steps:
            lines.append(
                f"    {step.name:<36}{_s(step.seconds):>9}  {step.source}; "
                f"{_tier_verdict(step, budget)}"
            )
    return "\n".join(lines)


def render_markdown(budget: RecoveryBudget) -> str:
    """The same budget as Markdown tables (the DR report)."""
    worst = budget.rto_worst_seconds
    lines = [
        f"**Recovery budget** ({_title(budget)})",
        "",
        "| RTO step | seconds | from |",
        "|---|---:|---|",
    ]
    lines += [f"| {s.name} | {s.seconds:g} | {s.source} |" for s in budget.rto_steps]
    lines += [
        f"| **worst case** | **{worst:g}** | {_rto_verdict(budget)} |"
        if worst is not None
        else f"| **worst case** | unbounded | {_rto_verdict(budget)} |",
        "",
        "| RPO guard | seconds | why |",
        "|---|---:|---|",
    ]
    lines += [
        f"| {name} | {seconds.removesuffix(' s')} | {source} |"
        for name, seconds, source in _rpo_rows(budget)
    ]
    lines.append(f"| **worst case** | **{budget.rpo_worst_seconds:g}** | {_rpo_verdict(budget)} |")
    if budget.tier_steps:
        lines += ["", "| application tier path | seconds | from | verdict |", "|---|---:|---|---|"]
        lines += [
            f"| {s.name} | {s.seconds:g} | {s.source} | {_tier_verdict(s, budget)} |"
            for s in budget.tier_steps
        ]
    return "\n".join(lines)
