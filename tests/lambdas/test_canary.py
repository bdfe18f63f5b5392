"""The connectivity canary against real servers: a PostgreSQL 15 primary and streaming
replica on loopback (``tools/pg_cluster.py``), TLS on, SCRAM passwords. Failure modes use real
sockets too: a stopped server, a closed port, a listener that never answers, a name in the
reserved ``.invalid`` domain. Only AWS is emulated (moto), for the handler.
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from dr_lambdas.canary import handler
from dr_lambdas.canary.probe import ProbeSettings, connect_postgres, probe
from dr_lambdas.contract import (
    CANARY_CONNECT_TIMEOUT_SECONDS,
    CLUSTER_DIMENSION,
    INSTANCE_DIMENSION,
    NAMESPACE,
)
from tools.pg_cluster import LOOPBACK, PgCluster, free_port

ENGINES = ("postgres", "aurora-mysql")
UNKNOWN_HOST = "canary-probe.invalid"  # RFC 6761: never resolves
SHORT_TIMEOUT = 1  # seconds, for the cases that wait for a timeout


@pytest.fixture(scope="module")
def cluster():
    if shutil.which("initdb") is None or shutil.which("openssl") is None:
        pytest.skip("needs the PostgreSQL server binaries and the openssl CLI")
    with PgCluster() as started:
        yield started


def settings_for(cluster: PgCluster, node=None, **overrides) -> ProbeSettings:
    node = node or cluster.primary
    fields = dict(
        engine="postgres",
        host=LOOPBACK,
        port=node.port,
        database=cluster.database,
        user=cluster.user,
        password=cluster.password,
        connect_timeout_seconds=3,
    )
    return ProbeSettings(**{**fields, **overrides})


def replay_a_transaction(cluster: PgCluster) -> None:
    """A transaction committed on the primary that the replica has replayed (the replica's
    lag is measured from its commit time)."""
    cluster.sql(
        cluster.primary,
        "CREATE TABLE IF NOT EXISTS heartbeat (at timestamptz)",
        "INSERT INTO heartbeat VALUES (now())",
        database=cluster.database,
    )
    cluster.wait_for_replay()


def offline_settings(engine: str, **overrides) -> ProbeSettings:
    """Settings for the cases that never reach a server (no MySQL server runs here)."""
    fields = dict(
        engine=engine,
        host=LOOPBACK,
        port=free_port(),
        database="app",
        user="app",
        password="not-used",
        connect_timeout_seconds=SHORT_TIMEOUT,
    )
    return ProbeSettings(**{**fields, **overrides})


@contextmanager
def tcp_server(respond=None):
    """A loopback listener. Without ``respond`` it never accepts: the kernel completes the
    TCP handshake (backlog) and then nothing is ever said, like a hung server."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((LOOPBACK, 0))
    server.listen(4)
    server.settimeout(0.1)  # so the serving thread notices ``stop`` quickly
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    respond(conn)
                except OSError:
                    pass

    worker = threading.Thread(target=serve, daemon=True) if respond else None
    if worker:
        worker.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        server.close()
        if worker:
            worker.join(timeout=5)


# Probe: what the server is -----------------------------------------------------------------


def test_primary_is_detected_as_writer(cluster):
    result = probe(settings_for(cluster))

    assert result.connected, result.error
    assert result.is_writer is True
    assert result.replication_lag_ms is None  # a writer has no replay lag to report
    assert 0 < result.latency_ms < 3000
    assert (result.error_kind, result.error) == (None, None)


def test_replica_is_detected_read_only_with_lag(cluster):
    replay_a_transaction(cluster)

    result = probe(settings_for(cluster, cluster.replica))

    assert result.connected, result.error
    assert result.is_writer is False
    assert result.replication_lag_ms is not None
    assert 0 <= result.replication_lag_ms < 15_000


@pytest.mark.parametrize("verify", [False, True], ids=["no-ca-bundle", "ca-bundle"])
def test_connection_is_always_encrypted(cluster, verify):
    settings = settings_for(cluster, ca_bundle=cluster.ca_file if verify else None)

    connection = connect_postgres(settings)
    try:
        ((ssl_on, version),) = connection.run(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        )
    finally:
        connection.close()

    assert ssl_on is True
    assert version in ("TLSv1.2", "TLSv1.3")


