"""The pull-request check: plan the stack, review the plan, gate on its risk.

    ./run pr-plan [--out pr-review.md] [--accept-high] [--stack-dir DIR] [--plan PLAN.json]

Everything the pull-request workflow does between "AWS credentials are set" and "the
comment is posted" (``.github/workflows/pull-request.yml``, ``docs/pull-requests.md``):

1. synthesize with ``python main.py`` (the configuration comes from the environment, as
   for ``./run synth``), unless ``--stack-dir`` names an already synthesized stack or
   ``--plan`` an existing plan JSON;
2. ``terraform init`` and ``terraform plan -out=pr.tfplan`` in the stack directory, against
   its backend as synthesized (S3 with a lock file when ``DR_STATE_BUCKET`` is set), then
   ``terraform show -json`` into ``plan.json`` next to it (both stay there for other
   scanners);
3. the review of ``tools/plan_review.py`` and the gate: high risk fails unless it is
   accepted (``--accept-high``; the workflow passes it when the pull request carries the
   label ``accept-high-risk``).

The Markdown (``--out``, default ``pr-review.md``) is the pull-request comment: the marker
``<!-- dbdr-plan-review -->`` on its first line (the workflow finds its earlier comment by
it), the stack and environment, the review, then the gate's verdict. When a step fails it
names the step and shows the end of its output. On GitHub Actions the Markdown is also
appended to ``$GITHUB_STEP_SUMMARY``, and ``risk=<level>`` and ``exit-code=<code>`` to
``$GITHUB_OUTPUT``.

Exit code: 0 risk below high, or high and accepted; 30 high and not accepted; 1 synth, init
or plan failed; 2 with one ``error:`` line for an invalid configuration or an unreadable
``--plan`` file (nothing is written then).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dr_lambdas.contract import STACK_ID
from tools import plan_review, terraform
from tools.configuration import read_config

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- dbdr-plan-review -->"
ACCEPT_LABEL = "accept-high-risk"
PLAN_FILE = "pr.tfplan"
PLAN_JSON = "plan.json"
# How long a plan waits for the state lock (the S3 lock file) held by a deploy or another
# plan before it fails with "Error acquiring the state lock"; rerun the check then.
LOCK_TIMEOUT = "5m"
HIGH_NOT_ACCEPTED = 30
STEP_FAILED = 1
INVALID = 2
FAILED_RISK = "unknown"  # Outcome.risk when no plan was made
TAIL_LINES = 60


@dataclass(frozen=True)
class Outcome:
    risk: str  # "none" | "low" | "medium" | "high" (plan_review.LEVELS); FAILED_RISK on failure
    exit_code: int  # 0: below high, or high accepted; 30: high, not accepted; 1: a step failed
    markdown: str  # the comment body; first line is MARKER
    plan: dict | None  # the plan JSON (terraform show -json), None when planning failed


# Gate and Markdown ------------------------------------------------------------------------


def gate(plan: dict, *, accept_high: bool = False, title: str = "") -> Outcome:
    """Review ``plan`` (raises plan_review.PlanError if it is not one) and decide the check."""
    result = plan_review.review(plan)
    risk = result.level
    if risk != "high":
        verdict, code = f"Risk {risk}, below high: this check passes.", 0
    elif accept_high:
        verdict = f"High risk accepted by the label `{ACCEPT_LABEL}`: this check passes."
        code = 0
    else:
        verdict = f"High risk: this check fails until a maintainer adds the label `{ACCEPT_LABEL}`."
        code = HIGH_NOT_ACCEPTED
    body = plan_review.render(result) + f"\n### Gate\n\n**{verdict}**\n"
    return Outcome(risk=risk, exit_code=code, markdown=_page(title, body), plan=plan)


def failure(step: str, output: str, *, title: str = "") -> Outcome:
    """The Outcome of a step that failed: its name and the end of its output."""
    lines = output.strip().splitlines()[-TAIL_LINES:]
    text = "\n".join(lines) or "(no output)"
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    body = (
        f"## Terraform plan review: `{step}` failed\n\n"
        f"No review was made: `{step}` failed. The end of its output:\n\n"
        f"{fence}text\n{text}\n{fence}\n\n"
        "### Gate\n\n**The plan failed: this check fails until it succeeds.**\n"
    )
    return Outcome(risk=FAILED_RISK, exit_code=STEP_FAILED, markdown=_page(title, body), plan=None)


def _page(title: str, body: str) -> str:
    return f"{MARKER}\n" + (f"{title}\n\n" if title else "") + body


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def stack_title(stack_dir: Path) -> str:
    """One line naming the stack, its environment, regions and state, from its cdk.tf.json."""
    try:
        document = json.loads((stack_dir / "cdk.tf.json").read_text())
        providers = {p.get("alias", ""): p for p in document["provider"]["aws"]}
        tags = providers["primary"]["default_tags"][0]["tags"]
        backend = document["terraform"].get("backend", {})
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return f"**Stack `{stack_dir.name}`**"  # not this app's stack: no more to say
    regions = ", ".join(
        f"{providers[role]['region']} ({role})"
        for role in ("primary", "secondary")
        if role in providers
    )
    if "s3" in backend:
        state = f"state `s3://{backend['s3'].get('bucket')}/{backend['s3'].get('key')}`"
    elif "local" in backend:
        state = f"local state `{backend['local'].get('path')}`"
    else:
        state = "state: " + (", ".join(backend) or "default")
    return (
        f"**Stack `{stack_dir.name}`** · environment `{tags.get('Environment', '?')}` · "
        f"{regions} · {state}"
    )


# Plan -------------------------------------------------------------------------------------


def pr_plan(
    stack_dir: Path, *, accept_high: bool = False, env: Mapping[str, str] | None = None
) -> Outcome:
    """terraform init + plan (+ show -json) in an already synthesized stack directory
    (its backend as synthesized: S3 when DR_STATE_BUCKET is set), then the review and the gate.
    ``env`` is the environment Terraform runs with (default tools.terraform.terraform_env)."""
    stack_dir = Path(stack_dir)
    title = stack_title(stack_dir)
    try:
        environment = dict(env) if env is not None else terraform.terraform_env(stack_dir)
    except FileNotFoundError as err:  # DR_PROVIDER_MIRROR names no mirror
        return failure("terraform init", str(err), title=title)
    steps = (
        ("terraform init", ("init", "-input=false", f"-lock-timeout={LOCK_TIMEOUT}")),
        (
            "terraform plan",
            ("plan", "-input=false", f"-lock-timeout={LOCK_TIMEOUT}", f"-out={PLAN_FILE}"),
        ),
        ("terraform show", ("show", "-json", PLAN_FILE)),
    )
    for step, args in steps:
        try:
            result = terraform.run(stack_dir, *args, env=environment, check=False)
        except FileNotFoundError as err:  # no terraform on PATH, or no stack directory
            return failure(step, str(err), title=title)
        if result.returncode != 0:
            return failure(step, f"{result.stdout}\n{result.stderr}", title=title)
    (stack_dir / PLAN_JSON).write_text(result.stdout)
    try:
        return gate(json.loads(result.stdout), accept_high=accept_high, title=title)
    except (ValueError, plan_review.PlanError) as err:
        return failure("terraform show", f"not a readable plan: {err}", title=title)


def synthesize(environ: Mapping[str, str]) -> tuple[Path, subprocess.CompletedProcess]:
    """``python main.py`` into ``$CDKTF_OUTDIR`` (default cdktf.out): the stack directory
    and main.py's result."""
    outdir = Path(environ.get("CDKTF_OUTDIR") or ROOT / "cdktf.out").resolve()
    env = {**environ, "CDKTF_OUTDIR": str(outdir)}
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return outdir / "stacks" / STACK_ID, result


