"""What the orchestrator does: move the writer, wait for it, move DNS, tell people.

- Move, ``aurora-global``: ``SwitchoverGlobalCluster`` (planned, RPO 0) or
  ``FailoverGlobalCluster`` with ``AllowDataLoss`` (unplanned, RPO = lag at failure time),
  both through the *home* region's RDS endpoint and naming the home member by ARN (RDS API
  Reference: the ARN lets Aurora locate the cluster in its region). The home region is
  alive: this code runs there.
- Move, ``rds-replica``: ``PromoteReadReplica`` of the home instance in the home region, for
  a planned and an unplanned move alike (there is no RPO-0 variant). A ``complete`` decision
  (the replica was promoted by an earlier run) makes no RDS call.
- Wait: every call returns at once and completes asynchronously; poll, bounded by
  ``WAIT_TIMEOUT_SECONDS``, until the home member is the available writer: in
  ``DescribeGlobalClusters`` + ``DescribeDBClusters`` (Aurora), or in ``DescribeDBInstances``
  with no ``ReadReplicaSourceDBInstanceIdentifier`` left and status ``available`` (RDS: a
  promotion takes "several minutes or longer" and reboots the instance, USER_ReadRepl.Promote).
- Fence, ``rds-replica`` only, before any record changes: the old primary comes back as a
  *writable* standalone instance (unlike an Aurora secondary), so the orchestrator publishes
  ``Fenced=1`` for it in its own (the surviving) region: the fence child of the old
  primary's CALCULATED writer health check watches that metric (``failover_dns``), so DNS
  never sends writers there again until an operator lifts the fence (publishes
  ``Fenced=0``). Data plane only: no Route 53 call, which the lost region's control plane
  (us-east-1) could refuse.
- DNS, ``global-endpoint`` mode (Aurora's default): nothing. The writer name is a CNAME to
  the global writer endpoint, which Aurora moves with the writer.
- DNS, ``failover`` mode: Route 53 health checks of private endpoints are alarm-based
  (CLOUDWATCH_METRIC). ``SetAlarmState`` puts the old writer's ``IsWriter`` alarm in ALARM so
  Route 53 stops answering with it now instead of after the alarm's own periods; the canary
  then keeps it there (the demoted cluster reports IsWriter=0). The new writer's alarm is
  set to OK. Each alarm is set in its own region; a dead region's failure is reported.
  Route 53 health checks read the alarm's *metric data stream*, not its state: "you can't
  force the status of a health check to change by using the CloudWatch SetAlarmState API
  operation" (Route 53 developer guide, dns-failover-determining-health-of-endpoints). So
  the alarms set here are for people and the composite alarm; what moves the record is the
  canary's IsWriter datapoint, and ``refresh_writer_health`` runs the home region's canary
  at once instead of waiting up to a minute for its schedule.
- DNS, ``weighted`` mode: UPSERT the two weighted records of the writer name (set
  identifiers ``primary`` / ``secondary``) to 100 for the new writer and 0 for the other,
  copying every other field of the existing records (targets, TTL, health checks).
- Hand over, ``rds-replica`` only: when the wait runs out, invoke this function again
  (asynchronously) to carry on, see ``hand_over``.
- Tell: JSON messages to both regions' topics (one region may be dead: its failure is
  logged, nothing stops) and ``FailoverDurationSeconds`` in the home region.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dr_lambdas.common import log
from dr_lambdas.contract import (
    FAILOVER_DURATION,
    FAILOVER_REFUSED,
    FENCE_METRIC,
    GLOBAL_ENDPOINT,
)
from dr_lambdas.orchestrator.config import ROLES, OrchestratorConfig, arn_region
from dr_lambdas.orchestrator.decision import Decision, Request
from dr_lambdas.orchestrator.observe import (
    WEIGHT_STANDBY,
    WEIGHT_WRITER,
    ClientFactory,
    weighted_records,
)

PROMOTE = "PromoteReadReplica"


# -- the writer -------------------------------------------------------------------------------


def operation_for(decision: Decision, dr_mode: str = "aurora-global") -> str:
    if decision.changes_writer and dr_mode == "rds-replica":
        return PROMOTE
    if decision.kind == "switchover":
        return "SwitchoverGlobalCluster"
    if decision.kind == "failover":
        return "FailoverGlobalCluster"
    raise ValueError(f"decision {decision.kind!r} does not move the writer")


def writer_change_arguments(config: OrchestratorConfig, decision: Decision) -> dict[str, Any]:
    """The arguments of ``operation_for(decision)``, as the API names them."""
    if config.dr_mode == "rds-replica":
        # The deployment's retention, explicitly: the API's default is 1 day.
        return {
            "DBInstanceIdentifier": config.target_member_id,
            "BackupRetentionPeriod": config.backup_retention_days,
        }
    arguments: dict[str, Any] = {
        "GlobalClusterIdentifier": config.global_cluster_id,
        "TargetDbClusterIdentifier": config.target_member_arn,
    }
    if decision.kind == "failover":
        arguments["AllowDataLoss"] = True
    return arguments


def change_writer(
    config: OrchestratorConfig, clients: ClientFactory, decision: Decision
) -> dict[str, Any]:
    """Start the move; returns what RDS answered about the global cluster or the instance."""
    rds = clients("rds", config.home_region)
    operation = operation_for(decision, config.dr_mode)
    arguments = writer_change_arguments(config, decision)
    log("writer_change_started", operation=operation, **arguments)
    if operation == PROMOTE:
        instance = rds.promote_read_replica(**arguments).get("DBInstance", {})
        return {"operation": operation, "status": instance.get("DBInstanceStatus")}
    if operation == "SwitchoverGlobalCluster":
        answer = rds.switchover_global_cluster(**arguments)
    else:
        answer = rds.failover_global_cluster(**arguments)
    global_cluster = answer.get("GlobalCluster", {})
    return {
        "operation": operation,
        "status": global_cluster.get("Status"),
        "failover_state": global_cluster.get("FailoverState"),
    }


@dataclass
class WaitResult:
    done: bool
    seconds: float
    polls: int
    last: str  # what the last poll saw


def wait_for_writer(
    config: OrchestratorConfig,
    clients: ClientFactory,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Poll until the home member is the writer and available, or the timeout passes."""
    rds = clients("rds", config.home_region)
    start = clock()
    deadline = start + config.wait_timeout_seconds
    polls, last = 0, "not polled"
    while True:
        polls += 1
        try:
            done, last = _writer_ready(config, rds)
        except Exception as error:  # noqa: BLE001 - keep polling until the deadline
            done, last = False, f"poll failed: {error}"
        if done:
            break
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(config.poll_seconds, remaining))
    result = WaitResult(done=done, seconds=round(clock() - start, 3), polls=polls, last=last)
    log("writer_wait_finished", done=result.done, seconds=result.seconds, polls=polls, last=last)
    return result