def test_ca_bundle_of_the_signing_ca_verifies(cluster):
    result = probe(settings_for(cluster, ca_bundle=cluster.ca_file))

    assert result.connected, result.error
    assert result.is_writer is True


def test_ca_bundle_of_another_ca_fails_as_tls(cluster):
    result = probe(settings_for(cluster, ca_bundle=cluster.other_ca()))

    assert not result.connected
    assert result.error_kind == "tls"
    assert "certificate verify failed" in result.error


def test_unreadable_ca_bundle_is_a_fault_of_the_probe_not_a_tls_failure(cluster, tmp_path):
    result = probe(settings_for(cluster, ca_bundle=str(tmp_path / "missing.pem")))

    assert (result.connected, result.error_kind) == (False, "config")
    assert result.fault and not result.unreachable
    assert "cannot load CA bundle" in result.error


# Probe: failure modes -----------------------------------------------------------------------


def test_wrong_password_fails_as_auth(cluster):
    result = probe(settings_for(cluster, password="not-the-password"))

    assert (result.connected, result.error_kind) == (False, "auth")
    assert "28P01" in result.error
    assert "not-the-password" not in result.error
    assert result.is_writer is None and result.latency_ms is None


def test_stopped_server_fails_as_refused_then_recovers(cluster):
    settings = settings_for(cluster, cluster.replica)
    cluster.stop(cluster.replica)
    try:
        stopped = probe(settings)
    finally:
        cluster.start_node(cluster.replica)

    assert (stopped.connected, stopped.error_kind) == (False, "refused")
    assert probe(settings).connected


@pytest.mark.parametrize("engine", ENGINES)
def test_closed_port_fails_as_refused(engine):
    result = probe(offline_settings(engine))

    assert (result.connected, result.error_kind) == (False, "refused")


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_host_fails_as_dns(engine):
    result = probe(offline_settings(engine, host=UNKNOWN_HOST))

    assert (result.connected, result.error_kind) == (False, "dns")


@pytest.mark.parametrize("engine", ENGINES)
def test_server_that_never_answers_fails_as_timeout(engine):
    with tcp_server() as port:
        started = time.monotonic()
        result = probe(offline_settings(engine, port=port))
        elapsed = time.monotonic() - started

    assert (result.connected, result.error_kind) == (False, "timeout")
    assert SHORT_TIMEOUT * 0.9 <= elapsed < SHORT_TIMEOUT + 2


def _postgres_without_tls(conn: socket.socket) -> None:
    conn.recv(8)  # the SSLRequest
    conn.sendall(b"N")  # "no TLS here"
    conn.recv(1024)  # a client that falls back would now send its startup packet


def _mysql_without_tls(conn: socket.socket) -> None:
    # A MySQL protocol-10 greeting whose capabilities lack CLIENT_SSL (0x800).
    capabilities = 0x1 | 0x8 | 0x200 | 0x8000 | 0x80000  # long password, with db, 4.1, auth
    salt = b"abcdefgh" + b"ijklmnopqrst"
    payload = (
        b"\x0a"
        + b"8.0.36\x00"
        + struct.pack("<I", 7)
        + salt[:8]
        + b"\x00"
        + struct.pack("<H", capabilities & 0xFFFF)
        + b"\x21"
        + struct.pack("<H", 2)
        + struct.pack("<H", capabilities >> 16)
        + bytes([21])
        + b"\x00" * 10
        + salt[8:]
        + b"\x00"
        + b"mysql_native_password\x00"
    )
    conn.sendall(struct.pack("<I", len(payload))[:3] + b"\x00" + payload)
    conn.recv(1024)


