"""Session fixtures: the app is synthesized once per configuration per test session.

Importing the AWS provider bindings costs 10-15 s per process, and synthesizing the whole
app a few seconds more, so every test that looks at the app shares these results.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parents[1]

# A configuration that differs from the defaults in every switch the app has: the other
# engine, a headless secondary, other regions, an e-mail subscription, client security
# groups and an S3 backend.
VARIANT_ENV = {
    "ENVIRONMENT_SUFFIX": "qa2",
    "DR_PRIMARY_REGION": "us-east-2",
    "DR_SECONDARY_REGION": "eu-west-1",
    "DR_ENGINE": "aurora-mysql",
    "DR_SECONDARY_INSTANCE_COUNT": "0",
    "DR_PRIMARY_INSTANCE_COUNT": "1",
    "DR_AZ_COUNT": "2",
    "DR_ALERT_EMAIL": "oncall@example.com",
    "DR_ALLOWED_CIDRS": "10.10.0.0/16,10.20.0.0/16",
    "DR_PRIMARY_CLIENT_SECURITY_GROUP_IDS": "sg-0123456789abcdef0",
    "DR_STATE_BUCKET": "dbdr-state-example",
    "DR_DELETION_PROTECTION": "true",
    "DR_SKIP_FINAL_SNAPSHOT": "false",
    "DR_MONITORING_INTERVAL_SECONDS": "0",
}


# The rds-replica mode with its defaults, and with every switch it has turned the other way.
RDS_ENV = {"DR_DATABASE_MODE": "rds-replica", "ENVIRONMENT_SUFFIX": "rds"}
RDS_VARIANT_ENV = {
    "DR_DATABASE_MODE": "rds-replica",
    "ENVIRONMENT_SUFFIX": "rdsprod",
    "DR_PROFILE": "production",
    "DR_PRIMARY_REGION": "us-east-2",
    "DR_SECONDARY_REGION": "eu-west-1",
    "DR_DNS_ROUTING": "failover",
    "DR_REPLICA_MULTI_AZ": "false",
    "DR_MAX_ALLOCATED_STORAGE_GIB": "0",
    "DR_MONITORING_INTERVAL_SECONDS": "0",
    "DR_INSTANCE_CLASS": "db.r7g.2xlarge",
    "DR_REPLICA_LAG_THRESHOLD_SECONDS": "30",
}


class Synthesized:
    """One synthesized app: its Terraform JSON, where it was written, and its config."""

    def __init__(self, env: dict[str, str], outdir: Path) -> None:
        from constructs_lib.config import load_config, read_context
        from main import STACK_ID, build_app

        self.config = load_config(env, read_context(ROOT))
        build_app(self.config, outdir=str(outdir)).synth()
        self.stack_dir = outdir / "stacks" / STACK_ID
        self.doc = json.loads((self.stack_dir / "cdk.tf.json").read_text())


@pytest.fixture(scope="session")
def outdir_root():
    path = Path(tempfile.mkdtemp(prefix="dbdr-synth-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def default_app(outdir_root) -> Synthesized:
    return Synthesized({}, outdir_root / "default")


@pytest.fixture(scope="session")
def variant_app(outdir_root) -> Synthesized:
    return Synthesized(VARIANT_ENV, outdir_root / "variant")


@pytest.fixture(scope="session")
def emulator_app(outdir_root) -> Synthesized:
    return Synthesized({"DR_EMULATOR_ENDPOINT": "http://127.0.0.1:4566"},
                       outdir_root / "emulator")


@pytest.fixture(scope="session")
def production_app(outdir_root) -> Synthesized:
    return Synthesized({"DR_PROFILE": "production", "ENVIRONMENT_SUFFIX": "prod"},
                       outdir_root / "production")


@pytest.fixture(scope="session")
def rds_app(outdir_root) -> Synthesized:
    return Synthesized(RDS_ENV, outdir_root / "rds")


@pytest.fixture(scope="session")
def rds_variant_app(outdir_root) -> Synthesized:
    return Synthesized(RDS_VARIANT_ENV, outdir_root / "rds-variant")


@pytest.fixture(scope="session")
def provider_schema(default_app, outdir_root) -> dict:
    """The schema of the AWS provider the app pins, read from the real provider binary."""
    from tools import terraform

    workdir = outdir_root / "schema"
    workdir.mkdir()
    pin = default_app.doc["terraform"]["required_providers"]
    (workdir / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": pin}}))
    terraform.run(workdir, "init", "-input=false")
    schema = json.loads(terraform.run(workdir, "providers", "schema", "-json").stdout)
    (aws,) = [p for name, p in schema["provider_schemas"].items() if name.endswith("/aws")]
    return aws