def _writer_ready(config: OrchestratorConfig, rds: Any) -> tuple[bool, str]:
    if config.dr_mode == "rds-replica":
        return _instance_ready(config, rds)
    (global_cluster,) = rds.describe_global_clusters(
        GlobalClusterIdentifier=config.global_cluster_id
    )["GlobalClusters"]
    writers = [
        member["DBClusterArn"]
        for member in global_cluster.get("GlobalClusterMembers", [])
        if member.get("IsWriter")
    ]
    if writers != [config.target_member_arn]:
        return False, f"writer is {writers or 'none'}, global status {global_cluster.get('Status')}"
    (cluster,) = rds.describe_db_clusters(DBClusterIdentifier=config.target_member_id)["DBClusters"]
    status = cluster.get("Status")
    return status == "available", f"{config.target_member_id} is the writer, status {status}"


def _instance_ready(config: OrchestratorConfig, rds: Any) -> tuple[bool, str]:
    (instance,) = rds.describe_db_instances(DBInstanceIdentifier=config.target_member_id)[
        "DBInstances"
    ]
    status = instance.get("DBInstanceStatus")
    source = instance.get("ReadReplicaSourceDBInstanceIdentifier")
    if source:
        return False, f"{config.target_member_id} still replicates from {source}, status {status}"
    return status == "available", f"{config.target_member_id} is standalone, status {status}"


