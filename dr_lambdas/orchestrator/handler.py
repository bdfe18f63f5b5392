"""lambda_handler: observe, decide, and (under a lock) move the writer into this region.

Events (``dr_lambdas/README.md``):

- manual: ``{"action": "switchover" | "failover" | "evaluate", "dry_run": false,
  "force": false, "handover": 0}`` (every key optional; unknown keys are refused, so a
  misspelt ``dry_run`` never turns into a real failover; ``handover`` is set by the
  orchestrator itself when it hands a failover over to a fresh invocation);
- an SNS-delivered CloudWatch alarm (``Records[].Sns.Message``) or an EventBridge alarm
  state change: ``evaluate`` when the new state is ALARM, nothing otherwise;
- an EventBridge schedule: ``evaluate``.

A run observes and decides (``decision.decide``). A dry run stops there and returns the
plan. A run that would act takes the lock, observes again under it (a trigger repeated after
a completed failover now sees this region as the writer and does nothing), acts, and
releases the lock. The answer is a JSON object::

    {"trigger", "action", "dry_run", "force", "decision", "reason", "status",
     "observation", "timings", "dns", ...}

``status``: ``ignored`` (alarm not in ALARM), ``noop`` (nothing to do), ``refused``
(unhealthy writer, lag beyond the RPO or unknown; in rds-replica mode also a planned
promotion without a known lag within the RPO), ``dry_run`` (with ``plan``), ``locked``
(another run holds the lock), ``completed`` (writer moved and DNS moved), ``dns_failed``
(writer moved, some DNS step failed), ``timeout`` (the new writer was not available in time;
DNS untouched), ``handed_over`` (rds-replica: the same, and a fresh invocation carries on,
with ``handover``), ``error`` (bad event, or an AWS call failed).

Only the standard library is imported at module level (plus this package); boto3 is
imported when the first client is made, so importing the module stays cheap.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dr_lambdas.common import Clients, log
from dr_lambdas.orchestrator import actions
from dr_lambdas.orchestrator.config import OrchestratorConfig
from dr_lambdas.orchestrator.decision import ACTIONS, Decision, Request, decide
from dr_lambdas.orchestrator.lock import Lock, LockError, first_telling
from dr_lambdas.orchestrator.observe import ClientFactory, Snapshot, observe

# Short timeouts and few retries: a region that is down must answer "unreachable" within
# seconds, not after botocore's defaults (60 s connect + read, several retries).
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 2
MANUAL_KEYS = frozenset({"action", "dry_run", "force", "handover"})
# The same refusal is told to the topics again only after this long (the watchdog asks
# every minute); FailoverRefused counts every one.
REFUSAL_REMINDER_SECONDS = 15 * 60


def aws_clients() -> Clients:
    """Clients for one invocation, made from the config's region names as they are needed."""
    return Clients(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        max_attempts=MAX_ATTEMPTS,
    )


@dataclass(frozen=True)
class Trigger:
    source: str  # "manual" | "alarm" | "schedule"
    request: Request
    ignored: str | None = None  # why nothing is to be done (an alarm that is not ALARM)
    alarm: str | None = None


def parse_event(event: Any) -> Trigger:
    """The trigger an event stands for; ValueError when it is not one the contract knows."""
    if not isinstance(event, Mapping):
        raise ValueError(f"the event must be a JSON object, got {type(event).__name__}")
    records = event.get("Records")
    if isinstance(records, list) and records:
        return _sns_alarm(records)
    if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
        return Trigger("schedule", Request("evaluate"))
    if event.get("detail-type") == "CloudWatch Alarm State Change":
        detail = event.get("detail") or {}
        state = (detail.get("state") or {}).get("value")
        return _alarm(detail.get("alarmName"), state)
    unknown = sorted(set(event) - MANUAL_KEYS)
    if unknown:
        raise ValueError(
            f"unknown event keys {', '.join(map(repr, unknown))}; a manual event "
            f"has only action ({' | '.join(ACTIONS)}), dry_run, force and "
            "handover"
        )
    action = event.get("action", "evaluate")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    flags = {}
    for name in ("dry_run", "force"):
        value = event.get(name, False)
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        flags[name] = value
    # Request checks handover (a non-negative integer) with a ValueError too.
    return Trigger("manual", Request(action=action, handover=event.get("handover", 0), **flags))


def _sns_alarm(records: list[Any]) -> Trigger:
    for record in records:
        sns = record.get("Sns") if isinstance(record, Mapping) else None
        if not isinstance(sns, Mapping):
            raise ValueError("a Records event must come from SNS (Records[].Sns)")
        try:
            message = json.loads(sns.get("Message") or "")
        except ValueError:
            raise ValueError("the SNS message is not a CloudWatch alarm (not JSON)") from None
        if not isinstance(message, Mapping) or "NewStateValue" not in message:
            raise ValueError("the SNS message is not a CloudWatch alarm (no NewStateValue)")
        if message["NewStateValue"] == "ALARM":
            return _alarm(message.get("AlarmName"), "ALARM")
    return _alarm(message.get("AlarmName"), message["NewStateValue"])


