"""What the orchestrator does: move the writer, wait for it, move DNS, tell people.

- Move: ``SwitchoverGlobalCluster`` (planned, RPO 0) or ``FailoverGlobalCluster`` with
  ``AllowDataLoss`` (unplanned, RPO = lag at failure time), both through the *home* region's
  RDS endpoint and naming the home member by ARN (RDS API Reference: the ARN lets Aurora
  locate the cluster in its region). The home region is alive: this code runs there.
- Wait: both calls return at once and complete asynchronously; poll until
  ``DescribeGlobalClusters`` shows the home member as the writer and ``DescribeDBClusters``
  shows it ``available``, bounded by ``WAIT_TIMEOUT_SECONDS``.
- DNS, ``failover`` mode: Route 53 health checks of private endpoints are alarm-based
  (CLOUDWATCH_METRIC). ``SetAlarmState`` puts the old writer's ``IsWriter`` alarm in ALARM so
  Route 53 stops answering with it now instead of after the alarm's own periods; the canary
  then keeps it there (the demoted cluster reports IsWriter=0). The new writer's alarm is
  set to OK. Each alarm is set in its own region; a dead region's failure is reported.
- DNS, ``weighted`` mode: UPSERT the two weighted records of the writer name (set
  identifiers ``primary`` / ``secondary``) to 100 for the new writer and 0 for the other,
  copying every other field of the existing records (targets, TTL, health checks).
- Tell: JSON messages to both regions' topics (one region may be dead: its failure is
  logged, nothing stops) and ``FailoverDurationSeconds`` in the home region.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from typing import Any, Callable

from dr_lambdas.common import log
from dr_lambdas.orchestrator.config import ROLES, OrchestratorConfig, arn_region
from dr_lambdas.orchestrator.decision import Decision
from dr_lambdas.orchestrator.observe import ClientFactory

DURATION_METRIC = "FailoverDurationSeconds"
WEIGHT_WRITER, WEIGHT_STANDBY = 100, 0


# -- the writer -------------------------------------------------------------------------------

def operation_for(decision: Decision) -> str:
    if decision.kind == "switchover":
        return "SwitchoverGlobalCluster"
    if decision.kind == "failover":
        return "FailoverGlobalCluster"
    raise ValueError(f"decision {decision.kind!r} does not move the writer")


def change_writer(config: OrchestratorConfig, clients: ClientFactory,
                  decision: Decision) -> dict[str, Any]:
    """Start the switchover or failover; returns what RDS answered about the global cluster."""
    rds = clients("rds", config.home_region)
    arguments = {"GlobalClusterIdentifier": config.global_cluster_id,
                 "TargetDbClusterIdentifier": config.target_cluster_arn}
    operation = operation_for(decision)
    log("writer_change_started", operation=operation, **arguments)
    if operation == "SwitchoverGlobalCluster":
        answer = rds.switchover_global_cluster(**arguments)
    else:
        answer = rds.failover_global_cluster(AllowDataLoss=True, **arguments)
    global_cluster = answer.get("GlobalCluster", {})
    return {"operation": operation, "status": global_cluster.get("Status"),
            "failover_state": global_cluster.get("FailoverState")}


@dataclass
class WaitResult:
    done: bool
    seconds: float
    polls: int
    last: str  # what the last poll saw


def wait_for_writer(config: OrchestratorConfig, clients: ClientFactory, *,
                    clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> WaitResult:
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
    log("writer_wait_finished", done=result.done, seconds=result.seconds, polls=polls,
        last=last)
    return result


def _writer_ready(config: OrchestratorConfig, rds: Any) -> tuple[bool, str]:
    (global_cluster,) = rds.describe_global_clusters(
        GlobalClusterIdentifier=config.global_cluster_id)["GlobalClusters"]
    writers = [member["DBClusterArn"] for member in global_cluster.get("GlobalClusterMembers", [])
               if member.get("IsWriter")]
    if writers != [config.target_cluster_arn]:
        return False, f"writer is {writers or 'none'}, global status {global_cluster.get('Status')}"
    (cluster,) = rds.describe_db_clusters(
        DBClusterIdentifier=config.target_cluster_id)["DBClusters"]
    status = cluster.get("Status")
    return status == "available", f"{config.target_cluster_id} is the writer, status {status}"


# -- DNS --------------------------------------------------------------------------------------

def move_dns(config: OrchestratorConfig, clients: ClientFactory,
             new_writer_region: str) -> dict[str, Any]:
    """Point the writer name at ``new_writer_region``; ``ok`` tells whether every step took."""
    try:
        if config.dns_mode == "failover":
            result = _mark_writer_alarms(config, clients, new_writer_region)
        else:
            result = _weigh_writer_records(config, clients, new_writer_region)
    except Exception as error:  # noqa: BLE001 - reported, the writer has moved regardless
        result = {"mode": config.dns_mode, "ok": False, "error": str(error)}
    log("dns_moved" if result["ok"] else "dns_move_failed", **result)
    return result


def _mark_writer_alarms(config: OrchestratorConfig, clients: ClientFactory,
                        new_writer_region: str) -> dict[str, Any]:
    steps = []
    for role in ROLES:
        region = config.region_of(role)
        alarm = config.writer_alarm_of(role)
        is_new_writer = region == new_writer_region
        state = "OK" if is_new_writer else "ALARM"
        reason = (f"DR orchestrator: {config.home_region} is the writer of "
                  f"{config.global_cluster_id}; "
                  + ("this region now holds the writer" if is_new_writer
                     else "this region no longer holds the writer"))
        step: dict[str, Any] = {"alarm": alarm, "region": region, "state": state}
        try:
            clients("cloudwatch", region).set_alarm_state(
                AlarmName=alarm, StateValue=state, StateReason=reason[:1023])
            step["ok"] = True
        except Exception as error:  # noqa: BLE001 - e.g. the old writer's region is down
            step.update(ok=False, error=str(error))
        steps.append(step)
    return {"mode": "failover", "ok": all(step["ok"] for step in steps), "alarms": steps}


def _weigh_writer_records(config: OrchestratorConfig, clients: ClientFactory,
                          new_writer_region: str) -> dict[str, Any]:
    route53 = clients("route53", config.home_region)
    records = _weighted_records(route53, config.hosted_zone_id, config.writer_record_name)
    missing = [role for role in ROLES if role not in records]
    if missing:
        raise LookupError(f"no weighted record {config.writer_record_name} with set identifier "
                          f"{' / '.join(missing)} in zone {config.hosted_zone_id}")
    weights = {role: WEIGHT_WRITER if config.region_of(role) == new_writer_region
               else WEIGHT_STANDBY for role in ROLES}
    changes = []
    for role in ROLES:
        record = copy.deepcopy(records[role])  # keeps targets, TTL, health check
        record["Weight"] = weights[role]
        changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
    answer = route53.change_resource_record_sets(
        HostedZoneId=config.hosted_zone_id,
        ChangeBatch={"Comment": f"DR orchestrator: writer to {new_writer_region}",
                     "Changes": changes})
    return {"mode": "weighted", "ok": True, "record": config.writer_record_name,
            "weights": weights, "change_id": answer.get("ChangeInfo", {}).get("Id")}


def _weighted_records(route53: Any, zone_id: str, name: str) -> dict[str, dict[str, Any]]:
    """The weighted CNAME records of ``name`` by set identifier."""
    wanted = _fqdn(name)
    found: dict[str, dict[str, Any]] = {}
    arguments = {"HostedZoneId": zone_id, "StartRecordName": wanted, "StartRecordType": "CNAME"}
    while True:
        page = route53.list_resource_record_sets(**arguments)
        records = page.get("ResourceRecordSets", [])
        for record in records:
            if (_fqdn(record["Name"]) == wanted and record["Type"] == "CNAME"
                    and "Weight" in record and record.get("SetIdentifier") in ROLES):
                found[record["SetIdentifier"]] = record
        # Records come sorted by name: stop at the last page or once past the name.
        if not page.get("IsTruncated") or not records or _fqdn(records[-1]["Name"]) != wanted:
            return found
        arguments = {"HostedZoneId": zone_id, "StartRecordName": page["NextRecordName"],
                     "StartRecordType": page["NextRecordType"]}
        if page.get("NextRecordIdentifier"):
            arguments["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def _fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."


def dns_plan(config: OrchestratorConfig, new_writer_region: str) -> dict[str, Any]:
    """What ``move_dns`` would change, without reading or writing anything."""
    if config.dns_mode == "failover":
        return {"mode": "failover", "alarms": [
            {"alarm": config.writer_alarm_of(role), "region": config.region_of(role),
             "state": "OK" if config.region_of(role) == new_writer_region else "ALARM"}
            for role in ROLES]}
    return {"mode": "weighted", "record": config.writer_record_name,
            "zone": config.hosted_zone_id,
            "weights": {role: WEIGHT_WRITER if config.region_of(role) == new_writer_region
                        else WEIGHT_STANDBY for role in ROLES}}


# -- telling people ---------------------------------------------------------------------------

def notify(config: OrchestratorConfig, clients: ClientFactory,
           message: dict[str, Any]) -> list[dict[str, Any]]:
    """Publish ``message`` (JSON) to both topics; a topic that fails does not stop the rest."""
    subject = (f"DR {message.get('phase', 'event')}: {message.get('decision', '')} "
               f"{config.global_cluster_id} -> {config.home_region}")[:100]
    body = json.dumps(message, default=str, sort_keys=True)
    results = []
    for topic in config.topic_arns:
        try:
            clients("sns", arn_region(topic)).publish(TopicArn=topic, Subject=subject,
                                                      Message=body)
            results.append({"topic": topic, "ok": True})
        except Exception as error:  # noqa: BLE001 - e.g. the dead region's topic
            log("notify_failed", topic=topic, phase=message.get("phase"), error=repr(error))
            results.append({"topic": topic, "ok": False, "error": str(error)})
    return results


def publish_duration(config: OrchestratorConfig, clients: ClientFactory,
                     seconds: float) -> bool:
    """``FailoverDurationSeconds`` for the promoted cluster, in the home region."""
    try:
        clients("cloudwatch", config.home_region).put_metric_data(
            Namespace=config.metric_namespace,
            MetricData=[{"MetricName": DURATION_METRIC, "Unit": "Seconds",
                         "Value": float(seconds),
                         "Dimensions": [{"Name": "DBClusterIdentifier",
                                         "Value": config.target_cluster_id}]}])
    except Exception as error:  # noqa: BLE001
        log("duration_metric_failed", error=repr(error))
        return False
    return True

