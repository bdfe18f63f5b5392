"""checkov over the synthesized Terraform JSON: zero failures that are not skipped inline
with a reason on the resource, no stale skip, and proof that checks actually ran."""

from __future__ import annotations

import json

import pytest

from support.apps import APPS
from tools.checkov_gate import gate, inline_skips, scan, scan_many


@pytest.fixture(scope="module")
def reports(request) -> dict:
    """Every configuration's report, from one checkov run."""
    apps = {name: request.getfixturevalue(name) for name in APPS}
    found = scan_many([app.stack_dir / "cdk.tf.json" for app in apps.values()], "terraform_json")
    return {name: (app, report) for (name, app), report in zip(apps.items(), found, strict=True)}


@pytest.fixture(params=APPS)
def scanned(request, reports):
    app, report = reports[request.param]
    return app, gate(report, inline_skips(app.doc))


def test_checkov_finds_nothing_that_is_not_skipped_inline_with_a_reason(scanned):
    app, result = scanned
    assert result.passed > 150, "checkov ran too few checks (bridgecrewio/checkov #7454)"
    assert result.failed == []
    assert result.unused_skips == []
    assert all(len(reason) > 20 for _, _, reason in result.skipped)


def test_deletion_protection_is_skipped_only_where_the_profile_is_destroyable(
    default_app, production_app
):
    def skipped_139(app):
        return sorted(n for n, checks in inline_skips(app.doc).items() if "CKV_AWS_139" in checks)

    assert len(skipped_139(default_app)) == 2  # the two clusters
    assert skipped_139(production_app) == []


def test_the_gate_fails_on_an_unencrypted_topic_and_on_a_scan_that_ran_nothing(
    default_app, tmp_path
):
    doc = json.loads(json.dumps(default_app.doc))
    for topic in doc["resource"]["aws_sns_topic"].values():
        del topic["kms_master_key_id"]
    path = tmp_path / "cdk.tf.json"
    path.write_text(json.dumps(doc, indent=2))
    result = gate(scan(path, "terraform_json"), inline_skips(doc))
    assert not result.ok
    assert {check for check, _, _ in result.failed} == {"CKV_AWS_26"}
    empty = gate({"summary": {"passed": 0}, "results": {}}, {})
    assert not empty.ok


def test_synthesized_json_declares_terraform_1_11_and_is_still_scanned(reports):
    # Given the synthesized stack, which needs Terraform >= 1.11 for write-only arguments
    default_app, report = reports["default_app"]
    assert default_app.doc["terraform"]["required_version"] == ">= 1.11"
    path = default_app.stack_dir / "cdk.tf.json"
    # When checkov reads the file as written, it runs no check at all (checkov #7454) ...
    as_written = gate(
        scan(path, "terraform_json", strip_required_version=False), inline_skips(default_app.doc)
    )
    assert as_written.passed == 0 and not as_written.ok
    # ... so the gate scans a copy without the version floor (as the reports above were
    # made), and checks really run
    assert gate(report, inline_skips(default_app.doc)).passed > 150
    assert json.loads(path.read_text())["terraform"]["required_version"] == ">= 1.11"
