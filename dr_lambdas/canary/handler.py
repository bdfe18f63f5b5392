"""The canary function: read the credentials, probe the databases, publish metrics.

Runs every minute in each region (EventBridge's finest schedule) and probes every
``PROBE_INTERVAL_SECONDS`` (the stack's default is 10 s) within that minute, bounded by the
minute and by the function's remaining time. Each probe looks at its own region's database:
the cluster (writer) endpoint ``DB_HOST``, and the reader endpoint ``DB_READER_HOST`` only when the
writer endpoint could not be reached (an Aurora secondary's writer endpoint is inactive and
does not resolve until the cluster is promoted, provider #14219; what the server says
decides ``IsWriter``). With ``PEER_DB_HOST`` it also probes the other region's database
across the VPC peering, the same way.

Each failed probe is classified (``probe.py``): *could not connect* means the database is
down; anything else, including a secret that cannot be read, is a **canary fault**, which
says nothing about the database. Published (namespace ``METRIC_NAMESPACE``, dimension
``METRIC_DIMENSION``: ``DBClusterIdentifier`` for an Aurora cluster, ``DBInstanceIdentifier``
for an RDS instance; both, like every variable, set by the stack from ``contract.py``):

- under ``CLUSTER_ID``: ``ConnectivityOk`` 1 (connected) or 0 (could not connect), never on
  a canary fault; ``IsWriter`` and ``LatencyMs`` when connected; ``ReplicationLagMs`` when
  the replica could tell; ``CanaryError`` 1 when a probe failed for a reason of its own, 0
  otherwise (always published, so its alarm has data);
- under ``PEER_CLUSTER_ID``: ``PeerConnectivityOk`` 1 or 0, never on a canary fault;
- ``ConnectivityOkHighRes`` and ``PeerConnectivityOkHighRes``: the same values at one-second
  resolution, for the alarms with 10-second periods (the fast path). The standard ones stay
  for Route 53's alarm-based health checks, which accept standard resolution only.

Each probe publishes one ``PutMetricData`` batch and logs one JSON line; the run returns
what its last probe published and how many probes it made. Configuration errors
(a missing environment variable, an unknown engine) raise: they are deploy bugs, and the
function's ``Errors`` metric is the place to see them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, replace
from typing import Any

from dr_lambdas.canary.probe import ProbeResult, ProbeSettings, probe
from dr_lambdas.common import Clients, env_int, env_str, log
from dr_lambdas.contract import (
    CANARY_ERROR,
    CANARY_PERIOD_SECONDS,
    CONNECTIVITY_OK,
    HIGH_RESOLUTION,
    IS_WRITER,
    PEER_CONNECTIVITY_OK,
    PROBE_INTERVALS,
)
from dr_lambdas.contract import CanaryEnv as E

# A run lasts one schedule period (EventBridge runs the canary every minute) and probes every
# PROBE_INTERVAL_SECONDS within it (dr_lambdas/contract.py).
RUN_SECONDS = CANARY_PERIOD_SECONDS
# The clock and sleep of the probe loop (tests give fast ones).
_clock = time.monotonic
_sleep = time.sleep

# Clients are kept for the life of the execution environment, by service and region.
_CLIENTS = Clients(connect_timeout=5, read_timeout=10, max_attempts=3)


def _client(service: str) -> Any:
    # Lambda sets AWS_REGION to the function's own region: the secret is read there.
    return _CLIENTS(service, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))


class SecretError(Exception):
    """The secret could not be read or does not hold a JSON username and password."""


def read_credentials(secret_id: str) -> tuple[str, str]:
    """``(username, password)`` from a Secrets Manager JSON secret (as RDS writes them).

    Read on every invocation, not cached: RDS rotates managed master passwords, and one
    GetSecretValue a minute is cheap next to a canary that keeps failing after a rotation.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _client("secretsmanager").get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as exc:
        raise SecretError(f"cannot read secret {secret_id!r}: {exc}") from exc
    try:
        document = json.loads(response["SecretString"])
        username, password = document["username"], document["password"]
    except (KeyError, TypeError, ValueError) as exc:
        # The exception text could quote the secret: name only the exception type.
        raise SecretError(
            f"secret {secret_id!r} is not JSON with string username and "
            f"password ({type(exc).__name__})"
        ) from None
    if not isinstance(username, str) or not isinstance(password, str):
        raise SecretError(f"secret {secret_id!r} is not JSON with string username and password")
    return username, password


