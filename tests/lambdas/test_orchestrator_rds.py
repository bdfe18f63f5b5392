"""The failover orchestrator in DR_MODE=rds-replica (dr_lambdas/orchestrator) against moto.

Each test builds the rds-replica deployment with ``moto.mock_aws``: an RDS for PostgreSQL 15
Multi-AZ DB instance in us-east-1 and its cross-region read replica in us-west-2
(``CreateDBInstanceReadReplica`` in us-west-2 naming the primary by ARN, backups turned on
as the deployment does), and, around them, the world of orchestrator_world.py: per region a
DynamoDB lock table, an SNS topic with an SQS queue subscribed (to read what was published)
and the canary's ``ConnectivityOk`` and ``IsWriter`` alarms, and a private hosted zone with
the writer's weighted records 100 / 0 (or failover records), each guarded by its region's
CALCULATED health check over an alarm-based child per alarm, as the deployment has them.
The canary's metrics use the dimension ``DBInstanceIdentifier``. The orchestrator runs in
the secondary region (the automatic copy) unless a test says otherwise, and its waits run
on a fake clock: no test sleeps.

``tools.emulator.apply_patches()`` supplies what moto lacks (cross-region read replicas,
``PromoteReadReplica`` that ends replication on both ends). moto promotes at once; tests
that need a promotion in progress hold it back (``promotions``). Lambda is a recording
stand-in (``RecordingClients``): the function the orchestrator hands over to does not exist
in moto.
"""

from __future__ import annotations

from typing import Any

import pytest

from dr_lambdas.contract import (
    INSTANCE_DIMENSION,
    MAX_HANDOVERS,
    WAIT_TIMEOUT_SECONDS,
    WRITER_POLL_SECONDS,
)
from dr_lambdas.orchestrator.config import OrchestratorConfig
from dr_lambdas.orchestrator.decision import Observation, Request, decide
from support.orchestrator_world import (
    BACKUP_RETENTION_DAYS,
    INSTANCE_ID,
    PRIMARY,
    RDS,
    REGIONS,
    RPO_SECONDS,
    SECONDARY,
    DeadRegion,
    Promotions,
    RdsWorld,
    RecordingClients,
    aws,
    build_rds_world,
    changed,
    static_env,
    world_fixture,
)

DIMENSION = INSTANCE_DIMENSION
FUNCTION = "orch-rds-orchestrator-usw2"
LOCK_KEY = RDS.lock_key

world = world_fixture(build_rds_world, "weighted")
failover_world = world_fixture(build_rds_world, "failover")


def finish_after_sleeps(world: RdsWorld, promotions: Promotions, sleeps: int) -> None:
    """AWS completes the promotion after the orchestrator has slept ``sleeps`` times."""

    def callback(count: int) -> None:
        if count == sleeps:
            promotions.finish()

    world.clock.on_sleep.append(callback)


# -- failover ---------------------------------------------------------------------------------


def test_healthy_primary_is_left_alone(world, promotions):
    world.canary(PRIMARY, 1)
    world.lag(2)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert answer["observation"]["writer_region"] == PRIMARY
    assert answer["observation"]["writer_instance_arn"] == world.env["PRIMARY_INSTANCE_ARN"]
    assert answer["observation"]["writer_healthy"] is True
    assert answer["observation"]["lag_seconds"] == 2
    assert promotions.calls == []
    assert world.replicating()
    assert world.weighted() == {
        "primary": (100, world.target[PRIMARY]),
        "secondary": (0, world.target[SECONDARY]),
    }
    assert world.fences() == {PRIMARY: False, SECONDARY: False}
    assert world.phases() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []


