"""The failover orchestrator (dr_lambdas/orchestrator) in DR_MODE=aurora-global, against moto.

Each test builds a realistic two-region deployment with ``moto.mock_aws``: an Aurora global
database (writer ``orch-primary`` in us-east-1, secondary ``orch-secondary`` in us-west-2)
and, around it, the world of orchestrator_world.py: per region a DynamoDB lock table, an SNS
topic with an SQS queue subscribed (to read what was published) and the canary's
``IsWriter`` alarm, and a private hosted zone with the writer's failover (or weighted)
records, each guarded by a ``CLOUDWATCH_METRIC`` health check on its region's ``IsWriter``
alarm. The canary and RDS metrics the orchestrator reads use the dimension
``DBClusterIdentifier``. The orchestrator runs in the secondary region (the automatic copy)
unless a test says otherwise, and its waits run on a fake clock: no test sleeps.

``tools.emulator.apply_patches()`` (applied by orchestrator_world) supplies what moto lacks
(global failover / switchover, cross-region membership). ``writer_calls`` records every
switchover / failover that reaches moto's RDS backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from moto.rds.models import RDSBackend

from dr_lambdas import contract
from dr_lambdas.contract import WRITER_POLL_SECONDS
from dr_lambdas.orchestrator import handler
from dr_lambdas.orchestrator.config import OrchestratorConfig
from dr_lambdas.orchestrator.lock import Lock
from support.orchestrator_world import (
    AURORA,
    GLOBAL_ID,
    NAMESPACE,
    PRIMARY,
    REGIONS,
    RPO_SECONDS,
    SECONDARY,
    CallLog,
    DeadRegion,
    RecordingClients,
    aws,
    build_aurora_world,
    changed,
    static_env,
    world_fixture,
)

ROOT = Path(__file__).resolve().parents[2]
LOCK_TABLE, LOCK_KEY = AURORA.lock_table, AURORA.lock_key

world = world_fixture(build_aurora_world, "failover")
global_world = world_fixture(build_aurora_world, "global-endpoint")
weighted_world = world_fixture(build_aurora_world, "weighted")


# -- planned and unplanned --------------------------------------------------------------------


@pytest.mark.parametrize("action", ["switchover", "failover"])
def test_healthy_writer_gets_a_planned_switchover(world, writer_calls, action):
    # Given a healthy writer in us-east-1 and a small lag
    world.canary(PRIMARY, 1)
    world.lag(0.4)
    # When someone asks the us-west-2 copy to move the writer
    answer = world.invoke({"action": action})
    # Then it is a switchover (RPO 0), even when "failover" was asked for
    assert (answer["decision"], answer["status"]) == ("switchover", "completed")
    assert writer_calls == [
        (
            "switchover_global_cluster",
            {
                "global_cluster_identifier": GLOBAL_ID,
                "target_db_cluster_identifier": world.env["SECONDARY_CLUSTER_ARN"],
            },
        )
    ]
    assert world.writer_region() == SECONDARY
    assert answer["observation"]["writer_region"] == PRIMARY
    assert answer["observation"]["writer_healthy"] is True
    assert answer["observation"]["lag_seconds"] == pytest.approx(0.4)
    assert world.alarm_states() == {PRIMARY: "ALARM", SECONDARY: "OK"}
    assert world.lock_items() == []  # released


@pytest.mark.parametrize("canary", [0, None], ids=["connectivity-0", "no-datapoint"])
def test_unhealthy_writer_gets_an_unplanned_failover(world, writer_calls, canary):
    if canary is not None:
        world.canary(PRIMARY, 1, seconds_ago=150)
        world.canary(PRIMARY, canary, seconds_ago=20)  # the latest datapoint decides
    world.peer(PRIMARY, 0)  # the second signal: the other region cannot reach it either
    world.lag(1.5)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert writer_calls == [
        (
            "failover_global_cluster",
            {
                "global_cluster_identifier": GLOBAL_ID,
                "target_db_cluster_identifier": world.env["SECONDARY_CLUSTER_ARN"],
                "allow_data_loss": True,
                "switchover": None,
            },
        )
    ]
    assert world.writer_region() == SECONDARY
    assert answer["observation"]["writer_healthy"] is False
    assert answer["observation"]["lag_seconds"] == pytest.approx(1.5)


def test_unreachable_writer_region_fails_over_and_still_reports(world, writer_calls):
    # Given the primary region is gone: its CloudWatch, SNS and RDS endpoints do not answer
    world.canary(PRIMARY, 1)  # stale good news the orchestrator cannot read
    world.lag(0.8)
    dead = DeadRegion(PRIMARY)
    answer = world.invoke({"action": "evaluate"}, clients=dead)
    # Then the secondary is promoted, the secondary topic is told, and the failures to
    # reach the dead region are reported, not fatal
    assert answer["decision"] == "failover"
    assert "cannot be reached" in answer["observation"]["health"]
    assert world.writer_region() == SECONDARY
    assert answer["status"] == "dns_failed"  # the old writer's alarm could not be set
    alarms = {a["region"]: a["ok"] for a in answer["dns"]["alarms"]}
    assert alarms == {PRIMARY: False, SECONDARY: True}
    assert world.alarm_states()[SECONDARY] == "OK"
    told = world.notifications()
    assert told[PRIMARY] == []
    assert [m["phase"] for m in told[SECONDARY]] == ["started", "dns_failed"]
    assert {n["ok"] for n in answer["notifications"] if PRIMARY in n["topic"]} == {False}
    assert "cloudwatch:GetMetricStatistics" in dead.refused


def test_writer_is_found_through_the_other_region(world, writer_calls):
    # The home region's RDS endpoint does not answer: the global cluster is visible from
    # the primary region too
    world.canary(PRIMARY, 1)
    answer = world.invoke({"action": "evaluate"}, clients=DeadRegion(SECONDARY, ("rds",)))
    assert answer["observation"]["writer_region"] == PRIMARY
    assert (answer["decision"], answer["status"]) == ("none", "noop")


def test_failed_writer_change_is_reported_and_unlocks(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke({"action": "evaluate"}, clients=DeadRegion(SECONDARY, ("rds",)))
    assert (answer["decision"], answer["status"]) == ("failover", "error")
    assert answer["error"].startswith("FailoverGlobalCluster: ")
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # DNS untouched
    told = world.notifications()
    assert [m["phase"] for m in told[PRIMARY]] == ["started", "failed"]
    assert [m["phase"] for m in told[SECONDARY]] == ["started", "failed"]
    assert world.lock_items() == []
    assert world.duration_metrics() == []


# -- refusals and force -----------------------------------------------------------------------


# -- nothing to do ----------------------------------------------------------------------------


def test_region_that_already_holds_the_writer_does_nothing(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(0.1)
    answer = world.invoke({"action": "failover"}, home=PRIMARY)
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert "already the writer" in answer["reason"]
    assert writer_calls == []
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}


def test_evaluate_with_a_healthy_writer_does_nothing(world, writer_calls):
    world.canary(PRIMARY, 1)
    world.lag(0.1)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []


def test_dry_run_of_a_weighted_flip_leaves_the_records(weighted_world, writer_calls):
    weighted_world.canary(PRIMARY, 1)
    before = weighted_world.weighted()
    answer = weighted_world.invoke({"action": "switchover", "dry_run": True})
    assert answer["plan"]["dns"]["weights"] == {"primary": 0, "secondary": 100}
    assert weighted_world.weighted() == before
    assert writer_calls == []


# -- idempotency and concurrency --------------------------------------------------------------


def test_concurrent_triggers_fail_over_once(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    config = world.config()
    runs = 8
    start = threading.Barrier(runs)
    answers: list[dict[str, Any]] = [{} for _ in range(runs)]
    errors: list[BaseException] = []

    def invoke(index: int) -> None:
        try:
            start.wait(timeout=30)
            answers[index] = handler.run(
                {"action": "evaluate"}, config, holder=f"run-{index}", sleep=lambda s: None
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=invoke, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    statuses = sorted(answer["status"] for answer in answers)
    assert statuses.count("completed") == 1, statuses
    assert set(statuses) <= {"completed", "locked", "noop"}, statuses
    assert len(writer_calls) == 1
    assert world.writer_region() == SECONDARY
    assert world.lock_items() == []


def test_looks_again_under_the_lock(world, writer_calls, monkeypatch):
    # Given another run completes the failover between this run's first look and its lock
    world.outage(PRIMARY)
    world.lag(1)
    original = Lock.acquire

    def someone_else_first(self):
        aws("rds", SECONDARY).failover_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID,
            AllowDataLoss=True,
            TargetDbClusterIdentifier=world.env["SECONDARY_CLUSTER_ARN"],
        )
        return original(self)

    monkeypatch.setattr(Lock, "acquire", someone_else_first)
    answer = world.invoke({"action": "evaluate"})
    # Then this run sees the new writer under the lock and does nothing more
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert answer["observation"]["writer_region"] == SECONDARY
    assert len(writer_calls) == 1  # only the other run's
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []


def test_expired_lock_of_a_crashed_run_is_taken_over(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    world.put_lock("crashed-run", expires_at=int(time.time()) - 5)
    answer = world.invoke({"action": "evaluate"})
    assert answer["status"] == "completed"
    assert len(writer_calls) == 1
    assert world.lock_items() == []


def test_lock_expiry_and_release_rules(world):
    dynamodb = aws("dynamodb", SECONDARY)
    clock = {"now": 10_000.0}

    def lock(holder: str) -> Lock:
        return Lock(
            dynamodb,
            table=LOCK_TABLE,
            key=LOCK_KEY,
            holder=holder,
            ttl_seconds=600,
            now=lambda: clock["now"],
        )

    first, second = lock("a"), lock("b")
    assert first.acquire()
    (item,) = world.lock_items()
    assert item["expires_at"] == item["ttl"] == {"N": "10600"}
    assert not second.acquire()
    assert second.held_by == "a"
    assert not second.release()  # never held: deletes nothing
    assert len(world.lock_items()) == 1
    clock["now"] += 601  # a crashed holder's lock has expired
    assert second.acquire()
    assert not first.release()  # "a" lost it: its release must not delete "b"'s lock
    assert world.lock_items()[0]["holder"] == {"S": "b"}
    assert second.release()
    assert world.lock_items() == []


# -- DNS, notifications, metric ---------------------------------------------------------------


def test_weighted_records_are_flipped_with_their_targets_kept(weighted_world, writer_calls):
    weighted_world.outage(PRIMARY)
    weighted_world.lag(1)
    assert weighted_world.weighted() == {
        "primary": (100, weighted_world.target[PRIMARY]),
        "secondary": (0, weighted_world.target[SECONDARY]),
    }
    before = weighted_world.writer_records()
    answer = weighted_world.invoke({"action": "evaluate"})
    assert answer["status"] == "completed"
    assert answer["dns"]["weights"] == {"primary": 0, "secondary": 100}
    assert weighted_world.weighted() == {
        "primary": (0, weighted_world.target[PRIMARY]),
        "secondary": (100, weighted_world.target[SECONDARY]),
    }
    # Everything but the weight is as it was: targets, TTL, health checks
    after = weighted_world.writer_records()
    assert {k: {**r, "Weight": None} for k, r in after.items()} == {
        k: {**r, "Weight": None} for k, r in before.items()
    }
    assert all(r["HealthCheckId"] for r in after.values())


def test_failover_mode_marks_the_writer_alarms(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke({"action": "evaluate"})
    assert answer["dns"]["mode"] == "failover"
    assert world.alarm_states() == {PRIMARY: "ALARM", SECONDARY: "OK"}
    # Switching back from the primary region's copy marks them the other way round
    world.canary(SECONDARY, 1)
    back = world.invoke({"action": "switchover"}, home=PRIMARY)
    assert (back["decision"], back["status"]) == ("switchover", "completed")
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}


def test_notifications_go_to_both_topics(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke({"action": "evaluate"})
    told = world.notifications()
    for region in REGIONS:
        assert [m["phase"] for m in told[region]] == ["started", "completed"]
        started, completed = told[region]
        assert started["decision"] == completed["decision"] == "failover"
        assert started["reason"] == answer["reason"]
        assert started["target_cluster_arn"] == world.env["SECONDARY_CLUSTER_ARN"]
        assert completed["duration_seconds"] == answer["duration_seconds"]
        assert completed["dns"]["ok"] is True


def test_failover_duration_metric_is_published(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke({"action": "evaluate"})
    assert answer["duration_metric_published"] is True
    assert world.duration_metrics() == [answer["duration_seconds"]]
    assert world.duration_metrics(PRIMARY) == []


def test_waits_for_the_new_writer_to_become_available(world, writer_calls, monkeypatch):
    # On AWS the switchover completes asynchronously: emulate that by completing it only
    # after the orchestrator has polled and slept twice.
    world.canary(PRIMARY, 1)
    real = RDSBackend.switchover_global_cluster
    pending: list[tuple[Any, dict[str, Any]]] = []

    def accept_only(self, **kwargs):
        pending.append((self, kwargs))
        return _global_cluster_of(kwargs["global_cluster_identifier"])

    def complete_after_second_sleep(sleeps: int) -> None:
        if sleeps == 2:
            for backend, kwargs in pending:
                real(backend, **kwargs)

    monkeypatch.setattr(RDSBackend, "switchover_global_cluster", accept_only)
    world.clock.on_sleep.append(complete_after_second_sleep)
    answer = world.invoke({"action": "switchover"})
    assert answer["status"] == "completed"
    assert world.clock.sleeps == [WRITER_POLL_SECONDS] * 2
    assert answer["timings"]["wait_seconds"] == 2 * WRITER_POLL_SECONDS
    assert answer["duration_seconds"] == 2 * WRITER_POLL_SECONDS
    assert world.duration_metrics() == [2 * WRITER_POLL_SECONDS]


def test_gives_up_after_the_wait_timeout_and_leaves_dns(world, writer_calls, monkeypatch):
    world.canary(PRIMARY, 1)
    monkeypatch.setattr(
        RDSBackend,
        "switchover_global_cluster",
        lambda self, **kw: _global_cluster_of(kw["global_cluster_identifier"]),
    )
    answer = world.invoke({"action": "switchover"})
    assert answer["status"] == "timeout"
    assert sum(world.clock.sleeps) == contract.WAIT_TIMEOUT_SECONDS  # in POLL_SECONDS steps
    assert set(world.clock.sleeps) == {WRITER_POLL_SECONDS}
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    assert [m["phase"] for m in world.notifications()[SECONDARY]] == ["started", "timeout"]
    assert world.duration_metrics() == []
    assert world.lock_items() == []


def _global_cluster_of(identifier: str) -> Any:
    """moto's model of the global cluster (stored in one region, found from any)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    from tools.emulator import _find_global_cluster

    return _find_global_cluster(DEFAULT_ACCOUNT_ID, identifier)


