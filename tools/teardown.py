"""Tear the deployment down, whichever region holds the writer: ``./run destroy``.

    ./run destroy            # asks you to type the environment suffix first
    ./run destroy --yes      # no question (CI)

Why not ``terraform destroy`` alone: Terraform destroys the secondary member first (it was
created last, after the primary's instances). After a switchover or failover the secondary
region holds the *writer*, and AWS refuses to delete the last instance of a global
database's writer cluster while another cluster is still a member
(``InvalidDBClusterStateFault: Cannot delete the last instance of the master cluster.
Delete the replica cluster before deleting the last master cluster instance``, provider
#29147): the destroy fails after the readers are gone, whatever the order.

So, in ``aurora-global`` mode, this command first detaches every member that is not the
writer (``RemoveFromGlobalCluster`` in the member's own region, naming it by ARN), waits
until the global cluster lists the writer alone and every detached cluster is
``available`` again, then runs ``terraform destroy``. The writer is then the only member, so
its instances and cluster can go in any order; the detached clusters are standalone. In
``rds-replica`` mode nothing is detached: a promoted replica is already standalone, and a
replica is destroyed before its source.

Steps: synthesize (``main.py``, with the same configuration as the deploy), ``terraform
init`` (offline provider mirror when present, see ``tools/terraform.py``), read the global
cluster from the Terraform outputs, detach (``detach``), ``terraform destroy -auto-approve``
(``destroy``); ``teardown`` is the two, and a caller that destroys otherwise (``./run e2e``
through the cdktf CLI, ``npx cdktf destroy``) runs ``detach`` alone first. Every wait
is bounded; a global database without a writer (a switchover or failover still running) is
an error: run the command again when it has finished. Exit codes: 0 destroyed, 1 failed,
2 invalid configuration or not confirmed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from constructs_lib.config import DrConfig  # noqa: E402
from dr_lambdas.contract import STACK_ID  # noqa: E402
from tools import terraform  # noqa: E402
from tools.configuration import read_config  # noqa: E402

RdsIn = Callable[[str], Any]  # region -> boto3 RDS client
# RemoveFromGlobalCluster takes minutes on AWS; the provider waits up to its own timeouts.
DETACH_TIMEOUT_SECONDS = 30 * 60
POLL_SECONDS = 10


class TeardownError(RuntimeError):
    """The teardown cannot go on; the message says what to do."""


@dataclass
class Detached:
    writer: str | None = None  # ARN of the writer cluster that stays a member
    detached: list[str] = field(default_factory=list)  # ARNs removed from the global cluster
    seconds: float = 0.0

    def summary(self) -> str:
        if self.writer is None:
            return "no global database to detach"
        if not self.detached:
            return f"the writer {self.writer} is the only member: nothing to detach"
        return (
            f"detached {', '.join(self.detached)} from the global database in "
            f"{self.seconds:.1f} s; the writer {self.writer} stays"
        )


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def detach_non_writers(
    rds_in: RdsIn,
    global_cluster_id: str,
    regions: tuple[str, str],
    *,
    timeout: float = DETACH_TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    say: Callable[[str], None] = print,
) -> Detached:
    """Remove every member but the writer from the global cluster and wait for it."""
    started = clock()
    members = _members(rds_in, global_cluster_id, regions)
    if members is None:
        return Detached()
    writers = [m["DBClusterArn"] for m in members if m.get("IsWriter")]
    if len(writers) != 1:
        raise TeardownError(
            f"the global database {global_cluster_id} has {len(writers)} writers "
            f"({', '.join(writers) or 'none'}): a switchover or failover is still running; "
            "run the teardown again when it has finished"
        )
    (writer,) = writers
    others = [m["DBClusterArn"] for m in members if m["DBClusterArn"] != writer]
    for arn in others:
        say(
            f"    detaching {arn} from {global_cluster_id} (RemoveFromGlobalCluster in "
            f"{region_of(arn)})"
        )
        rds_in(region_of(arn)).remove_from_global_cluster(
            GlobalClusterIdentifier=global_cluster_id, DbClusterIdentifier=arn
        )
    deadline = started + timeout
    while others:
        remaining = _members(rds_in, global_cluster_id, regions) or []
        still = [m["DBClusterArn"] for m in remaining if m["DBClusterArn"] in others]
        busy = [arn for arn in others if arn not in still and _status(rds_in, arn) != "available"]
        if not still and not busy:
            break
        if clock() >= deadline:
            raise TeardownError(
                f"after {timeout:.0f} s, {', '.join(still + busy)} is still a member or not "
                "available; check the RDS console and run the teardown again"
            )
        sleep(poll)
    return Detached(writer=writer, detached=others, seconds=round(clock() - started, 3))


def _members(
    rds_in: RdsIn, global_cluster_id: str, regions: tuple[str, str]
) -> list[dict[str, Any]] | None:
    """The global cluster's members as either region sees it; None when it does not exist."""
    errors = []
    for region in regions:
        rds = rds_in(region)
        try:
            found = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)[
                "GlobalClusters"
            ]
        except rds.exceptions.GlobalClusterNotFoundFault:
            return None
        except Exception as error:  # noqa: BLE001 - the region may be down: ask the other
            errors.append(f"{region}: {error}")
            continue
        return found[0].get("GlobalClusterMembers", []) if found else None
    raise TeardownError("neither region can describe the global database: " + "; ".join(errors))


