"""What the failover orchestrator does alike in both DR modes, against moto: each test runs
on the aurora-global world (failover records) and on the rds-replica world (weighted
records) of orchestrator_world.py. Each mode's own behaviour is tested in
test_orchestrator.py and test_orchestrator_rds.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from moto import mock_aws

from dr_lambdas.contract import AURORA_GLOBAL, RDS_REPLICA
from support.orchestrator_world import (
    ALARM,
    BACKUP_RETENTION_DAYS,
    GLOBAL_ID,
    INSTANCE_ID,
    PRIMARY,
    RDS,
    RPO_SECONDS,
    SECONDARY,
    RdsWorld,
    World,
    build_aurora_world,
    build_rds_world,
)

# What reaches moto's RDS backend when the writer fails over.
FAILOVER_OPERATION = {AURORA_GLOBAL: "failover_global_cluster", RDS_REPLICA: "promote_read_replica"}

# Part of the plan a dry run in the secondary region answers when the primary's writer is
# down: the writer change, and the DNS change after it (alarms flipped with failover records;
# with weighted records, the weights and the fence that keeps the old primary out).
DRY_RUN_PLAN: dict[str, Callable[[World], dict[str, Any]]] = {
    AURORA_GLOBAL: lambda world: {
        "region": SECONDARY,
        "operation": "FailoverGlobalCluster",
        "arguments": {
            "GlobalClusterIdentifier": GLOBAL_ID,
            "AllowDataLoss": True,
            "TargetDbClusterIdentifier": world.env["SECONDARY_CLUSTER_ARN"],
        },
        "dns": {
            "alarms": [
                {"alarm": ALARM[PRIMARY], "region": PRIMARY, "state": "ALARM"},
                {"alarm": ALARM[SECONDARY], "region": SECONDARY, "state": "OK"},
            ]
        },
    },
    RDS_REPLICA: lambda world: {
        "region": SECONDARY,
        "operation": "PromoteReadReplica",
        "arguments": {
            "DBInstanceIdentifier": INSTANCE_ID[SECONDARY],
            "BackupRetentionPeriod": BACKUP_RETENTION_DAYS,
        },
        "dns": {
            "fence": {
                "instance": INSTANCE_ID[PRIMARY],
                "metric": f"Fenced=1 in {SECONDARY}",
                "remembered": f"fence#{INSTANCE_ID[PRIMARY]} in {RDS.lock_table}",
            },
            "weights": {"primary": 0, "secondary": 100},
        },
    },
}


@pytest.fixture(
    params=[(build_aurora_world, "failover"), (build_rds_world, "weighted")],
    ids=["aurora-global", "rds-replica"],
)
def world(request, fast_moto):
    build, dns_mode = request.param
    with mock_aws():
        yield build(dns_mode)


@pytest.fixture()
def writer_changes(writer_calls, promotions) -> Callable[[], list[str]]:
    """The writer changes that have reached moto's RDS backend, by operation: global
    switchovers / failovers (aurora-global) and promotions (rds-replica)."""
    promoted = FAILOVER_OPERATION[RDS_REPLICA]
    return lambda: [name for name, _ in writer_calls] + [promoted] * len(promotions.calls)


# -- dry run ----------------------------------------------------------------------------------


def test_dry_run_returns_the_plan_and_changes_nothing(world, writer_changes):
    world.outage(PRIMARY)
    world.lag(2)
    records = world.writer_records()
    answer = world.invoke({"action": "evaluate", "dry_run": True})
    assert (answer["decision"], answer["status"]) == ("failover", "dry_run")
    plan, expected = answer["plan"], DRY_RUN_PLAN[world.deployment.dr_mode](world)
    # The plan holds at least what is expected (and may say more)
    assert plan == {**plan, **expected, "dns": {**plan["dns"], **expected["dns"]}}
    assert writer_changes() == []
    assert not world.moved()
    assert world.writer_records() == records
    assert world.writer_alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    if isinstance(world, RdsWorld):
        assert world.fences() == {PRIMARY: False, SECONDARY: False}
    assert world.phases() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []
    assert world.duration_metrics() == []


# -- refusals and force -----------------------------------------------------------------------


def test_refuses_when_the_lag_exceeds_the_rpo(world, writer_changes):
    world.outage(PRIMARY)
    world.lag(RPO_SECONDS + 30)
    answer = world.invoke({"action": "failover"})
    assert (answer["decision"], answer["status"]) == ("refuse", "refused")
    assert "force=true" in answer["reason"]
    assert writer_changes() == []
    assert not world.moved()
    # A refusal on a sick writer is news: operators must decide
    assert world.phases() == {PRIMARY: ["refused"], SECONDARY: ["refused"]}


def test_refuses_when_the_lag_is_unknown(world, writer_changes):
    world.outage(PRIMARY)  # and no replication lag datapoint at all
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("refuse", "refused")
    assert answer["observation"]["lag_seconds"] is None
    assert "unknown" in answer["reason"]
    assert writer_changes() == []
    assert not world.moved()


@pytest.mark.parametrize("lag", [RPO_SECONDS + 30, None], ids=["lag", "unknown"])
def test_force_overrides_the_refusal(world, writer_changes, lag):
    world.outage(PRIMARY)
    if lag is not None:
        world.lag(lag)
    answer = world.invoke({"action": "failover", "force": True})
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert writer_changes() == [FAILOVER_OPERATION[world.deployment.dr_mode]]
    assert world.moved()
    if isinstance(world, RdsWorld):
        assert world.weighted()["secondary"][0] == 100


# -- idempotency and concurrency --------------------------------------------------------------


@pytest.mark.parametrize("action", ["evaluate", "failover"])
def test_repeated_trigger_after_a_failover_does_nothing(world, writer_changes, action):
    world.outage(PRIMARY)
    world.lag(1)
    first = world.invoke({"action": "evaluate"})
    world.notifications()  # drain
    second = world.invoke({"action": action})
    assert first["status"] == "completed"
    assert (second["decision"], second["status"]) == ("none", "noop")
    assert len(writer_changes()) == 1
    assert world.moved()
    assert world.phases() == {PRIMARY: [], SECONDARY: []}
    if isinstance(world, RdsWorld):  # the old primary stays fenced
        assert second["observation"]["dns_on_target"] is True
        assert world.fences() == {PRIMARY: True, SECONDARY: False}


def test_live_lock_of_another_run_blocks(world, writer_changes):
    world.outage(PRIMARY)
    world.lag(1)
    world.put_lock("other-run", expires_at=int(time.time()) + 300)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("failover", "locked")
    assert answer["held_by"] == "other-run"
    assert writer_changes() == []
    assert not world.moved()
    # The other run's lock is untouched
    (item,) = world.lock_items()
    assert item["holder"] == {"S": "other-run"}


# -- events -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event, message",
    [
        ({"action": "promote"}, "action must be one of"),
        ({"action": "failover", "dryrun": True}, "unknown event keys 'dryrun'"),
        ({"action": "failover", "force": "yes"}, "force must be true or false"),
        ({"action": "failover", "dry_run": 1}, "dry_run must be true or false"),
        (["failover"], "must be a JSON object"),
        ({"Records": [{"Sns": {"Message": "not json"}}]}, "not a CloudWatch alarm"),
        ({"action": "evaluate", "handover": -1}, "handover must be a non-negative integer"),
        ({"action": "evaluate", "handover": True}, "handover must be a non-negative integer"),
        ({"action": "evaluate", "handover": "1"}, "handover must be a non-negative integer"),
        ({"action": "evaluate", "hand_over": 1}, "unknown event keys 'hand_over'"),
    ],
)
def test_invalid_events_answer_an_error(world, writer_changes, event, message):
    world.outage(PRIMARY)
    world.lag(1)
    answer = world.invoke(event)
    assert answer["status"] == "error"
    assert message in answer["reason"]
    assert writer_changes() == []
    assert not world.moved()
