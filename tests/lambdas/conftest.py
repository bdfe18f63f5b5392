"""Fixtures of the Lambda tests: the orchestrator's moto world without its waits, and what
reaches moto's RDS."""

from support.orchestrator_world import (  # noqa: F401 (fixtures, used by name)
    fast_moto,
    promotions,
    writer_calls,
)