# -- events -----------------------------------------------------------------------------------


def sns_alarm(state: str, name: str = "orch-primary-down") -> dict[str, Any]:
    message = {
        "AlarmName": name,
        "NewStateValue": state,
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed",
        "Region": "US East (N. Virginia)",
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "Sns": {
                    "Type": "Notification",
                    "Subject": f"ALARM: {name}",
                    "Message": json.dumps(message),
                },
            }
        ]
    }


def test_sns_alarm_in_alarm_state_evaluates(world, writer_calls):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke(sns_alarm("ALARM"))
    assert (answer["trigger"], answer["action"]) == ("alarm", "evaluate")
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert world.writer_region() == SECONDARY


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
def test_sns_alarm_not_in_alarm_state_is_ignored(world, writer_calls, state):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke(sns_alarm(state))
    assert (answer["decision"], answer["status"]) == ("none", "ignored")
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}


def test_scheduled_event_evaluates(world, writer_calls):
    world.canary(PRIMARY, 1)
    event = {
        "version": "0",
        "source": "aws.events",
        "detail-type": "Scheduled Event",
        "resources": ["arn:aws:events:us-west-2:123456789012:rule/watchdog"],
        "detail": {},
    }
    answer = world.invoke(event)
    assert (answer["trigger"], answer["action"], answer["status"]) == (
        "schedule",
        "evaluate",
        "noop",
    )