# -- DNS --------------------------------------------------------------------------------------


def move_dns(
    config: OrchestratorConfig, clients: ClientFactory, new_writer_region: str
) -> dict[str, Any]:
    """Point the writer name at ``new_writer_region``; ``ok`` tells whether every step took.

    rds-replica: the old primary's region is fenced first, then the records move; a failed
    fence does not stop the records (the new writer is the writer regardless).
    ``global-endpoint``: nothing to do; Aurora moves the global writer endpoint itself."""
    if config.dns_mode == GLOBAL_ENDPOINT:
        return {
            "mode": GLOBAL_ENDPOINT,
            "ok": True,
            "steps": [],
            "note": "Aurora moves the global writer endpoint with the writer",
        }
    fence = None
    if config.dr_mode == "rds-replica":
        fence = fence_writer_check(config, clients, _old_writer_role(config, new_writer_region))
    try:
        if config.dns_mode == "failover":
            result = _mark_writer_alarms(config, clients, new_writer_region)
        else:
            result = _weigh_writer_records(config, clients, new_writer_region)
    except Exception as error:  # noqa: BLE001 - reported, the writer has moved regardless
        result = {"mode": config.dns_mode, "ok": False, "error": str(error)}
    if fence is not None:
        result = {**result, "fence": fence, "ok": result["ok"] and fence["ok"]}
    log("dns_moved" if result["ok"] else "dns_move_failed", **result)
    return result


def refresh_writer_health(
    config: OrchestratorConfig, clients: ClientFactory
) -> dict[str, Any] | None:
    """Run the home region's canary now (asynchronously), so the new writer's IsWriter=1
    and ConnectivityOk=1 are published within seconds. None when no canary is configured;
    never raises: a failure only means the scheduled run publishes them instead."""
    if not config.canary_function:
        return None
    step: dict[str, Any] = {"function": config.canary_function, "region": config.home_region}
    try:
        clients("lambda", config.home_region).invoke(
            FunctionName=config.canary_function, InvocationType="Event", Payload=b"{}"
        )
        step["ok"] = True
    except Exception as error:  # noqa: BLE001 - the schedule runs the canary anyway
        step.update(ok=False, error=str(error))
    log("writer_health_refreshed" if step["ok"] else "writer_health_refresh_failed", **step)
    return step


def fence_writer_check(
    config: OrchestratorConfig, clients: ClientFactory, role: str
) -> dict[str, Any]:
    """Fence ``role``'s instance (an old primary) out of the writer name, with data-plane
    calls in this, the surviving, region only: ``Fenced=1`` for the instance
    (``PutMetricData``), which the fence child of its region's writer health check reads
    (its alarm lives here; ``LastKnownStatus`` keeps it fenced after the datapoints stop),
    and an item in this region's lock table that remembers the fence. Never raises: the
    step reports."""
    instance = config.member_id_of(role)
    step: dict[str, Any] = {
        "instance": instance,
        "region": config.home_region,
        "metric": FENCE_METRIC,
    }
    try:
        clients("cloudwatch", config.home_region).put_metric_data(
            Namespace=config.metric_namespace,
            MetricData=[
                {
                    "MetricName": FENCE_METRIC,
                    "Unit": "Count",
                    "Value": 1.0,
                    "Dimensions": [{"Name": config.metric_dimension, "Value": instance}],
                }
            ],
        )
        clients("dynamodb", config.home_region).put_item(
            TableName=config.lock_table,
            Item={
                "pk": {"S": config.fence_key(role)},
                "fenced": {"BOOL": True},
                "fenced_at": {"N": str(int(time.time()))},
                "by": {"S": config.home_region},
            },
        )
        step.update(ok=True)
    except Exception as error:  # noqa: BLE001 - reported by move_dns
        step.update(ok=False, error=str(error))
    return step


