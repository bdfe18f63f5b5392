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
- Health (the writer's canary, in the writer region, dimension ``METRIC_DIMENSION`` = the
  writer's cluster or instance id, the last ``HEALTH_WINDOW_SECONDS``): ``ok`` when the
  latest ``ConnectivityOk`` is 1 and the latest ``IsWriter`` is not 0; ``down`` when the
  latest ``ConnectivityOk`` is 0 or the database answers but does not accept writes;
  ``fault`` when the canary's latest word is ``CanaryError`` (its secret, credentials or
  permissions are broken: the database's health is unknown); ``silent`` when there is no
  datapoint at all; ``unreadable`` when the region's CloudWatch cannot be reached. Only
  ``ok`` is healthy.
- Outage signals, only for a writer whose canary cannot connect (a second, independent
  opinion, ``decision.py``): the writer region's RDS API (``DescribeDBClusters`` and the
  writer instance's ``DescribeDBInstances``, or the writer instance's) reports it not
  available, or cannot be reached at all; and ``PeerConnectivityOk`` of the writer, which
  the home region's canary publishes in the home region after probing the writer across
  the VPC peering: 0 is a signal, 1 means the writer answers and vetoes a failover.
- Lag, read in the home region for the home member, latest datapoint within 15 minutes,
  None when there is none: ``aurora-global`` ``AuroraGlobalDBReplicationLag`` (AWS/RDS,
  milliseconds, reported on the secondary cluster: aurora-global-database-monitoring);
  ``rds-replica`` ``ReplicaLag`` (AWS/RDS, **seconds**, reported on the replica). Not the
  canary's ``ReplicationLagMs``. Note that AWS documents ReplicaLag of RDS for PostgreSQL
  as ``now() - pg_last_xact_replay_timestamp()`` (USER_PostgreSQL.Replication.ReadReplicas
  .Monitor), so it also grows while the primary has nothing to write.
- DNS, ``rds-replica`` only: the fences the orchestrators set, remembered in their lock
  tables (DynamoDB, data plane): ``dns_on_target`` when this region's orchestrator fenced
  the other region's instance (and, with weighted records, the home record weighs 100 and
  the other 0: ``ListResourceRecordSets``, the one Route 53 read, in the one mode that
  needs Route 53's control plane anyway); ``target_fenced`` when the other region's
  orchestrator fenced this region's instance (an old primary). No ``GetHealthCheck``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dr_lambdas.common import log
from dr_lambdas.contract import CANARY_ERROR, CONNECTIVITY_OK, IS_WRITER, PEER_CONNECTIVITY_OK
from dr_lambdas.orchestrator.config import ROLES, OrchestratorConfig, arn_region
from dr_lambdas.orchestrator.decision import CANNOT_CONNECT, Observation

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client

LAG_METRIC = "AuroraGlobalDBReplicationLag"  # aurora-global, milliseconds
REPLICA_LAG_METRIC = "ReplicaLag"  # rds-replica, seconds
LAG_WINDOW_SECONDS = 15 * 60
# The canary's metrics, by what they mean here.
HEALTH_METRIC, WRITER_METRIC, CANARY_ERROR_METRIC = CONNECTIVITY_OK, IS_WRITER, CANARY_ERROR
PEER_METRIC = PEER_CONNECTIVITY_OK
# Statuses in which a cluster or instance serves no writes (RDS user guide,
# Overview.DBInstance.Status and Aurora's accessing-monitoring "Viewing DB cluster status").
# Anything else counts as available: an unknown status is never a reason to fail over.
DOWN_CLUSTER_STATUSES = frozenset(
    {
        "inaccessible-encryption-credentials",
        "inaccessible-encryption-credentials-recoverable",
        "stopped",
        "stopping",
        "starting",
        "deleting",
        "migration-failed",
        "cloning-failed",
    }
)
DOWN_INSTANCE_STATUSES = frozenset(
    {
        "failed",
        "inaccessible-encryption-credentials",
        "inaccessible-encryption-credentials-recoverable",
        "incompatible-network",
        "incompatible-option-group",
        "incompatible-parameters",
        "incompatible-restore",
        "insufficient-capacity",
        "restore-error",
        "storage-full",
        "stopped",
        "stopping",
        "starting",
        "rebooting",
        "deleting",
    }
)
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
    # What the second opinions said (RDS API, the other region's probe), when asked.
    evidence: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        o = self.observation
        result = {
            "writer_region": o.writer_region,
            "target_region": o.target_region,
            "writer_healthy": o.writer_healthy,
            "lag_seconds": o.lag_seconds,
            f"writer_{self.member_kind}_arn": self.writer_arn,
            "health": self.health,
            "probe": o.probe,
            "outage_signals": list(o.outage_signals),
            "peer_answers": o.peer_answers,
            "lag": self.lag,
        }
        if self.evidence:
            result["evidence"] = self.evidence
        if self.member_kind == "instance":
            result.update(
                dns_on_target=o.dns_on_target,
                target_fenced=o.target_fenced,
                target_has_replica=o.target_has_replica,
                **self.details,
            )
        return result


