"""Regenerate the plan-review fixtures from real Terraform plans against the local emulator.

    python -m tools.plan_fixtures [--out tests/fixtures/plans]

``tools/plan_review.py`` is tested on plans that Terraform really produced, not on JSON
written by hand: this script deploys the default stack to the emulator and asks Terraform
to plan the changes a pull request could carry. Phases (each timed, reusing the e2e
harness in ``tools/e2e/``):

1. start the emulator (``tools/emulator/``) and synthesize the app through ``main.py``
   with environment suffix ``plans``;
2. create the stack's input (the master credentials secret), ``terraform init``, plan the
   empty state (fixture ``create``) and apply that plan;
3. for each scenario, synthesize the changed configuration into a directory of its own that
   shares the deployed state (the state file and ``.terraform`` are linked, never copied),
   ``terraform plan -out``, ``terraform show -json``, and write ``<scenario>.json.gz``;
4. destroy and stop the emulator, always, also after a failure.

The deployment's ``DR_*`` variables are taken from the scenarios only (those in the calling
shell are ignored) so the fixtures do not depend on who runs the script. The fixtures keep
what a plan review reads (header fields, ``resource_changes``, ``resource_drift``,
``output_changes``) and drop ``configuration``, ``prior_state``, ``planned_values``,
``variables``, ``relevant_attributes`` and ``timestamp`` to stay small; the gzip header
carries no name and mtime 0. ``summary.json`` records Terraform's own one-line count of
each plan, and ``README.md`` lists the fixtures; both are written here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from constructs_lib.config import TOOL_VARIABLES, load_config, read_context
from tools import e2e, terraform
from tools.emulator import Emulator

ROOT = e2e.ROOT
SUFFIX = "plans"
WORKDIR = ROOT / ".e2e" / "plan-fixtures"
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "plans"
COMMAND = "python -m tools.plan_fixtures --out tests/fixtures/plans"
# Plan keys plan_review reads; everything else is dropped from the fixtures (see above).
KEPT_KEYS = (
    "format_version",
    "terraform_version",
    "applyable",
    "complete",
    "errored",
    "resource_changes",
    "resource_drift",
    "output_changes",
)
WIDENED_POLICY_PATH = "dbdr/SecondaryFailover/Function/Policy"
WIDENED_STATEMENT = "MoveTheWriter"


def _resource(document: dict, type_: str, path: str) -> dict:
    (body,) = [
        b for b in document["resource"][type_].values() if b["//"]["metadata"]["path"] == path
    ]
    return body


def widen_orchestrator_policy(document: dict) -> None:
    """Simulate a hand edit of the synthesized JSON that review must catch.

    No configuration setting widens an IAM policy (least privilege is not configurable), so
    this edits ``cdk.tf.json`` the way someone patching the output by hand would: the
    secondary orchestrator's ``MoveTheWriter`` statement goes from the two global failover
    calls on the database's ARNs to ``rds:*`` on ``*``. Terraform then plans it for real.
    """
    body = _resource(document, "aws_iam_role_policy", WIDENED_POLICY_PATH)
    policy = json.loads(body["policy"])
    (statement,) = [s for s in policy["Statement"] if s.get("Sid") == WIDENED_STATEMENT]
    statement["Action"], statement["Resource"] = "rds:*", "*"
    body["policy"] = json.dumps(policy)


OPENED_BUCKET_POLICY_PATH = "dbdr/BackupBuckets/Primary/Policy"
OPENED_PERMISSION_PATH = "dbdr/SecondaryFailover/AllowPrimaryDown"


def open_backup_bucket(document: dict) -> None:
    """Simulate a hand edit: the primary backup bucket's policy loses its TLS-only Deny and
    lets anyone read objects (no setting can do this: the policy is not configurable)."""
    body = _resource(document, "aws_s3_bucket_policy", OPENED_BUCKET_POLICY_PATH)
    policy = json.loads(body["policy"])
    (deny,) = policy["Statement"]
    policy["Statement"] = [
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": deny["Resource"][1],
        }
    ]
    body["policy"] = json.dumps(policy)


def invoke_orchestrator_from_anyone(document: dict) -> None:
    """Simulate a hand edit: the permission that lets the primary's alarm topic start the
    secondary orchestrator admits any principal from any source."""
    body = _resource(document, "aws_lambda_permission", OPENED_PERMISSION_PATH)
    body["principal"] = "*"
    del body["source_arn"]


@dataclass(frozen=True)
class Scenario:
    """One change a pull request could carry, planned against the deployed stack."""

    name: str
    what: str  # one line for the fixtures README
    settings: dict[str, str] = field(default_factory=dict)
    edit: Callable[[dict], None] | None = None


CREATE = Scenario("create", "the default stack planned against an empty state (a first deploy)")
SCENARIOS = (
    Scenario("no-change", "the deployed configuration planned again"),
    Scenario(
        "tags-only",
        "the CostCenter tag changed: every taggable resource updates its tags",
        {"DR_COST_CENTER": "payments"},
    ),
    Scenario(
        "widen-db-access",
        "the database port admitted from 10.0.0.0/8 instead of each VPC's own /16",
        {"DR_ALLOWED_CIDRS": "10.0.0.0/8"},
    ),
    Scenario(
        "engine-upgrade",
        "Aurora PostgreSQL 15.10 -> 15.12, a minor upgrade planned in "
        "place on the global cluster, both clusters and their instances",
        {"DR_ENGINE_VERSION": "15.12"},
    ),
    Scenario(
        "rename-database",
        "database_name appdb -> ledger: forces a new primary cluster "
        "(and its instances), a member of the global cluster",
        {"DR_DATABASE_NAME": "ledger"},
    ),
    Scenario(
        "drop-backup-buckets",
        "the backup buckets turned off: both buckets and their replication deleted",
        {"DR_BACKUP_BUCKETS": "false"},
    ),
    Scenario(
        "iam-widening",
        "the synthesized JSON edited by hand (simulated in "
        "`tools/plan_fixtures.py`): the secondary orchestrator's policy allows `rds:*` "
        "on `*`",
        edit=widen_orchestrator_policy,
    ),
    Scenario(
        "bucket-policy-opened",
        "the synthesized JSON edited by hand (simulated in "
        "`tools/plan_fixtures.py`): the primary backup bucket's policy drops its TLS-only "
        "Deny and lets anyone read objects",
        edit=open_backup_bucket,
    ),
    Scenario(
        "invoke-from-anyone",
        "the synthesized JSON edited by hand (simulated in "
        "`tools/plan_fixtures.py`): anyone may invoke the secondary orchestrator (the "
        "alarm topic's permission loses its principal and source)",
        edit=invoke_orchestrator_from_anyone,
    ),
)


# Steps ------------------------------------------------------------------------------------


def deployment_environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment with only the scenario's deployment settings."""
    env = {
        k: v for k, v in os.environ.items() if not (k.startswith("DR_") and k not in TOOL_VARIABLES)
    }
    env.update(ENVIRONMENT_SUFFIX=SUFFIX, **settings)
    return env


