"""The failover drill: the deployed canaries and orchestrator through the two cases that
matter, a canary fault on a healthy primary (the writer must stay, both topics are told),
then a real outage of the primary database (the failover happens, confirmed by a second,
independent signal: the secondary region's probe across the peering). The canaries probe a
real PostgreSQL primary and replica standing in for the two regions' databases
(``harness.run_canary``); moto lacks the global failover calls and parts of replica
promotion, which tools/emulator/ supplies following the RDS API reference. Then
Terraform must accept the new roles without replacing or deleting anything."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from dr_lambdas.contract import (
    FAILOVER_DURATION,
    FAILOVER_REFUSED,
    FENCE_METRIC,
    NAMESPACE,
    CanaryEnv,
)
from tools import plan_review
from tools.e2e import cli, harness
from tools.e2e.context import Run, master_password
from tools.e2e.harness import evaluate_alarm, invoke_orchestrator, run_canary
from tools.e2e.output import detail
from tools.pg_cluster import PgCluster

# The secondary region's stand-in database listens here (the primary's on 127.0.0.1).
SECOND_REGION_HOST = "127.0.0.2"
# Resources whose new values after a failover are AWS's (membership, a promoted replica,
# the fence, the weights), so a plan must leave them alone.
OWNED_BY_FAILOVER = ("aws_rds", "aws_db_instance", "aws_route53_health_check", "aws_route53_record")


def failover_drill(run: Run) -> str:
    c = run.config
    urls = harness.inboxes(run)
    with PgCluster(
        user=c.master_username,
        password=master_password(run),
        database=c.database_name,
        replica_host=SECOND_REGION_HOST,
    ) as databases:
        summary = _drill(run, databases, urls)
    harness.remove_inboxes(run, urls)
    return summary


def _drill(run: Run, databases: PgCluster, urls: dict[str, str]) -> str:
    harness.lag_reports(run, seconds=0.8 if run.aurora else 1)
    _secondary_reads_its_replica(run, databases)
    _canary_fault_changes_nothing(run, databases, urls)
    _healthy_primary_is_left_alone(run, databases)
    _outage_seen_from_both_regions(run, databases)
    delivered = _alarms_reach_the_orchestrator(run)
    start = time.perf_counter()
    moved = invoke_orchestrator(run, "secondary", delivered[_alarm(run, "peer-down")])
    drill_seconds = time.perf_counter() - start
    _failed_over(run, moved)
    _followed_up(run, urls, delivered)
    reviewed, changes = _plan_after_failover(run)
    plan = "cdktf diff: no changes; pr-plan after" if run.cdktf else "plan after"
    return (
        f"canary fault: refused, both topics told; outage: peer-down alarm -> SNS -> "
        f"orchestrator, failed over in {drill_seconds:.2f} s; {plan}: 0 "
        f"destroy/replace, {len(changes)} update(s), review risk {reviewed.level}"
    )


def _alarm(run: Run, kind: str) -> str:
    """The name of a deployed alarm: peer-down lives in the secondary region, the others
    the drill triggers in the primary."""
    region = run.region("secondary" if kind == "peer-down" else "primary")
    return run.config.namer.name(kind, region)


def _secondary_reads_its_replica(run: Run, databases: PgCluster) -> None:
    secondary = run_canary(run, "secondary", databases)
    run.check(
        secondary["metrics"].get("ConnectivityOk") == 1
        and secondary["metrics"].get("IsWriter") == 0,
        f"the secondary's canary reaches its read-only replica, got {secondary['metrics']}",
    )


def _canary_fault_changes_nothing(run: Run, databases: PgCluster, urls: dict[str, str]) -> None:
    """1. A canary fault on a healthy primary: the canary cannot read its secret."""
    c = run.config
    fault = run_canary(
        run, "primary", databases, override={CanaryEnv.SECRET_ID: f"{c.master_secret}-not-there"}
    )
    run.check(
        fault["canary_fault"] and "ConnectivityOk" not in fault["metrics"],
        f"a canary that cannot read its secret reports CanaryError, not the database "
        f"down, got {fault['metrics']}",
    )
    refused = invoke_orchestrator(run, "secondary", {"action": "evaluate"})
    run.check(
        refused["status"] == "refused" and refused["observation"]["probe"] == "fault",
        f"canary fault: no failover, got {refused['status']} / "
        f"{refused['observation'].get('probe')}",
    )
    run.check(_writer_region(run) == c.primary_region, "canary fault: the writer stays")
    told = harness.told(run, urls)
    run.check(
        all(
            [m["phase"] for m in told[role]] == ["refused"]
            and told[role][0]["observation"]["probe"] == "fault"
            for role in ("primary", "secondary")
        ),
        f"canary fault: both topics are told what was seen, got "
        f"{ {role: [m['phase'] for m in told[role]] for role in told} }",
    )
    refusals = run.aws("cloudwatch", "secondary").list_metrics(
        Namespace=NAMESPACE, MetricName=FAILOVER_REFUSED
    )["Metrics"]
    run.check(bool(refusals), "FailoverRefused was published")


def _healthy_primary_is_left_alone(run: Run, databases: PgCluster) -> None:
    """2. The canary is fixed: a healthy primary is left alone; a dry run plans a
    switchover."""
    healthy = run_canary(run, "primary", databases)
    run.check(
        healthy["metrics"].get("ConnectivityOk") == 1 and healthy["metrics"].get("IsWriter") == 1,
        f"the primary's canary reaches its writer, got {healthy['metrics']}",
    )
    evaluated = invoke_orchestrator(run, "secondary", {"action": "evaluate"})
    run.check(evaluated["status"] == "noop", "a healthy primary is left alone")
    dry = invoke_orchestrator(run, "secondary", {"action": "failover", "dry_run": True})
    run.check(
        dry["status"] == "dry_run" and dry["decision"] == "switchover",
        f"a dry run plans a switchover of a healthy primary, got {dry['decision']}",
    )
    operation = (dry.get("plan") or {}).get("operation")
    expected = "SwitchoverGlobalCluster" if run.aurora else "PromoteReadReplica"
    run.check(operation == expected, f"the plan's operation is {expected}, got {operation}")


def _outage_seen_from_both_regions(run: Run, databases: PgCluster) -> None:
    """3. A real outage: the primary database stops. The secondary region's canary, run as
    deployed (a probe every PROBE_INTERVAL_SECONDS through its minute), cannot reach it
    across the peering, and neither can the primary's own canary: two signals agree."""
    interval = run.config.probe_interval_seconds
    databases.kill_primary()
    seen = run_canary(run, "secondary", databases, loop=True)
    down = run_canary(run, "primary", databases)
    run.check(
        seen["probes"] == 60 // interval,
        f"the canary probed every {interval} s through its minute, got {seen['probes']} probes",
    )
    run.check(
        down["metrics"].get("ConnectivityOk") == 0 and down["error_kind"] == "refused",
        f"the primary's canary cannot connect, got {down['metrics']}",
    )
    run.check(
        (seen.get("peer") or {}).get("metrics") == {"PeerConnectivityOk": 0},
        f"the secondary's probe across the peering cannot connect either, got {seen.get('peer')}",
    )