def observe(
    config: OrchestratorConfig, clients: ClientFactory, now: Callable[[], float] = time.time
) -> Snapshot:
    instance = find_instance_writer(config, clients) if config.dr_mode == "rds-replica" else None
    writer_arn = instance.arn if instance is not None else find_writer(config, clients)
    writer_region = arn_region(writer_arn) if writer_arn else None
    probe, health = writer_probe(config, clients, writer_region, writer_arn, now())
    outage = outage_evidence(config, clients, probe, writer_arn, now())
    lag_seconds, lag = replication_lag(config, clients, now())
    # rds-replica: what DNS shows and where the replica replicates from, for decide, and
    # how the writer was found, for logs and answers
    replica_fields: dict[str, Any] = {}
    instance_fields: dict[str, Any] = {}
    if instance is not None:
        dns = dns_state(config, clients)
        replica_fields = {
            "dns_on_target": dns.on_target,
            "target_fenced": dns.target_fenced,
            "target_has_replica": instance.home_has_replica,
        }
        instance_fields = {
            "member_kind": "instance",
            "details": {
                "writer_found": instance.how,
                "home_status": instance.home_status,
                "dns": dns.detail,
            },
        }
    snapshot = Snapshot(
        observation=Observation(
            writer_region=writer_region,
            target_region=config.home_region,
            writer_healthy=probe == "ok",
            lag_seconds=lag_seconds,
            probe=probe,
            outage_signals=outage.signals,
            peer_answers=outage.peer_answers,
            **replica_fields,
        ),
        writer_arn=writer_arn,
        health=health,
        lag=lag,
        evidence=outage.evidence,
        **instance_fields,
    )
    log("observed", **snapshot.as_dict())
    return snapshot


# -- the writer -------------------------------------------------------------------------------


def find_writer(config: OrchestratorConfig, clients: ClientFactory) -> str | None:
    """aurora-global: the ARN of the member with IsWriter, or None when no region can tell."""
    for region in (config.home_region, config.other_region):
        try:
            found = clients("rds", region).describe_global_clusters(
                GlobalClusterIdentifier=config.global_cluster_id
            )["GlobalClusters"]
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
    other_id, other_arn = (
        config.member_id_of(config.other_role),
        config.member_arn_of(config.other_role),
    )
    try:
        home = _describe_instance(clients("rds", config.home_region), home_id)
    except Exception as error:  # noqa: BLE001 - any failure: ask the other region
        log(
            "describe_db_instances_failed",
            region=config.home_region,
            instance=home_id,
            error=repr(error),
        )
    else:
        status = home.get("DBInstanceStatus")
        source = home.get("ReadReplicaSourceDBInstanceIdentifier")
        if source:
            # A cross-region source is named by its ARN (DescribeDBInstances); a bare
            # identifier would be a source in this region, which this deployment never has.
            writer = source if source.startswith("arn:") else None
            return InstanceWriter(writer, status, False, f"{home_id} is a read replica of {source}")
        replicas = home.get("ReadReplicaDBInstanceIdentifiers") or []
        has_replica = any(replica in (other_arn, other_id) for replica in replicas)
        return InstanceWriter(
            home_arn,
            status,
            has_replica,
            f"{home_id} is standalone" + (f" and the source of {other_id}" if has_replica else ""),
        )
    try:
        other = _describe_instance(clients("rds", config.other_region), other_id)
    except Exception as error:  # noqa: BLE001
        log(
            "describe_db_instances_failed",
            region=config.other_region,
            instance=other_id,
            error=repr(error),
        )
        return InstanceWriter(None, None, None, "neither region could describe its instance")
    source = other.get("ReadReplicaSourceDBInstanceIdentifier")
    seen = f"{config.home_region} cannot answer; seen from {config.other_region}"
    if not source:
        return InstanceWriter(other_arn, None, None, f"{other_id} is standalone ({seen})")
    if source in (home_arn, home_id):
        return InstanceWriter(
            home_arn, None, True, f"{other_id} replicates from {home_id} ({seen})"
        )
    return InstanceWriter(None, None, None, f"{other_id} replicates from {source} ({seen})")