def scenario_run(scenario: Scenario, emulator: Emulator) -> e2e.Run:
    env = deployment_environment(scenario.settings)
    config = load_config(env, read_context(ROOT))
    workdir = WORKDIR / scenario.name
    workdir.mkdir(parents=True)
    return e2e.Run(config=config, workdir=workdir, emulator=emulator)


def synthesize(run: e2e.Run, scenario: Scenario) -> str:
    # e2e.synthesize reads os.environ: it holds the scenario's environment alone meanwhile.
    with e2e.environment(deployment_environment(scenario.settings), clear=True):
        declared = e2e.synthesize(run)
    if scenario.edit is not None:
        path = run.stack_dir / "cdk.tf.json"
        document = json.loads(path.read_text())
        scenario.edit(document)
        path.write_text(json.dumps(document, indent=2))
        declared += f", edited by {scenario.edit.__name__}"
    return declared


def share_state(deployed: e2e.Run, run: e2e.Run) -> None:
    """Point a scenario's stack at the deployed state and the initialized providers."""
    state = f"terraform.{SUFFIX}.tfstate"
    for name in (".terraform", state):
        (run.stack_dir / name).symlink_to(deployed.stack_dir / name)
    shutil.copy(deployed.stack_dir / ".terraform.lock.hcl", run.stack_dir)


def terraform_counts(plan_output: str) -> dict[str, int]:
    """Terraform's own count of a plan, from the last line of ``terraform plan``."""
    if "No changes." in plan_output:
        return {"add": 0, "change": 0, "destroy": 0}
    found = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", plan_output)
    if found is None:
        raise RuntimeError(f"no plan summary in terraform's output:\n{plan_output[-2000:]}")
    return dict(zip(("add", "change", "destroy"), map(int, found.groups()), strict=True))


def plan_fixture(
    run: e2e.Run,
    scenario: Scenario,
    out: Path,
    summary: dict,
    password: str,
    plan_file: str = "review.tfplan",
) -> str:
    planned = run.tf("plan", "-input=false", "-parallelism=20", f"-out={plan_file}")
    plan = json.loads(run.tf("show", "-json", plan_file).stdout)
    counts = terraform_counts(planned.stdout)
    size = write_fixture(out / f"{scenario.name}.json.gz", plan, password)
    summary[scenario.name] = {"settings": scenario.settings, "terraform_counts": counts}
    return (
        f"{counts['add']} to add, {counts['change']} to change, {counts['destroy']} to "
        f"destroy; {scenario.name}.json.gz {size / 1024:.0f} KiB"
    )


def write_fixture(path: Path, plan: dict, password: str) -> int:
    """Write the plan's reviewed parts as deterministic gzip (no name, mtime 0).

    The fixtures are committed: refuse to write one that holds the master password (the
    stack passes it write-only, so it must be in no plan).
    """
    kept = {key: plan[key] for key in KEPT_KEYS if key in plan}
    data = json.dumps(kept, indent=1, sort_keys=True).encode() + b"\n"
    if password.encode() in data:
        raise RuntimeError(f"the master password is in the plan for {path.name}; not written")
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as packed,
    ):
        packed.write(data)
    return path.stat().st_size


