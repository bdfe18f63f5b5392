"""The configurations the tests synthesize (once per session, see tests/conftest.py), and
main.py run as a user runs it."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

from support import ROOT

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

# The application tier on, in the region pair its users run (us-east-1 -> us-east-2), with a
# domain in a public zone (certificates validated by DNS) and a feature flag.
APP_TIER_ENV = {
    "ENVIRONMENT_SUFFIX": "shop",
    "DR_APP_TIER": "true",
    "DR_SECONDARY_REGION": "us-east-2",
    "DR_SECONDARY_VPC_CIDR": "10.30.0.0/16",
    "DR_APP_DOMAIN_NAME": "app.example.com",
    "DR_APP_PUBLIC_ZONE_ID": "Z0123456789ABCDEFGHIJ",
    "DR_APP_FEATURE_FLAGS": "new-checkout=on",
}

# The session fixtures (tests/conftest.py) that checkov and the policy checks run over: every
# configuration a user deploys (the emulator one only points the providers elsewhere).
APPS = [
    "default_app",
    "production_app",
    "variant_app",
    "rds_app",
    "rds_variant_app",
    "app_tier_app",
]


class Synthesized:
    """One synthesized app: its Terraform JSON, where it was written, and its config.

    ``outdir`` may be shared by several test processes: the first synthesizes into it, under
    an exclusive lock on ``<outdir>.lock``; the others wait for the lock, then read."""

    def __init__(self, env: dict[str, str], outdir: Path) -> None:
        from constructs_lib.config import load_config, read_context
        from main import STACK_ID, build_app

        self.config = load_config(env, read_context(ROOT))
        done = outdir / ".synthesized"
        with open(f"{outdir}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                build_app(self.config, outdir=str(outdir)).synth()
                done.touch()
        self.stack_dir = outdir / "stacks" / STACK_ID
        self.doc = json.loads((self.stack_dir / "cdk.tf.json").read_text())


def run_main(env_overrides: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """``python main.py`` in ``cwd``, its ``DR_*`` settings and suffix ``env_overrides`` only."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DR_") and k != "ENVIRONMENT_SUFFIX"
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
