"""The checkov gate: scan synthesized Terraform JSON (or a plan) and accept no failure
that is not skipped inline, with a reason, on the resource it flags.

checkov runs from its own virtualenv (``.tools/checkov``, installed by ``./run`` from
``tools/checkov-requirements.txt``): it pins boto3 1.35 and other libraries that the test
stack (moto, boto3) needs newer. checkov's terraform_json runner ignores skip comments, so
the gate applies the project's inline skips (``constructs_lib/checks.py``) itself. A scan
that ran no check fails the gate: a known checkov bug (#7454) reports success with zero
checks when it cannot parse a file.

    python -m tools.checkov_gate cdktf.out/stacks/dbdr/cdk.tf.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from constructs_lib.checks import skips_of  # noqa: E402
from dr_lambdas.contract import STACK_ID  # noqa: E402

CHECKOV = Path(os.environ.get("DR_CHECKOV", ROOT / ".tools" / "checkov" / "bin" / "checkov"))


@dataclass
class GateResult:
    passed: int
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # unexplained failures
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (check, resource, reason)
    unused_skips: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.passed > 0 and not self.failed and not self.unused_skips

    def summary(self) -> str:
        return (
            f"checkov: {self.passed} passed, {len(self.failed)} failed, "
            f"{len(self.skipped)} skipped inline with a reason"
        )


def scan(path: Path, framework: str, *, strip_required_version: bool = True) -> dict:
    """checkov's JSON report for one file (framework terraform_json or terraform_plan).

    checkov's terraform_json parser fails on a ``terraform.required_version`` and then
    reports success with no check run (checkov #7454), so synthesized JSON is scanned as a
    copy without that one key; nothing checkov checks is in it.
    """
    return scan_many([path], framework, strip_required_version=strip_required_version)[0]


def scan_many(
    paths: list[Path], framework: str, *, strip_required_version: bool = True
) -> list[dict]:
    """One report per file, from one checkov run (checkov takes seconds to start)."""
    if not CHECKOV.exists():
        raise FileNotFoundError(f"{CHECKOV} is missing: run ./run (it installs checkov)")
    with tempfile.TemporaryDirectory(prefix="checkov-") as scratch:
        if framework == "terraform_json" and strip_required_version:
            paths = [
                _without_required_version(path, Path(scratch) / str(i))
                for i, path in enumerate(paths)
            ]
        files = [arg for path in paths for arg in ("-f", str(path))]
        result = subprocess.run(
            [
                str(CHECKOV),
                *files,
                "--framework",
                framework,
                "--skip-download",
                "--compact",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "LOG_LEVEL": "ERROR"},
        )
    if result.returncode not in (0, 1):  # 1 means "some check failed"
        raise RuntimeError(f"checkov failed ({result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout or "{}")
    report = report[0] if isinstance(report, list) and report else report
    return [_of_file(report, path) for path in paths]


def _of_file(report: dict, path: Path) -> dict:
    """The part of a report about one file. A file checkov could not parse has no check in
    the report: zero passed."""

    def mine(check: dict) -> bool:
        return Path(check.get("file_abs_path", "")) == path.resolve()

    results = report.get("results", {}) if report else {}
    passed = [c for c in results.get("passed_checks", []) if mine(c)]
    failed = [c for c in results.get("failed_checks", []) if mine(c)]
    return {
        "summary": {"passed": len(passed), "failed": len(failed)},
        "results": {"failed_checks": failed},
    }


def _without_required_version(path: Path, scratch: Path) -> Path:
    doc = json.loads(path.read_text())
    doc.get("terraform", {}).pop("required_version", None)
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / path.name
    copy.write_text(json.dumps(doc))
    return copy


def inline_skips(synthesized: dict) -> dict[str, dict[str, str]]:
    """{logical name: {check id: reason}} for every resource and data source."""
    skips = {}
    for kind in ("resource", "data"):
        for blocks in synthesized.get(kind, {}).values():
            for name, body in blocks.items():
                if skips_of(body):
                    skips[name] = skips_of(body)
    return skips


def gate(report: dict, skips: dict[str, dict[str, str]]) -> GateResult:
    results = report.get("results", {})
    outcome = GateResult(passed=report.get("summary", {}).get("passed", 0))
    used = set()
    for check in results.get("failed_checks", []):
        name = check["resource"].rsplit(".", 1)[-1]
        reason = skips.get(name, {}).get(check["check_id"])
        if reason:
            used.add((name, check["check_id"]))
            outcome.skipped.append((check["check_id"], check["resource"], reason))
        else:
            outcome.failed.append((check["check_id"], check["resource"], check["check_name"]))
    outcome.unused_skips = sorted(
        (n, c) for n, checks in skips.items() for c in checks if (n, c) not in used
    )
    return outcome


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else ROOT / "cdktf.out" / "stacks" / STACK_ID / "cdk.tf.json"
    result = gate(scan(path, "terraform_json"), inline_skips(json.loads(path.read_text())))
    for check_id, resource, reason in result.skipped:
        print(f"skipped {check_id} on {resource}: {reason}")
    for check_id, resource, name in result.failed:
        print(f"FAILED {check_id} on {resource}: {name}")
    for name, check_id in result.unused_skips:
        print(f"UNUSED inline skip {check_id} on {name}: remove it")
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