def test_rds_replica_mode_never_reads_the_aurora_settings(world, writer_calls):
    # An Aurora environment switched to DR_MODE=rds-replica is a configuration error: the
    # instance settings are not guessed from the cluster ones (rds-replica mode itself is
    # tested in test_orchestrator_rds.py)
    with pytest.raises(KeyError, match="OTHER_LOCK_TABLE is required"):
        world.config(DR_MODE="rds-replica")
    env = {**world.env, "DR_MODE": "rds-replica", "OTHER_LOCK_TABLE": "orch-lock"}
    with pytest.raises(KeyError, match="PRIMARY_INSTANCE_ARN is required"):
        OrchestratorConfig.from_env(env)
    assert writer_calls == []


def test_lambda_handler_reads_its_environment(world, writer_calls, monkeypatch):
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    world.canary(PRIMARY, 1)

    class Context:
        aws_request_id = "req-1"

    answer = handler.lambda_handler({"action": "evaluate", "dry_run": True}, Context())
    assert (answer["decision"], answer["status"]) == ("none", "dry_run")
    assert answer["target_region"] == SECONDARY
    assert set(answer) >= {
        "trigger",
        "action",
        "dry_run",
        "force",
        "decision",
        "reason",
        "status",
        "observation",
        "timings",
        "dns",
    }


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "LOCK_TTL_SECONDS",
        "RPO_SECONDS",
        "HEALTH_WINDOW_SECONDS",
        "WAIT_TIMEOUT_SECONDS",
        "POLL_SECONDS",
        "METRIC_NAMESPACE",
        "METRIC_DIMENSION",
    ],
)
def test_the_settings_the_stack_sets_have_no_second_default(name):
    with pytest.raises(KeyError, match=f"{name} is required"):
        OrchestratorConfig.from_env(changed(static_env(AURORA, "failover"), {name: None}))


