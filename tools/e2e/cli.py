"""The run through the cdktf CLI (``DR_E2E_DEPLOY=cdktf``): the state in an S3 bucket in the
emulator, the pull-request check (``tools/pr_plan.py``) on a fresh stack and on a risky
change, and ``npx cdktf deploy``, ``diff`` and ``destroy`` instead of calling Terraform.

The CLI runs as a user runs it, from the repository root with ``cdktf.json``'s app
(``pipenv run python main.py``, in the project's ``.venv`` as ``./run`` sets it up), offline
through the generated Terraform CLI config (``tools/terraform.py``, ``cli_config``) and
with ``--skip-provider-lock`` (``terraform providers lock`` needs the public registry).
Its output directory is the run's ``cdktf.out``, so ``run.stack_dir`` is the stack the CLI
deployed, initialized against the S3 backend; the checks read the state through it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from dr_lambdas.contract import STACK_ID
from tools import pr_plan, terraform
from tools.e2e import deploy
from tools.e2e.context import ROOT, Run
from tools.e2e.harness import TEST_CREDENTIALS
from tools.e2e.output import detail

# The risky change the pull-request check must stop: another database name, which forces
# the replacement of the primary database (pitfall 2 of DESIGN.md; plan_review: high).
RISKY_SETTING = {"DR_DATABASE_NAME": "appdb_renamed"}
NO_CHANGES = "No changes. Your infrastructure matches the configuration."
OUTPUTS_FILE = "cdktf-outputs.json"
# The CLI redraws its status lines with cursor movements even with --no-color.
TERMINAL_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def cli_env(run: Run) -> dict[str, str]:
    """What the CLI and the app it runs see: the run's settings, the emulator with test
    credentials, the generated Terraform CLI config, pipenv as ``./run`` sets it."""
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "CDKTF_OUTDIR"):
        env.pop(name, None)
    env.update(
        run.settings,
        ENVIRONMENT_SUFFIX=run.config.environment_suffix,
        DR_EMULATOR_ENDPOINT=run.emulator.endpoint,
        **TEST_CREDENTIALS,
        TF_CLI_CONFIG_FILE=str(terraform.cli_config(run.workdir)),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
        PIPENV_VENV_IN_PROJECT="1",
        PIPENV_NOSPIN="1",
        PIPENV_YES="1",
        PIPENV_VERBOSITY="-1",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        # Otherwise the CLI sets TF_PLUGIN_CACHE_DIR (~/.terraform.d/plugin-cache, outside
        # the run) and Terraform installs the provider through it. Only the variable works:
        # the CLI reads it before its options (--disable-plugin-cache-env does nothing).
        CDKTF_DISABLE_PLUGIN_CACHE_ENV="1",
    )
    return env


def cdktf(
    run: Run, command: str, *args: str, progress: Callable[[str], None] | None = None
) -> subprocess.CompletedProcess:
    """``npx cdktf <command> dbdr ... <args>`` from the repository root; its whole output
    (without terminal control sequences) goes to ``cdktf-<command>.log`` in the run's
    workdir; raise with its end on failure."""
    argv = [
        "npx",
        "--no-install",
        "cdktf",
        command,
        STACK_ID,
        "--output",
        str(run.workdir / "cdktf.out"),
        "--skip-provider-lock",
        "--no-color",
        *args,
    ]
    detail(f"    npx cdktf {command} {' '.join(args)}".rstrip())
    log = run.workdir / f"cdktf-{command}.log"
    lines: list[str] = []
    with (
        log.open("w") as out,
        subprocess.Popen(
            argv,
            cwd=ROOT,
            env=cli_env(run),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process,
    ):
        for line in process.stdout:
            line = TERMINAL_CONTROL.sub("", line)
            out.write(line)
            lines.append(line)
            if progress:
                progress(line.rstrip("\n"))
    result = subprocess.CompletedProcess(argv, process.returncode, "".join(lines), "")
    if result.returncode != 0:
        raise RuntimeError(
            f"cdktf {command} failed (exit {result.returncode}; "
            f"{log.relative_to(ROOT)}):\n{''.join(lines[-60:])}"
        )
    return result


def synthesize(run: Run) -> str:
    """The stack a pull request would plan before anything is deployed, synthesized into its
    own directory (``pr-fresh``) with the same S3 backend."""
    stack_dir = deploy.synthesize_into(run, run.workdir / "pr-fresh")
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    backend = doc["terraform"]["backend"]["s3"]
    run.check(
        backend["bucket"] == run.config.state_bucket and backend["use_lockfile"] is True,
        f"the stack keeps its state in s3://{run.config.state_bucket} with a lock file, "
        f"got {backend}",
    )
    return f"{sum(len(v) for v in doc['resource'].values())} resources declared; S3 backend"


def pr_plan_and_scan(run: Run) -> str:
    """The pull-request check on the fresh stack: no risk, exit 0; checkov scans its plan."""
    stack_dir = run.workdir / "pr-fresh" / "stacks" / STACK_ID
    outcome = _pr_plan(run, stack_dir, "fresh")
    run.check(
        (outcome.risk, outcome.exit_code) == ("none", 0),
        f"the pull-request check of a fresh stack: risk none, exit 0; got {outcome.risk}, "
        f"exit {outcome.exit_code}",
    )
    if outcome.plan is None:
        raise RuntimeError("the pull-request check made no plan:\n" + outcome.markdown)
    run.plan_json = stack_dir / pr_plan.PLAN_JSON
    return f"pr-plan: risk {outcome.risk}, exit {outcome.exit_code}; " + deploy.scan_plan(
        run, stack_dir
    )


def apply(run: Run) -> str:
    """``cdktf deploy``; the outputs come from its outputs file, the resources from the state
    (read through the S3 backend in the stack the CLI initialized)."""
    outputs_file = run.workdir / OUTPUTS_FILE
    cdktf(
        run,
        "deploy",
        "--auto-approve",
        "--outputs-file",
        str(outputs_file),
        "--outputs-file-include-sensitive-outputs",
        "--terraform-parallelism",
        "20",
        progress=_progress("Creation complete after"),
    )
    state = json.loads(run.tf("show", "-json").stdout)
    run.applied = [r for r in state["values"]["root_module"]["resources"] if r["mode"] == "managed"]
    # cdktf writes the outputs under the stack's name.
    run.outputs = json.loads(outputs_file.read_text())[STACK_ID]
    terraform_outputs = {
        name: o["value"] for name, o in json.loads(run.tf("output", "-json").stdout).items()
    }
    run.check(
        run.outputs == terraform_outputs,
        f"the outputs file holds every output with its value, as Terraform reports them; "
        f"differs in {sorted(set(run.outputs) ^ set(terraform_outputs))}",
    )
    where, _ = run.state()
    return f"{len(run.applied)} resources applied by cdktf deploy; state in {where}"


def risky_change(run: Run) -> str:
    """The pull-request check of a risky change against the deployed state: high, exit 30,
    the resource named; accepted: exit 0. Nothing is applied."""
    stack_dir = deploy.synthesize_into(run, run.workdir / "pr-risky", **RISKY_SETTING)
    _, before = run.state()
    outcome = _pr_plan(run, stack_dir, "risky")
    replaced = sorted(
        r["address"]
        for r in (outcome.plan or {}).get("resource_changes", [])
        if {"delete", "create"} <= set(r["change"]["actions"])
    )
    run.check(
        (outcome.risk, outcome.exit_code) == ("high", pr_plan.HIGH_NOT_ACCEPTED),
        f"the pull-request check of {RISKY_SETTING}: risk high, exit 30; got {outcome.risk}, "
        f"exit {outcome.exit_code}",
    )
    database = [a for a in replaced if a.startswith(("aws_rds_cluster.", "aws_db_instance."))]
    run.check(
        bool(database) and all(a in outcome.markdown for a in database),
        f"the review names the database it replaces, replaced {replaced}",
    )
    # The label changes the gate, not the plan: the same plan, gated as a labeled rerun is.
    accepted = pr_plan.gate(outcome.plan or {}, accept_high=True)
    run.check(
        (accepted.risk, accepted.exit_code) == ("high", 0) and "accepted" in accepted.markdown,
        f"accepted, the high risk passes and says so: got {accepted.risk}, exit "
        f"{accepted.exit_code}",
    )
    _, after = run.state()
    run.check(after == before, "the pull-request check applied nothing: the state is unchanged")
    return (
        f"{next(iter(RISKY_SETTING))} changed: risk {outcome.risk}, exit {outcome.exit_code}, "
        f"replaces {', '.join(database) or 'nothing'}; accepted: exit {accepted.exit_code}"
    )


def diff_reports_no_changes(run: Run) -> None:
    """``cdktf diff`` of the deployed configuration: Terraform's "No changes" line."""
    result = cdktf(run, "diff")
    plans = [line.strip() for line in result.stdout.splitlines() if "Plan:" in line]
    run.check(
        NO_CHANGES in result.stdout and not plans,
        f"cdktf diff after failover reports no changes, got {plans or 'no such line'} "
        f"({run.workdir.relative_to(ROOT) / 'cdktf-diff.log'})",
    )


