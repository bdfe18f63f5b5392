"""What the phases "verify through the AWS API" and "verify nothing left" check, read back
through the emulator's API rather than from Terraform's state."""

from __future__ import annotations

from tools.e2e.context import Run
from tools.e2e.verify import application, data_protection, database, dns, monitoring, tags
from tools.e2e.verify.leftovers import verify_nothing_left

__all__ = ["verify", "verify_nothing_left"]


def verify(run: Run) -> str:
    before = run.checks
    database.verify(run)
    for role in ("primary", "secondary"):
        database.verify_key_region(run, role)
        monitoring.verify_alarms(run, role)
    dns.verify(run)
    data_protection.verify(run)
    application.verify(run)
    monitoring.verify_functions(run)
    tags.verify_tags(run)
    tags.verify_names(run)
    database.verify_password_written_nowhere(run)
    return f"{run.checks - before} checks passed"