@pytest.mark.parametrize(
    "engine,respond",
    [("postgres", _postgres_without_tls), ("aurora-mysql", _mysql_without_tls)],
    ids=ENGINES,
)
def test_server_without_tls_fails_as_tls_never_plaintext(engine, respond):
    with tcp_server(respond) as port:
        result = probe(offline_settings(engine, port=port, connect_timeout_seconds=3))

    assert (result.connected, result.error_kind) == (False, "tls")


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("engine", "mysql", "engine must be one of"),
        ("port", 0, "port must be 1..65535, got 0"),
        ("connect_timeout_seconds", 0, "connect_timeout_seconds must be > 0, got 0"),
        ("host", "", "host must be"),
    ],
)
def test_settings_are_validated(field, value, message):
    fields = dict(
        engine="postgres", host=LOOPBACK, port=5432, database="app", user="app", password="secret"
    )
    with pytest.raises(ValueError, match=message):
        ProbeSettings(**{**fields, field: value})


# Handler under moto ----------------------------------------------------------------------

CLUSTER_ID = "dbdr-test-use1"
SECRET_ID = "dbdr-test/canary"


@pytest.fixture
def aws(monkeypatch):
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    handler._CLIENTS.clear()
    with mock_aws():
        import boto3

        yield boto3.session.Session(region_name="us-east-1")


# What the stack sets (constructs_lib/monitoring/connectivity_canary.py, from
# dr_lambdas/contract.py); the probe interval is 60 s, an allowed setting, so a run probes
# once (the loop's own tests set 10 s).
DEPLOYED = {
    "METRIC_NAMESPACE": NAMESPACE,
    "METRIC_DIMENSION": CLUSTER_DIMENSION,
    "CONNECT_TIMEOUT_SECONDS": str(CANARY_CONNECT_TIMEOUT_SECONDS),
    "PROBE_INTERVAL_SECONDS": "60",
}


@pytest.fixture
def canary_env(cluster, monkeypatch):
    env = {
        "DB_ENGINE": "postgres",
        "DB_HOST": LOOPBACK,
        "DB_PORT": str(cluster.primary.port),
        "DB_NAME": cluster.database,
        "SECRET_ID": SECRET_ID,
        "CLUSTER_ID": CLUSTER_ID,
        "CA_BUNDLE": cluster.ca_file,
        **DEPLOYED,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def datapoints(session, **filters) -> list[tuple[dict, dict]]:
    """Each metric CloudWatch (moto) lists in the canary's namespace (``filters``: of
    ``ListMetrics``), with its one datapoint within five minutes of now."""
    cloudwatch = session.client("cloudwatch")
    now = datetime.now(UTC)
    found = []
    for metric in cloudwatch.list_metrics(Namespace="DatabaseDR", **filters)["Metrics"]:
        (point,) = cloudwatch.get_metric_statistics(
            Namespace="DatabaseDR",
            MetricName=metric["MetricName"],
            Dimensions=metric["Dimensions"],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=5),
            Period=60,
            Statistics=["Maximum", "SampleCount"],
        )["Datapoints"]
        found.append((metric, point))
    return found


def published(session) -> dict[str, float]:
    """Metric name -> the value CloudWatch (moto) holds for the cluster's dimension."""
    points = datapoints(session)
    assert all(
        m["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": CLUSTER_ID}] for m, _ in points
    ), points
    assert all(point["SampleCount"] == 1 for _, point in points)
    return {metric["MetricName"]: point["Maximum"] for metric, point in points}


def _credentials(aws, cluster, password: str | None = None) -> None:
    """The canary's secret: the cluster's user and its password (or ``password``)."""
    secret = {"username": cluster.user, "password": password or cluster.password}
    aws.client("secretsmanager").create_secret(Name=SECRET_ID, SecretString=json.dumps(secret))


