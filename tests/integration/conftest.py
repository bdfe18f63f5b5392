"""Integration tests read the flat outputs of a live deployment (``./run e2e`` writes them
and points ``AWS_ENDPOINT_URL`` at the emulator it deployed to)."""

import json
from pathlib import Path

import boto3
import pytest

FLAT_OUTPUTS = Path(__file__).resolve().parents[2] / "cfn-outputs" / "flat-outputs.json"


@pytest.fixture(scope="session")
def outputs() -> dict:
    assert FLAT_OUTPUTS.exists(), f"{FLAT_OUTPUTS} is missing: deploy first (./run e2e)"
    return json.loads(FLAT_OUTPUTS.read_text())


@pytest.fixture(scope="session")
def regions(outputs) -> dict[str, str]:
    return {role: outputs[f"{role}_kms_key_arn"].split(":")[3] for role in ("primary", "secondary")}


@pytest.fixture(scope="session")
def aws(regions):
    def client(service: str, role: str = "primary"):
        return boto3.client(service, region_name=regions[role])

    return client
