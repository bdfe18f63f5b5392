"""What the orchestrator sees: the current writer, its health, the replication lag, and
(rds-replica) where DNS points.

The home region is alive (this code runs there), so it is asked first; the other region only
when the home region cannot answer. The clients have short timeouts and few retries, so a
dead region answers within seconds.

- Writer, ``aurora-global``: ``DescribeGlobalClusters`` lists every member with ``IsWriter``;
  the global cluster is visible from every member region.
- Writer, ``rds-replica``: ``DescribeDBInstances`` of the home instance. A read replica names
  its source in ``ReadReplicaSourceDBInstanceIdentifier`` (an ARN when the source is in
  another region): that source is the writer. An instance without one is standalone, so it
  is the writer: the original primary, or a replica that was promoted. When the home region
  cannot answer, the other instance is described in its region: standalone, it is the
  writer; a replica of the home instance, the home instance is.
- Health: the writer region's canary metric ``ConnectivityOk`` (1/0 per minute, dimension
  ``METRIC_DIMENSION`` = the writer's cluster or instance id). Healthy only when the latest
  datapoint in the last ``HEALTH_WINDOW_SECONDS`` is 1; a 0, no data, or a CloudWatch that
  cannot be reached (a dead region) all mean unhealthy.
- Lag, read in the home region for the home member, latest datapoint within 15 minutes,
  None when there is none: ``aurora-global`` ``AuroraGlobalDBReplicationLag`` (AWS/RDS,
  milliseconds, reported on the secondary cluster: aurora-global-database-monitoring);
  ``rds-replica`` ``ReplicaLag`` (AWS/RDS, **seconds**, reported on the replica). Not the
  canary's ``ReplicationLagMs``. Note that AWS documents ReplicaLag of RDS for PostgreSQL
  as ``now() - pg_last_xact_replay_timestamp()`` (USER_PostgreSQL.Replication.ReadReplicas
  .Monitor), so it also grows while the primary has nothing to write.
- DNS, ``rds-replica`` only: ``GetHealthCheck`` of both writer records' CALCULATED health
  checks. One whose ``HealthThreshold`` exceeds its number of children is *fenced*: Route 53
  always considers it unhealthy (API Reference, UpdateHealthCheck, HealthThreshold).
  ``dns_on_target``: the other region's check is fenced and, with weighted records, the home
  record weighs 100 and the other 0. ``target_fenced``: the home region's own check is
  fenced (the home instance is an old primary).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from dr_lambdas.common import log
from dr_lambdas.orchestrator.config import ROLES, OrchestratorConfig, arn_region
from dr_lambdas.orchestrator.decision import Observation

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client

LAG_METRIC = "AuroraGlobalDBReplicationLag"  # aurora-global, milliseconds
REPLICA_LAG_METRIC = "ReplicaLag"  # rds-replica, seconds
LAG_WINDOW_SECONDS = 15 * 60
HEALTH_METRIC = "ConnectivityOk"
PERIOD_SECONDS = 60  # canary and RDS metrics are one-minute metrics
WEIGHT_WRITER, WEIGHT_STANDBY = 100, 0


@dataclass(frozen=True)
class Snapshot:
    """An Observation for ``decide`` plus the details behind it, for logs and answers."""

    observation: Observation
    writer_arn: str | None  # the writer member (cluster or instance) ARN
    health: str  # why the writer is (un)healthy
    lag: str  # where the lag came from, or why it is unknown
    member_kind: str = "cluster"  # "cluster" (aurora-global) | "instance" (rds-replica)
    # rds-replica: how the writer was found, the home instance's status, what DNS shows.
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        o = self.observation
        result = {"writer_region": o.writer_region, "target_region": o.target_region,
                  "writer_healthy": o.writer_healthy, "lag_seconds": o.lag_seconds,
                  f"writer_{self.member_kind}_arn": self.writer_arn, "health": self.health,
                  "lag": self.lag}
        if self.member_kind == "instance":
            result.update(dns_on_target=o.dns_on_target, target_fenced=o.target_fenced,
                          target_has_replica=o.target_has_replica, **self.details)
        return result


def observe(config: OrchestratorConfig, clients: ClientFactory,
            now: Callable[[], float] = time.time) -> Snapshot:
    if config.dr_mode == "rds-replica":
        return _observe_rds_replica(config, clients, now)
    writer_arn = find_writer(config, clients)
    writer_region = arn_region(writer_arn) if writer_arn else None
    healthy, health = writer_health(config, clients, writer_region, writer_arn, now())
    lag_seconds, lag = replication_lag(config, clients, now())
    snapshot = Snapshot(
        observation=Observation(writer_region=writer_region, target_region=config.home_region,
                                writer_healthy=healthy, lag_seconds=lag_seconds),
        writer_arn=writer_arn, health=health, lag=lag)
    log("observed", **snapshot.as_dict())
    return snapshot


def _observe_rds_replica(config: OrchestratorConfig, clients: ClientFactory,
                         now: Callable[[], float]) -> Snapshot:
    writer = find_instance_writer(config, clients)
    writer_region = arn_region(writer.arn) if writer.arn else None
    healthy, health = writer_health(config, clients, writer_region, writer.arn, now())
    lag_seconds, lag = replication_lag(config, clients, now())
    dns = dns_state(config, clients)
    snapshot = Snapshot(
        observation=Observation(writer_region=writer_region, target_region=config.home_region,
                                writer_healthy=healthy, lag_seconds=lag_seconds,
                                dns_on_target=dns.on_target, target_fenced=dns.target_fenced,
                                target_has_replica=writer.home_has_replica),
        writer_arn=writer.arn, health=health, lag=lag, member_kind="instance",
        details={"writer_found": writer.how, "home_status": writer.home_status,
                 "dns": dns.detail})
    log("observed", **snapshot.as_dict())
    return snapshot


# -- the writer -------------------------------------------------------------------------------

def find_writer(config: OrchestratorConfig, clients: ClientFactory) -> str | None:
    """aurora-global: the ARN of the member with IsWriter, or None when no region can tell."""
    for region in (config.home_region, config.other_region):
        try:
            found = clients("rds", region).describe_global_clusters(
                GlobalClusterIdentifier=config.global_cluster_id)["GlobalClusters"]
        except Exception as error:  # noqa: BLE001 - any failure: ask the other region
            log("describe_global_clusters_failed", region=region, error=repr(error))
            continue
        for global_cluster in found:
            for member in global_cluster.get("GlobalClusterMembers", []):
                if member.get("IsWriter"):
                    return member["DBClusterArn"]
        log("no_writer_member", region=region, global_cluster=config.global_cluster_id)
        return None  # the region answered: there is no writer right now
    return None


@dataclass(frozen=True)
class InstanceWriter:
    """rds-replica: the writer instance as the DB instances describe it."""

    arn: str | None  # None when it cannot be told
    home_status: str | None  # DBInstanceStatus of the home instance; None when unseen
    home_has_replica: bool | None  # the other instance replicates from the home instance
    how: str  # how the writer was found, for logs and answers


def find_instance_writer(config: OrchestratorConfig, clients: ClientFactory) -> InstanceWriter:
    home_id, home_arn = config.target_member_id, config.target_member_arn
    other_id, other_arn = (config.member_id_of(config.other_role),
                           config.member_arn_of(config.other_role))
    try:
        home = _describe_instance(clients("rds", config.home_region), home_id)
    except Exception as error:  # noqa: BLE001 - any failure: ask the other region
        log("describe_db_instances_failed", region=config.home_region, instance=home_id,
            error=repr(error))
    else:
        status = home.get("DBInstanceStatus")
        source = home.get("ReadReplicaSourceDBInstanceIdentifier")
        if source:
            # A cross-region source is named by its ARN (DescribeDBInstances); a bare
            # identifier would be a source in this region, which this deployment never has.
            writer = source if source.startswith("arn:") else None
            return InstanceWriter(writer, status, False, f"{home_id} is a read replica of "
                                                         f"{source}")
        replicas = home.get("ReadReplicaDBInstanceIdentifiers") or []
        has_replica = any(replica in (other_arn, other_id) for replica in replicas)
        return InstanceWriter(home_arn, status, has_replica,
                              f"{home_id} is standalone"
                              + (f" and the source of {other_id}" if has_replica else ""))
    try:
        other = _describe_instance(clients("rds", config.other_region), other_id)
    except Exception as error:  # noqa: BLE001
        log("describe_db_instances_failed", region=config.other_region, instance=other_id,
            error=repr(error))
        return InstanceWriter(None, None, None, "neither region could describe its instance")
    source = other.get("ReadReplicaSourceDBInstanceIdentifier")
    seen = f"{config.home_region} cannot answer; seen from {config.other_region}"
    if not source:
        return InstanceWriter(other_arn, None, None, f"{other_id} is standalone ({seen})")
    if source in (home_arn, home_id):
        return InstanceWriter(home_arn, None, True, f"{other_id} replicates from {home_id} "
                                                    f"({seen})")
    return InstanceWriter(None, None, None, f"{other_id} replicates from {source} ({seen})")


def _describe_instance(rds: Any, identifier: str) -> dict[str, Any]:
    (instance,) = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    return instance


# -- health and lag ---------------------------------------------------------------------------

def writer_health(config: OrchestratorConfig, clients: ClientFactory, region: str | None,
                  writer_arn: str | None, now: float) -> tuple[bool, str]:
    if region is None or writer_arn is None:
        return False, "the writer cannot be seen"
    role = config.role_of(region)
    member_id = (config.member_id_of(role) if role is not None
                 else writer_arn.rsplit(":", 1)[-1])
    try:
        points = _datapoints(clients("cloudwatch", region), namespace=config.metric_namespace,
                             metric=HEALTH_METRIC, dimension=config.metric_dimension,
                             member_id=member_id, statistic="Minimum", now=now,
                             window=config.health_window_seconds)
    except Exception as error:  # noqa: BLE001 - an unreachable region is an unhealthy one
        return False, f"CloudWatch in {region} cannot be reached: {error}"
    if not points:
        return False, (f"no {HEALTH_METRIC} datapoint for {member_id} in the last "
                       f"{config.health_window_seconds} s")
    latest = points[-1]
    if latest["Minimum"] >= 1:
        return True, f"{HEALTH_METRIC} of {member_id} is 1 at {latest['Timestamp']}"
    return False, (f"{HEALTH_METRIC} of {member_id} is {latest['Minimum']:g} "
                   f"at {latest['Timestamp']}")


def replication_lag(config: OrchestratorConfig, clients: ClientFactory,
                    now: float) -> tuple[float | None, str]:
    member_id = config.target_member_id
    if config.dr_mode == "rds-replica":
        metric, dimension, per_second = REPLICA_LAG_METRIC, "DBInstanceIdentifier", 1.0
    else:
        metric, dimension, per_second = LAG_METRIC, "DBClusterIdentifier", 1000.0
    try:
        points = _datapoints(clients("cloudwatch", config.home_region), namespace="AWS/RDS",
                             metric=metric, dimension=dimension, member_id=member_id,
                             statistic="Maximum", now=now, window=LAG_WINDOW_SECONDS)
    except Exception as error:  # noqa: BLE001
        return None, f"{metric} cannot be read: {error}"
    if not points:
        return None, f"no {metric} datapoint for {member_id} in the last 15 minutes"
    latest = points[-1]
    if latest["Maximum"] < 0:
        # Not a lag: RDS reports -1 when replication is not active (USER_ReadRepl.Monitoring
        # says so for MySQL and MariaDB); nothing to compare with the RPO.
        return None, f"{metric} of {member_id} is {latest['Maximum']:g} (replication not active)"
    return (latest["Maximum"] / per_second,
            f"{metric} of {member_id} at {latest['Timestamp']}")


def _datapoints(cloudwatch: Any, *, namespace: str, metric: str, dimension: str,
                member_id: str, statistic: str, now: float,
                window: int) -> list[dict[str, Any]]:
    """One-minute datapoints of the last ``window`` seconds, oldest first."""
    end = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName=metric,
        Dimensions=[{"Name": dimension, "Value": member_id}],
        StartTime=end - dt.timedelta(seconds=window),
        # The end is exclusive: one period past now includes the minute in progress.
        EndTime=end + dt.timedelta(seconds=PERIOD_SECONDS),
        Period=PERIOD_SECONDS, Statistics=[statistic])
    return sorted(answer.get("Datapoints", []), key=lambda point: point["Timestamp"])


# -- DNS (rds-replica) ------------------------------------------------------------------------

@dataclass(frozen=True)
class DnsState:
    on_target: bool | None  # see the module docstring; None when it cannot be read
    target_fenced: bool | None
    detail: dict[str, Any]


def is_fenced(health_check_config: dict[str, Any]) -> bool:
    """A CALCULATED check that needs more healthy children than it has is always unhealthy."""
    children = health_check_config.get("ChildHealthChecks") or []
    return (health_check_config.get("Type") == "CALCULATED"
            and health_check_config.get("HealthThreshold", 0) > len(children))


def dns_state(config: OrchestratorConfig, clients: ClientFactory) -> DnsState:
    route53 = clients("route53", config.home_region)
    home, other = config.home_role, config.other_role
    try:
        fenced = {role: is_fenced(route53.get_health_check(
            HealthCheckId=config.health_check_of(role))["HealthCheck"]["HealthCheckConfig"])
            for role in ROLES}
    except Exception as error:  # noqa: BLE001 - unknown, not "not on target"
        log("health_checks_unreadable", error=repr(error))
        return DnsState(None, None, {"error": f"health checks cannot be read: {error}"})
    detail: dict[str, Any] = {"fenced": fenced}
    on_target = fenced[other]
    if config.dns_mode == "weighted":
        try:
            records = weighted_records(route53, config.hosted_zone_id,
                                       config.writer_record_name)
        except Exception as error:  # noqa: BLE001
            log("writer_records_unreadable", error=repr(error))
            detail["error"] = f"writer records cannot be read: {error}"
            return DnsState(None, fenced[home], detail)
        weights = {role: records[role].get("Weight") if role in records else None
                   for role in ROLES}
        detail["weights"] = weights
        if None in weights.values():
            detail["error"] = (f"no weighted record {config.writer_record_name} for "
                               f"{' / '.join(r for r, w in weights.items() if w is None)}")
            return DnsState(None, fenced[home], detail)
        on_target = on_target and weights[home] == WEIGHT_WRITER \
            and weights[other] == WEIGHT_STANDBY
    return DnsState(on_target, fenced[home], detail)


def weighted_records(route53: Any, zone_id: str, name: str) -> dict[str, dict[str, Any]]:
    """The weighted CNAME records of ``name`` by set identifier (``primary``/``secondary``)."""
    wanted = fqdn(name)
    found: dict[str, dict[str, Any]] = {}
    arguments = {"HostedZoneId": zone_id, "StartRecordName": wanted, "StartRecordType": "CNAME"}
    while True:
        page = route53.list_resource_record_sets(**arguments)
        records = page.get("ResourceRecordSets", [])
        for record in records:
            if (fqdn(record["Name"]) == wanted and record["Type"] == "CNAME"
                    and "Weight" in record and record.get("SetIdentifier") in ROLES):
                found[record["SetIdentifier"]] = record
        # Records come sorted by name: stop at the last page or once past the name.
        if not page.get("IsTruncated") or not records or fqdn(records[-1]["Name"]) != wanted:
            return found
        arguments = {"HostedZoneId": zone_id, "StartRecordName": page["NextRecordName"],
                     "StartRecordType": page["NextRecordType"]}
        if page.get("NextRecordIdentifier"):
            arguments["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."
