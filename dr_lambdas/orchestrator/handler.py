"""lambda_handler: observe, decide, and (under a lock) move the writer into this region.

Events (``dr_lambdas/README.md``):

- manual: ``{"action": "switchover" | "failover" | "evaluate", "dry_run": false,
  "force": false}`` (every key optional; unknown keys are refused, so a misspelt
  ``dry_run`` never turns into a real failover);
- an SNS-delivered CloudWatch alarm (``Records[].Sns.Message``) or an EventBridge alarm
  state change: ``evaluate`` when the new state is ALARM, nothing otherwise;
- an EventBridge schedule: ``evaluate``.

A run observes and decides (``decision.decide``). A dry run stops there and returns the
plan. A run that would move the writer takes the lock, observes again under it (a trigger
repeated after a completed failover now sees this region as the writer and does nothing),
acts, and releases the lock. The answer is a JSON object::

    {"trigger", "action", "dry_run", "force", "decision", "reason", "status",
     "observation", "timings", "dns", ...}

``status``: ``ignored`` (alarm not in ALARM), ``noop`` (nothing to do), ``refused``
(unhealthy writer, lag beyond the RPO or unknown), ``dry_run`` (with ``plan``),
``locked`` (another run holds the lock), ``completed`` (writer moved and DNS moved),
``dns_failed`` (writer moved, some DNS step failed), ``timeout`` (the new writer was not
available in time; DNS untouched), ``error`` (bad event, or an AWS call failed).

Only the standard library is imported at module level (plus this package); boto3 is
imported when the first client is made, so importing the module stays cheap.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dr_lambdas.common import log
from dr_lambdas.orchestrator import actions
from dr_lambdas.orchestrator.config import OrchestratorConfig
from dr_lambdas.orchestrator.decision import ACTIONS, Decision, Request, decide
from dr_lambdas.orchestrator.lock import Lock, LockError
from dr_lambdas.orchestrator.observe import ClientFactory, Snapshot, observe

# Short timeouts and few retries: a region that is down must answer "unreachable" within
# seconds, not after botocore's defaults (60 s connect + read, several retries).
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 2
MANUAL_KEYS = frozenset({"action", "dry_run", "force"})


_session_lock = threading.Lock()
_session: Any = None  # one boto3 session per process, made on first use


class Clients:
    """boto3 clients by (service, region), made on first use within one invocation.

    Clients are made per invocation, from the config's region names, so whatever endpoint
    the process is set up for at call time (AWS, or a test's moto) is the one used. They
    share one boto3 session per process (its service models load once: warm invocations
    start fast); a session is not safe for threads while it makes clients, so that is done
    under a lock, and the clients themselves are thread-safe.
    """

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        global _session
        with _session_lock:
            if (service, region) not in self._clients:
                import boto3  # deferred: see the module docstring
                from botocore.config import Config

                if _session is None:
                    _session = boto3.session.Session()
                self._clients[(service, region)] = _session.client(
                    service, region_name=region, config=Config(
                        connect_timeout=CONNECT_TIMEOUT_SECONDS,
                        read_timeout=READ_TIMEOUT_SECONDS,
                        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"}))
            return self._clients[(service, region)]


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
        raise ValueError(f"unknown event keys {', '.join(map(repr, unknown))}; a manual event "
                         f"has only action ({' | '.join(ACTIONS)}), dry_run and force")
    action = event.get("action", "evaluate")
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    flags = {}
    for name in ("dry_run", "force"):
        value = event.get(name, False)
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        flags[name] = value
    return Trigger("manual", Request(action=action, **flags))


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
    return Trigger("alarm", Request("evaluate"), alarm=name,
                   ignored=f"alarm {name} is {state}, not ALARM")


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    # A configuration error raises: it is a deployment mistake, and the function's Errors
    # metric is where it shows.
    config = OrchestratorConfig.from_env(os.environ)
    return run(event, config, holder=getattr(context, "aws_request_id", None))


def run(event: Any, config: OrchestratorConfig, *, clients: ClientFactory | None = None,
        holder: str | None = None, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time) -> dict[str, Any]:
    """One invocation. ``clock``/``sleep`` drive the waits, ``now`` is the wall clock
    (lock expiry, metric windows); tests inject fast ones."""
    started = clock()
    timings: dict[str, float] = {}

    def lap(phase: str, since: float) -> float:
        timings[f"{phase}_seconds"] = round(clock() - since, 3)
        return clock()

    def answer(status: str, decision: Decision | None = None, **extra: Any) -> dict[str, Any]:
        reason = extra.pop("reason", decision.reason if decision else "")
        result = {"trigger": trigger.source if trigger else None,
                  "action": trigger.request.action if trigger else None,
                  "dry_run": trigger.request.dry_run if trigger else False,
                  "force": trigger.request.force if trigger else False,
                  "decision": decision.kind if decision else "none",
                  "reason": reason,
                  "status": status, "target_region": config.home_region,
                  "observation": snapshot.as_dict() if snapshot else None,
                  "dns": None, **extra,
                  "timings": {**timings, "total_seconds": round(clock() - started, 3)}}
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
    if config.dr_mode != "aurora-global":
        return answer("error", reason=f"DR_MODE {config.dr_mode} is not supported by this "
                                      "orchestrator yet (only aurora-global)")

    clients = clients or Clients()
    request = trigger.request
    mark = clock()
    snapshot = observe(config, clients, now)
    decision = decide(snapshot.observation, request, config.rpo_seconds)
    mark = lap("observe", mark)
    log("decided", decision=decision.kind, reason=decision.reason, dry_run=request.dry_run)

    if request.dry_run:
        return answer("dry_run", decision, plan=_plan(config, decision))
    if decision.kind == "refuse":
        return answer("refused", decision,
                      notifications=_tell(config, clients, "refused", decision, snapshot))
    if not decision.changes_writer:
        return answer("noop", decision)

    lock = Lock(clients("dynamodb", config.home_region), table=config.lock_table,
                key=config.lock_key, holder=holder or str(uuid.uuid4()),
                ttl_seconds=config.lock_ttl_seconds, now=now)
    try:
        acquired = lock.acquire()
    except LockError as error:
        return answer("error", decision, error=str(error))
    mark = lap("lock", mark)
    if not acquired:
        return answer("locked", decision, held_by=lock.held_by,
                      reason=f"another run holds the lock ({lock.held_by or 'unknown'}); "
                             f"it acts on: {decision.reason}")
    try:
        # Again under the lock: the world may have changed since the first look (another
        # run may have finished this very failover).
        snapshot = observe(config, clients, now)
        decision = decide(snapshot.observation, request, config.rpo_seconds)
        mark = lap("reobserve", mark)
        log("decided_under_lock", decision=decision.kind, reason=decision.reason)
        if decision.kind == "refuse":
            return answer("refused", decision,
                          notifications=_tell(config, clients, "refused", decision, snapshot))
        if not decision.changes_writer:
            return answer("noop", decision)
        return _move_writer(config, clients, decision, snapshot, answer, lap, mark,
                            started, clock, sleep)
    finally:
        lock.release()


def _move_writer(config: OrchestratorConfig, clients: ClientFactory, decision: Decision,
                 snapshot: Snapshot, answer: Callable[..., dict[str, Any]],
                 lap: Callable[[str, float], float], mark: float, started: float,
                 clock: Callable[[], float], sleep: Callable[[float], None]) -> dict[str, Any]:
    notifications = _tell(config, clients, "started", decision, snapshot)
    try:
        change = actions.change_writer(config, clients, decision)
    except Exception as error:  # noqa: BLE001 - botocore errors: report, notify, unlock
        log("writer_change_failed", error=repr(error))
        lap("change", mark)
        notifications += _tell(config, clients, "failed", decision, snapshot,
                               error=str(error))
        return answer("error", decision, error=f"{actions.operation_for(decision)}: {error}",
                      notifications=notifications)
    mark = lap("change", mark)
    waited = actions.wait_for_writer(config, clients, clock=clock, sleep=sleep)
    mark = lap("wait", mark)
    if not waited.done:
        error = (f"{config.target_cluster_id} was not the available writer after "
                 f"{config.wait_timeout_seconds} s ({waited.last}); DNS left unchanged")
        notifications += _tell(config, clients, "timeout", decision, snapshot, error=error)
        return answer("timeout", decision, change=change, error=error,
                      notifications=notifications)
    dns = actions.move_dns(config, clients, config.home_region)
    lap("dns", mark)
    duration = round(clock() - started, 3)
    status = "completed" if dns["ok"] else "dns_failed"
    metric = actions.publish_duration(config, clients, duration) if dns["ok"] else False
    notifications += _tell(config, clients, status, decision, snapshot,
                           duration_seconds=duration, dns=dns)
    return answer(status, decision, change=change, dns=dns, duration_seconds=duration,
                  duration_metric_published=metric, notifications=notifications)


def _tell(config: OrchestratorConfig, clients: ClientFactory, phase: str, decision: Decision,
          snapshot: Snapshot, **details: Any) -> list[dict[str, Any]]:
    message = {"phase": phase, "decision": decision.kind, "reason": decision.reason,
               "global_cluster": config.global_cluster_id,
               "target_region": config.home_region,
               "target_cluster_arn": config.target_cluster_arn,
               "observation": snapshot.as_dict(), **details}
    return [{"phase": phase, **result} for result in actions.notify(config, clients, message)]


def _plan(config: OrchestratorConfig, decision: Decision) -> dict[str, Any] | None:
    if not decision.changes_writer:
        return None
    arguments: dict[str, Any] = {"GlobalClusterIdentifier": config.global_cluster_id,
                                 "TargetDbClusterIdentifier": config.target_cluster_arn}
    if decision.kind == "failover":
        arguments["AllowDataLoss"] = True
    return {"operation": actions.operation_for(decision), "region": config.home_region,
            "arguments": arguments, "dns": actions.dns_plan(config, config.home_region),
            "notify": list(config.topic_arns)}
