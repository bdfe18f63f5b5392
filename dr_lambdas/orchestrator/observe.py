"""What the orchestrator sees: the current writer, its health and the replication lag.

- Writer: ``DescribeGlobalClusters`` lists every member with ``IsWriter``. The global
  cluster is visible from every member region, so the home region (alive: this code runs
  there) is asked first and the other region only when the home region cannot answer.
- Health: the writer region's canary metric ``ConnectivityOk`` (1/0 per minute). Healthy
  only when the latest datapoint in the last ``HEALTH_WINDOW_SECONDS`` is 1; a 0, no data,
  or a CloudWatch that cannot be reached (a dead region) all mean unhealthy. The clients
  have short timeouts and few retries, so a dead region answers within seconds.
- Lag: the latest ``AuroraGlobalDBReplicationLag`` (AWS/RDS, milliseconds) of the home
  member within 15 minutes, read in the home region, as seconds; None when there is none.
  Aurora reports it on the secondary cluster (aurora-global-database-monitoring).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable

from dr_lambdas.common import log
from dr_lambdas.orchestrator.config import OrchestratorConfig, arn_region
from dr_lambdas.orchestrator.decision import Observation

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client

LAG_METRIC = "AuroraGlobalDBReplicationLag"
LAG_WINDOW_SECONDS = 15 * 60
HEALTH_METRIC = "ConnectivityOk"
PERIOD_SECONDS = 60  # canary and RDS metrics are one-minute metrics


@dataclass(frozen=True)
class Snapshot:
    """An Observation for ``decide`` plus the details behind it, for logs and answers."""

    observation: Observation
    writer_cluster_arn: str | None
    health: str  # why the writer is (un)healthy
    lag: str  # where the lag came from, or why it is unknown

    def as_dict(self) -> dict[str, Any]:
        o = self.observation
        return {"writer_region": o.writer_region, "target_region": o.target_region,
                "writer_healthy": o.writer_healthy, "lag_seconds": o.lag_seconds,
                "writer_cluster_arn": self.writer_cluster_arn, "health": self.health,
                "lag": self.lag}


def observe(config: OrchestratorConfig, clients: ClientFactory,
            now: Callable[[], float] = time.time) -> Snapshot:
    writer_arn = find_writer(config, clients)
    writer_region = arn_region(writer_arn) if writer_arn else None
    healthy, health = writer_health(config, clients, writer_region, writer_arn, now())
    lag_seconds, lag = replication_lag(config, clients, now())
    snapshot = Snapshot(
        observation=Observation(writer_region=writer_region, target_region=config.home_region,
                                writer_healthy=healthy, lag_seconds=lag_seconds),
        writer_cluster_arn=writer_arn, health=health, lag=lag)
    log("observed", **snapshot.as_dict())
    return snapshot


def find_writer(config: OrchestratorConfig, clients: ClientFactory) -> str | None:
    """The ARN of the member with IsWriter, or None when no region can tell."""
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


def writer_health(config: OrchestratorConfig, clients: ClientFactory, region: str | None,
                  writer_arn: str | None, now: float) -> tuple[bool, str]:
    if region is None or writer_arn is None:
        return False, "the writer cannot be seen"
    role = config.role_of(region)
    cluster_id = (config.cluster_id_of(role) if role is not None
                  else writer_arn.rsplit(":", 1)[-1])
    try:
        points = _datapoints(clients("cloudwatch", region), namespace=config.metric_namespace,
                             metric=HEALTH_METRIC, cluster_id=cluster_id, statistic="Minimum",
                             now=now, window=config.health_window_seconds)
    except Exception as error:  # noqa: BLE001 - an unreachable region is an unhealthy one
        return False, f"CloudWatch in {region} cannot be reached: {error}"
    if not points:
        return False, (f"no {HEALTH_METRIC} datapoint for {cluster_id} in the last "
                       f"{config.health_window_seconds} s")
    latest = points[-1]
    if latest["Minimum"] >= 1:
        return True, f"{HEALTH_METRIC} of {cluster_id} is 1 at {latest['Timestamp']}"
    return False, (f"{HEALTH_METRIC} of {cluster_id} is {latest['Minimum']:g} "
                   f"at {latest['Timestamp']}")


def replication_lag(config: OrchestratorConfig, clients: ClientFactory,
                    now: float) -> tuple[float | None, str]:
    cluster_id = config.target_cluster_id
    try:
        points = _datapoints(clients("cloudwatch", config.home_region), namespace="AWS/RDS",
                             metric=LAG_METRIC, cluster_id=cluster_id, statistic="Maximum",
                             now=now, window=LAG_WINDOW_SECONDS)
    except Exception as error:  # noqa: BLE001
        return None, f"{LAG_METRIC} cannot be read: {error}"
    if not points:
        return None, f"no {LAG_METRIC} datapoint for {cluster_id} in the last 15 minutes"
    latest = points[-1]
    return latest["Maximum"] / 1000.0, f"{LAG_METRIC} of {cluster_id} at {latest['Timestamp']}"


def _datapoints(cloudwatch: Any, *, namespace: str, metric: str, cluster_id: str,
                statistic: str, now: float, window: int) -> list[dict[str, Any]]:
    """One-minute datapoints of the last ``window`` seconds, oldest first."""
    end = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName=metric,
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
        StartTime=end - dt.timedelta(seconds=window),
        # The end is exclusive: one period past now includes the minute in progress.
        EndTime=end + dt.timedelta(seconds=PERIOD_SECONDS),
        Period=PERIOD_SECONDS, Statistics=[statistic])
    return sorted(answer.get("Datapoints", []), key=lambda point: point["Timestamp"])