def probe_database(settings: ProbeSettings, hosts: list[str]) -> ProbeResult:
    """Probe ``hosts`` in order, the next one only when the previous could not be reached
    (a fault of the probe would be the same on every host)."""
    result = ProbeResult(connected=False, error_kind="config", error="no host to probe")
    for host in hosts:
        result = probe(replace(settings, host=host))
        if not result.unreachable:
            break
    return result


def metrics_for(result: ProbeResult) -> dict[str, tuple[float, str]]:
    """Metric name -> (value, CloudWatch unit) for the probe of the canary's own database."""
    metrics: dict[str, tuple[float, str]] = {CANARY_ERROR: (1 if result.fault else 0, "Count")}
    if not result.fault:
        metrics[CONNECTIVITY_OK] = (1 if result.connected else 0, "Count")
    if result.connected:
        if result.is_writer is not None:
            metrics[IS_WRITER] = (1 if result.is_writer else 0, "Count")
        if result.latency_ms is not None:
            metrics["LatencyMs"] = (result.latency_ms, "Milliseconds")
    if result.replication_lag_ms is not None:
        metrics["ReplicationLagMs"] = (result.replication_lag_ms, "Milliseconds")
    return metrics


def peer_metrics_for(result: ProbeResult) -> dict[str, tuple[float, str]]:
    """The probe of the other region's database: nothing on a fault of the probe."""
    if result.fault:
        return {}
    return {PEER_CONNECTIVITY_OK: (1 if result.connected else 0, "Count")}


def _hosts(env: Any, writer: str, reader: str) -> list[str]:
    hosts = [env_str(env, writer)]
    if env.get(reader) and env[reader] != hosts[0]:
        hosts.append(env[reader])
    return hosts