# Command line -----------------------------------------------------------------------------


def publish(outcome: Outcome, out: Path, environ: Mapping[str, str]) -> None:
    """Write the Markdown to ``out``, and to the job summary and outputs on GitHub Actions."""
    out.write_text(outcome.markdown)
    if environ.get("GITHUB_STEP_SUMMARY"):
        with open(environ["GITHUB_STEP_SUMMARY"], "a") as summary:
            summary.write(outcome.markdown + "\n")
    if environ.get("GITHUB_OUTPUT"):
        with open(environ["GITHUB_OUTPUT"], "a") as outputs:
            outputs.write(f"risk={outcome.risk}\nexit-code={outcome.exit_code}\n")


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(
        prog="./run pr-plan",
        description="Plan the stack, review the plan and gate the pull request on its risk.",
        epilog="exit code: 0 below high or accepted, 30 high risk, 1 a step failed, "
        "2 invalid configuration or plan file",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("pr-review.md"), help="the Markdown (pr-review.md)"
    )
    parser.add_argument(
        "--accept-high",
        action="store_true",
        help=f"high risk passes (the pull request carries the label {ACCEPT_LABEL})",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--stack-dir", type=Path, help="an already synthesized stack directory (no synth)"
    )
    source.add_argument(
        "--plan", metavar="PLAN_JSON", help="review and gate this plan JSON (no synth, no plan)"
    )
    args = parser.parse_args(argv)

    if args.plan:
        try:
            plan = plan_review.load_plan(args.plan)
        except plan_review.PlanError as err:
            print(f"error: {err}", file=sys.stderr)
            return INVALID
        outcome = gate(plan, accept_high=args.accept_high, title=f"**Plan `{args.plan}`**")
    elif args.stack_dir:
        outcome = pr_plan(args.stack_dir, accept_high=args.accept_high)
    else:
        if read_config(environ, ROOT) is None:
            return INVALID
        stack_dir, synth = synthesize(environ)
        if synth.returncode == INVALID:  # main.py refused the configuration (its error line)
            errors = [line for line in synth.stderr.splitlines() if line.startswith("error:")]
            print(errors[-1] if errors else synth.stderr.strip(), file=sys.stderr)
            return INVALID
        if synth.returncode != 0:
            outcome = failure("synth (python main.py)", f"{synth.stdout}\n{synth.stderr}")
        else:
            print(synth.stdout.strip().splitlines()[-1], file=sys.stderr)
            outcome = pr_plan(stack_dir, accept_high=args.accept_high)

    try:
        publish(outcome, args.out, environ)
    except OSError as err:
        print(f"error: cannot write {args.out}: {err.strerror or err}", file=sys.stderr)
        return INVALID
    print(
        f"pr-plan: risk {outcome.risk}, exit {outcome.exit_code}; review in {args.out}"
        + ("" if outcome.plan is not None else " (a step failed: see the review)")
    )
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