def plan_after_failover(run: Run) -> pr_plan.Outcome:
    """``cdktf diff``, then the pull-request check of the deployed configuration."""
    diff_reports_no_changes(run)
    return _pr_plan(run, run.stack_dir)  # the drill keeps its review


def destroy(run: Run) -> str:
    """The teardown's detach, then ``cdktf destroy``; the state, read through the S3
    backend, is empty after it."""
    detached = deploy.detach(run)
    cdktf(
        run,
        "destroy",
        "--auto-approve",
        "--terraform-parallelism",
        "20",
        progress=_progress("Destruction complete after"),
    )
    destroyed = deploy.state_is_empty(run)
    return f"{destroyed} resources destroyed by cdktf destroy; {detached.summary()}"


def _pr_plan(run: Run, stack_dir: Path, name: str = "") -> pr_plan.Outcome:
    """``tools.pr_plan.pr_plan`` on ``stack_dir``; with a ``name``, its Markdown is kept as
    pr-review-<name>.md in the run's workdir."""
    outcome = pr_plan.pr_plan(stack_dir)
    kept = ""
    if name:
        review = run.workdir / f"pr-review-{name}.md"
        review.write_text(outcome.markdown)
        kept = f" ({review.relative_to(ROOT)})"
    detail(
        f"    pr-plan {stack_dir.relative_to(run.workdir)}: risk {outcome.risk}, exit "
        f"{outcome.exit_code}{kept}"
    )
    return outcome


def _progress(marker: str) -> Callable[[str], None]:
    """One numbered line per finished resource, and every error line."""
    done = 0

    def show(line: str) -> None:
        nonlocal done
        text = line.strip().removeprefix(STACK_ID).strip()
        if marker in text or text.startswith("Error"):
            done += marker in text
            detail(f"    [{done:3d}] {text}")

    return show