def test_unhealthy_primary_is_failed_over(world, promotions):
    # Given the primary's canary fails and the replica is 5 s behind
    world.canary(PRIMARY, 1, seconds_ago=150)
    world.canary(PRIMARY, 0, seconds_ago=20)
    world.instance_status(PRIMARY, INSTANCE_ID[PRIMARY], "failed")  # RDS agrees it is down
    world.lag(5)
    # When the secondary's copy evaluates
    answer = world.invoke({"action": "evaluate"})
    # Then the replica is promoted and stands alone, with its backups as they were
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert answer["observation"]["lag_seconds"] == 5
    assert answer["observation"]["writer_healthy"] is False
    promoted = world.instance(SECONDARY)
    assert promoted.get("ReadReplicaSourceDBInstanceIdentifier") is None
    assert promoted["DBInstanceStatus"] == "available"
    assert promoted["BackupRetentionPeriod"] == BACKUP_RETENTION_DAYS
    assert world.instance(PRIMARY).get("ReadReplicaDBInstanceIdentifiers") == []
    assert len(promotions.calls) == 1
    # The old primary is fenced (by a metric in the surviving region), the new one not
    assert world.fences() == {PRIMARY: True, SECONDARY: False}
    # and the records are swapped, targets kept
    assert world.weighted() == {
        "primary": (0, world.target[PRIMARY]),
        "secondary": (100, world.target[SECONDARY]),
    }
    assert answer["dns"]["ok"] is True
    assert answer["dns"]["fence"]["ok"] is True
    # Both topics are told, the duration is published under the instance dimension
    told = world.notifications()
    for region in REGIONS:
        assert [m["phase"] for m in told[region]] == ["started", "completed"]
        started, completed = told[region]
        assert started["target_instance_arn"] == world.env["SECONDARY_INSTANCE_ARN"]
        assert completed["duration_seconds"] == answer["duration_seconds"]
    assert answer["duration_metric_published"] is True
    assert world.duration_metrics() == [answer["duration_seconds"]]
    assert world.lock_items() == []


def test_failover_dns_mode_fences_and_marks_the_writer_alarms(failover_world, promotions):
    failover_world.outage(PRIMARY)
    failover_world.lag(5)
    answer = failover_world.invoke({"action": "evaluate"})
    assert answer["status"] == "completed"
    assert answer["dns"]["mode"] == "failover"
    assert failover_world.fences() == {PRIMARY: True, SECONDARY: False}
    assert failover_world.writer_alarm_states() == {PRIMARY: "ALARM", SECONDARY: "OK"}
    again = failover_world.invoke({"action": "evaluate"})
    assert (again["decision"], again["status"]) == ("none", "noop")


def test_a_failed_fence_is_reported_and_the_records_still_move(world, promotions):
    world.outage(PRIMARY)
    world.lag(5)
    answer = world.invoke(
        {"action": "evaluate"},
        clients=DeadRegion(SECONDARY, ("cloudwatch",), operations=("PutMetricData",)),
    )
    assert answer["status"] == "dns_failed"
    assert answer["dns"]["fence"]["ok"] is False
    assert not world.replicating()
    assert world.weighted()["secondary"][0] == 100
    assert world.duration_metrics() == []
    assert world.phases()[SECONDARY] == ["started", "dns_failed"]


# -- refusals, force and planned promotions ---------------------------------------------------


def test_the_canary_replication_lag_is_not_the_rpo_lag(world, promotions):
    # The canary's ReplicationLagMs grows on a quiet PostgreSQL replica: it is not read
    world.outage(PRIMARY)
    world.put_metric(SECONDARY, "DatabaseDR", "ReplicationLagMs", 1000, "Milliseconds", 30)
    answer = world.invoke({"action": "evaluate"})
    assert answer["status"] == "refused"
    assert answer["observation"]["lag_seconds"] is None


@pytest.mark.parametrize(
    "lag, force, outcome",
    [
        (None, False, ("refuse", "refused")),
        (RPO_SECONDS + 1, False, ("refuse", "refused")),
        (3, False, ("switchover", "completed")),
        (None, True, ("switchover", "completed")),
    ],
    ids=["unknown-lag", "lag-over-rpo", "lag-within-rpo", "forced"],
)
def test_planned_promotion_needs_a_known_lag_within_the_rpo(world, promotions, lag, force, outcome):
    world.canary(PRIMARY, 1)
    if lag is not None:
        world.lag(lag)
    answer = world.invoke({"action": "switchover", "force": force})
    assert (answer["decision"], answer["status"]) == outcome
    assert "not RPO 0" in answer["reason"] or "not replicated" in answer["reason"]
    promoted = outcome[1] == "completed"
    assert len(promotions.calls) == (1 if promoted else 0)
    assert world.replicating() is not promoted
    assert world.weighted()["secondary"][0] == (100 if promoted else 0)


