"""The GitHub Actions workflows (.github/workflows): actionlint passes, and they say what
docs/pull-requests.md promises (OIDC roles from repository variables, the pr-plan command,
one comment found by the marker tools/pr_plan.py writes, the protected deploy)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import pr_plan

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
PREPARE = ROOT / ".github" / "actions" / "prepare" / "action.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def actionlint(*paths: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(path: Path) -> list[dict]:
    if path == PREPARE:
        return yaml.safe_load(path.read_text())["runs"]["steps"]
    (job,) = load(path)["jobs"].values()
    return job["steps"]


def step_using(path: Path, action: str) -> dict:
    (step,) = [s for s in steps(path) if s.get("uses", "").split("@")[0] == action]
    return step


def step_index(path: Path, text: str) -> int:
    (index,) = [i for i, s in enumerate(steps(path)) if text in s.get("run", "")]
    return index


# actionlint -------------------------------------------------------------------------------


def test_actionlint_passes_on_every_workflow():
    workflows = sorted(WORKFLOWS.glob("*.yml"))
    assert {PULL_REQUEST, DEPLOY} <= set(workflows)
    result = actionlint(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "good, broken, complaint",
    [
        ("vars.AWS_PLAN_ROLE_ARN", "var.AWS_PLAN_ROLE_ARN", 'undefined variable "var"'),
        ("runs-on: ubuntu-latest", "runs-on: ubuntu-lastest", 'label "ubuntu-lastest"'),
        (
            "          state-bucket: ${{ vars.DR_STATE_BUCKET }}\n",
            "",
            'missing input "state-bucket" which is required by action "prepare"',
        ),
    ],
)
def test_actionlint_refuses_a_broken_copy(tmp_path, good, broken, complaint):
    text = PULL_REQUEST.read_text()
    assert good in text
    # A copy of .github in a repository of its own: actionlint reads the local action the
    # workflow uses from the repository's root.
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    copy = tmp_path / ".github" / "workflows" / PULL_REQUEST.name
    copy.write_text(text.replace(good, broken, 1))
    result = actionlint(copy, cwd=tmp_path)
    assert result.returncode == 1
    assert complaint in result.stdout


# The pull-request workflow ----------------------------------------------------------------


def test_pull_request_runs_on_pushes_and_label_changes_one_run_per_pull_request():
    workflow = load(PULL_REQUEST)
    assert set(workflow["on"]["pull_request"]["types"]) == {
        "opened",
        "synchronize",
        "reopened",
        "labeled",
        "unlabeled",
    }
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.event.pull_request.number" in workflow["concurrency"]["group"]


def test_pull_request_gets_aws_credentials_only_through_oidc():
    workflow = load(PULL_REQUEST)
    assert workflow["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "pull-requests": "write",
    }
    prepare = step_using(PULL_REQUEST, "./.github/actions/prepare")
    assert prepare["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"
    assert prepare["with"]["aws-region"] == "${{ vars.AWS_REGION }}"
    credentials = step_using(PREPARE, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ inputs.role-to-assume }}"
    assert credentials["with"]["aws-region"] == "${{ inputs.aws-region }}"
    for path in (PULL_REQUEST, DEPLOY, PREPARE):
        text = path.read_text()
        assert not re.search(r"secrets\.AWS_|aws-access-key-id|aws-secret-access-key", text)


def test_pull_request_skips_forks_which_get_no_oidc_token():
    (job,) = load(PULL_REQUEST)["jobs"].values()
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


def test_pull_request_runs_pr_plan_accepting_high_risk_only_with_the_label():
    run = steps(PULL_REQUEST)[step_index(PULL_REQUEST, "./run pr-plan")]
    (label,) = re.findall(
        r"contains\(github\.event\.pull_request\.labels\.\*\.name, '([^']+)'\)",
        run["env"]["ACCEPT_HIGH"],
    )
    assert label == pr_plan.ACCEPT_LABEL
    assert '[ "$ACCEPT_HIGH" != true ] || args+=(--accept-high)' in run["run"]
    assert "--out pr-review.md" in run["run"]


def test_pull_request_comment_is_found_by_the_marker_and_posted_whatever_the_exit_code():
    comment = step_using(PULL_REQUEST, "actions/github-script")
    assert comment["env"]["MARKER"] == pr_plan.MARKER
    script = comment["with"]["script"]
    assert "github.paginate(github.rest.issues.listComments" in script
    assert "startsWith(marker)" in script and "updateComment" in script
    assert "readFileSync('pr-review.md'" in script
    # The plan step never fails itself; the comment, then the gate, run after it.
    plan = step_index(PULL_REQUEST, "./run pr-plan")
    gate = step_index(PULL_REQUEST, 'exit "$CODE"')
    assert plan < steps(PULL_REQUEST).index(comment) < gate
    assert "|| code=$?" in steps(PULL_REQUEST)[plan]["run"]
    for step in (comment, steps(PULL_REQUEST)[gate]):
        assert step["if"] == "${{ !cancelled() && steps.pr-plan.outcome == 'success' }}"


# The deploy workflow ----------------------------------------------------------------------


def test_deploy_runs_on_main_in_the_protected_environment_one_at_a_time():
    workflow = load(DEPLOY)
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "production"
    prepare = step_using(DEPLOY, "./.github/actions/prepare")
    assert prepare["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    # Both workflows read the same settings, so a pull request plans what main deploys.
    shared = ("state-bucket", "environment-suffix", "settings", "aws-region")
    pull_request = step_using(PULL_REQUEST, "./.github/actions/prepare")
    assert {k: prepare["with"][k] for k in shared} == {k: pull_request["with"][k] for k in shared}


def test_deploy_uses_the_cdktf_cli_then_runs_the_integration_tests():
    deploy = step_index(DEPLOY, "npx cdktf deploy --auto-approve")
    checks = step_index(DEPLOY, "pytest tests/integration")
    assert deploy < checks
    assert "cfn-outputs/flat-outputs.json" in steps(DEPLOY)[deploy + 1]["run"]


def test_deploy_flags_are_ones_the_pinned_cdktf_cli_knows():
    cli = ROOT / "node_modules" / "cdktf-cli" / "bundle" / "bin" / "cdktf.js"
    assert cli.exists(), "the cdktf CLI is not installed: ./run installs it"
    run = steps(DEPLOY)[step_index(DEPLOY, "npx cdktf deploy")]["run"]
    flags = re.findall(r"--([a-z-]+)", run)
    assert {"auto-approve", "outputs-file", "outputs-file-include-sensitive-outputs"} <= set(flags)
    known = cli.read_text()
    for flag in flags:
        assert f'"{flag}"' in known, flag
