"""The failover decision table of dr_lambdas/README.md, one test per row: an unplanned
failover that allows data loss needs two independent signals that agree the writer is down.

Each row is decided by ``decide`` (pure); tests/lambdas/test_orchestrator.py reads the same signals
from the AWS APIs (moto) the way the deployed orchestrator does and checks what it does with
them: refuse, publish ``FailoverRefused`` and tell both topics, or fail over.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dr_lambdas.orchestrator.decision import Observation, Request, decide

ROOT = Path(__file__).resolve().parents[2]
RPO = 60.0
RDS_DOWN = "the RDS API in us-east-1 reports it not available: instance x is failed"
RDS_GONE = "the RDS API in us-east-1 cannot be reached: EndpointConnectionError"
PEER_DOWN = "a probe from us-west-2 across the peering cannot connect either"


def observed(
    probe: str, signals: tuple[str, ...] = (), peer_answers: bool = False, lag: float | None = 1.0
) -> Observation:
    return Observation(
        writer_region="us-east-1",
        target_region="us-west-2",
        writer_healthy=probe == "ok",
        lag_seconds=lag,
        probe=probe,
        outage_signals=signals,
        peer_answers=peer_answers,
    )


ROWS = {
    # row: (observation, request, decision, words in the reason)
    1: (observed("ok"), Request("evaluate"), "none", "is healthy"),
    2: (
        observed("fault", (RDS_DOWN, PEER_DOWN)),
        Request("evaluate"),
        "refuse",
        "canary fault is never a reason",
    ),
    3: (observed("down"), Request("evaluate"), "refuse", "only one signal"),
    4: (observed("down", (RDS_DOWN,)), Request("evaluate"), "failover", "confirmed: the RDS"),
    5: (observed("unreadable", (RDS_GONE,)), Request("evaluate"), "failover", "cannot be reached"),
    6: (
        observed("silent", (PEER_DOWN,)),
        Request("evaluate"),
        "failover",
        "across the peering cannot connect",
    ),
    7: (
        observed("down", (RDS_DOWN,), peer_answers=True),
        Request("evaluate"),
        "refuse",
        "answers a probe from us-west-2",
    ),
    8: (
        observed("down", (RDS_DOWN, PEER_DOWN), lag=90.0),
        Request("evaluate"),
        "refuse",
        "exceeds the RPO",
    ),
    9: (observed("down", (RDS_DOWN,), lag=None), Request("evaluate"), "refuse", "lag (unknown)"),
    10: (observed("fault"), Request("failover", force=True), "failover", "force=true"),
}


@pytest.mark.parametrize("row", sorted(ROWS), ids=[f"row-{r}" for r in sorted(ROWS)])
def test_each_row_of_the_decision_table(row):
    observation, request, kind, words = ROWS[row]
    decision = decide(observation, request, RPO)
    assert decision.kind == kind, decision.reason
    assert words in decision.reason


def test_the_readme_table_has_the_rows_tested_here():
    readme = (ROOT / "dr_lambdas" / "README.md").read_text()
    table = readme.split("## Failover decision table", 1)[1].split("\n## ", 1)[0]
    rows = [int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)]
    assert rows == sorted(ROWS)


def test_rds_replica_mode_follows_the_same_rows():
    for row in (2, 3, 4, 7):
        observation, request, kind, _ = ROWS[row]
        assert decide(observation, request, RPO, "rds-replica").kind == kind