def log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_handler_publishes_a_healthy_writer(aws, canary_env, cluster, capsys):
    password = cluster.password
    _credentials(aws, cluster)

    answer = handler.lambda_handler({}, None)

    assert answer["error_kind"] is None
    assert answer["metrics"]["ConnectivityOk"] == 1 and answer["metrics"]["IsWriter"] == 1
    metrics = published(aws)
    assert set(metrics) == {
        "ConnectivityOk",
        "IsWriter",
        "LatencyMs",
        "CanaryError",
        "ConnectivityOkHighRes",
    }
    assert metrics["ConnectivityOkHighRes"] == 1
    assert metrics["ConnectivityOk"] == 1 and metrics["IsWriter"] == 1
    assert metrics["CanaryError"] == 0
    assert 0 < metrics["LatencyMs"] < 3000
    (line,) = log_lines(capsys)
    assert line["event"] == "canary.probe" and line["connected"] is True
    assert line["tls_verified"] is True
    assert password not in json.dumps(line)


def test_handler_publishes_replica_lag(aws, canary_env, cluster, monkeypatch):
    monkeypatch.setenv("DB_PORT", str(cluster.replica.port))
    _credentials(aws, cluster)
    replay_a_transaction(cluster)

    handler.lambda_handler({}, None)

    metrics = published(aws)
    assert set(metrics) == {
        "ConnectivityOk",
        "IsWriter",
        "LatencyMs",
        "ReplicationLagMs",
        "CanaryError",
        "ConnectivityOkHighRes",
    }
    assert (metrics["ConnectivityOk"], metrics["IsWriter"]) == (1, 0)
    assert 0 <= metrics["ReplicationLagMs"] < 15_000


@pytest.mark.parametrize(
    "secret_string",
    [
        None,  # no such secret
        "not json",
        json.dumps({"username": "canary"}),  # no password
    ],
    ids=["missing", "not-json", "no-password"],
)
def test_handler_reports_an_unreadable_secret_as_a_canary_fault_never_as_down(
    aws, canary_env, monkeypatch, capsys, secret_string
):
    # The host cannot resolve: had the handler probed anyway, the kind would be "dns".
    monkeypatch.setenv("DB_HOST", UNKNOWN_HOST)
    if secret_string is not None:
        aws.client("secretsmanager").create_secret(Name=SECRET_ID, SecretString=secret_string)

    answer = handler.lambda_handler({}, None)

    # A broken canary says nothing about the database: no ConnectivityOk, CanaryError=1
    assert answer["metrics"] == {"CanaryError": 1}
    assert answer["error_kind"] == "secret" and answer["canary_fault"] is True
    assert published(aws) == {"CanaryError": 1}
    (line,) = log_lines(capsys)
    assert (line["connected"], line["error_kind"]) == (False, "secret")
    assert "canary" not in line["error"].replace(SECRET_ID, "")  # no secret content leaks


def test_handler_publishes_failure_kind_when_the_database_is_unreachable(
    aws, canary_env, monkeypatch, cluster
):
    monkeypatch.setenv("DB_PORT", str(free_port()))
    _credentials(aws, cluster)

    answer = handler.lambda_handler({}, None)

    assert (answer["metrics"], answer["error_kind"]) == (
        {"ConnectivityOk": 0, "CanaryError": 0},
        "refused",
    )
    assert published(aws) == {"ConnectivityOk": 0, "CanaryError": 0, "ConnectivityOkHighRes": 0}


def test_handler_reports_refused_credentials_as_a_canary_fault(aws, canary_env, cluster):
    # Given a secret whose password the database refuses (a rotation the canary missed)
    _credentials(aws, cluster, password="not-the-password")

    answer = handler.lambda_handler({}, None)

    # Then the database, which answered, is not reported down
    assert (answer["error_kind"], answer["canary_fault"]) == ("auth", True)
    assert published(aws) == {"CanaryError": 1}


def test_a_secondary_whose_writer_endpoint_does_not_resolve_is_probed_at_its_reader_endpoint(
    aws, canary_env, cluster, monkeypatch
):
    # Given an Aurora secondary: its writer endpoint is inactive (does not resolve), its
    # reader endpoint serves the read-only replica
    monkeypatch.setenv("DB_HOST", UNKNOWN_HOST)
    monkeypatch.setenv("DB_READER_HOST", LOOPBACK)
    monkeypatch.setenv("DB_PORT", str(cluster.replica.port))
    _credentials(aws, cluster)

    answer = handler.lambda_handler({}, None)

    # Then the region is up and not the writer, as the server itself says
    assert answer["host"] == LOOPBACK
    assert (answer["metrics"]["ConnectivityOk"], answer["metrics"]["IsWriter"]) == (1, 0)
    assert answer["metrics"]["CanaryError"] == 0