# -- waiting, hand-over, completing -----------------------------------------------------------


def test_waits_for_the_promotion_to_finish(world, promotions):
    world.outage(PRIMARY)
    world.lag(5)
    promotions.hold()
    finish_after_sleeps(world, promotions, 2)
    answer = world.invoke({"action": "evaluate"})
    assert answer["status"] == "completed"
    assert world.clock.sleeps == [WRITER_POLL_SECONDS] * 2
    assert answer["timings"]["wait_seconds"] == 2 * WRITER_POLL_SECONDS
    assert world.duration_metrics() == [2 * WRITER_POLL_SECONDS]
    assert world.weighted()["secondary"][0] == 100


def test_a_wait_that_runs_out_hands_over_to_a_fresh_invocation(world, promotions):
    world.outage(PRIMARY)
    world.lag(5)
    promotions.hold()  # AWS is still promoting when the wait runs out
    locks_at_invoke: list[list[Any]] = []
    clients = RecordingClients(on_invoke=lambda: locks_at_invoke.append(world.lock_items()))
    answer = world.invoke(
        {"action": "evaluate"}, clients=clients, env={"AWS_LAMBDA_FUNCTION_NAME": FUNCTION}
    )
    assert (answer["decision"], answer["status"]) == ("failover", "handed_over")
    assert answer["handover"] == 1
    assert sum(world.clock.sleeps) == WAIT_TIMEOUT_SECONDS
    assert clients.invokes == [
        {
            "region": SECONDARY,
            "FunctionName": FUNCTION,
            "InvocationType": "Event",
            "Payload": {"action": "evaluate", "force": False, "handover": 1},
        }
    ]
    assert locks_at_invoke == [[]]  # released before the follow-up can start
    # DNS is untouched while the replica is still being promoted
    assert world.replicating()
    assert world.fences() == {PRIMARY: False, SECONDARY: False}
    assert world.weighted()["primary"][0] == 100
    told = world.notifications()
    for region in REGIONS:
        assert [m["phase"] for m in told[region]] == ["started", "handed_over"]
        assert told[region][1]["handover"] == 1
    assert world.duration_metrics() == []
    assert world.lock_items() == []


def test_the_follow_up_completes_without_promoting_again(world, promotions):
    world.outage(PRIMARY)
    world.lag(5)
    promotions.hold()
    clients = RecordingClients()
    env = {"AWS_LAMBDA_FUNCTION_NAME": FUNCTION}
    first = world.invoke({"action": "evaluate"}, clients=clients, env=env)
    assert first["status"] == "handed_over"
    world.notifications()  # drain
    # The follow-up, with the payload the first run sent; AWS finishes while it waits
    finish_after_sleeps(world, promotions, len(world.clock.sleeps) + 1)
    follow_up = world.invoke(clients.invokes[0]["Payload"], clients=clients, env=env)
    assert (follow_up["decision"], follow_up["status"]) == ("complete", "completed")
    assert follow_up["change"]["operation"] is None
    assert len(promotions.calls) == 1  # PromoteReadReplica was called once in all
    assert not world.replicating()
    assert world.fences() == {PRIMARY: True, SECONDARY: False}
    assert world.weighted()["secondary"][0] == 100
    assert len(clients.invokes) == 1
    assert world.phases() == {
        PRIMARY: ["started", "completed"],
        SECONDARY: ["started", "completed"],
    }


@pytest.mark.parametrize(
    "env, handover",
    [
        ({"AWS_LAMBDA_FUNCTION_NAME": FUNCTION}, 3),  # MAX_HANDOVERS (3) reached
        ({"AWS_LAMBDA_FUNCTION_NAME": FUNCTION, "MAX_HANDOVERS": "0"}, 0),
        ({}, 0),  # outside Lambda: no function to hand over to
    ],
    ids=["chain-at-max", "hand-over-off", "no-function"],
)
def test_a_wait_that_runs_out_without_a_hand_over_is_a_timeout(world, promotions, env, handover):
    world.outage(PRIMARY)
    world.lag(5)
    promotions.hold()
    if handover:  # an earlier run promoted already
        aws("rds", SECONDARY).promote_read_replica(DBInstanceIdentifier=INSTANCE_ID[SECONDARY])
    clients = RecordingClients()
    answer = world.invoke({"action": "evaluate", "handover": handover}, clients=clients, env=env)
    assert answer["status"] == "timeout"
    assert answer["decision"] == ("complete" if handover else "failover")
    assert clients.invokes == []
    assert len(promotions.calls) == 1
    assert world.weighted()["primary"][0] == 100
    assert world.phases() == {PRIMARY: ["started", "timeout"], SECONDARY: ["started", "timeout"]}
    assert world.lock_items() == []