def test_config_holds_what_the_stack_sets():
    env = static_env(AURORA, "failover")
    config = OrchestratorConfig.from_env(env)
    assert (
        config.lock_ttl_seconds,
        config.rpo_seconds,
        config.health_window_seconds,
        config.wait_timeout_seconds,
        config.poll_seconds,
        config.metric_namespace,
        config.metric_dimension,
    ) == (
        contract.LOCK_TTL_SECONDS,
        RPO_SECONDS,
        contract.HEALTH_WINDOW_SECONDS,
        contract.WAIT_TIMEOUT_SECONDS,
        contract.WRITER_POLL_SECONDS,
        contract.NAMESPACE,
        contract.CLUSTER_DIMENSION,
    )
    assert config.target_cluster_arn == env["SECONDARY_CLUSTER_ARN"]
    assert config.other_region == PRIMARY
    # Weighted DNS needs no alarms, failover DNS no zone
    weighted = {k: v for k, v in env.items() if not k.endswith("_WRITER_ALARM")}
    assert OrchestratorConfig.from_env({**weighted, "DNS_MODE": "weighted"}).dns_mode == "weighted"
    failover = {k: v for k, v in env.items() if k not in ("HOSTED_ZONE_ID", "WRITER_RECORD_NAME")}
    assert OrchestratorConfig.from_env(failover).hosted_zone_id == ""


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"GLOBAL_CLUSTER_ID": None}, KeyError, "GLOBAL_CLUSTER_ID is required"),
        ({"LOCK_TABLE": ""}, KeyError, "LOCK_TABLE is required"),
        ({"PRIMARY_WRITER_ALARM": None}, KeyError, "PRIMARY_WRITER_ALARM is required"),
        ({"DNS_MODE": "weighted", "HOSTED_ZONE_ID": None}, KeyError, "HOSTED_ZONE_ID is required"),
        ({"DR_MODE": "active-active"}, ValueError, "DR_MODE must be one of"),
        ({"DNS_MODE": "latency"}, ValueError, "DNS_MODE must be one of"),
        ({"HOME_REGION": "eu-west-1"}, ValueError, "HOME_REGION must be PRIMARY_REGION"),
        ({"SECONDARY_REGION": PRIMARY}, ValueError, "must differ"),
        ({"RPO_SECONDS": "sixty"}, ValueError, "RPO_SECONDS must be an integer, got 'sixty'"),
        ({"POLL_SECONDS": "0"}, ValueError, "POLL_SECONDS must be >= 1, got 0"),
        ({"LOCK_TTL_SECONDS": "200"}, ValueError, "LOCK_TTL_SECONDS must exceed"),
        ({"PRIMARY_CLUSTER_ARN": "orch-primary"}, ValueError, "PRIMARY_CLUSTER_ARN must be an ARN"),
        (
            {"SECONDARY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t"},
            ValueError,
            "SECONDARY_TOPIC_ARN must be in SECONDARY_REGION",
        ),
    ],
)
def test_config_validation(change, error, message):
    with pytest.raises(error, match=message):
        OrchestratorConfig.from_env(changed(static_env(AURORA, "failover"), change))


