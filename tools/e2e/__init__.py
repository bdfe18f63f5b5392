"""Deploy, verify, fail over and destroy the whole stack against a local AWS emulator.

    ./run e2e                      # defaults: us-east-1 -> us-west-2, suffix "e2e"
    ENVIRONMENT_SUFFIX=e2eb DR_PRIMARY_REGION=us-east-1 DR_SECONDARY_REGION=eu-west-1 ./run e2e

Phases (``runner.py``): start the emulator (moto server on 127.0.0.1, with the fixes in
``tools/emulator``), synthesize the app through its real entry point with the emulator
setting, create the stack's inputs (the master credentials secret), ``terraform init`` from
the offline provider mirror, plan and scan the plan with checkov, and ``apply``
(``deploy.py``); verify the result through the AWS API with boto3 (``verify/``); write
``cfn-outputs/flat-outputs.json`` and run ``tests/integration`` against it; fail the
database over to the secondary region through the deployed orchestrator and check that a
new plan replaces nothing (``drill.py``, with ``harness.py`` doing what moto does not);
destroy through the project's teardown, and verify through the API that nothing the stack
created is left (``verify/leftovers.py``). ``DR_DATABASE_MODE=rds-replica ./run e2e`` runs
the same phases for the RDS primary + cross-region read replica mode.

The terminal gets one line per phase (name, ok or FAILED, seconds, counts) and a summary
table (also ``.e2e/<suffix>/summary.md`` and ``summary.json``). Everything else (Terraform's
progress, the functions' JSON logs, the checks that failed, moto's warnings) goes to
``.e2e/<suffix>/e2e.log`` (``output.py``); a failed phase shows the end of its part of that
log, is named, and makes the exit code 1. The emulator always stops.
"""

from tools.e2e.context import ROOT, CheckFailed, Phase, Run
from tools.e2e.deploy import apply, create_inputs, destroy, synthesize
from tools.e2e.harness import environment
from tools.e2e.output import summary_table
from tools.e2e.runner import main, phase

# What tools/plan_fixtures.py reuses of the harness.
__all__ = [
    "ROOT",
    "CheckFailed",
    "Phase",
    "Run",
    "apply",
    "create_inputs",
    "destroy",
    "environment",
    "main",
    "phase",
    "summary_table",
    "synthesize",
]
