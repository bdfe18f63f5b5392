"""The phases that build and remove the stack: synthesize, create its inputs, plan (scanned
by checkov), apply, run the integration tests against it, and destroy it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from constructs_lib.config import load_config, read_context
from dr_lambdas.contract import STACK_ID
from tools import checkov_gate, teardown
from tools.e2e.context import ROOT, Run
from tools.e2e.harness import TEST_CREDENTIALS
from tools.e2e.output import detail
from tools.teardown import region_of


def synthesize(run: Run) -> str:
    """The app through its real entry point, every provider endpoint at the emulator."""
    stack_dir = synthesize_into(run, run.workdir / "cdktf.out")
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())
    return f"{sum(len(v) for v in doc['resource'].values())} resources declared"


def synthesize_into(run: Run, outdir: Path, **settings: str) -> Path:
    """``python main.py`` with the run's settings (and ``settings`` over them) into
    ``outdir``; the stack's directory."""
    env = dict(os.environ)
    env.update(
        run.settings,
        ENVIRONMENT_SUFFIX=run.config.environment_suffix,
        DR_EMULATOR_ENDPOINT=run.emulator.endpoint,
        CDKTF_OUTDIR=str(outdir),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    env.update(settings)
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=run.workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"synth failed:\n{result.stdout}\n{result.stderr}")
    detail("    " + result.stdout.strip().splitlines()[-1])
    return outdir / "stacks" / STACK_ID


def create_inputs(run: Run) -> str:
    """What the stack references and a real account already has: the master secret (unless
    the stack generates it), with the application tier a public hosted zone for its domain
    (certificates validated there, the API name's failover records) and, when the cdktf CLI
    deploys, the bucket of the Terraform state."""
    made = [_public_zone(run)] if run.config.app_tier and not run.config.app_domain_name else []
    if run.cdktf:
        made.append(_state_bucket(run))
    if run.config.generate_master_secret:
        return "; ".join(made + ["the stack creates the secret and generates the password"])
    password = secrets.token_urlsafe(24)
    value = json.dumps({"username": run.config.master_username, "password": password})
    # The secret lives in the primary region with a replica in the secondary (what the
    # secondary's canary reads when the primary region is gone); the plan checks both.
    run.aws("secretsmanager").create_secret(
        Name=run.config.master_secret,
        SecretString=value,
        AddReplicaRegions=[{"Region": run.config.secondary_region}],
    )
    run.password = password  # kept only to prove later that it never reached the state
    return "; ".join(made + ["1 secret and its replica"])


def _public_zone(run: Run) -> str:
    """A public zone for the application's domain; the run adds both to the settings."""
    domain = f"app-{run.config.environment_suffix}.example.com"
    zone = run.aws("route53").create_hosted_zone(Name=domain, CallerReference=domain)
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[1]
    _add_settings(run, DR_APP_DOMAIN_NAME=domain, DR_APP_PUBLIC_ZONE_ID=zone_id)
    return f"public zone {domain}"


def _state_bucket(run: Run) -> str:
    """The state bucket as a platform team makes it before the first deploy: versioned (a
    state overwritten by mistake can be restored), encrypted by default, not public. The
    lock file (``use_lockfile``) stays on."""
    c = run.config
    bucket = f"{c.project_name}-tfstate-{c.environment_suffix}"
    s3 = run.emulator.client("s3", c.state_region)
    where = {} if c.state_region == "us-east-1" else {"LocationConstraint": c.state_region}
    s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": where} if where else {}))
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    _add_settings(run, DR_STATE_BUCKET=bucket)
    return f"state bucket s3://{bucket} (versioned, SSE, lock file on)"


def _add_settings(run: Run, **settings: str) -> None:
    """Settings for inputs the run created: in every synth from now on, and in its config."""
    run.settings.update(settings)
    environ = {**os.environ, **run.settings, "ENVIRONMENT_SUFFIX": run.config.environment_suffix}
    environ.pop("DR_EMULATOR_ENDPOINT", None)
    run.config = load_config(environ, read_context(ROOT))