def test_importing_the_handler_does_not_import_boto3():
    code = (
        "import sys, dr_lambdas.orchestrator.handler; "
        "sys.exit(1 if 'boto3' in sys.modules or 'botocore' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# -- the new writer's health, refreshed at once -----------------------------------------------

CANARY = "dbdr-canary-usw2-dev"


def test_completed_failover_runs_the_new_writers_canary_at_once(world, writer_calls):
    # Route 53 reads the IsWriter metric stream, not the alarm state: the home canary runs now
    world.peer(PRIMARY, 0)  # silent canary + the other region cannot reach it either
    world.lag(0.8)
    clients = RecordingClients()
    answer = world.invoke({"action": "evaluate"}, env={"CANARY_FUNCTION": CANARY}, clients=clients)
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert answer["health_refresh"] == {"function": CANARY, "region": SECONDARY, "ok": True}
    assert [(i["region"], i["FunctionName"], i["InvocationType"]) for i in clients.invokes] == [
        (SECONDARY, CANARY, "Event")
    ]


def test_a_canary_that_cannot_be_run_does_not_fail_the_failover(world, writer_calls):
    world.peer(PRIMARY, 0)  # silent canary + the other region cannot reach it either
    world.lag(0.8)
    answer = world.invoke(
        {"action": "evaluate"}, env={"CANARY_FUNCTION": CANARY}, clients=RecordingClients(fail=True)
    )
    assert answer["status"] == "completed" and world.writer_region() == SECONDARY
    assert answer["health_refresh"]["ok"] is False
    assert "unreachable" in answer["health_refresh"]["error"]


def test_without_a_canary_nothing_is_run(world, writer_calls):
    world.peer(PRIMARY, 0)  # silent canary + the other region cannot reach it either
    world.lag(0.8)
    clients = RecordingClients()
    answer = world.invoke({"action": "evaluate"}, clients=clients)
    assert answer["status"] == "completed" and answer["health_refresh"] is None
    assert clients.invokes == []


# -- two signals: what the orchestrator reads and does (decision table, dr_lambdas/README) ----


def test_a_canary_fault_on_a_healthy_writer_refuses_counts_and_tells_both_topics(
    world, writer_calls
):
    # Given the primary's canary cannot read its secret: CanaryError, no ConnectivityOk
    world.canary(PRIMARY, 1, seconds_ago=150)
    world.canary_fault(PRIMARY, seconds_ago=20)
    world.lag(0.5)
    answer = world.invoke({"action": "evaluate"})
    # Then the writer stays where it is
    assert (answer["decision"], answer["status"]) == ("refuse", "refused")
    assert answer["observation"]["probe"] == "fault"
    assert writer_calls == [] and world.writer_region() == PRIMARY
    # and people hear of it, in both regions, with what was seen
    told = world.notifications()
    for region in (PRIMARY, SECONDARY):
        (message,) = told[region]
        assert message["phase"] == "refused" and "canary" in message["reason"]
        assert message["observation"]["probe"] == "fault"
    assert world.orchestrator_metric("FailoverRefused") == [1.0]


@pytest.mark.parametrize(
    "status", ["failed", "storage-full", "inaccessible-encryption-credentials"]
)
def test_rds_reporting_the_writer_not_available_confirms_its_canary(world, writer_calls, status):
    world.canary(PRIMARY, 0)
    world.instance_status(PRIMARY, "orch-primary-1", status)
    world.lag(0.5)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    (signal,) = answer["observation"]["outage_signals"]
    assert f"orch-primary-1 is {status}" in signal
    assert world.writer_region() == SECONDARY


def test_an_unreachable_rds_api_confirms_its_canary(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag(0.5)
    answer = world.invoke({"action": "evaluate"}, clients=DeadRegion(PRIMARY, ("rds",)))
    assert answer["decision"] == "failover"
    assert "cannot be reached" in answer["observation"]["outage_signals"][0]
    assert world.writer_region() == SECONDARY


def test_a_writer_that_answers_the_other_regions_probe_is_not_failed_over(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.instance_status(PRIMARY, "orch-primary-1", "rebooting")
    world.peer(PRIMARY, 1)
    world.lag(0.5)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("refuse", "refused")
    assert answer["observation"]["peer_answers"] is True
    assert writer_calls == []


def test_a_writer_that_answers_but_takes_no_writes_is_down_for_its_canary(world, writer_calls):
    world.canary(PRIMARY, 1)
    world.put_metric(PRIMARY, NAMESPACE, "IsWriter", 0, "Count", 20)
    world.lag(0.5)
    answer = world.invoke({"action": "evaluate"})
    # One signal (the instance is available in RDS): refused, but seen as down
    assert answer["observation"]["probe"] == "down"
    assert "does not accept writes" in answer["observation"]["health"]
    assert answer["decision"] == "refuse"


def test_only_one_signal_is_refused_and_force_overrides(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag(0.5)
    refused = world.invoke({"action": "evaluate"})
    assert refused["status"] == "refused" and "only one signal" in refused["reason"]
    forced = world.invoke({"action": "failover", "force": True})
    assert (forced["decision"], forced["status"]) == ("failover", "completed")
    assert world.writer_region() == SECONDARY


def test_the_same_refusal_is_told_once_per_reminder_period_and_always_counted(world, writer_calls):
    # Given a canary fault that the watchdog sees every minute
    world.canary_fault(PRIMARY)
    world.lag(0.5)
    clock = {"now": time.time()}
    first = world.invoke({"action": "evaluate"}, now=lambda: clock["now"])
    clock["now"] += 60
    again = world.invoke({"action": "evaluate"}, now=lambda: clock["now"])
    # Then people are told once, and the metric counts both
    assert (first["told"], again["told"]) == (True, False)
    assert again["status"] == "refused" and again["notifications"] == []
    assert {r: len(m) for r, m in world.notifications().items()} == {PRIMARY: 1, SECONDARY: 1}
    assert again["refusal_metric_published"] is True
    # A different refusal is news at once; the same one again after the reminder period
    world.canary(PRIMARY, 0, seconds_ago=5)
    other = world.invoke({"action": "evaluate"}, now=lambda: clock["now"])
    assert other["told"] is True and "only one signal" in other["reason"]


def test_a_refusal_is_remembered_for_the_reminder_period_only(world):
    from dr_lambdas.orchestrator.lock import first_telling

    dynamodb, clock = aws("dynamodb", SECONDARY), {"now": 50_000.0}

    def tell(signature: str) -> bool:
        return first_telling(
            dynamodb,
            table=LOCK_TABLE,
            key="refused#x",
            signature=signature,
            remind_after_seconds=900,
            now=lambda: clock["now"],
        )

    assert tell("canary fault") is True
    clock["now"] += 899
    assert tell("canary fault") is False
    assert tell("one signal") is True  # a different refusal is news at once
    clock["now"] += 901
    assert tell("one signal") is True  # the same one, once the period is over


def test_with_the_global_writer_endpoint_a_failover_has_no_dns_step(global_world, writer_calls):
    # Given the writer name is a CNAME to the global writer endpoint (Aurora moves it)
    global_world.outage(PRIMARY)
    global_world.lag(0.5)
    log = CallLog()
    answer = global_world.invoke({"action": "evaluate"}, clients=log)
    # Then the writer moves, and nothing in Route 53 nor any alarm state is touched
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert answer["dns"] == {
        "mode": "global-endpoint",
        "ok": True,
        "steps": [],
        "note": "Aurora moves the global writer endpoint with the writer",
    }
    assert global_world.writer_region() == SECONDARY
    assert not [c for c in log.calls if c.startswith("route53:") or "SetAlarmState" in c]
    assert "rds:FailoverGlobalCluster" in log.calls
    assert global_world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    global_world.canary(SECONDARY, 1)  # the new writer is healthy: plan the switch-back
    dry = global_world.invoke({"action": "switchover", "dry_run": True}, home=PRIMARY)
    assert dry["plan"]["dns"]["mode"] == "global-endpoint" and dry["plan"]["dns"]["steps"] == []