def test_the_reader_endpoint_is_not_probed_while_the_writer_endpoint_answers(
    aws, canary_env, cluster, monkeypatch
):
    monkeypatch.setenv("DB_READER_HOST", UNKNOWN_HOST)
    _credentials(aws, cluster)

    answer = handler.lambda_handler({}, None)

    assert answer["host"] == LOOPBACK and answer["metrics"]["IsWriter"] == 1


def test_the_reader_endpoint_is_not_tried_after_a_fault_of_the_probe(
    aws, canary_env, cluster, monkeypatch
):
    # A refused password would be refused on every endpoint: one probe, one fault
    monkeypatch.setenv("DB_READER_HOST", "localhost")
    _credentials(aws, cluster, password="not-the-password")

    answer = handler.lambda_handler({}, None)

    assert (answer["host"], answer["error_kind"]) == (LOOPBACK, "auth")


def _peer_points(aws, peer_id: str) -> dict[str, float]:
    points = datapoints(aws, Dimensions=[{"Name": "DBClusterIdentifier", "Value": peer_id}])
    return {metric["MetricName"]: point["Maximum"] for metric, point in points}


@pytest.mark.parametrize(
    "peer_host, expected",
    [
        ("localhost", 1),  # the other region's database answers across the peering
        (UNKNOWN_HOST, 0),  # it cannot be reached
    ],
)
def test_the_other_regions_database_is_probed_across_the_peering(
    aws, canary_env, cluster, monkeypatch, peer_host, expected
):
    monkeypatch.setenv("PEER_DB_HOST", peer_host)
    monkeypatch.setenv("PEER_CLUSTER_ID", "dbdr-test-usw2")
    _credentials(aws, cluster)

    answer = handler.lambda_handler({}, None)

    # Published in the canary's own region, under the other database's dimension
    assert answer["peer"]["metrics"] == {"PeerConnectivityOk": expected}
    assert _peer_points(aws, "dbdr-test-usw2") == {
        "PeerConnectivityOk": expected,
        "PeerConnectivityOkHighRes": expected,
    }
    assert answer["metrics"]["ConnectivityOk"] == 1 and answer["metrics"]["CanaryError"] == 0


def test_a_secret_fault_publishes_no_verdict_on_the_other_region_either(
    aws, canary_env, monkeypatch
):
    monkeypatch.setenv("PEER_DB_HOST", UNKNOWN_HOST)
    monkeypatch.setenv("PEER_CLUSTER_ID", "dbdr-test-usw2")

    answer = handler.lambda_handler({}, None)

    assert answer["peer"]["metrics"] == {} and answer["metrics"] == {"CanaryError": 1}
    assert _peer_points(aws, "dbdr-test-usw2") == {}