def _alarms_reach_the_orchestrator(run: Run) -> dict[str, dict]:
    """4. The fast path: the 10 s alarms over the one-second metrics fire (evaluated here,
    moto does not), and SNS delivers them to the secondary's orchestrator: the primary
    region's primary-down (composite) through the primary's topic, and the secondary's own
    peer-down, the path that works when the primary region is lost, through its own."""
    harness.deliveries(run, "primary"), harness.deliveries(run, "secondary")  # forget earlier
    peer_down, fast = _alarm(run, "peer-down"), _alarm(run, "connectivity-fast")
    primary_down = _alarm(run, "primary-down")
    for role, alarm in (("secondary", peer_down), ("primary", fast)):
        run.check(
            evaluate_alarm(run, role, alarm) == "ALARM",
            f"{alarm} fires on what the canary published",
        )
    delivered = harness.deliveries(run, "secondary")
    run.check(
        sorted(delivered) == sorted([primary_down, peer_down]),
        f"both alarms reach the secondary's orchestrator through SNS, got {sorted(delivered)}",
    )
    run.check(not harness.deliveries(run, "primary"), "the primary's orchestrator is not triggered")
    return delivered


def _failed_over(run: Run, moved: dict) -> None:
    run.check(
        moved["status"] == "completed" and moved["decision"] == "failover",
        f"outage: the orchestrator failed over, got {moved['status']} / {moved.get('decision')}",
    )
    signals = moved["observation"].get("outage_signals", [])
    run.check(
        any("across the peering" in signal for signal in signals),
        f"the failover was confirmed by the peer probe, got {signals}",
    )
    if run.aurora:
        _check_global_writer_moved(run)
    else:
        _check_replica_promoted_and_old_primary_fenced(run)
    _check_dns_follows(run, moved)