def plan_and_scan(run: Run) -> str:
    """The plan a reviewer would see, scanned by checkov like the synthesized JSON."""
    detail("    terraform init (offline provider mirror)")
    run.tf("init", "-input=false")
    detail("    terraform plan")
    run.tf("plan", "-input=false", "-out=apply.tfplan")
    plan_json = run.stack_dir / "plan.json"
    plan_json.write_text(run.tf("show", "-json", "apply.tfplan").stdout)
    run.plan_json = plan_json
    return scan_plan(run, run.stack_dir)


def scan_plan(run: Run, stack_dir: Path) -> str:
    """checkov over ``run.plan_json`` through the gate of the synthesized JSON in
    ``stack_dir`` (its inline skips); what the plan creates and checkov's summary."""
    plan = json.loads(run.plan_json.read_text())
    planned = [r for r in plan["resource_changes"] if r["change"]["actions"] == ["create"]]
    synthesized = json.loads((stack_dir / "cdk.tf.json").read_text())
    result = checkov_gate.gate(
        checkov_gate.scan(run.plan_json, "terraform_plan"), checkov_gate.inline_skips(synthesized)
    )
    for check_id, resource, name in result.failed:
        detail(f"    checkov FAILED {check_id} on {resource}: {name}")
    run.check(result.passed > 100, f"checkov ran on the plan ({result.passed} checks passed)")
    run.check(not result.failed, f"checkov: {len(result.failed)} failed check(s) on the plan")
    return f"{len(planned)} to create; {result.summary()}"


def apply(run: Run) -> str:
    """Apply the reviewed plan; keep the state's resources and the outputs for the checks."""
    detail("    terraform apply")
    run.tf("apply", "-input=false", "-parallelism=20", "apply.tfplan", show_progress=True)
    state = json.loads(run.tf("show", "-json").stdout)
    run.applied = [r for r in state["values"]["root_module"]["resources"] if r["mode"] == "managed"]
    outputs = json.loads(run.tf("output", "-json").stdout)
    run.outputs = {name: o["value"] for name, o in outputs.items()}
    return f"{len(run.applied)} resources applied"


def integration_tests(run: Run) -> str:
    """tests/integration against the live deployment, through the outputs file CI writes."""
    flat = ROOT / "cfn-outputs" / "flat-outputs.json"
    flat.parent.mkdir(exist_ok=True)
    flat.write_text(json.dumps(run.outputs, indent=2, sort_keys=True) + "\n")
    detail(f"    wrote {flat.relative_to(ROOT)} ({len(run.outputs)} outputs)")
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=run.emulator.endpoint,
        **TEST_CREDENTIALS,
        DR_INTEGRATION_PRIMARY_REGION=run.config.primary_region,
        DR_INTEGRATION_SECONDARY_REGION=run.config.secondary_region,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/integration",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0:
        raise RuntimeError(
            f"integration tests failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        )
    return summary


def destroy(run: Run) -> str:
    """The project's teardown (``./run destroy``), which works whichever region writes: after
    the drill the writer is in the secondary region, where a plain ``terraform destroy``
    fails (the emulator refuses like AWS, tools/emulator/rules.py rule 2)."""
    detached = detach(run)
    teardown.destroy(run.stack_dir, say=detail)
    return f"{state_is_empty(run)} resources destroyed; {detached.summary()}"


def detach(run: Run) -> teardown.Detached:
    """The teardown's first step; in Aurora mode it must keep the new writer (secondary)."""
    detached = teardown.detach(
        run.config,
        run.stack_dir,
        lambda region: run.emulator.client("rds", region),
        say=detail,
        poll=0.5,
    )
    if run.aurora:
        run.check(
            detached.writer is not None
            and region_of(detached.writer) == run.config.secondary_region
            and [region_of(arn) for arn in detached.detached] == [run.config.primary_region],
            f"the teardown detached the old primary and kept the new writer, got "
            f"{detached.summary()}",
        )
    return detached


def state_is_empty(run: Run) -> int:
    """Check that the state, read through the stack's backend, holds no resource; the count
    of resources the run had applied."""
    state = json.loads(run.tf("show", "-json").stdout)
    resources = state.get("values", {}).get("root_module", {}).get("resources", [])
    left = [r["address"] for r in resources if r["mode"] == "managed"]
    run.check(not left, f"Terraform state is empty after destroy, still has {left}")
    return len(run.applied)