def test_a_failed_hand_over_is_a_timeout_that_says_so(world, promotions):
    world.outage(PRIMARY)
    world.lag(5)
    promotions.hold()
    answer = world.invoke(
        {"action": "evaluate"},
        clients=RecordingClients(fail=True),
        env={"AWS_LAMBDA_FUNCTION_NAME": FUNCTION},
    )
    assert answer["status"] == "timeout"
    assert "the hand-over failed: Lambda is unreachable" in answer["error"]
    assert world.phases()[SECONDARY] == ["started", "timeout"]


def test_a_promotion_whose_dns_was_never_moved_is_completed(world, promotions):
    # Given an earlier run promoted the replica and stopped before DNS (a crash)
    aws("rds", SECONDARY).promote_read_replica(DBInstanceIdentifier=INSTANCE_ID[SECONDARY])
    world.outage(PRIMARY)
    world.canary(SECONDARY, 1)
    # When the watchdog evaluates
    answer = world.invoke(
        {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    )
    # Then it finishes the failover: fence and records, no second promotion
    assert (answer["decision"], answer["status"]) == ("complete", "completed")
    assert answer["observation"]["writer_region"] == SECONDARY
    assert answer["observation"]["dns_on_target"] is False
    assert len(promotions.calls) == 1  # the earlier run's
    assert world.fences() == {PRIMARY: True, SECONDARY: False}
    assert world.weighted() == {
        "primary": (0, world.target[PRIMARY]),
        "secondary": (100, world.target[SECONDARY]),
    }
    again = world.invoke({"action": "evaluate"})
    assert (again["decision"], again["status"]) == ("none", "noop")


def test_the_primary_regions_copy_never_takes_dns_back(world, promotions):
    # Before any failover, the primary's copy sees its instance as the source of the replica
    world.canary(PRIMARY, 1)
    steady = world.invoke({"action": "evaluate"}, home=PRIMARY)
    assert (steady["decision"], steady["status"]) == ("none", "noop")
    assert "source of the replica" in steady["reason"]
    assert world.fences() == {PRIMARY: False, SECONDARY: False}
    # After a failover, the old primary comes back as a writable standalone instance: its
    # copy sees itself fenced and leaves DNS alone, whatever it is asked
    world.outage(PRIMARY)
    world.lag(5)
    assert world.invoke({"action": "evaluate"})["status"] == "completed"
    world.canary(PRIMARY, 1, seconds_ago=5)
    for action in ("evaluate", "switchover", "failover"):
        answer = world.invoke({"action": action}, home=PRIMARY)
        assert (answer["decision"], answer["status"]) == ("none", "noop")
        assert "fenced" in answer["reason"]
    assert world.fences() == {PRIMARY: True, SECONDARY: False}
    assert world.weighted()["secondary"][0] == 100
    assert len(promotions.calls) == 1


def test_the_writer_is_found_through_the_other_region(world, promotions):
    # The home region's RDS endpoint does not answer: the primary instance, standalone, is
    # the writer
    world.canary(PRIMARY, 1)
    answer = world.invoke({"action": "evaluate"}, clients=DeadRegion(SECONDARY, ("rds",)))
    assert answer["observation"]["writer_region"] == PRIMARY
    assert "cannot answer" in answer["observation"]["writer_found"]
    assert (answer["decision"], answer["status"]) == ("none", "noop")


# -- events -----------------------------------------------------------------------------------


# -- decisions (pure) -------------------------------------------------------------------------


def rds_observation(**overrides: Any) -> Observation:
    fields = dict(
        writer_region=SECONDARY,
        target_region=SECONDARY,
        writer_healthy=True,
        lag_seconds=None,
        dns_on_target=True,
        target_fenced=False,
        target_has_replica=False,
    )
    return Observation(**{**fields, **overrides})


@pytest.mark.parametrize(
    "overrides, request_, kind",
    [
        ({"target_fenced": True, "dns_on_target": False}, Request("failover"), "none"),
        ({"target_has_replica": True, "dns_on_target": False}, Request("evaluate"), "none"),
        ({"dns_on_target": False}, Request("evaluate"), "complete"),
        ({"dns_on_target": None}, Request("evaluate"), "none"),  # unreadable: do not guess
        ({"writer_region": PRIMARY}, Request("evaluate", handover=1), "complete"),
        (
            {
                "writer_region": PRIMARY,
                "writer_healthy": False,
                "lag_seconds": 1.0,
                "probe": "down",
                "outage_signals": ("RDS reports it failed",),
            },
            Request("evaluate"),
            "failover",
        ),
    ],
    ids=[
        "fenced-old-primary",
        "source-of-replica",
        "dns-behind",
        "dns-unknown",
        "hand-over",
        "unhealthy",
    ],
)
def test_rds_replica_decisions(overrides, request_, kind):
    decision = decide(rds_observation(**overrides), request_, RPO_SECONDS, "rds-replica")
    assert decision.kind == kind, decision.reason


def test_aurora_decisions_ignore_the_rds_replica_fields():
    observation = rds_observation(dns_on_target=False)
    assert decide(observation, Request("evaluate"), RPO_SECONDS).kind == "none"


# -- configuration ----------------------------------------------------------------------------


def test_config_defaults_and_the_lock_key():
    env = static_env(RDS, "weighted")
    config = OrchestratorConfig.from_env(env)
    assert config.global_cluster_id == ""  # not needed in this mode
    assert (
        config.metric_dimension,
        config.max_handovers,
        config.backup_retention_days,
        config.function_name,
    ) == (DIMENSION, MAX_HANDOVERS, BACKUP_RETENTION_DAYS, "")
    assert config.target_member_arn == env["SECONDARY_INSTANCE_ARN"]
    assert config.lock_key == LOCK_KEY
    assert (config.other_lock_table, config.fence_key("primary")) == (
        RDS.lock_table,
        f"fence#{INSTANCE_ID[PRIMARY]}",
    )
    with_function = OrchestratorConfig.from_env(
        {**env, "AWS_LAMBDA_FUNCTION_NAME": FUNCTION, "METRIC_DIMENSION": DIMENSION}
    )
    assert (with_function.function_name, with_function.metric_dimension) == (FUNCTION, DIMENSION)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"OTHER_LOCK_TABLE": None}, KeyError, "OTHER_LOCK_TABLE is required"),
        ({"OTHER_LOCK_TABLE": ""}, KeyError, "OTHER_LOCK_TABLE is required"),
        ({"HOSTED_ZONE_ID": None}, KeyError, "HOSTED_ZONE_ID is required"),  # weighted
        ({"SECONDARY_INSTANCE_ID": None}, KeyError, "SECONDARY_INSTANCE_ID is required"),
        (
            {"PRIMARY_INSTANCE_ARN": f"arn:aws:rds:{SECONDARY}:123456789012:db:orch-db-primary"},
            ValueError,
            "PRIMARY_INSTANCE_ARN must be in PRIMARY_REGION",
        ),
        (
            {"SECONDARY_INSTANCE_ARN": f"arn:aws:rds:{SECONDARY}:123456789012:cluster:orch"},
            ValueError,
            "SECONDARY_INSTANCE_ARN must be the ARN of DB instance",
        ),
        (
            {"PRIMARY_INSTANCE_ARN": "orch-db-primary"},
            ValueError,
            "PRIMARY_INSTANCE_ARN must be an ARN",
        ),
        ({"MAX_HANDOVERS": "-1"}, ValueError, "MAX_HANDOVERS must be >= 0, got -1"),
    ],
)
def test_config_validation(change, error, message):
    with pytest.raises(error, match=message):
        OrchestratorConfig.from_env(changed(static_env(RDS, "weighted"), change))