def _check_dns_follows(run: Run, moved: dict) -> None:
    c = run.config
    if c.dns_routing == "global-endpoint":
        expected = {
            "mode": "global-endpoint",
            "ok": True,
            "steps": [],
            "note": "Aurora moves the global writer endpoint with the writer",
        }
        run.check(
            moved["dns"] == expected,
            f"no DNS step: Aurora moves the global writer endpoint, got {moved['dns']}",
        )
    elif c.dns_routing == "failover":
        alarms = run.aws("cloudwatch").describe_alarms(
            AlarmNames=[c.namer.name("is-writer", c.primary_region)]
        )["MetricAlarms"]
        states = {a["AlarmName"]: a["StateValue"] for a in alarms}
        run.check(
            set(states.values()) == {"ALARM"},
            f"the old writer's IsWriter alarm is in ALARM, so DNS leaves it: {states}",
        )
    else:
        records = run.aws("route53").list_resource_record_sets(
            HostedZoneId=run.outputs["hosted_zone_id"]
        )["ResourceRecordSets"]
        weights = {
            r["SetIdentifier"]: r.get("Weight")
            for r in records
            if r["Name"].rstrip(".") == run.outputs["writer_dns_name"]
        }
        run.check(
            weights == {"primary": 0, "secondary": 100},
            f"the writer weights moved to 0/100, got {weights}",
        )


def _followed_up(run: Run, urls: dict[str, str], delivered: dict[str, dict]) -> None:
    """People are told, a repeated trigger does nothing, and recovery used data planes."""
    c = run.config
    phases = {
        role: [m["phase"] for m in messages] for role, messages in harness.told(run, urls).items()
    }
    run.check(
        phases["secondary"] == ["started", "completed"],
        f"outage: the secondary topic follows the failover, got {phases}",
    )
    again = invoke_orchestrator(run, "secondary", delivered[_alarm(run, "primary-down")])
    run.check(
        again["status"] == "noop",
        f"the other alarm's delivery, a repeated trigger, does nothing, got {again['status']}",
    )
    # Recovery uses data planes only: no Route 53 control-plane call (ChangeResourceRecordSets,
    # UpdateHealthCheck, GetHealthCheck: us-east-1 only, outside the data-plane SLA), unless
    # the weighted records were chosen, which need it.
    control_plane = sorted({call for call in run.orchestrator_calls if call.startswith("route53:")})
    expected = (
        []
        if c.dns_routing != "weighted"
        else ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
    )
    run.check(
        control_plane == expected,
        f"the orchestrator's Route 53 calls with {c.dns_routing} DNS, got {control_plane}",
    )
    durations = run.aws("cloudwatch", "secondary").list_metrics(
        Namespace=NAMESPACE, MetricName=FAILOVER_DURATION
    )["Metrics"]
    run.check(bool(durations), "FailoverDurationSeconds was published")


def _writer_region(run: Run) -> str | None:
    if run.aurora:
        (gc,) = run.aws("rds").describe_global_clusters(
            GlobalClusterIdentifier=run.outputs["global_cluster_id"]
        )["GlobalClusters"]
        writers = [m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]]
        return writers[0].split(":")[3] if len(writers) == 1 else None
    (replica,) = run.aws("rds", "secondary").describe_db_instances(
        DBInstanceIdentifier=run.member_id("secondary")
    )["DBInstances"]
    return (
        run.config.primary_region
        if replica.get("ReadReplicaSourceDBInstanceIdentifier")
        else run.config.secondary_region
    )