def _old_writer_role(config: OrchestratorConfig, new_writer_region: str) -> str:
    return "secondary" if config.region_of("primary") == new_writer_region else "primary"


def _mark_writer_alarms(
    config: OrchestratorConfig, clients: ClientFactory, new_writer_region: str
) -> dict[str, Any]:
    steps = []
    for role in ROLES:
        region = config.region_of(role)
        alarm = config.writer_alarm_of(role)
        is_new_writer = region == new_writer_region
        state = "OK" if is_new_writer else "ALARM"
        reason = (
            f"DR orchestrator: {config.home_region} is the writer of "
            f"{config.protected_id}; "
            + (
                "this region now holds the writer"
                if is_new_writer
                else "this region no longer holds the writer"
            )
        )
        step: dict[str, Any] = {"alarm": alarm, "region": region, "state": state}
        try:
            clients("cloudwatch", region).set_alarm_state(
                AlarmName=alarm, StateValue=state, StateReason=reason[:1023]
            )
            step["ok"] = True
        except Exception as error:  # noqa: BLE001 - e.g. the old writer's region is down
            step.update(ok=False, error=str(error))
        steps.append(step)
    return {"mode": "failover", "ok": all(step["ok"] for step in steps), "alarms": steps}


def _weigh_writer_records(
    config: OrchestratorConfig, clients: ClientFactory, new_writer_region: str
) -> dict[str, Any]:
    route53 = clients("route53", config.home_region)
    records = weighted_records(route53, config.hosted_zone_id, config.writer_record_name)
    missing = [role for role in ROLES if role not in records]
    if missing:
        raise LookupError(
            f"no weighted record {config.writer_record_name} with set identifier "
            f"{' / '.join(missing)} in zone {config.hosted_zone_id}"
        )
    weights = {
        role: WEIGHT_WRITER if config.region_of(role) == new_writer_region else WEIGHT_STANDBY
        for role in ROLES
    }
    changes = []
    for role in ROLES:
        record = copy.deepcopy(records[role])  # keeps targets, TTL, health check
        record["Weight"] = weights[role]
        changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
    answer = route53.change_resource_record_sets(
        HostedZoneId=config.hosted_zone_id,
        ChangeBatch={
            "Comment": f"DR orchestrator: writer to {new_writer_region}",
            "Changes": changes,
        },
    )
    return {
        "mode": "weighted",
        "ok": True,
        "record": config.writer_record_name,
        "weights": weights,
        "change_id": answer.get("ChangeInfo", {}).get("Id"),
    }


def dns_plan(config: OrchestratorConfig, new_writer_region: str) -> dict[str, Any]:
    """What ``move_dns`` would change, without reading or writing anything."""
    if config.dns_mode == GLOBAL_ENDPOINT:
        return {
            "mode": GLOBAL_ENDPOINT,
            "steps": [],
            "note": "Aurora moves the global writer endpoint with the writer",
        }
    if config.dns_mode == "failover":
        plan: dict[str, Any] = {
            "mode": "failover",
            "alarms": [
                {
                    "alarm": config.writer_alarm_of(role),
                    "region": config.region_of(role),
                    "state": "OK" if config.region_of(role) == new_writer_region else "ALARM",
                }
                for role in ROLES
            ],
        }
    else:
        plan = {
            "mode": "weighted",
            "record": config.writer_record_name,
            "zone": config.hosted_zone_id,
            "weights": {
                role: WEIGHT_WRITER
                if config.region_of(role) == new_writer_region
                else WEIGHT_STANDBY
                for role in ROLES
            },
        }
    if config.dr_mode == "rds-replica":
        old_role = _old_writer_role(config, new_writer_region)
        plan["fence"] = {
            "instance": config.member_id_of(old_role),
            "metric": f"{FENCE_METRIC}=1 in {new_writer_region}",
            "remembered": f"{config.fence_key(old_role)} in {config.lock_table}",
        }
    return plan