def _status(rds_in: RdsIn, arn: str) -> str | None:
    (cluster,) = rds_in(region_of(arn)).describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"]
    return cluster.get("Status")


def detach(
    config: DrConfig,
    stack_dir: Path,
    rds_in: RdsIn,
    *,
    say: Callable[[str], None] = print,
    **waits: Any,
) -> Detached:
    """The first step, whatever destroys next: in ``aurora-global`` mode, read the global
    cluster from the Terraform outputs of the initialized stack and detach every member but
    the writer; nothing in ``rds-replica`` mode."""
    detached = Detached()
    if config.database_mode == "aurora-global":
        outputs = json.loads(terraform.run(stack_dir, "output", "-json").stdout or "{}")
        global_cluster_id = (outputs.get("global_cluster_id") or {}).get("value")
        if global_cluster_id:
            detached = detach_non_writers(
                rds_in,
                global_cluster_id,
                (config.primary_region, config.secondary_region),
                say=say,
                **waits,
            )
    say(f"    {detached.summary()}")
    return detached


def destroy(stack_dir: Path, *, say: Callable[[str], None] = print) -> None:
    """The second step: ``terraform destroy`` of the synthesized, initialized stack."""
    say("    terraform destroy")
    terraform.run(
        stack_dir,
        "destroy",
        "-auto-approve",
        "-input=false",
        "-parallelism=20",
        progress=_finished_resources(say),
    )


def teardown(
    config: DrConfig,
    stack_dir: Path,
    rds_in: RdsIn,
    *,
    say: Callable[[str], None] = print,
    **waits: Any,
) -> Detached:
    """Detach (aurora-global), then ``terraform destroy`` the synthesized, initialized stack."""
    detached = detach(config, stack_dir, rds_in, say=say, **waits)
    destroy(stack_dir, say=say)
    return detached


def _finished_resources(say: Callable[[str], None]) -> Callable[[str], None]:
    done = 0

    def show(line: str) -> None:
        nonlocal done
        if "Destruction complete after" in line or line.startswith("Error"):
            done += "Destruction complete after" in line
            say(f"    [{done:3d}] {line.strip()}")

    return show


def boto3_rds(config: DrConfig) -> RdsIn:
    """RDS clients per region for the deployment's account (or its local emulator)."""
    import boto3
    from botocore.config import Config

    endpoint = config.emulator_endpoint or None
    credentials = (
        {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"} if endpoint else {}
    )
    clients: dict[str, Any] = {}

    def rds_in(region: str) -> Any:
        if region not in clients:
            clients[region] = boto3.client(
                "rds",
                region_name=region,
                endpoint_url=endpoint,
                **credentials,
                config=Config(retries={"max_attempts": 5, "mode": "standard"}),
            )
        return clients[region]

    return rds_in


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run destroy", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--yes", action="store_true", help="do not ask for the environment suffix before destroying"
    )
    args = parser.parse_args(argv)
    config = read_config(os.environ, ROOT)
    if config is None:
        return 2
    state = f"s3://{config.state_bucket}/{config.state_key}" if config.state_bucket else "local"
    where = (
        f"environment {config.environment_suffix!r} ({config.database_mode}, "
        f"{config.primary_region} -> {config.secondary_region}, state {state})"
    )
    if not args.yes:
        answer = input(f"Destroy {where}? Type the environment suffix to confirm: ")
        if answer.strip() != config.environment_suffix:
            print("not confirmed: nothing was destroyed", file=sys.stderr)
            return 2
    print(f"destroying {where}")
    synthesized = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    if synthesized.returncode != 0:
        print(synthesized.stdout + synthesized.stderr, file=sys.stderr)
        return 2 if synthesized.returncode == 2 else 1
    stack_dir = ROOT / os.environ.get("CDKTF_OUTDIR", "cdktf.out") / "stacks" / STACK_ID
    try:
        terraform.run(stack_dir, "init", "-input=false")
        teardown(config, stack_dir, boto3_rds(config))
    except (TeardownError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"destroyed {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