def write_index(out: Path, summary: dict) -> None:
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    rows = ["| fixture | what changed | Terraform's count |", "|---|---|---|"]
    for scenario in (CREATE, *SCENARIOS):
        c = summary[scenario.name]["terraform_counts"]
        settings = ", ".join(f"`{k}={v}`" for k, v in scenario.settings.items())
        what = scenario.what + (f" ({settings})" if settings else "")
        rows.append(
            f"| `{scenario.name}.json.gz` | {what} | {c['add']} to add, "
            f"{c['change']} to change, {c['destroy']} to destroy |"
        )
    (out / "README.md").write_text(f"""# Plan fixtures

Real Terraform plans (`terraform show -json` of `terraform plan -out`) of the default
Aurora stack (environment suffix `{SUFFIX}`, us-east-1 -> us-west-2) deployed to the local
AWS emulator. `tests/tools/test_plan_review.py` runs `tools/plan_review.py` on them. Every
fixture except `create` is planned against the same deployed state.

{chr(10).join(rows)}

Regenerate them all (about 11 minutes on 2 cores: apply, one plan per scenario, destroy):

```sh
.venv/bin/python {COMMAND.removeprefix("python ")}    # or: ./run {COMMAND}
```

Each file keeps the keys a review reads (`{"`, `".join(KEPT_KEYS)}`); `configuration`,
`prior_state`, `planned_values`, `variables`, `relevant_attributes` and `timestamp` are
dropped to keep the files small. Values the emulator assigns (ids, ARNs with its account,
queue URLs with its loopback address) change on every run, so a regenerated fixture differs
in those even when nothing else changed. The generator refuses to write a plan that holds
the master password. `summary.json` holds Terraform's own count of each plan (its
`Plan: N to add, ...` line), which the tests compare with the review.
""")


# Driver -----------------------------------------------------------------------------------


def generate(out: Path) -> int:
    if WORKDIR.exists():
        shutil.rmtree(WORKDIR)
    out.mkdir(parents=True, exist_ok=True)
    emulator = Emulator()
    deployed = scenario_run(CREATE, emulator)
    staging = WORKDIR / "fixtures"
    staging.mkdir(parents=True)
    summary: dict = {}
    runs: dict[str, e2e.Run] = {}
    failed, applied = None, False

    def step(name: str, action: Callable[[], str]) -> None:
        e2e.phase(deployed, name, action)

    def start() -> str:
        emulator.start()
        return f"moto at {emulator.endpoint}"

    def prepare(scenario: Scenario) -> str:
        runs[scenario.name] = run = scenario_run(scenario, emulator)
        declared = synthesize(run, scenario)
        share_state(deployed, run)
        return declared

    def init() -> str:
        deployed.tf("init", "-input=false")
        return "AWS provider from the offline mirror" if terraform.find_mirror() else ""

    try:
        step("start emulator", start)
        step("synthesize", lambda: synthesize(deployed, CREATE))
        step("create inputs", lambda: e2e.create_inputs(deployed))
        step("terraform init", init)
        # e2e.apply applies apply.tfplan: the plan of the empty state is that plan.
        step(
            "plan: create",
            lambda: plan_fixture(
                deployed, CREATE, staging, summary, deployed.password, plan_file="apply.tfplan"
            ),
        )
        applied = True  # from here on, something may exist to destroy
        step("apply", lambda: e2e.apply(deployed))
        for scenario in SCENARIOS:
            step(f"synthesize: {scenario.name}", lambda scenario=scenario: prepare(scenario))
            step(
                f"plan: {scenario.name}",
                lambda scenario=scenario: plan_fixture(
                    runs[scenario.name], scenario, staging, summary, deployed.password
                ),
            )
        write_index(staging, summary)
        for path in sorted(staging.iterdir()):  # all or nothing: no mix of old and new
            shutil.copy(path, out / path.name)
    except (Exception, KeyboardInterrupt) as err:  # name the phase, then clean up
        failed = deployed.phases[-1].name if deployed.phases else "setup"
        print(f"\nFAILED in phase '{failed}': {err}", file=sys.stderr)
    finally:
        if applied:
            try:
                step("destroy", lambda: e2e.destroy(deployed))
            except (Exception, KeyboardInterrupt) as err:
                failed = failed or "destroy"
                print(f"\nFAILED in phase 'destroy': {err}", file=sys.stderr)
        emulator.stop()
    print("\n" + e2e.summary_table(deployed))
    if failed:
        print(f"\nplan fixtures FAILED in phase '{failed}'", file=sys.stderr)
        return 1
    sizes = ", ".join(
        f"{p.name} {p.stat().st_size / 1024:.0f} KiB" for p in sorted(out.glob("*.json.gz"))
    )
    print(f"\nwrote {len(summary)} fixtures to {out}: {sizes}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.plan_fixtures", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where to write the fixtures (default: tests/fixtures/plans)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    code = generate(args.out.resolve())
    print(f"plan fixtures: {time.perf_counter() - start:.0f} s in total")
    return code


if __name__ == "__main__":
    sys.exit(main())