# -- telling people ---------------------------------------------------------------------------


def notify(
    config: OrchestratorConfig, clients: ClientFactory, message: dict[str, Any]
) -> list[dict[str, Any]]:
    """Publish ``message`` (JSON) to both topics; a topic that fails does not stop the rest."""
    subject = (
        f"DR {message.get('phase', 'event')}: {message.get('decision', '')} "
        f"{config.protected_id} -> {config.home_region}"
    )[:100]
    body = json.dumps(message, default=str, sort_keys=True)
    results = []
    for topic in config.topic_arns:
        try:
            clients("sns", arn_region(topic)).publish(TopicArn=topic, Subject=subject, Message=body)
            results.append({"topic": topic, "ok": True})
        except Exception as error:  # noqa: BLE001 - e.g. the dead region's topic
            log("notify_failed", topic=topic, phase=message.get("phase"), error=repr(error))
            results.append({"topic": topic, "ok": False, "error": str(error)})
    return results


def publish_duration(config: OrchestratorConfig, clients: ClientFactory, seconds: float) -> bool:
    """``FailoverDurationSeconds`` for the promoted member, in the home region, under the
    canary's dimension name (``METRIC_DIMENSION``)."""
    return _publish(config, clients, FAILOVER_DURATION, float(seconds), "Seconds")


def publish_refusal(config: OrchestratorConfig, clients: ClientFactory) -> bool:
    """``FailoverRefused`` = 1 for the member this copy would have promoted, in the home
    region: a refused unplanned failover is something people must look at."""
    return _publish(config, clients, FAILOVER_REFUSED, 1.0, "Count")


def _publish(
    config: OrchestratorConfig, clients: ClientFactory, metric: str, value: float, unit: str
) -> bool:
    try:
        clients("cloudwatch", config.home_region).put_metric_data(
            Namespace=config.metric_namespace,
            MetricData=[
                {
                    "MetricName": metric,
                    "Unit": unit,
                    "Value": value,
                    "Dimensions": [
                        {"Name": config.metric_dimension, "Value": config.target_member_id}
                    ],
                }
            ],
        )
    except Exception as error:  # noqa: BLE001
        log("metric_failed", metric=metric, error=repr(error))
        return False
    return True


# -- handing over -----------------------------------------------------------------------------


def hand_over(
    config: OrchestratorConfig, clients: ClientFactory, request: Request
) -> dict[str, Any]:
    """rds-replica: ask a fresh invocation of this function to finish the failover.

    A promotion can outlast one invocation (Lambda's limit is 900 s, this function's 300 s).
    The follow-up is an asynchronous invocation (``InvocationType=Event``: Lambda queues it
    and retries it on errors) of the same request with ``handover`` one higher; it takes the
    lock and looks again like any run, and its decision is ``complete`` while the replica is
    still being promoted: it never promotes twice."""
    payload = {"action": request.action, "force": request.force, "handover": request.handover + 1}
    step: dict[str, Any] = {"function": config.function_name, "payload": payload}
    try:
        answer = clients("lambda", config.home_region).invoke(
            FunctionName=config.function_name,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )
        step.update(ok=True, status_code=answer.get("StatusCode"))
    except Exception as error:  # noqa: BLE001 - reported: the run then ends in "timeout"
        step.update(ok=False, error=str(error))
    log("handed_over" if step["ok"] else "hand_over_failed", **step)
    return step