def _plan_after_failover(run: Run) -> tuple[Any, list]:
    """Terraform accepts the new roles: nothing to destroy, replace or change on any
    database or DNS resource; what a reviewer would see for the next pull request. Through
    the cdktf CLI: ``cdktf diff`` reports no changes, and the pull-request check of the
    deployed configuration (``tools/pr_plan.py``) finds no risk and passes."""
    if run.cdktf:
        outcome = cli.plan_after_failover(run)
        run.check(
            outcome.plan is not None and outcome.exit_code == 0,
            f"the pull-request check after failover passes, got exit {outcome.exit_code}",
        )
        plan, markdown = outcome.plan or {}, outcome.markdown
    else:
        run.tf("plan", "-input=false", "-out=drill.tfplan")
        plan = json.loads(run.tf("show", "-json", "drill.tfplan").stdout)
        markdown = ""
    changed = [r for r in plan.get("resource_changes", []) if r["change"]["actions"] != ["no-op"]]
    changes = [(r["address"], r["change"]["actions"]) for r in changed]
    destructive = [(a, x) for a, x in changes if "delete" in x]
    run.check(
        not destructive, f"the plan after failover destroys or replaces nothing, got {destructive}"
    )
    database_changes = [(a, x) for a, x in changes if any(t in a for t in OWNED_BY_FAILOVER)]
    run.check(
        not database_changes, f"no change to any database or DNS resource, got {database_changes}"
    )
    reviewed = plan_review.review(plan)
    markdown = markdown or plan_review.render(reviewed)
    (run.workdir / "plan-review-after-failover.md").write_text(markdown)
    run.check(
        reviewed.level == "none",
        f"the plan review after failover finds no risk, got {reviewed.level}: "
        f"{[f.why for f in reviewed.findings]}",
    )
    for r in changed:
        before, after = r["change"]["before"] or {}, r["change"]["after"] or {}
        attributes = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        detail(
            f"    plan after failover: {'/'.join(r['change']['actions'])} {r['address']} "
            f"({', '.join(attributes)})"
        )
    return reviewed, changes


def _check_global_writer_moved(run: Run) -> None:
    (gc,) = run.aws("rds").describe_global_clusters(
        GlobalClusterIdentifier=run.outputs["global_cluster_id"]
    )["GlobalClusters"]
    writer = [m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]]
    run.check(
        len(writer) == 1 and writer[0].split(":")[3] == run.config.secondary_region,
        f"the writer moved to {run.config.secondary_region}, got {writer}",
    )


def _check_replica_promoted_and_old_primary_fenced(run: Run) -> None:
    (replica,) = run.aws("rds", "secondary").describe_db_instances(
        DBInstanceIdentifier=run.member_id("secondary")
    )["DBInstances"]
    run.check(
        not replica.get("ReadReplicaSourceDBInstanceIdentifier")
        and replica["DBInstanceStatus"] == "available",
        f"the replica is a standalone, available writer, got "
        f"{replica.get('ReadReplicaSourceDBInstanceIdentifier')} / "
        f"{replica['DBInstanceStatus']}",
    )
    (primary,) = run.aws("rds", "primary").describe_db_instances(
        DBInstanceIdentifier=run.member_id("primary")
    )["DBInstances"]
    run.check(
        replica["DBInstanceArn"] not in primary.get("ReadReplicaDBInstanceIdentifiers", []),
        "the old primary no longer lists the promoted replica",
    )
    _check_old_primary_fenced(run)


def _check_old_primary_fenced(run: Run) -> None:
    """Fenced=1 for the old primary, in the surviving region, where the fence child of its
    writer health check reads it (no Route 53 call)."""
    end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    points = run.aws("cloudwatch", "secondary").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=FENCE_METRIC,
        Dimensions=[{"Name": run.dimension, "Value": run.member_id("primary")}],
        StartTime=end - dt.timedelta(minutes=10),
        EndTime=end,
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    run.check(
        [p["Maximum"] for p in points] == [1.0],
        f"the old primary is fenced by Fenced=1 in {run.config.secondary_region}, got {points}",
    )
    fence = run.config.namer.name("fence", run.config.primary_region)
    run.check(
        evaluate_alarm(run, "secondary", fence) == "ALARM",
        f"{fence}, the fence child of the old primary's health check, is in ALARM",
    )