def lambda_handler(event: Any, context: Any) -> dict:
    """One scheduled run: probe every ``PROBE_INTERVAL_SECONDS`` through the minute until the
    next run (bounded by the minute and by the function's remaining time), one metric batch
    per probe. The credentials are read once per run."""
    env = os.environ
    engine = env_str(env, E.DB_ENGINE)
    # Validated before the secret is read: a wrong engine or port is a deploy bug, not a
    # connectivity failure. The credentials are filled in below.
    settings = ProbeSettings(
        engine=engine,
        host=env_str(env, E.DB_HOST),
        port=_required_int(env, E.DB_PORT),
        database=env_str(env, E.DB_NAME),
        user="",
        password="",
        connect_timeout_seconds=_required_int(env, E.CONNECT_TIMEOUT),
        ca_bundle=env.get(E.CA_BUNDLE) or None,
    )
    target = Target(
        cluster_id=env_str(env, E.CLUSTER_ID),
        namespace=env_str(env, E.METRIC_NAMESPACE),
        dimension=env_str(env, E.METRIC_DIMENSION),
        hosts=_hosts(env, E.DB_HOST, E.DB_READER_HOST),
        peer_id=env.get(E.PEER_CLUSTER_ID) or None,
        peer_hosts=(
            _hosts(env, E.PEER_DB_HOST, E.PEER_DB_READER_HOST) if env.get(E.PEER_CLUSTER_ID) else []
        ),
    )
    interval = _required_int(env, E.PROBE_INTERVAL)
    if interval not in PROBE_INTERVALS:
        raise ValueError(
            f"{E.PROBE_INTERVAL} must be one of "
            f"{', '.join(map(str, PROBE_INTERVALS))}, got {interval}"
        )
    try:
        username, password = read_credentials(env_str(env, E.SECRET_ID))
        credentials: ProbeSettings | SecretError = replace(
            settings, user=username, password=password
        )
    except SecretError as exc:
        credentials = exc
    # The slot of each probe, from the run's start: never after the minute (the next run
    # takes over then), never when the function has too little time left for a probe.
    started = _clock()
    needed = 4 * settings.connect_timeout_seconds + 2  # two databases, two hosts each
    answers = []
    for slot in range(RUN_SECONDS // interval):
        due = started + slot * interval
        wait = due - _clock()
        if wait < -interval / 2:
            continue  # a slow probe ate this slot: the next one is on time again
        remaining = _remaining_seconds(context)
        if remaining is not None and remaining - max(wait, 0) < needed:
            break
        if wait > 0:
            _sleep(wait)
        answers.append(probe_once(settings, credentials, target))
    last = answers[-1]
    return {**last, "probes": len(answers), "interval_seconds": interval}


def _required_int(env: Any, name: str) -> int:
    """An integer the stack always sets (KeyError naming it when missing)."""
    env_str(env, name)
    return env_int(env, name, 0)


def _remaining_seconds(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if remaining else None


@dataclass(frozen=True)
class Target:
    """What one run probes, and where its metrics go."""

    cluster_id: str
    namespace: str
    dimension: str
    hosts: list[str]
    peer_id: str | None
    peer_hosts: list[str]


def probe_once(
    settings: ProbeSettings, credentials: ProbeSettings | SecretError, target: Target
) -> dict:
    """One probe of the database (and of the other region's, with a peer), published as one
    ``PutMetricData`` batch: the standard-resolution metrics (Route 53 health checks read
    only those) and, at one-second resolution, ``ConnectivityOkHighRes`` and
    ``PeerConnectivityOkHighRes`` for the fast alarms."""
    if isinstance(credentials, SecretError):
        result = ProbeResult(connected=False, error_kind="secret", error=str(credentials))
        peer = result if target.peer_id else None
    else:
        result = probe_database(credentials, target.hosts)
        peer = probe_database(credentials, target.peer_hosts) if target.peer_id else None

    metrics = metrics_for(result)
    peer_metrics = peer_metrics_for(peer) if peer is not None else {}
    if peer is not None and peer.fault:
        metrics[CANARY_ERROR] = (1, "Count")
    data = [(target.cluster_id, name, value, unit) for name, (value, unit) in metrics.items()]
    data += [(target.peer_id, name, value, unit) for name, (value, unit) in peer_metrics.items()]
    published = {name: value for name, (value, _) in metrics.items()}
    peer_published = {name: value for name, (value, _) in peer_metrics.items()}
    log(
        "canary.probe",
        cluster_id=target.cluster_id,
        engine=settings.engine,
        host=result.host,
        port=settings.port,
        tls_verified=settings.ca_bundle is not None,
        connected=result.connected,
        is_writer=result.is_writer,
        latency_ms=result.latency_ms,
        replication_lag_ms=result.replication_lag_ms,
        error_kind=result.error_kind,
        error=result.error,
        metrics=published,
        **(
            {
                "peer": {
                    "cluster_id": target.peer_id,
                    "host": peer.host,
                    "connected": peer.connected,
                    "error_kind": peer.error_kind,
                    "error": peer.error,
                    "metrics": peer_published,
                }
            }
            if peer is not None
            else {}
        ),
    )
    datums = [
        {
            "MetricName": name,
            "Dimensions": [{"Name": target.dimension, "Value": member}],
            "Value": float(value),
            "Unit": unit,
        }
        for member, name, value, unit in data
    ]
    datums += [
        {**datum, "MetricName": HIGH_RESOLUTION[datum["MetricName"]], "StorageResolution": 1}
        for datum in datums
        if datum["MetricName"] in HIGH_RESOLUTION
    ]
    try:
        _client("cloudwatch").put_metric_data(Namespace=target.namespace, MetricData=datums)
    except Exception as exc:
        # No data point is published: the alarms treat missing data as breaching, and the
        # failed invocation shows in the function's Errors metric.
        log(
            "canary.publish_failed",
            cluster_id=target.cluster_id,
            namespace=target.namespace,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    answer = {
        "namespace": target.namespace,
        "dimensions": {target.dimension: target.cluster_id},
        "metrics": published,
        "error_kind": result.error_kind,
        "error": result.error,
        "canary_fault": bool(published[CANARY_ERROR]),
        "host": result.host,
    }
    if peer is not None:
        answer["peer"] = {
            "dimensions": {target.dimension: target.peer_id},
            "metrics": peer_published,
            "error_kind": peer.error_kind,
            "host": peer.host,
        }
    return answer
