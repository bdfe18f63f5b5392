"""Data-plane failover drill on real servers: what an application loses when the writer dies.

A PostgreSQL primary and an asynchronous streaming replica run on loopback
(``tools/pg_cluster.py``). A writer thread inserts numbered rows into the primary, one committed
transaction each, through the canary's own connection code (TLS verified against the test
CA, SCRAM password), and records every commit the server acknowledged. Then:

1. the primary is killed (``pg_ctl stop -m immediate``: no checkpoint, no goodbye);
2. the canary probes the old primary (writer health) and the replica's last probe before
   the kill gives the replication lag; ``decide`` turns that into a decision;
3. the replica is promoted with ``pg_promote()``;
4. the clock stops at the first successful write on the new writer.

Measured: the time from the kill to that first write, and the committed rows lost
(acknowledged by the old primary, absent from the promoted replica). Replication is
asynchronous, so a few rows may be lost; the test checks the loss is exactly the
replica's missing tail, that it is bounded by the lag window, and prints both numbers. The
result also goes to ``.e2e/dataplane-drill.json``.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from constructs_lib.config import DrConfig
from dr_lambdas.canary.probe import ProbeSettings, classify, connect_postgres, probe
from dr_lambdas.orchestrator.decision import Observation, Request, decide
from tools.pg_cluster import LOOPBACK, PgCluster

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / ".e2e" / "dataplane-drill.json"

ROWS_BEFORE_KILL = 512  # committed rows to have before the kill
WRITER_MAX_ROWS = 200_000  # hard stops for the writer thread ...
WRITER_MAX_SECONDS = 20  # ... whatever happens
RPO_SECONDS = DrConfig().rpo_seconds  # what the stack deploys to the orchestrator
MAX_TIME_TO_FIRST_WRITE = 30  # seconds
# Commits acknowledged longer than this before the kill must be on the replica: streaming
# on loopback runs milliseconds behind, a second is a generous bound for a busy CI host.
MAX_LOSS_WINDOW = 1.0  # seconds


class Writer(threading.Thread):
    """Inserts rows 0, 1, 2, ... one transaction each, until the connection fails."""

    def __init__(self, settings: ProbeSettings) -> None:
        super().__init__(name="drill-writer", daemon=True)
        self.settings = settings
        self.committed: list[int] = []  # ids whose COMMIT the server acknowledged
        self.committed_at: dict[int, float] = {}  # id -> time.monotonic() of its acknowledgement
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + WRITER_MAX_SECONDS
        try:
            connection = connect_postgres(self.settings)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            return
        try:
            for row_id in range(WRITER_MAX_ROWS):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                # pg8000.native runs each statement in its own transaction (autocommit):
                # when run() returns, the server has acknowledged the commit.
                connection.run("INSERT INTO drill_rows (id) VALUES (:id)", id=row_id)
                self.committed_at[row_id] = time.monotonic()
                self.committed.append(row_id)
        except BaseException as exc:  # noqa: BLE001 - the primary was killed: expected
            self.error = exc
        finally:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass


def first_write(settings: ProbeSettings, deadline: float) -> float:
    """Retry one insert on ``settings`` until it commits; the time.monotonic() it did."""
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            connection = connect_postgres(settings)
            try:
                connection.run("INSERT INTO drill_rows (id) VALUES (-1)")
                return time.monotonic()
            finally:
                connection.close()
        except Exception as exc:  # noqa: BLE001 - not writable yet
            last_error = exc
            time.sleep(0.05)
    raise AssertionError(
        f"no successful write on the new writer before the deadline; last error: {last_error!r}"
    )


@pytest.fixture
def cluster():
    if shutil.which("initdb") is None or shutil.which("openssl") is None:
        pytest.skip("needs the PostgreSQL server binaries and the openssl CLI")
    with PgCluster() as started:
        yield started


def test_dataplane_failover_drill(cluster, capsys):
    # Given a table, replicated, and the canary's settings for both servers
    cluster.sql(
        cluster.primary,
        "CREATE TABLE drill_rows (id integer PRIMARY KEY, "
        "at timestamptz NOT NULL DEFAULT clock_timestamp())",
        f"ALTER TABLE drill_rows OWNER TO {cluster.user}",
        database=cluster.database,
    )
    cluster.wait_for_replay()
    old_primary = ProbeSettings(
        engine="postgres",
        host=LOOPBACK,
        port=cluster.primary.port,
        database=cluster.database,
        user=cluster.user,
        password=cluster.password,
        connect_timeout_seconds=2,
        ca_bundle=cluster.ca_file,
    )
    replica = replace(old_primary, port=cluster.replica.port)

    # ... and a writer committing rows while the canary keeps probing the replica
    writer = Writer(old_primary)
    writer.start()
    try:
        wait_until = time.monotonic() + WRITER_MAX_SECONDS
        replica_probe = probe(replica)
        while (
            len(writer.committed) < ROWS_BEFORE_KILL
            and writer.is_alive()
            and time.monotonic() < wait_until
        ):
            time.sleep(0.02)
        assert len(writer.committed) >= ROWS_BEFORE_KILL, f"writer stalled: {writer.error!r}"
        replica_probe = probe(replica)  # the canary's last look at the replica before the kill
        assert writer.is_alive(), f"the writer stopped before the kill: {writer.error!r}"

        # When the primary dies while rows are being written
        killed_at = time.monotonic()
        cluster.kill_primary()
        writer.join(timeout=10)
        assert not writer.is_alive(), "the writer did not notice the dead primary"
    finally:
        writer.stop.set()
        writer.join(timeout=10)

    # ... the canary sees it, a second probe (the replica site's, across the "peering")
    # cannot connect either, and the orchestrator's decision is an unplanned failover
    writer_probe = probe(old_primary)
    second_opinion = probe(old_primary)
    observation = Observation(
        writer_region="primary-site",
        target_region="replica-site",
        writer_healthy=bool(writer_probe.connected and writer_probe.is_writer),
        lag_seconds=None
        if replica_probe.replication_lag_ms is None
        else replica_probe.replication_lag_ms / 1000,
        probe="down" if writer_probe.unreachable else "fault",
        outage_signals=(
            ("a probe from replica-site cannot connect either",)
            if second_opinion.unreachable
            else ()
        ),
    )
    decision = decide(observation, Request(action="evaluate"), rpo_seconds=RPO_SECONDS)
    assert decision.kind == "failover", decision.reason
    cluster.promote(cluster.replica)
    first_write_at = first_write(replica, deadline=killed_at + MAX_TIME_TO_FIRST_WRITE)
    time_to_first_write = first_write_at - killed_at

    # Then the promoted replica is the writer, and holds every commit but a recent tail
    promoted = probe(replica)
    assert promoted.connected and promoted.is_writer is True, promoted
    on_replica = {
        row_id
        for (row_id,) in cluster.sql(
            cluster.replica, "SELECT id FROM drill_rows WHERE id >= 0", database=cluster.database
        )
    }
    committed = writer.committed
    lost = [row_id for row_id in committed if row_id not in on_replica]
    # What the replica is missing, counted from its side: it replays WAL in commit order,
    # so it has a prefix of the writer's rows and misses everything after its last one.
    last_on_replica = max(on_replica, default=-1)
    missing_on_replica = [row_id for row_id in committed if row_id > last_on_replica]
    # A commit the primary made but whose acknowledgement the kill swallowed may have
    # reached the replica: at most the one insert in flight.
    unacknowledged = sorted(on_replica - set(committed))
    loss_window = max((killed_at - writer.committed_at[row_id] for row_id in lost), default=0.0)

    report = {
        "time_to_first_write_seconds": round(time_to_first_write, 3),
        "committed_rows": len(committed),
        "committed_rows_lost": len(lost),
        "rows_missing_on_replica": len(missing_on_replica),
        "unacknowledged_rows_on_replica": len(unacknowledged),
        "loss_window_seconds": round(loss_window, 4),
        "replica_lag_ms_before_kill": replica_probe.replication_lag_ms,
        "old_primary_probe": asdict(writer_probe),
        "decision": {"kind": decision.kind, "reason": decision.reason},
        "writer_error_kind": classify(writer.error) if writer.error else None,
        "engine": "postgres 15, asynchronous streaming replication, loopback, TLS",
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    summary = (
        f"data-plane drill: time to first write on new writer "
        f"{time_to_first_write:.2f} s, committed rows lost {len(lost)} of {len(committed)} "
        f"(replica missing {len(missing_on_replica)}, "
        f"loss window {loss_window * 1000:.1f} ms)"
    )
    print(summary)
    with capsys.disabled():  # shown without -s too
        print(f"\n{summary}")

    assert writer_probe.error_kind == "refused", writer_probe
    assert replica_probe.connected and replica_probe.is_writer is False, replica_probe
    assert lost == missing_on_replica, (lost, missing_on_replica)
    assert len(unacknowledged) <= 1, unacknowledged
    assert len(lost) < len(committed)
    assert loss_window < MAX_LOSS_WINDOW, report
    assert time_to_first_write < MAX_TIME_TO_FIRST_WRITE, report
