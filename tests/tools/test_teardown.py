"""The teardown (``./run destroy``): detach every member but the writer, whichever region
writes, so the destroy that follows is not refused. Against the emulator, whose strictness
rules refuse like AWS (tools/emulator/rules.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tools.teardown import TeardownError, detach_non_writers

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
GLOBAL_ID = "td-global"
ENGINE = "aurora-postgresql"


@pytest.fixture()
def rds(emulator):
    """RDS clients by region, on the session's emulator emptied before each test
    (tests/tools/conftest.py)."""
    return {region: emulator.client("rds", region) for region in (PRIMARY, SECONDARY)}


@pytest.fixture()
def deployed(rds):
    """A global database with one instance per member, as the stack deploys it."""
    rds[PRIMARY].create_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, Engine=ENGINE, EngineVersion="15.10"
    )
    arns = {}
    for region, role in ((PRIMARY, "primary"), (SECONDARY, "secondary")):
        credentials = (
            {"MasterUsername": "dbadmin", "MasterUserPassword": "not-a-secret"}
            if role == "primary"
            else {}
        )
        arns[region] = rds[region].create_db_cluster(
            DBClusterIdentifier=f"td-{role}",
            Engine=ENGINE,
            EngineVersion="15.10",
            GlobalClusterIdentifier=GLOBAL_ID,
            **credentials,
        )["DBCluster"]["DBClusterArn"]
        rds[region].create_db_instance(
            DBInstanceIdentifier=f"td-{role}-1",
            DBClusterIdentifier=f"td-{role}",
            Engine=ENGINE,
            DBInstanceClass="db.r6g.large",
        )
    return arns


def _members(rds):
    (found,) = rds[PRIMARY].describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)[
        "GlobalClusters"
    ]
    return {m["DBClusterArn"]: m["IsWriter"] for m in found["GlobalClusterMembers"]}


def _destroy_in_terraform_order(rds):
    """What Terraform does: the secondary member (created last) first."""
    for region, role in ((SECONDARY, "secondary"), (PRIMARY, "primary")):
        rds[region].delete_db_instance(DBInstanceIdentifier=f"td-{role}-1", SkipFinalSnapshot=True)
        rds[region].delete_db_cluster(DBClusterIdentifier=f"td-{role}", SkipFinalSnapshot=True)


def test_after_a_failover_the_old_primary_is_detached_and_the_destroy_goes_through(rds, deployed):
    # Given a failover: the writer is in the secondary region
    rds[SECONDARY].failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        TargetDbClusterIdentifier=deployed[SECONDARY],
        AllowDataLoss=True,
    )
    # (a destroy in Terraform's order is refused there, as on AWS)
    with pytest.raises(ClientError, match="Cannot delete the last instance of the master"):
        rds[SECONDARY].delete_db_instance(
            DBInstanceIdentifier="td-secondary-1", SkipFinalSnapshot=True
        )
    # When the teardown detaches
    said = []
    result = detach_non_writers(
        lambda region: rds[region], GLOBAL_ID, (PRIMARY, SECONDARY), poll=0, say=said.append
    )
    # Then only the writer is left in the global database, the old primary stands alone
    assert (result.writer, result.detached) == (deployed[SECONDARY], [deployed[PRIMARY]])
    assert _members(rds) == {deployed[SECONDARY]: True}
    (old,) = rds[PRIMARY].describe_db_clusters(DBClusterIdentifier="td-primary")["DBClusters"]
    assert not old.get("GlobalClusterIdentifier") and old["Status"] == "available"
    assert said == [
        f"    detaching {deployed[PRIMARY]} from {GLOBAL_ID} (RemoveFromGlobalCluster in {PRIMARY})"
    ]
    # and Terraform's order now destroys everything
    _destroy_in_terraform_order(rds)
    assert rds[PRIMARY].describe_db_clusters()["DBClusters"] == []
    assert rds[SECONDARY].describe_db_clusters()["DBClusters"] == []


def test_without_a_failover_the_secondary_is_detached_and_the_writer_stays(rds, deployed):
    result = detach_non_writers(
        lambda region: rds[region], GLOBAL_ID, (PRIMARY, SECONDARY), poll=0, say=lambda _: None
    )
    assert (result.writer, result.detached) == (deployed[PRIMARY], [deployed[SECONDARY]])
    _destroy_in_terraform_order(rds)
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []


def test_a_missing_global_database_needs_no_detaching(rds):
    result = detach_non_writers(
        lambda region: rds[region], GLOBAL_ID, (PRIMARY, SECONDARY), poll=0, say=lambda _: None
    )
    assert result.writer is None and result.summary() == "no global database to detach"


def test_a_region_that_cannot_describe_the_global_database_is_skipped(rds, deployed):
    class Unreachable:
        """The primary region's RDS endpoint, down for global-cluster reads."""

        def __init__(self, real):
            self.real, self.exceptions = real, real.exceptions

        def describe_global_clusters(self, **_):
            raise ConnectionError("us-east-1 does not answer")

        def __getattr__(self, name):
            return getattr(self.real, name)

    result = detach_non_writers(
        lambda region: Unreachable(rds[region]) if region == PRIMARY else rds[region],
        GLOBAL_ID,
        (PRIMARY, SECONDARY),
        poll=0,
        say=lambda _: None,
    )
    assert (result.writer, result.detached) == (deployed[PRIMARY], [deployed[SECONDARY]])


