"""Fixtures of the Lambda tests: the orchestrator's moto world without its waits."""

from support.orchestrator_world import fast_moto  # noqa: F401 (a fixture, used by name)