def _describe_instance(rds: Any, identifier: str) -> dict[str, Any]:
    (instance,) = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    return instance


# -- health and lag ---------------------------------------------------------------------------


def _member_id(config: OrchestratorConfig, region: str, writer_arn: str) -> str:
    role = config.role_of(region)
    return config.member_id_of(role) if role is not None else writer_arn.rsplit(":", 1)[-1]


def writer_probe(
    config: OrchestratorConfig,
    clients: ClientFactory,
    region: str | None,
    writer_arn: str | None,
    now: float,
) -> tuple[str, str]:
    """What the writer's own canary says (decision.PROBE_STATES), and why."""
    if region is None or writer_arn is None:
        return "unreadable", "the writer cannot be seen"
    member_id = _member_id(config, region, writer_arn)
    cloudwatch = clients("cloudwatch", region)
    window = config.health_window_seconds
    try:
        connectivity, writes, errors = [
            _datapoints(
                cloudwatch,
                namespace=config.metric_namespace,
                metric=metric,
                dimension=config.metric_dimension,
                member_id=member_id,
                statistic=statistic,
                now=now,
                window=window,
            )
            for metric, statistic in (
                (HEALTH_METRIC, "Minimum"),
                (WRITER_METRIC, "Minimum"),
                (CANARY_ERROR_METRIC, "Maximum"),
            )
        ]
    except Exception as error:  # noqa: BLE001 - an unreachable region is an unhealthy one
        return "unreadable", f"CloudWatch in {region} cannot be reached: {error}"
    faults = [p for p in errors if p["Maximum"] >= 1]
    latest_fault = faults[-1]["Timestamp"] if faults else None
    if not connectivity:
        if latest_fault is not None:
            return "fault", (
                f"the canary of {member_id} is faulty ({CANARY_ERROR_METRIC} at "
                f"{latest_fault}) and reported no {HEALTH_METRIC} in the last "
                f"{window} s"
            )
        return "silent", (f"no {HEALTH_METRIC} datapoint for {member_id} in the last {window} s")
    latest = connectivity[-1]
    if latest_fault is not None and latest_fault > latest["Timestamp"]:
        return "fault", (
            f"the canary of {member_id} is faulty since {latest_fault} "
            f"({CANARY_ERROR_METRIC}); its last {HEALTH_METRIC} was "
            f"{latest['Minimum']:g} at {latest['Timestamp']}"
        )
    if latest["Minimum"] < 1:
        return "down", (
            f"{HEALTH_METRIC} of {member_id} is {latest['Minimum']:g} at {latest['Timestamp']}"
        )
    if writes and writes[-1]["Minimum"] < 1:
        return "down", (
            f"{member_id} answers but does not accept writes ({WRITER_METRIC} "
            f"is 0 at {writes[-1]['Timestamp']})"
        )
    return "ok", f"{HEALTH_METRIC} of {member_id} is 1 at {latest['Timestamp']}"


@dataclass(frozen=True)
class OutageEvidence:
    signals: tuple[str, ...] = ()  # the second opinions that agree the writer is down
    peer_answers: bool = False  # the writer answers the other region's probe
    evidence: dict[str, str] = field(default_factory=dict)


def outage_evidence(
    config: OrchestratorConfig,
    clients: ClientFactory,
    probe: str,
    writer_arn: str | None,
    now: float,
) -> OutageEvidence:
    """The independent opinions on a writer whose canary cannot connect (nothing is asked
    for a writer whose canary is fine, or faulty: a fault alone never fails over)."""
    if probe not in CANNOT_CONNECT or writer_arn is None:
        return OutageEvidence()
    region = arn_region(writer_arn)
    if region == config.home_region:
        return OutageEvidence()  # this region holds the writer: nothing to decide
    member_id = _member_id(config, region, writer_arn)
    signals: list[str] = []
    rds, rds_why = rds_writer_state(config, clients, region, member_id)
    if rds == "not_available":
        signals.append(f"the RDS API in {region} reports it not available: {rds_why}")
    elif rds == "unreachable":
        signals.append(f"the RDS API in {region} cannot be reached: {rds_why}")
    peer, peer_why = peer_probe(config, clients, member_id, now)
    if peer == "down":
        signals.append(
            f"a probe from {config.home_region} across the peering cannot connect "
            f"either: {peer_why}"
        )
    return OutageEvidence(
        tuple(signals),
        peer == "ok",
        {"rds": f"{rds}: {rds_why}", "peer_probe": f"{peer}: {peer_why}"},
    )