def test_a_global_database_without_one_writer_stops_the_teardown(rds, deployed):
    # Given a global database whose writer left (as while a failover is in progress)
    rds[PRIMARY].remove_from_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, DbClusterIdentifier=deployed[PRIMARY]
    )
    with pytest.raises(TeardownError, match="0 writers .* run the teardown again"):
        detach_non_writers(
            lambda region: rds[region], GLOBAL_ID, (PRIMARY, SECONDARY), poll=0, say=lambda _: None
        )


def test_a_member_that_never_leaves_times_out_with_a_bounded_wait(rds, deployed):
    class NeverLeaves:
        """RDS as seen while a removal hangs: the call is accepted, nothing changes."""

        def __init__(self, real):
            self.real, self.exceptions = real, real.exceptions

        def remove_from_global_cluster(self, **_):
            return {}

        def __getattr__(self, name):
            return getattr(self.real, name)

    ticks = iter(range(0, 10_000, 10))
    with pytest.raises(TeardownError, match="after 60 s, .* is still a member"):
        detach_non_writers(
            lambda region: NeverLeaves(rds[region]),
            GLOBAL_ID,
            (PRIMARY, SECONDARY),
            timeout=60,
            poll=10,
            clock=lambda: next(ticks),
            sleep=lambda _: None,
            say=lambda _: None,
        )


def _teardown_command(env: dict[str, str], answer: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("DR_") and k != "ENVIRONMENT_SUFFIX"
    }
    return subprocess.run(
        [sys.executable, "-m", "tools.teardown"],
        cwd=root,
        env={**clean, **env},
        input=answer,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_destroys_nothing_unless_the_suffix_is_typed_back():
    done = _teardown_command({"ENVIRONMENT_SUFFIX": "staging"}, "prod\n")
    assert done.returncode == 2
    assert "Destroy environment 'staging' (aurora-global, us-east-1 -> us-west-2" in done.stdout
    assert done.stderr.strip() == "not confirmed: nothing was destroyed"


def test_the_command_refuses_an_empty_suffix_before_anything_else():
    done = _teardown_command({"ENVIRONMENT_SUFFIX": ""}, "")
    assert done.returncode == 2
    assert done.stderr.strip().startswith(
        "error: invalid environment_suffix='' (from ENVIRONMENT_SUFFIX): is set but empty"
    )
    assert "Traceback" not in done.stderr


class Terraform:
    """tools.terraform.run as the teardown uses it: the outputs of a deployed stack; every
    command recorded."""

    def __init__(self, global_cluster_id: str | None) -> None:
        self.outputs = (
            {"global_cluster_id": {"value": global_cluster_id}} if global_cluster_id else {}
        )
        self.commands: list[tuple[str, ...]] = []

    def run(self, stack_dir, *args, **_):
        import json
        import subprocess

        self.commands.append(args)
        stdout = json.dumps(self.outputs) if args[:1] == ("output",) else ""
        return subprocess.CompletedProcess(args, 0, stdout, "")


def _config(**settings):
    from constructs_lib.config import load_config

    return load_config({"ENVIRONMENT_SUFFIX": "td", **settings}, {})


def test_the_detach_step_stands_alone_and_destroys_nothing(rds, deployed, monkeypatch, tmp_path):
    from tools import teardown

    terraform = Terraform(GLOBAL_ID)
    monkeypatch.setattr(teardown.terraform, "run", terraform.run)
    detached = teardown.detach(
        _config(), tmp_path, lambda region: rds[region], say=lambda _: None, poll=0
    )
    assert (detached.writer, detached.detached) == (deployed[PRIMARY], [deployed[SECONDARY]])
    assert terraform.commands == [("output", "-json")]  # read the outputs, destroyed nothing


def test_the_teardown_is_the_detach_then_the_destroy(rds, deployed, monkeypatch, tmp_path):
    from tools import teardown

    terraform = Terraform(GLOBAL_ID)
    monkeypatch.setattr(teardown.terraform, "run", terraform.run)
    said = []
    teardown.teardown(_config(), tmp_path, lambda region: rds[region], say=said.append, poll=0)
    assert [c[0] for c in terraform.commands] == ["output", "destroy"]
    assert terraform.commands[1][1:3] == ("-auto-approve", "-input=false")
    assert said[-1] == "    terraform destroy"
    assert _members(rds) == {deployed[PRIMARY]: True}


def test_the_detach_step_of_the_replica_mode_reads_nothing(rds, monkeypatch, tmp_path):
    from tools import teardown

    terraform = Terraform(None)
    monkeypatch.setattr(teardown.terraform, "run", terraform.run)
    said = []
    detached = teardown.detach(
        _config(DR_DATABASE_MODE="rds-replica"), tmp_path, lambda r: rds[r], say=said.append
    )
    assert detached.writer is None and terraform.commands == []
    assert said == ["    no global database to detach"]
