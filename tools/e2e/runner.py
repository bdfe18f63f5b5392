"""The run: its phases in order, each timed and reported; the emulator always stops; the
summary is written; the exit code says whether every phase passed."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from constructs_lib.config import DrConfig
from tools.configuration import read_config
from tools.e2e import cli, deploy, drill, output
from tools.e2e.context import DEPLOY_MODES, DEPLOY_SETTING, ROOT, CheckFailed, Phase, Run
from tools.e2e.output import Console
from tools.e2e.verify import verify, verify_nothing_left
from tools.emulator import Emulator

DEFAULT_SUFFIX = "e2e"
NEW_ACCOUNT_CONCURRENCY = 10

Phases = tuple[tuple[str, Callable[[Run], str]], ...]


def phases_of(deploy_mode: str) -> Phases:
    """The phases after "start emulator", in order; the names are the summary's
    (tools/dr_report.py reads "apply", "failover drill" and "destroy"). DR_E2E_DEPLOY=cdktf
    deploys with the cdktf CLI (tools/e2e/cli.py), the state in S3, and adds the
    pull-request check; terraform deploys with Terraform (tools/e2e/deploy.py)."""
    cdktf = deploy_mode == "cdktf"
    tool = cli if cdktf else deploy
    plan = ("pr-plan + checkov", cli.pr_plan_and_scan)
    risky = [("pr-plan of a risky change", cli.risky_change)]
    if not cdktf:
        plan, risky = ("plan + checkov", deploy.plan_and_scan), []
    return (
        ("create inputs", deploy.create_inputs),
        ("synthesize", tool.synthesize),
        plan,
        ("apply", tool.apply),
        ("verify through the AWS API", verify),
        ("integration tests", deploy.integration_tests),
        *risky,
        ("failover drill", drill.failover_drill),
        ("destroy", tool.destroy),
        ("verify nothing left", verify_nothing_left),
    )


def phase(run: Run, name: str, action: Callable[[], str]) -> None:
    """Run one phase: timed, failed by an exception or by any of its checks, reported by
    the run's console either way."""
    record = Phase(name)
    run.phases.append(record)
    run.console.started(name)
    start = time.perf_counter()
    failures_before = len(run.failures)
    error: BaseException | None = None
    try:
        record.count = action() or ""
        failed = run.failures[failures_before:]
        if failed:
            raise CheckFailed(f"{len(failed)} check(s) failed: " + "; ".join(failed))
        record.ok = True
    except BaseException as err:
        error = err
        raise
    finally:
        record.seconds = time.perf_counter() - start
        run.console.finished(record, error)


def main() -> int:
    deploy_mode = _deploy_mode()
    config = _config()
    if config is None or deploy_mode is None:
        return 2
    workdir = _fresh_workdir(config)
    log = workdir / output.LOG_NAME
    with output.captured(log) as (out, err):
        console = output.Quiet(out, err, log, total=1 + len(phases_of(deploy_mode)))
        return run_all(config, workdir, console, deploy_mode)


def _deploy_mode() -> str | None:
    """How the run deploys: DR_E2E_DEPLOY, ``terraform`` unless set; None (with one error
    line) when it names no mode. The setting is the run's, not the deployment's: it leaves
    the environment here, so neither this process's configuration nor main.py (which
    refuses unknown ``DR_`` settings) sees it."""
    mode = os.environ.pop(DEPLOY_SETTING, "").strip() or DEPLOY_MODES[0]
    if mode in DEPLOY_MODES:
        return mode
    allowed = " or ".join(DEPLOY_MODES)
    print(f"error: {DEPLOY_SETTING} must be {allowed}, got {mode!r}", file=sys.stderr)
    return None


def _config() -> DrConfig | None:
    """The deployment's settings from the environment (the e2e suffix unless one is set);
    the emulator endpoint is this run's, never one from the environment."""
    environ = dict(os.environ)
    environ.setdefault("ENVIRONMENT_SUFFIX", DEFAULT_SUFFIX)
    environ.pop("DR_EMULATOR_ENDPOINT", None)
    return read_config(environ, ROOT)


def _fresh_workdir(config: DrConfig) -> Path:
    workdir = ROOT / ".e2e" / config.environment_suffix
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    return workdir


def run_all(
    config: DrConfig, workdir: Path, console: Console, deploy_mode: str = DEPLOY_MODES[0]
) -> int:
    """Every phase, the summary (table on the console, files in ``workdir``), the verdict."""
    shown = workdir.relative_to(ROOT)
    through = "" if deploy_mode == DEPLOY_MODES[0] else f", deployed through {deploy_mode}"
    console.say(
        f"e2e: {config.primary_region} -> {config.secondary_region}, "
        f"suffix {config.environment_suffix!r}, workdir {shown}, "
        f"log {shown / output.LOG_NAME}{through}"
    )
    # A new account's Lambda concurrency quota (10): any reserved concurrency is refused, as
    # on such an account (tools/emulator/rules.py, rule 4).
    emulator = Emulator(lambda_concurrency_quota=NEW_ACCOUNT_CONCURRENCY)
    run = Run(
        config=config, workdir=workdir, emulator=emulator, console=console, deploy_mode=deploy_mode
    )
    failed = _run_phases(run)
    console.say("\n" + output.summary_table(run))
    output.write_summary(run, failed)
    if failed:
        console.say(f"\ne2e FAILED in phase '{failed}'", error=True)
        return 1
    console.say(
        f"\ne2e passed: {len(run.applied)} resources applied, {run.checks} checks, 0 leftovers"
    )
    return 0


def _run_phases(run: Run) -> str | None:
    """The name of the phase that failed, or None; the emulator stops either way."""
    try:
        phase(run, "start emulator", lambda: _start(run.emulator))
        for name, step in phases_of(run.deploy_mode):
            phase(run, name, lambda step=step: step(run))
    except (Exception, KeyboardInterrupt) as err:  # report the phase, then stop cleanly
        failed = run.phases[-1].name if run.phases else "setup"
        run.console.say(f"\nFAILED in phase '{failed}': {_headline(err)}", error=True)
        return failed
    finally:
        run.emulator.stop()
    return None


def _start(emulator: Emulator) -> str:
    emulator.start()
    return f"moto at {emulator.endpoint}"


def _headline(err: BaseException) -> str:
    """The error's first line: the rest is in the phase's log, shown above it."""
    lines = str(err).strip().splitlines()
    more = " [...]" if len(lines) > 1 else ""
    return (lines[0] if lines else type(err).__name__) + more