def rds_writer_state(
    config: OrchestratorConfig, clients: ClientFactory, region: str, member_id: str
) -> tuple[str, str]:
    """``available``, ``not_available``, ``unreachable`` or ``unknown`` (an error that is no
    verdict, such as a denied permission), and what RDS said."""
    rds = clients("rds", region)
    try:
        if config.dr_mode == "aurora-global":
            (cluster,) = rds.describe_db_clusters(DBClusterIdentifier=member_id)["DBClusters"]
            status = cluster.get("Status")
            if status in DOWN_CLUSTER_STATUSES:
                return "not_available", f"cluster {member_id} is {status}"
            writers = [
                m["DBInstanceIdentifier"]
                for m in cluster.get("DBClusterMembers", [])
                if m.get("IsClusterWriter")
            ]
            if not writers:
                return "not_available", f"cluster {member_id} has no writer instance"
            instance_id = writers[0]
        else:
            instance_id = member_id
        (instance,) = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"]
    except Exception as error:  # noqa: BLE001 - classified below
        return ("unreachable" if unreachable(error) else "unknown"), repr(error)
    status = instance.get("DBInstanceStatus")
    if status in DOWN_INSTANCE_STATUSES:
        return "not_available", f"instance {instance_id} is {status}"
    return "available", f"instance {instance_id} is {status}"


