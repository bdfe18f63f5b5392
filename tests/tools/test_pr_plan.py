"""The pull-request check (tools/pr_plan.py): review and gate, the Markdown, failures.

The gate runs on the committed real plans of this stack (tests/fixtures/plans); Terraform
runs here only on one-output stacks that need no provider. The plan of the whole stack (a
fresh one, then a risky change) against the emulator belongs to the e2e run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import pr_plan
from tools.plan_review import load_plan

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "plans"
needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform")


def fixture_path(name: str) -> str:
    return str(FIXTURES / f"{name}.json.gz")


def stack(tmp_path: Path, document: str) -> Path:
    stack_dir = tmp_path / "stacks" / "dbdr"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(document)
    return stack_dir


# The gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, accept, risk, code, verdict",
    [
        ("create", False, "none", 0, "Risk none, below high: this check passes."),
        ("tags-only", False, "low", 0, "Risk low, below high: this check passes."),
        ("widen-db-access", True, "medium", 0, "Risk medium, below high: this check passes."),
        (
            "iam-widening",
            False,
            "high",
            30,
            "High risk: this check fails until a maintainer adds the label `accept-high-risk`.",
        ),
        (
            "iam-widening",
            True,
            "high",
            0,
            "High risk accepted by the label `accept-high-risk`: this check passes.",
        ),
    ],
)
def test_gate_on_real_plans(name, accept, risk, code, verdict):
    outcome = pr_plan.gate(load_plan(fixture_path(name)), accept_high=accept, title="**t**")
    assert (outcome.risk, outcome.exit_code) == (risk, code)
    lines = outcome.markdown.splitlines()
    assert lines[0] == pr_plan.MARKER
    assert lines[1] == "**t**"
    assert f"**{verdict}**" in lines
    # The review of tools/plan_review.py comes before the verdict.
    assert outcome.markdown.index("### Risk") < outcome.markdown.index(verdict)
    assert outcome.plan is not None


def test_the_review_names_the_high_risk_finding():
    outcome = pr_plan.gate(load_plan(fixture_path("iam-widening")))
    assert "| high | `aws_iam_role_policy.SecondaryFailover_Function_Policy_" in outcome.markdown


# Command line with --plan -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args, code, line",
    [
        ("no-change", [], 0, "pr-plan: risk none, exit 0"),
        ("drop-backup-buckets", [], 30, "pr-plan: risk high, exit 30"),
        ("drop-backup-buckets", ["--accept-high"], 0, "pr-plan: risk high, exit 0"),
    ],
)
def test_cli_plan_exit_code_markdown_and_github_files(tmp_path, capsys, name, args, code, line):
    out, summary, outputs = tmp_path / "review.md", tmp_path / "summary", tmp_path / "outputs"
    environ = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    argv = ["--plan", fixture_path(name), "--out", str(out), *args]
    assert pr_plan.main(argv, environ=environ) == code
    assert capsys.readouterr().out.startswith(line)
    markdown = out.read_text()
    assert markdown.splitlines()[0] == pr_plan.MARKER
    assert summary.read_text() == markdown + "\n"
    risk = "none" if name == "no-change" else "high"
    assert outputs.read_text() == f"risk={risk}\nexit-code={code}\n"


def test_cli_unreadable_plan_is_one_error_line_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "plan.json"
    bad.write_text('{"format_version": "1.2"}')
    out = tmp_path / "review.md"
    assert pr_plan.main(["--plan", str(bad), "--out", str(out)], environ={}) == pr_plan.INVALID
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not out.exists()


def test_invalid_configuration_exits_2_with_one_line_and_writes_nothing(tmp_path):
    """The real command line, before any synth: a bad setting in the environment."""
    out = tmp_path / "review.md"
    env = {"PATH": "/usr/bin:/bin", "DR_PRIMARY_REGION": "mars-north-1"}
    result = subprocess.run(
        [sys.executable, "-m", "tools.pr_plan", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: invalid primary_region='mars-north-1'")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == "" and not out.exists()


# Terraform steps (stacks that need no provider) -------------------------------------------


@needs_terraform
def test_a_stack_that_plans_is_reviewed_and_its_plan_files_stay(tmp_path):
    stack_dir = stack(tmp_path, json.dumps({"output": {"greeting": {"value": "hello"}}}))
    outcome = pr_plan.pr_plan(stack_dir)
    assert (outcome.risk, outcome.exit_code) == ("none", 0), outcome.markdown
    assert outcome.plan["output_changes"]["greeting"]["after"] == "hello"
    assert json.loads((stack_dir / pr_plan.PLAN_JSON).read_text()) == outcome.plan
    assert (stack_dir / pr_plan.PLAN_FILE).is_file()
    assert outcome.markdown.startswith(f"{pr_plan.MARKER}\n**Stack `dbdr`**\n")


@needs_terraform
@pytest.mark.parametrize(
    "document, step, error",
    [
        ('{"output": {"x": ', "terraform init", "Unclosed object"),
        ('{"output": {"x": {"value": "${var.missing}"}}}', "terraform plan", "undeclared"),
    ],
)
def test_a_failing_step_is_named_with_the_end_of_its_output(tmp_path, document, step, error):
    stack_dir = stack(tmp_path, document)
    outcome = pr_plan.pr_plan(stack_dir, accept_high=True)
    assert outcome.exit_code == pr_plan.STEP_FAILED and outcome.plan is None
    assert outcome.risk == pr_plan.FAILED_RISK
    lines = outcome.markdown.splitlines()
    assert lines[0] == pr_plan.MARKER
    assert f"## Terraform plan review: `{step}` failed" in lines
    fenced = outcome.markdown.split("```text\n", 1)[1].split("\n```", 1)[0]
    assert "Error:" in fenced and error in fenced
    assert not (stack_dir / pr_plan.PLAN_JSON).exists()


@needs_terraform
def test_cli_stack_dir_failure_exits_1_and_still_writes_the_review(tmp_path, capsys):
    stack_dir = stack(tmp_path, "{")
    out = tmp_path / "review.md"
    code = pr_plan.main(["--stack-dir", str(stack_dir), "--out", str(out)], environ={})
    assert code == pr_plan.STEP_FAILED
    assert "a step failed" in capsys.readouterr().out
    assert "`terraform init` failed" in out.read_text()


# Markdown details -------------------------------------------------------------------------


def test_failure_output_with_backticks_gets_a_longer_fence():
    outcome = pr_plan.failure("terraform plan", "Error: see\n```\nnot the end\n```")
    assert "````text\nError: see\n```\nnot the end\n```\n````" in outcome.markdown


def test_failure_shows_only_the_end_of_a_long_output():
    outcome = pr_plan.failure("terraform plan", "\n".join(f"line {i}" for i in range(500)))
    assert "line 499" in outcome.markdown and "line 439\n" not in outcome.markdown
    assert "line 440\n" in outcome.markdown


def test_title_names_the_stack_environment_regions_and_state(tmp_path):
    tags = [{"tags": {"Environment": "prod"}}]
    document = {
        "provider": {
            "aws": [
                {"alias": "primary", "region": "us-east-1", "default_tags": tags},
                {"alias": "secondary", "region": "us-west-2", "default_tags": tags},
            ]
        },
        "terraform": {"backend": {"s3": {"bucket": "tf-state", "key": "dbdr/prod/tf.tfstate"}}},
    }
    stack_dir = stack(tmp_path, json.dumps(document))
    assert pr_plan.stack_title(stack_dir) == (
        "**Stack `dbdr`** · environment `prod` · us-east-1 (primary), us-west-2 (secondary) · "
        "state `s3://tf-state/dbdr/prod/tf.tfstate`"
    )
