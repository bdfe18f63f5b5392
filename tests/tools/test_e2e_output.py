"""The e2e run's output (tools/e2e/output.py, through tools/e2e/runner.py): one terminal line
per phase, the details in the run's log, a failed phase's log shown with the log's path.

The runs here are real runs of ``main()`` with the emulator and the phases replaced by
stand-ins that write what the real ones write (JSON logs, subprocess output, Terraform's
error), so the terminal seen here is the one ``./run e2e`` shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_lib.config import load_config
from dr_lambdas.common import log as lambda_log
from tools.dr_report import build_report
from tools.e2e import output, runner
from tools.e2e.context import CheckFailed, Phase, Run
from tools.e2e.output import detail

SUFFIX = "e2eout"


class StandInEmulator:
    """Starts and stops like tools.emulator.Emulator, serving nothing."""

    instances: list[StandInEmulator] = []

    def __init__(self, **_: object) -> None:
        self.endpoint = "http://127.0.0.1:1"
        self.running = False
        StandInEmulator.instances.append(self)

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False


def synthesize(run: Run) -> str:
    detail("    synthesized stack 'dbdr': 197 resources (synthesize detail)")
    return "197 resources declared"


def apply_that_fails(run: Run) -> str:
    """What a failing apply leaves: the functions' JSON, a subprocess's output, stderr."""
    detail("    terraform apply")
    lambda_log("canary.probe", host="127.0.0.1", connected=False)
    subprocess.run([sys.executable, "-c", "print('    [  1] aws_vpc.Primary: Creation complete')"])
    print("WARNING - a warning on stderr", file=sys.stderr)
    raise RuntimeError("terraform apply failed in /stack:\nError: creating RDS Cluster: boom")


def apply(run: Run) -> str:
    detail("    terraform apply")
    lambda_log("orchestrator.result", decision="failover")
    return "197 resources applied"


def verify_with_failed_check(run: Run) -> str:
    run.check(True, "the zone is private")
    run.check(False, "the writer is in the primary region")
    return "1 checks passed"


@pytest.fixture
def e2e_main(tmp_path, monkeypatch):
    """``runner.main`` in ``tmp_path`` with the stand-in emulator and the given phases."""
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    monkeypatch.setattr(runner, "Emulator", StandInEmulator)
    monkeypatch.setenv("ENVIRONMENT_SUFFIX", SUFFIX)
    monkeypatch.chdir(tmp_path)
    StandInEmulator.instances.clear()

    def run_with(*phases) -> int:
        monkeypatch.setattr(runner, "phases_of", lambda deploy_mode: phases)
        return runner.main()

    return run_with


def _summary(tmp_path: Path) -> dict:
    return json.loads((tmp_path / ".e2e" / SUFFIX / "summary.json").read_text())


def test_a_passing_run_shows_one_line_per_phase_and_the_table(e2e_main, tmp_path, capfd):
    code = e2e_main(("synthesize", synthesize), ("apply", apply))
    out, err = capfd.readouterr()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (
        f"e2e: us-east-1 -> us-west-2, suffix '{SUFFIX}', workdir .e2e/{SUFFIX}, "
        f"log .e2e/{SUFFIX}/e2e.log"
    )
    assert lines[1].startswith("[ 1/3] start emulator ....") and " ok " in lines[1]
    assert lines[2].startswith("[ 2/3] synthesize ....")
    assert lines[2].endswith(" s  197 resources declared")
    assert lines[3].startswith("[ 3/3] apply ....") and "197 resources applied" in lines[3]
    assert "| phase | result | seconds | counts |" in out
    assert lines[-1] == "e2e passed: 0 resources applied, 0 checks, 0 leftovers"
    # The details are in the log only.
    assert "synthesize detail" not in out and "orchestrator.result" not in out
    log = (tmp_path / ".e2e" / SUFFIX / "e2e.log").read_text()
    assert "synthesize detail" in log and '"event": "orchestrator.result"' in log
    assert _summary(tmp_path)["failed_phase"] is None
    assert not StandInEmulator.instances[0].running


def test_a_failed_phase_prints_its_log_and_the_logs_path(e2e_main, tmp_path, capfd):
    code = e2e_main(("synthesize", synthesize), ("apply", apply_that_fails), ("destroy", apply))
    out, err = capfd.readouterr()
    assert code == 1
    phase_lines = [line for line in out.splitlines() if line.startswith("[")]
    assert len(phase_lines) == 3  # the phases after the failed one do not run
    assert phase_lines[2].startswith("[ 3/4] apply ....") and "FAILED" in phase_lines[2]
    shown = err[err.index("---- log of phase 'apply'") :]
    assert f"(.e2e/{SUFFIX}/e2e.log) ----" in shown.splitlines()[0]
    for expected in (
        "==> apply",
        "    terraform apply",
        '"event": "canary.probe"',
        "[  1] aws_vpc.Primary: Creation complete",
        "WARNING - a warning on stderr",
        "RuntimeError: terraform apply failed in /stack:",
        "Error: creating RDS Cluster: boom",
        f"---- end of the log of phase 'apply'; the whole run's log: .e2e/{SUFFIX}/e2e.log",
    ):
        assert expected in shown, expected
    assert "synthesize detail" not in err + out  # another phase's log stays in the file
    assert "FAILED in phase 'apply': terraform apply failed in /stack: [...]" in err.splitlines()
    assert err.splitlines()[-1] == "e2e FAILED in phase 'apply'"
    assert "| apply | FAILED |" in out
    summary = _summary(tmp_path)
    assert summary["failed_phase"] == "apply"
    assert [p["name"] for p in summary["phases"]] == ["start emulator", "synthesize", "apply"]
    assert not StandInEmulator.instances[0].running


def test_a_failed_check_fails_its_phase_and_is_shown(e2e_main, capfd):
    code = e2e_main(("verify through the AWS API", verify_with_failed_check))
    out, err = capfd.readouterr()
    assert code == 1
    assert "CHECK FAILED: the writer is in the primary region" in err
    assert (
        "FAILED in phase 'verify through the AWS API': 1 check(s) failed: the writer is "
        "in the primary region"
    ) in err
    assert "CHECK FAILED" not in out


def test_a_long_phase_log_shows_its_end(tmp_path):
    log = tmp_path / "e2e.log"
    terminal = tmp_path / "terminal"
    with terminal.open("w") as out:
        console = output.Quiet(out, out, log, total=1)
        console.started("apply")
        with log.open("a") as file:
            file.writelines(f"line {i}\n" for i in range(500))
        console.finished(Phase("apply", seconds=1.0), RuntimeError("boom"))
    shown = terminal.read_text()
    assert f"its last {output.EXCERPT_LINES} of " in shown
    assert "line 499" in shown and "line 100\n" not in shown
    assert "RuntimeError: boom" in shown


def test_a_phases_terminal_line_fits_the_terminal(tmp_path):
    terminal = tmp_path / "terminal"
    with terminal.open("w") as out:
        console = output.Quiet(out, out, tmp_path / "e2e.log", total=10)
        console.started("destroy")
        console.finished(
            Phase("destroy", 214.4, "197 resources destroyed; " + "x" * 200, True), None
        )
    (line,) = terminal.read_text().splitlines()
    assert len(line) <= output.LINE_WIDTH and line.endswith("...")
    # the log keeps the whole count
    assert "x" * 200 in (tmp_path / "e2e.log").read_text()


def test_without_capture_a_phase_prints_as_it_goes(tmp_path, capsys):
    """tools/plan_fixtures.py runs phases on a Run of its own: everything on stdout."""
    run = Run(config=load_config({}, {}), workdir=tmp_path, emulator=None)
    runner.phase(run, "plan: create", lambda: (detail("    terraform plan"), "3 to add")[1])
    with pytest.raises(CheckFailed):
        runner.phase(run, "apply", lambda: run.check(False, "applied"))
    assert capsys.readouterr().out.splitlines() == [
        "",
        "==> plan: create",
        "    terraform plan",
        f"    ok in {run.phases[0].seconds:.1f} s - 3 to add",
        "",
        "==> apply",
        "    CHECK FAILED: applied",
        f"    FAILED in {run.phases[1].seconds:.1f} s ",
    ]


def test_the_summary_keeps_the_shape_the_dr_report_reads(tmp_path):
    config = load_config({"ENVIRONMENT_SUFFIX": SUFFIX}, {})
    workdir = tmp_path / "results" / SUFFIX
    workdir.mkdir(parents=True)
    run = Run(
        config=config,
        workdir=workdir,
        emulator=None,
        phases=[
            Phase("apply", 170.1, "197 resources applied", True),
            Phase("failover drill", 92.5, "failed over in 0.38 s", True),
            Phase("destroy", 3.0, "", False),
        ],
    )
    output.write_summary(run, "destroy")
    summary = json.loads((workdir / "summary.json").read_text())
    assert list(summary) == [
        "suffix",
        "primary_region",
        "secondary_region",
        "database_mode",
        "dns_routing",
        "deploy",
        "failed_phase",
        "finished_at",
        "phases",
    ]
    assert summary["deploy"] == "terraform"
    assert summary["phases"][0] == {
        "name": "apply",
        "seconds": 170.1,
        "count": "197 resources applied",
        "ok": True,
    }
    assert (workdir / "summary.md").read_text() == output.summary_table(run) + "\n"
    report = build_report(config, tmp_path / "results", tmp_path / "none.svg", tmp_path / "r.md")
    (row,) = [line for line in report.splitlines() if line.startswith(f"| {SUFFIX} ")]
    assert "| FAILED in destroy | 170 s | 92 s | 3 s | 266 s | failed over in 0.38 s |" in row