def unreachable(error: BaseException) -> bool:
    """The call never got an answer from the service (its region or endpoint is down), as
    opposed to an answer that refused it."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(
        error,
        (
            EndpointConnectionError,
            ConnectTimeoutError,
            ReadTimeoutError,
            ConnectionClosedError,
            ConnectionError,
            TimeoutError,
        ),
    ):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500
    return False


def peer_probe(
    config: OrchestratorConfig, clients: ClientFactory, member_id: str, now: float
) -> tuple[str, str]:
    """What the home region's canary says of the writer across the peering: ``ok``,
    ``down`` or ``none`` (no peering, or no datapoint in the window)."""
    try:
        points = _datapoints(
            clients("cloudwatch", config.home_region),
            namespace=config.metric_namespace,
            metric=PEER_METRIC,
            dimension=config.metric_dimension,
            member_id=member_id,
            statistic="Minimum",
            now=now,
            window=config.health_window_seconds,
        )
    except Exception as error:  # noqa: BLE001 - no second opinion, not a verdict
        return "none", f"{PEER_METRIC} cannot be read: {error}"
    if not points:
        return "none", (
            f"no {PEER_METRIC} datapoint for {member_id} in {config.home_region} "
            f"in the last {config.health_window_seconds} s"
        )
    latest = points[-1]
    state = "ok" if latest["Minimum"] >= 1 else "down"
    return state, f"{PEER_METRIC} of {member_id} is {latest['Minimum']:g} at {latest['Timestamp']}"


def replication_lag(
    config: OrchestratorConfig, clients: ClientFactory, now: float
) -> tuple[float | None, str]:
    member_id = config.target_member_id
    if config.dr_mode == "rds-replica":
        metric, dimension, per_second = REPLICA_LAG_METRIC, "DBInstanceIdentifier", 1.0
    else:
        metric, dimension, per_second = LAG_METRIC, "DBClusterIdentifier", 1000.0
    try:
        points = _datapoints(
            clients("cloudwatch", config.home_region),
            namespace="AWS/RDS",
            metric=metric,
            dimension=dimension,
            member_id=member_id,
            statistic="Maximum",
            now=now,
            window=LAG_WINDOW_SECONDS,
        )
    except Exception as error:  # noqa: BLE001
        return None, f"{metric} cannot be read: {error}"
    if not points:
        return None, f"no {metric} datapoint for {member_id} in the last 15 minutes"
    latest = points[-1]
    if latest["Maximum"] < 0:
        # Not a lag: RDS reports -1 when replication is not active (USER_ReadRepl.Monitoring
        # says so for MySQL and MariaDB); nothing to compare with the RPO.
        return None, f"{metric} of {member_id} is {latest['Maximum']:g} (replication not active)"
    return (latest["Maximum"] / per_second, f"{metric} of {member_id} at {latest['Timestamp']}")


def _datapoints(
    cloudwatch: Any,
    *,
    namespace: str,
    metric: str,
    dimension: str,
    member_id: str,
    statistic: str,
    now: float,
    window: int,
) -> list[dict[str, Any]]:
    """One-minute datapoints of the last ``window`` seconds, oldest first."""
    end = dt.datetime.fromtimestamp(now, dt.UTC)
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": dimension, "Value": member_id}],
        StartTime=end - dt.timedelta(seconds=window),
        # The end is exclusive: one period past now includes the minute in progress.
        EndTime=end + dt.timedelta(seconds=PERIOD_SECONDS),
        Period=PERIOD_SECONDS,
        Statistics=[statistic],
    )
    return sorted(answer.get("Datapoints", []), key=lambda point: point["Timestamp"])


# -- DNS (rds-replica) ------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsState:
    on_target: bool | None  # see the module docstring; None when it cannot be read
    target_fenced: bool | None
    detail: dict[str, Any]


def fenced(dynamodb: Any, table: str, key: str) -> bool:
    """Whether the lock table ``table`` remembers the fence ``key`` (see actions)."""
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get(
        "Item"
    )
    return bool(item and item.get("fenced", {}).get("BOOL"))


def dns_state(config: OrchestratorConfig, clients: ClientFactory) -> DnsState:
    """rds-replica: where DNS sends writers, from the fences the orchestrators set (data
    plane: the lock tables), and with weighted records also the weights (the one Route 53
    read, in the mode that needs its control plane anyway)."""
    home, other = config.home_role, config.other_role
    fences: dict[str, bool | None] = {}
    try:
        # The other region's instance, fenced by this region's orchestrator ...
        fences[other] = fenced(
            clients("dynamodb", config.home_region), config.lock_table, config.fence_key(other)
        )
    except Exception as error:  # noqa: BLE001 - unknown, not "not on target"
        log("fences_unreadable", error=repr(error))
        return DnsState(None, None, {"error": f"the fences cannot be read: {error}"})
    try:
        # ... and this region's instance, fenced by the other region's (an old primary)
        fences[home] = fenced(
            clients("dynamodb", config.other_region),
            config.other_lock_table,
            config.fence_key(home),
        )
    except Exception as error:  # noqa: BLE001 - the other region may be gone
        log("other_fence_unreadable", error=repr(error))
        fences[home] = None
    detail: dict[str, Any] = {"fenced": fences}
    on_target = fences[other]
    if config.dns_mode == "weighted":
        route53 = clients("route53", config.home_region)
        try:
            records = weighted_records(route53, config.hosted_zone_id, config.writer_record_name)
        except Exception as error:  # noqa: BLE001
            log("writer_records_unreadable", error=repr(error))
            detail["error"] = f"writer records cannot be read: {error}"
            return DnsState(None, fences[home], detail)
        weights = {role: records[role].get("Weight") if role in records else None for role in ROLES}
        detail["weights"] = weights
        if None in weights.values():
            detail["error"] = (
                f"no weighted record {config.writer_record_name} for "
                f"{' / '.join(r for r, w in weights.items() if w is None)}"
            )
            return DnsState(None, fences[home], detail)
        on_target = (
            on_target and weights[home] == WEIGHT_WRITER and weights[other] == WEIGHT_STANDBY
        )
    return DnsState(on_target, fences[home], detail)


def weighted_records(route53: Any, zone_id: str, name: str) -> dict[str, dict[str, Any]]:
    """The weighted CNAME records of ``name`` by set identifier (``primary``/``secondary``)."""
    wanted = fqdn(name)
    found: dict[str, dict[str, Any]] = {}
    arguments = {"HostedZoneId": zone_id, "StartRecordName": wanted, "StartRecordType": "CNAME"}
    while True:
        page = route53.list_resource_record_sets(**arguments)
        records = page.get("ResourceRecordSets", [])
        for record in records:
            if (
                fqdn(record["Name"]) == wanted
                and record["Type"] == "CNAME"
                and "Weight" in record
                and record.get("SetIdentifier") in ROLES
            ):
                found[record["SetIdentifier"]] = record
        # Records come sorted by name: stop at the last page or once past the name.
        if not page.get("IsTruncated") or not records or fqdn(records[-1]["Name"]) != wanted:
            return found
        arguments = {
            "HostedZoneId": zone_id,
            "StartRecordName": page["NextRecordName"],
            "StartRecordType": page["NextRecordType"],
        }
        if page.get("NextRecordIdentifier"):
            arguments["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."