def test_handler_publishes_under_the_configured_dimension_name(aws, monkeypatch):
    # An RDS DB instance deployment names its metrics by DBInstanceIdentifier (no database
    # server is needed: the secret does not exist, so the probe fails before connecting)
    for name, value in {
        "DB_ENGINE": "postgres",
        "DB_HOST": UNKNOWN_HOST,
        "DB_NAME": "app",
        "DB_PORT": "5432",
        "SECRET_ID": SECRET_ID,
        "CLUSTER_ID": "dbdr-test-instance",
        **DEPLOYED,
        "METRIC_DIMENSION": INSTANCE_DIMENSION,
    }.items():
        monkeypatch.setenv(name, value)

    answer = handler.lambda_handler({}, None)

    assert answer["dimensions"] == {"DBInstanceIdentifier": "dbdr-test-instance"}
    (metric,) = aws.client("cloudwatch").list_metrics(Namespace="DatabaseDR")["Metrics"]
    assert metric["MetricName"] == "CanaryError"
    assert metric["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "dbdr-test-instance"}]


# The probe loop ------------------------------------------------------------------------------


class Ticks:
    """A monotonic clock that moves only when the loop sleeps or a probe takes time."""

    def __init__(self, probe_seconds: float = 0.0) -> None:
        self.now, self.probe_seconds, self.sleeps = 1000.0, probe_seconds, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def _looping(monkeypatch, aws, ticks: Ticks, probes: list) -> None:
    monkeypatch.setattr(handler, "_clock", ticks.clock)
    monkeypatch.setattr(handler, "_sleep", ticks.sleep)
    real = handler.probe_once

    def timed(*args):
        probes.append(ticks.now)
        ticks.now += ticks.probe_seconds
        return real(*args)

    monkeypatch.setattr(handler, "probe_once", timed)


def test_a_run_probes_every_interval_through_its_minute_one_batch_per_probe(
    aws, canary_env, cluster, monkeypatch
):
    # Given a 10 s interval, and a PutMetricData recorder
    monkeypatch.setenv("PROBE_INTERVAL_SECONDS", "10")
    _credentials(aws, cluster)
    ticks, probes, batches = Ticks(probe_seconds=0.2), [], []
    _looping(monkeypatch, aws, ticks, probes)
    cloudwatch = handler._client("cloudwatch")
    cloudwatch.meta.events.register(
        "provide-client-params.cloudwatch.PutMetricData",
        lambda params, **_: batches.append(params["MetricData"]),
    )
    # When the scheduled run goes
    answer = handler.lambda_handler({}, None)
    # Then six probes, 10 s apart, within the minute; one batch each, with the fast copy
    assert answer["probes"] == 6 and answer["interval_seconds"] == 10
    assert [round(at - probes[0], 3) for at in probes] == [0, 10, 20, 30, 40, 50]
    assert len(batches) == 6
    for batch in batches:
        fast = [d for d in batch if d["MetricName"] == "ConnectivityOkHighRes"]
        assert len(fast) == 1 and fast[0]["StorageResolution"] == 1 and fast[0]["Value"] == 1
        assert all("StorageResolution" not in d for d in batch if d is not fast[0])


def test_a_slow_probe_skips_a_slot_and_a_short_lambda_time_ends_the_run(
    aws, canary_env, cluster, monkeypatch
):
    monkeypatch.setenv("PROBE_INTERVAL_SECONDS", "10")
    _credentials(aws, cluster)
    # Each probe takes 16 s (timeouts): slots 10 and 30 come too late and are skipped
    ticks, probes = Ticks(probe_seconds=16), []
    _looping(monkeypatch, aws, ticks, probes)
    answer = handler.lambda_handler({}, None)
    assert [round(at - probes[0]) for at in probes] == [0, 20, 40]
    assert answer["probes"] == 3
    # Bounded by the function's remaining time too: no probe that could not finish
    ticks, probes = Ticks(probe_seconds=0.1), []
    _looping(monkeypatch, aws, ticks, probes)

    class Context:
        def get_remaining_time_in_millis(self):
            return int((1000.0 + 33 - ticks.now) * 1000)  # 33 s in all

    answer = handler.lambda_handler({}, Context())
    # 3 s timeout x 4 + 2 s needed: the probes at 0 and 10 s, not at 20 s
    assert answer["probes"] == 2


def test_a_60_s_interval_is_one_probe_a_run_and_a_missing_or_wrong_one_is_a_deploy_bug(
    aws, canary_env, cluster, monkeypatch
):
    _credentials(aws, cluster)
    assert handler.lambda_handler({}, None)["probes"] == 1  # DEPLOYED: 60 s
    monkeypatch.delenv("PROBE_INTERVAL_SECONDS")
    with pytest.raises(KeyError, match="PROBE_INTERVAL_SECONDS is required"):
        handler.lambda_handler({}, None)
    monkeypatch.setenv("PROBE_INTERVAL_SECONDS", "15")  # not a CloudWatch alarm period
    with pytest.raises(ValueError, match="PROBE_INTERVAL_SECONDS must be one of 10, 20, 30, 60"):
        handler.lambda_handler({}, None)