def _alarm(name: str | None, state: str | None) -> Trigger:
    if state == "ALARM":
        return Trigger("alarm", Request("evaluate"), alarm=name)
    return Trigger(
        "alarm", Request("evaluate"), alarm=name, ignored=f"alarm {name} is {state}, not ALARM"
    )


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    # A configuration error raises: it is a deployment mistake, and the function's Errors
    # metric is where it shows.
    config = OrchestratorConfig.from_env(os.environ)
    return run(event, config, holder=getattr(context, "aws_request_id", None))


def run(
    event: Any,
    config: OrchestratorConfig,
    *,
    clients: ClientFactory | None = None,
    holder: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """One invocation. ``clock``/``sleep`` drive the waits, ``now`` is the wall clock
    (lock expiry, metric windows); tests inject fast ones."""
    started = clock()
    timings: dict[str, float] = {}

    def lap(phase: str, since: float) -> float:
        timings[f"{phase}_seconds"] = round(clock() - since, 3)
        return clock()

    def answer(status: str, decision: Decision | None = None, **extra: Any) -> dict[str, Any]:
        reason = extra.pop("reason", decision.reason if decision else "")
        result = {
            "trigger": trigger.source if trigger else None,
            "action": trigger.request.action if trigger else None,
            "dry_run": trigger.request.dry_run if trigger else False,
            "force": trigger.request.force if trigger else False,
            "decision": decision.kind if decision else "none",
            "reason": reason,
            "status": status,
            "target_region": config.home_region,
            "observation": snapshot.as_dict() if snapshot else None,
            "dns": None,
            **extra,
            "timings": {**timings, "total_seconds": round(clock() - started, 3)},
        }
        log("result", **result)
        return result

    trigger: Trigger | None = None
    snapshot: Snapshot | None = None
    log("invoked", trigger_event=event, home_region=config.home_region)
    try:
        trigger = parse_event(event)
    except ValueError as error:
        return answer("error", reason=f"invalid event: {error}")
    if trigger.ignored:
        return answer("ignored", reason=trigger.ignored)

    clients = clients or aws_clients()
    request = trigger.request
    mark = clock()
    snapshot = observe(config, clients, now)
    decision = decide(snapshot.observation, request, config.rpo_seconds, config.dr_mode)
    mark = lap("observe", mark)
    log("decided", decision=decision.kind, reason=decision.reason, dry_run=request.dry_run)

    if request.dry_run:
        return answer("dry_run", decision, plan=_plan(config, decision))
    if decision.kind == "refuse":
        return _refuse(config, clients, decision, snapshot, answer, now)
    if not decision.acts:
        return answer("noop", decision)

    lock = Lock(
        clients("dynamodb", config.home_region),
        table=config.lock_table,
        key=config.lock_key,
        holder=holder or str(uuid.uuid4()),
        ttl_seconds=config.lock_ttl_seconds,
        now=now,
    )
    try:
        acquired = lock.acquire()
    except LockError as error:
        return answer("error", decision, error=str(error))
    mark = lap("lock", mark)
    if not acquired:
        return answer(
            "locked",
            decision,
            held_by=lock.held_by,
            reason=f"another run holds the lock ({lock.held_by or 'unknown'}); "
            f"it acts on: {decision.reason}",
        )
    try:
        # Again under the lock: the world may have changed since the first look (another
        # run may have finished this very failover).
        snapshot = observe(config, clients, now)
        decision = decide(snapshot.observation, request, config.rpo_seconds, config.dr_mode)
        mark = lap("reobserve", mark)
        log("decided_under_lock", decision=decision.kind, reason=decision.reason)
        if decision.kind == "refuse":
            return _refuse(config, clients, decision, snapshot, answer, now)
        if not decision.acts:
            return answer("noop", decision)
        return _move_writer(
            config,
            clients,
            request,
            decision,
            snapshot,
            answer,
            lap,
            mark,
            started,
            clock,
            sleep,
            lock,
        )
    finally:
        lock.release()  # a no-op when _move_writer released it already


def _move_writer(
    config: OrchestratorConfig,
    clients: ClientFactory,
    request: Request,
    decision: Decision,
    snapshot: Snapshot,
    answer: Callable[..., dict[str, Any]],
    lap: Callable[[str, float], float],
    mark: float,
    started: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    lock: Lock,
) -> dict[str, Any]:
    notifications = _tell(config, clients, "started", decision, snapshot)
    if decision.changes_writer:
        try:
            change = actions.change_writer(config, clients, decision)
        except Exception as error:  # noqa: BLE001 - botocore errors: report, notify, unlock
            log("writer_change_failed", error=repr(error))
            lap("change", mark)
            notifications += _tell(config, clients, "failed", decision, snapshot, error=str(error))
            operation = actions.operation_for(decision, config.dr_mode)
            return answer(
                "error", decision, error=f"{operation}: {error}", notifications=notifications
            )
    else:  # "complete": an earlier run promoted the replica; only wait and move DNS
        change = {"operation": None, "skipped": "the promotion was started by an earlier run"}
    mark = lap("change", mark)
    waited = actions.wait_for_writer(config, clients, clock=clock, sleep=sleep)
    mark = lap("wait", mark)
    if not waited.done:
        error = (
            f"{config.target_member_id} was not the available writer after "
            f"{config.wait_timeout_seconds} s ({waited.last}); DNS left unchanged"
        )
        if config.dr_mode == "rds-replica":
            handed = _hand_over(config, clients, request, lock)
            if handed is not None and handed["ok"]:
                number = handed["payload"]["handover"]
                notifications += _tell(
                    config, clients, "handed_over", decision, snapshot, error=error, handover=number
                )
                return answer(
                    "handed_over",
                    decision,
                    change=change,
                    error=error,
                    handover=number,
                    follow_up=handed,
                    notifications=notifications,
                )
            if handed is not None:
                error += f"; the hand-over failed: {handed['error']}"
        notifications += _tell(config, clients, "timeout", decision, snapshot, error=error)
        return answer("timeout", decision, change=change, error=error, notifications=notifications)
    dns = actions.move_dns(config, clients, config.home_region)
    refreshed = actions.refresh_writer_health(config, clients)
    lap("dns", mark)
    duration = round(clock() - started, 3)
    status = "completed" if dns["ok"] else "dns_failed"
    metric = actions.publish_duration(config, clients, duration) if dns["ok"] else False
    notifications += _tell(
        config, clients, status, decision, snapshot, duration_seconds=duration, dns=dns
    )
    return answer(
        status,
        decision,
        change=change,
        dns=dns,
        duration_seconds=duration,
        duration_metric_published=metric,
        health_refresh=refreshed,
        notifications=notifications,
    )


def _refuse(
    config: OrchestratorConfig,
    clients: ClientFactory,
    decision: Decision,
    snapshot: Snapshot,
    answer: Callable[..., dict[str, Any]],
    now: Callable[[], float],
) -> dict[str, Any]:
    """A refused failover is news: both topics are told what was seen, and a metric counts
    it (``FailoverRefused``, every time). The watchdog asks every minute, so the same
    refusal (the same reason, numbers and times aside) is told again only after
    ``REFUSAL_REMINDER_SECONDS``; a different one at once."""
    metric = actions.publish_refusal(config, clients)
    signature = re.sub(r"\d[\d:.+ -]*", "#", decision.reason)
    news = first_telling(
        clients("dynamodb", config.home_region),
        table=config.lock_table,
        key=f"refused#{config.protected_id}",
        signature=signature,
        remind_after_seconds=REFUSAL_REMINDER_SECONDS,
        now=now,
    )
    notifications = _tell(config, clients, "refused", decision, snapshot) if news else []
    return answer(
        "refused", decision, notifications=notifications, told=news, refusal_metric_published=metric
    )


def _hand_over(
    config: OrchestratorConfig, clients: ClientFactory, request: Request, lock: Lock
) -> dict[str, Any] | None:
    """Invoke the follow-up run, or None when this run may not (outside Lambda, or the
    chain is at MAX_HANDOVERS)."""
    if not config.function_name or request.handover >= config.max_handovers:
        log(
            "no_hand_over",
            function=config.function_name or None,
            handover=request.handover,
            max_handovers=config.max_handovers,
        )
        return None
    # Released before the follow-up is invoked: an asynchronous invocation can start within
    # a second, and would otherwise find this run's lock and stop as "locked".
    lock.release()
    return actions.hand_over(config, clients, request)


def _tell(
    config: OrchestratorConfig,
    clients: ClientFactory,
    phase: str,
    decision: Decision,
    snapshot: Snapshot,
    **details: Any,
) -> list[dict[str, Any]]:
    kind = config.member_kind
    protected = (
        {"global_cluster": config.global_cluster_id}
        if kind == "cluster"
        else {"dr_mode": config.dr_mode, "primary_instance": config.primary_member_id}
    )
    message = {
        "phase": phase,
        "decision": decision.kind,
        "reason": decision.reason,
        **protected,
        "target_region": config.home_region,
        f"target_{kind}_arn": config.target_member_arn,
        "observation": snapshot.as_dict(),
        **details,
    }
    return [{"phase": phase, **result} for result in actions.notify(config, clients, message)]


def _plan(config: OrchestratorConfig, decision: Decision) -> dict[str, Any] | None:
    if not decision.acts:
        return None
    plan: dict[str, Any] = {"region": config.home_region}
    if decision.changes_writer:
        plan.update(
            operation=actions.operation_for(decision, config.dr_mode),
            arguments=actions.writer_change_arguments(config, decision),
        )
    else:
        plan.update(operation=None, skipped="the promotion was started by an earlier run")
    if config.dr_mode == "rds-replica":
        plan["wait"] = (
            f"until {config.target_member_id} has no read-replica source and is "
            f"available, at most {config.wait_timeout_seconds} s"
        )
    plan.update(dns=actions.dns_plan(config, config.home_region), notify=list(config.topic_arns))
    return plan
