"""The DR report: one Markdown file with what the configuration promises and what was shown.

    python -m tools.dr_report [--out docs/dr-report.md] [--results .e2e] [--picture FILE]

It combines, for the configuration in the environment and ``cdktf.json`` (the same sources
as ``main.py``):

1. the recovery budget (constructs_lib/recovery_budget.py): worst-case RTO and RPO against
   ``rto_seconds`` / ``rpo_seconds``;
2. the architecture picture (``python -m tools.architecture`` draws it), linked relative to
   the report;
3. when present, the latest results under ``--results``: every emulator deploy-drill-destroy
   run (``<suffix>/summary.json`` written by ``python -m tools.e2e``: phase timings and
   counts) and the data-plane drill on real PostgreSQL (``dataplane-drill.json`` written by
   ``tests/lambdas/test_dataplane_drill.py``: time to the first write on the promoted replica,
   committed rows lost).

Missing results are said to be missing, with the command that produces them. An invalid
configuration is one ``error:`` line and exit 2, as in ``main.py``; a budget that misses
its objectives is still reported (that is what the report is for) and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from constructs_lib.config import DrConfig  # noqa: E402
from constructs_lib.recovery_budget import recovery_budget, render_markdown  # noqa: E402
from tools.configuration import read_config  # noqa: E402

DEFAULT_OUT = ROOT / "docs" / "dr-report.md"
DEFAULT_RESULTS = ROOT / ".e2e"
DEFAULT_PICTURE = ROOT / "docs" / "architecture.svg"


def build_report(config: DrConfig, results: Path, picture: Path, out: Path) -> str:
    budget = recovery_budget(config)
    sections = [
        f"# DR report: {config.project_name} ({config.environment_suffix})",
        "",
        f"Database mode **{config.database_mode}**, primary **{config.primary_region}**, "
        f"secondary **{config.secondary_region}**, DNS **{config.dns_routing}**, "
        f"objectives **RTO {config.rto_seconds or 'none'} s / RPO {config.rpo_seconds} s**: "
        + (
            "**met**."
            if budget.meets_objectives
            else "**NOT met**: " + "; ".join(budget.problems()) + "."
        ),
        "",
        "## Recovery budget (worst case, before deploying)",
        "",
        render_markdown(budget),
        "",
        "## Architecture",
        "",
        _picture(picture, out),
        "",
        "## Emulator deploy, drill and destroy (latest runs)",
        "",
        _e2e_runs(results),
        "",
        "## Data-plane drill (real PostgreSQL 15 on loopback)",
        "",
        _dataplane(results / "dataplane-drill.json"),
        "",
    ]
    return "\n".join(sections)


def _picture(picture: Path, out: Path) -> str:
    if not picture.exists():
        return (
            f"No picture at `{_shown(picture)}`: `./run synth && .venv/bin/python -m "
            "tools.architecture` draws it."
        )
    link = os.path.relpath(picture, out.parent)
    return f"![architecture of the synthesized stack]({link})"


def _e2e_runs(results: Path) -> str:
    runs = []
    for path in sorted(results.glob("*/summary.json")):
        try:
            runs.append(json.loads(path.read_text()))
        except ValueError:
            continue  # a run that was interrupted while writing: nothing to report
    if not runs:
        return (
            f"No emulator run under `{_shown(results)}`: `./run e2e` deploys, drills and "
            "destroys, then writes `<suffix>/summary.json` there."
        )
    runs.sort(key=lambda run: run.get("finished_at", ""), reverse=True)
    lines = [
        "| run | mode | regions | result | apply | drill | destroy | total | drill outcome |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        phases = {phase["name"]: phase for phase in run["phases"]}
        total = sum(phase["seconds"] for phase in run["phases"])
        result = "passed" if not run.get("failed_phase") else f"FAILED in {run['failed_phase']}"
        lines.append(
            f"| {run['suffix']} {run.get('finished_at', '')} "
            f"| {run.get('database_mode', 'not recorded')} "
            f"| {run['primary_region']} -> {run['secondary_region']} | {result} "
            f"| {_seconds(phases.get('apply'))} | {_seconds(phases.get('failover drill'))} "
            f"| {_seconds(phases.get('destroy'))} | {total:.0f} s "
            f"| {phases.get('failover drill', {}).get('count', 'not run')} |"
        )
    return "\n".join(lines)


def _seconds(phase: dict[str, Any] | None) -> str:
    return f"{phase['seconds']:.0f} s" if phase else "-"


def _dataplane(path: Path) -> str:
    if not path.exists():
        return (
            f"No data-plane drill at `{_shown(path)}`: `./run test` (or `.venv/bin/python "
            "-m pytest tests/lambdas/test_dataplane_drill.py`) runs it and writes it."
        )
    drill = json.loads(path.read_text())
    return "\n".join(
        [
            "| measure | value |",
            "|---|---|",
            f"| engine | {drill['engine']} |",
            f"| decision | {drill['decision']['kind']}: {drill['decision']['reason']} |",
            f"| time to the first write on the promoted replica | "
            f"{drill['time_to_first_write_seconds']} s |",
            f"| committed rows | {drill['committed_rows']} |",
            f"| committed rows lost | {drill['committed_rows_lost']} |",
            f"| replica lag before the kill | {drill['replica_lag_ms_before_kill']} ms |",
        ]
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--picture", type=Path, default=DEFAULT_PICTURE)
    args = parser.parse_args(argv)
    config = read_config(os.environ, ROOT)
    if config is None:
        return 2
    report = build_report(config, args.results, args.picture, args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    met = recovery_budget(config).meets_objectives
    print(f"wrote {_shown(args.out)}: objectives {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
