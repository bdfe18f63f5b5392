"""The pre-commit hooks (.pre-commit-config.yaml): each passes on the project as it is and
fails on what it exists to catch. They run in a copy of the working tree (its own git
repository: pre-commit reads the index), sharing the project's installed tools."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support import ROOT

CONFIG = ROOT / ".pre-commit-config.yaml"
SHARED = (".venv", ".tools", "node_modules")


def hooks() -> dict[str, str]:
    """Hook id -> the name pre-commit reports it by."""
    (repo,) = yaml.safe_load(CONFIG.read_text())["repos"]
    return {hook["id"]: hook["name"] for hook in repo["hooks"]}


def pre_commit(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("DR_") and k != "ENVIRONMENT_SUFFIX"
    }
    environ.update(PRE_COMMIT_HOME=str(repo.parent / "pre-commit-home"), **env)
    binary = Path(sys.executable).parent / "pre-commit"
    return subprocess.run(
        [str(binary), *args], cwd=repo, env=environ, capture_output=True, text=True, timeout=300
    )


def verdicts(output: str) -> dict[str, str]:
    """Hook id -> Passed / Failed / Skipped, from pre-commit's report lines."""
    found = {}
    for hook, name in hooks().items():
        line = re.search(rf"^{re.escape(name)}\.*(?:\(no files to check\))?(\w+)$", output, re.M)
        if line:
            found[hook] = line.group(1)
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The working tree's files (tracked and new, not ignored) in a fresh git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    copy = tmp_path / "repo"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    for name in SHARED:
        (copy / name).symlink_to(ROOT / name)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    stage(copy)
    return copy


def stage(repo: Path) -> None:
    """pre-commit checks what git tracks."""
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)


def test_the_config_is_valid_and_every_hook_is_local():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (repo,) = yaml.safe_load(CONFIG.read_text())["repos"]
    assert repo["repo"] == "local"
    assert {h["id"] for h in repo["hooks"]} >= {
        "ruff-check",
        "ruff-format",
        "actionlint",
        "configuration",
        "settings-table",
    }
    assert all(h["entry"].startswith(".venv/bin/") for h in repo["hooks"])


def test_every_hook_passes_on_the_project_and_fails_on_what_it_catches(repo):
    passed = pre_commit(repo, "run", "--all-files", "--verbose")
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert verdicts(passed.stdout) == dict.fromkeys(hooks(), "Passed")

    # One of each thing the hooks exist to catch.
    (repo / "tools" / "broken.py").write_text("value = undefined_name\n")
    (repo / "tools" / "unformatted.py").write_text("x = {  'a':1 }\n")
    bad_workflow = repo / ".github" / "workflows" / "broken.yml"
    bad_workflow.parent.mkdir(parents=True, exist_ok=True)
    bad_workflow.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ vars }}\n        shell: bassh\n"
    )
    readme = repo / "README.md"
    readme.write_text(readme.read_text().replace("| `primary_region` |", "| `primary_regio` |", 1))
    stage(repo)
    failed = pre_commit(repo, "run", "--all-files", "--verbose", DR_RTO_SECONDS="soon")
    assert failed.returncode != 0
    assert verdicts(failed.stdout) == dict.fromkeys(hooks(), "Failed"), failed.stdout[-4000:]
    assert "F821" in failed.stdout  # the undefined name
    assert "broken.yml" in failed.stdout and "bassh" in failed.stdout
    assert "invalid rto_seconds='soon' (from DR_RTO_SECONDS)" in failed.stdout
    # The fixers fixed what they could: formatted, the README's table regenerated.
    assert (repo / "tools" / "unformatted.py").read_text() == 'x = {"a": 1}\n'
    assert "| `primary_region` |" in readme.read_text()
