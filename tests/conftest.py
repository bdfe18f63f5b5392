"""Session fixtures: the app is synthesized once per configuration per test run.

Importing the AWS provider bindings costs 10-15 s per process, and synthesizing the whole
app a few seconds more, so every test that looks at the app shares these results; with
pytest-xdist the workers share them too (the first worker that needs a configuration
synthesizes it, the others read what it wrote: ``Synthesized``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
from support.apps import (  # noqa: E402
    APP_TIER_ENV,
    RDS_ENV,
    RDS_VARIANT_ENV,
    VARIANT_ENV,
    Synthesized,
)


@pytest.fixture(scope="session")
def outdir_root(tmp_path_factory) -> Path:
    """Where the configurations are synthesized: one directory for the whole run, shared by
    the xdist workers (each worker's base temp lies in the run's own directory)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "synth"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def default_app(outdir_root) -> Synthesized:
    return Synthesized({}, outdir_root / "default")


@pytest.fixture(scope="session")
def variant_app(outdir_root) -> Synthesized:
    return Synthesized(VARIANT_ENV, outdir_root / "variant")


@pytest.fixture(scope="session")
def emulator_app(outdir_root) -> Synthesized:
    return Synthesized({"DR_EMULATOR_ENDPOINT": "http://127.0.0.1:4566"}, outdir_root / "emulator")


@pytest.fixture(scope="session")
def production_app(outdir_root) -> Synthesized:
    return Synthesized(
        {"DR_PROFILE": "production", "ENVIRONMENT_SUFFIX": "prod"}, outdir_root / "production"
    )


@pytest.fixture(scope="session")
def rds_app(outdir_root) -> Synthesized:
    return Synthesized(RDS_ENV, outdir_root / "rds")


@pytest.fixture(scope="session")
def rds_variant_app(outdir_root) -> Synthesized:
    return Synthesized(RDS_VARIANT_ENV, outdir_root / "rds-variant")


@pytest.fixture(scope="session")
def app_tier_app(outdir_root) -> Synthesized:
    return Synthesized(APP_TIER_ENV, outdir_root / "app-tier")


@pytest.fixture(scope="session")
def provider_schema(default_app, tmp_path_factory) -> dict:
    """The schema of the AWS provider the app pins, read from the real provider binary."""
    from tools import terraform

    workdir = tmp_path_factory.mktemp("schema")
    pin = default_app.doc["terraform"]["required_providers"]
    (workdir / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": pin}}))
    terraform.run(workdir, "init", "-input=false")
    schema = json.loads(terraform.run(workdir, "providers", "schema", "-json").stdout)
    (aws,) = [p for name, p in schema["provider_schemas"].items() if name.endswith("/aws")]
    return aws
