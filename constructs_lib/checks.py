"""Inline suppression of static-analysis checks, on the resource and with the reason.

A checkov check that does not fit this product is skipped on the very resource it flags,
in checkov's own comment form (``checkov:skip=<ID>:<reason>``) inside the resource's
``//`` comment block of the synthesized JSON, so a reviewer reads the reason next to the
resource. There is no global skip list. checkov's terraform_json runner does not read
these comments itself (3.3.30 passes no skips to its registries), so the project's checkov
gate (``tools/checkov_gate.py``) honours exactly these and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the gate reads skips without loading the cdktf bindings
    from cdktf import TerraformElement

PREFIX = "checkov:skip="


def skip_checks(element: TerraformElement, reasons: dict[str, str]) -> None:
    """Record ``{check_id: reason}`` on ``element``; every reason must say why."""
    for check_id, reason in reasons.items():
        if len(reason.strip()) < 10:
            raise ValueError(f"skipping {check_id} needs a reason, got {reason!r}")
    element.add_override(
        "//.checkov",
        [f"{PREFIX}{check_id}:{reason}" for check_id, reason in sorted(reasons.items())],
    )


def skips_of(body: dict) -> dict[str, str]:
    """The ``{check_id: reason}`` recorded on one synthesized resource body."""
    skips = {}
    for entry in body.get("//", {}).get("checkov", []):
        if entry.startswith(PREFIX):
            check_id, _, reason = entry[len(PREFIX) :].partition(":")
            skips[check_id] = reason
    return skips
