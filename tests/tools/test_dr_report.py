"""The DR report (tools/dr_report.py): budget, picture and the latest drill results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from constructs_lib.config import load_config
from tools.dr_report import build_report

ROOT = Path(__file__).resolve().parents[2]

# The shape tools/e2e/ writes to .e2e/<suffix>/summary.json and
# tests/lambdas/test_dataplane_drill.py
# to .e2e/dataplane-drill.json.
E2E_RUN = {
    "suffix": "e2er",
    "primary_region": "us-east-1",
    "secondary_region": "us-west-2",
    "database_mode": "rds-replica",
    "dns_routing": "weighted",
    "failed_phase": None,
    "finished_at": "2026-11-22T08:30:00Z",
    "phases": [
        {"name": "apply", "seconds": 277.8, "count": "183 resources applied", "ok": True},
        {
            "name": "failover drill",
            "seconds": 15.5,
            "ok": True,
            "count": (
                "orchestrator failed over in 0.19 s; plan after: 0 destroy/replace, 0 update(s)"
            ),
        },
        {"name": "destroy", "seconds": 159.1, "count": "183 resources destroyed", "ok": True},
    ],
}
DATAPLANE = {
    "engine": "postgres 15, asynchronous streaming replication, loopback, TLS",
    "decision": {"kind": "failover", "reason": "the writer in primary-site is unhealthy"},
    "time_to_first_write_seconds": 0.185,
    "committed_rows": 592,
    "committed_rows_lost": 0,
    "replica_lag_ms_before_kill": 2.79,
}


def _results(tmp_path: Path, runs: list[dict], dataplane: dict | None) -> Path:
    results = tmp_path / "results"
    for run in runs:
        (results / run["suffix"]).mkdir(parents=True)
        (results / run["suffix"] / "summary.json").write_text(json.dumps(run))
    results.mkdir(exist_ok=True)
    if dataplane:
        (results / "dataplane-drill.json").write_text(json.dumps(dataplane))
    return results


def test_report_combines_budget_picture_runs_and_dataplane(tmp_path):
    failed = {
        **E2E_RUN,
        "suffix": "e2e",
        "database_mode": "aurora-global",
        "failed_phase": "apply",
        "finished_at": "2026-11-21T10:00:00Z",
    }
    results = _results(tmp_path, [failed, E2E_RUN], DATAPLANE)
    picture = tmp_path / "docs" / "architecture.svg"
    picture.parent.mkdir()
    picture.write_text("<svg/>")
    report = build_report(load_config({}, {}), results, picture, tmp_path / "docs" / "r.md")
    sections = [line for line in report.splitlines() if line.startswith("## ")]
    assert sections == [
        "## Recovery budget (worst case, before deploying)",
        "## Architecture",
        "## Emulator deploy, drill and destroy (latest runs)",
        "## Data-plane drill (real PostgreSQL 15 on loopback)",
    ]
    assert "objectives **RTO 300 s / RPO 60 s**: **met**." in report
    assert "| **worst case** | **119** |" in report
    assert "![architecture of the synthesized stack](architecture.svg)" in report
    rows = [line for line in report.splitlines() if line.startswith("| e2e")]
    # newest run first, each with its timings and drill outcome
    assert rows[0].startswith(
        "| e2er 2026-11-22T08:30:00Z | rds-replica | us-east-1 -> us-west-2 "
        "| passed | 278 s | 16 s | 159 s | 452 s | orchestrator failed over"
    )
    assert "| FAILED in apply |" in rows[1]
    assert "| time to the first write on the promoted replica | 0.185 s |" in report
    assert "| committed rows lost | 0 |" in report


def test_missing_results_say_how_to_produce_them(tmp_path):
    results = _results(tmp_path, [], None)
    report = build_report(
        load_config({"DR_DATABASE_MODE": "rds-replica"}, {}),
        results,
        tmp_path / "none.svg",
        tmp_path / "r.md",
    )
    assert "`./run e2e` deploys, drills and destroys" in report
    assert "tests/lambdas/test_dataplane_drill.py" in report
    assert "tools.architecture` draws it" in report
    assert "**NOT met**: worst-case RTO 750 s exceeds rto_seconds 300" in report


def _cli(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("DR_") and k != "ENVIRONMENT_SUFFIX"
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.dr_report",
            "--out",
            str(tmp_path / "out" / "dr.md"),
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_exit_codes_follow_the_objectives_and_bad_input(tmp_path):
    met = _cli({}, tmp_path)
    assert met.returncode == 0 and "objectives met" in met.stdout
    assert "| **worst case** | **119** |" in (tmp_path / "out" / "dr.md").read_text()
    missed = _cli({"DR_DATABASE_MODE": "rds-replica"}, tmp_path)
    assert missed.returncode == 1 and "objectives NOT met" in missed.stdout
    bad = _cli({"DR_RTO_SECONDS": "soon"}, tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: invalid rto_seconds='soon' (from DR_RTO_SECONDS): must be a whole number"
    ]
