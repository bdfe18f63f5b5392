"""The failover orchestrator (dr_lambdas/orchestrator) against moto, in process.

Each test builds a realistic two-region deployment with ``moto.mock_aws``: an Aurora global
database (writer in us-east-1, secondary in us-west-2), a DynamoDB lock table, an SNS topic
per region with an SQS queue subscribed (to read what was published), a private hosted zone
with the writer's failover (or weighted) records, the ``IsWriter`` alarms behind the DNS
health check, and the canary and RDS metrics the orchestrator reads. The orchestrator runs
in the secondary region (the automatic copy) unless a test says otherwise.

``tools.emulator.apply_patches()`` supplies what moto lacks (global failover / switchover,
cross-region membership). Waits run on a fake clock: no test sleeps.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from dr_lambdas.orchestrator import handler
from dr_lambdas.orchestrator.config import OrchestratorConfig
from dr_lambdas.orchestrator.lock import Lock
from tools.emulator import apply_patches

apply_patches()  # before any moto backend is used: it patches moto's classes

from moto.rds.models import RDSBackend  # noqa: E402 - after the patches on purpose

ROOT = Path(__file__).resolve().parents[1]
PRIMARY, SECONDARY = "us-east-1", "us-west-2"
REGIONS = (PRIMARY, SECONDARY)
ROLE = {PRIMARY: "primary", SECONDARY: "secondary"}
GLOBAL_ID = "orch-global"
CLUSTER_ID = {PRIMARY: "orch-primary", SECONDARY: "orch-secondary"}
ZONE = "db-orch.internal"
WRITER_NAME = f"writer.{ZONE}"
LOCK_TABLE = "orch-lock"
LOCK_KEY = f"failover#{GLOBAL_ID}"
ALARM = {PRIMARY: "orch-writer-primary", SECONDARY: "orch-writer-secondary"}
ENGINE, ENGINE_VERSION = "aurora-postgresql", "15.10"
RPO_SECONDS = 60


@functools.cache
def aws(service: str, region: str) -> Any:
    """A boto3 client for the test's own reads and writes, made once per session (making
    clients costs more than moto's calls); moto intercepts it whenever a mock is active."""
    return boto3.client(service, region_name=region)


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep: list[Any] = []  # callbacks run after each sleep, with its index

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps.append(seconds)
        for callback in self.on_sleep:
            callback(len(self.sleeps))


@dataclass
class World:
    """The deployment in moto, and what the tests read back from it."""

    dns_mode: str
    env: dict[str, str]
    zone_id: str
    target: dict[str, str]  # the record target (cluster endpoint) per region
    queues: dict[str, str]  # SQS queue URL per region, subscribed to that region's topic
    clock: FakeClock = field(default_factory=FakeClock)

    def config(self, **env: str) -> OrchestratorConfig:
        return OrchestratorConfig.from_env({**self.env, **env})

    def invoke(self, event: Any, *, home: str = SECONDARY, **kwargs: Any) -> dict[str, Any]:
        config = self.config(HOME_REGION=home)
        kwargs.setdefault("clock", self.clock.monotonic)
        kwargs.setdefault("sleep", self.clock.sleep)
        answer = handler.run(event, config, **kwargs)
        json.dumps(answer)  # the answer must be JSON-able as it is
        return answer

    # -- the world's state -----------------------------------------------------------------

    def writer_region(self) -> str:
        (global_cluster,) = aws("rds", SECONDARY).describe_global_clusters(
            GlobalClusterIdentifier=GLOBAL_ID)["GlobalClusters"]
        writers = [m["DBClusterArn"] for m in global_cluster["GlobalClusterMembers"]
                   if m["IsWriter"]]
        assert len(writers) == 1
        return writers[0].split(":")[3]

    def alarm_states(self) -> dict[str, str]:
        return {region: aws("cloudwatch", region).describe_alarms(
            AlarmNames=[ALARM[region]])["MetricAlarms"][0]["StateValue"] for region in REGIONS}

    def weighted(self) -> dict[str, tuple[int, str]]:
        """Set identifier -> (weight, target) of the writer name's records."""
        records = aws("route53", PRIMARY).list_resource_record_sets(
            HostedZoneId=self.zone_id)["ResourceRecordSets"]
        return {r["SetIdentifier"]: (r["Weight"], r["ResourceRecords"][0]["Value"])
                for r in records if r["Name"] == WRITER_NAME + "." and "Weight" in r}

    def notifications(self) -> dict[str, list[dict[str, Any]]]:
        """Messages published to each region's topic since the last call, decoded."""
        found: dict[str, list[dict[str, Any]]] = {}
        for region, url in self.queues.items():
            sqs = aws("sqs", region)
            found[region] = []
            while True:
                batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                    "Messages", [])
                if not batch:
                    break
                for message in batch:
                    envelope = json.loads(message["Body"])
                    found[region].append(json.loads(envelope["Message"]))
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def lock_items(self, region: str = SECONDARY) -> list[dict[str, Any]]:
        return aws("dynamodb", region).scan(TableName=LOCK_TABLE)["Items"]

    def duration_metrics(self, region: str = SECONDARY) -> list[float]:
        end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
        points = aws("cloudwatch", region).get_metric_statistics(
            Namespace="DatabaseDR", MetricName="FailoverDurationSeconds",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": CLUSTER_ID[region]}],
            StartTime=end - dt.timedelta(minutes=10), EndTime=end, Period=60,
            Statistics=["Maximum", "SampleCount"])["Datapoints"]
        return [p["Maximum"] for p in points]

    # -- what the canary and RDS report ----------------------------------------------------

    def canary(self, region: str, value: float, seconds_ago: int = 30) -> None:
        put_metric(region, "DatabaseDR", "ConnectivityOk", value, CLUSTER_ID[region],
                   "Count", seconds_ago)

    def lag_ms(self, value: float, seconds_ago: int = 60) -> None:
        put_metric(SECONDARY, "AWS/RDS", "AuroraGlobalDBReplicationLag", value,
                   CLUSTER_ID[SECONDARY], "Milliseconds", seconds_ago)


def put_metric(region: str, namespace: str, name: str, value: float, cluster_id: str,
               unit: str, seconds_ago: int) -> None:
    aws("cloudwatch", region).put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": name, "Value": value, "Unit": unit,
        "Timestamp": dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds_ago),
        "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_id}]}])


def build_world(dns_mode: str) -> World:
    rds = {region: aws("rds", region) for region in REGIONS}
    rds[PRIMARY].create_global_cluster(GlobalClusterIdentifier=GLOBAL_ID, Engine=ENGINE,
                                       EngineVersion=ENGINE_VERSION)
    clusters = {PRIMARY: rds[PRIMARY].create_db_cluster(
        DBClusterIdentifier=CLUSTER_ID[PRIMARY], Engine=ENGINE, EngineVersion=ENGINE_VERSION,
        GlobalClusterIdentifier=GLOBAL_ID, MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-secret")["DBCluster"]}
    rds[PRIMARY].create_db_instance(
        DBInstanceIdentifier=f"{CLUSTER_ID[PRIMARY]}-1", DBClusterIdentifier=CLUSTER_ID[PRIMARY],
        Engine=ENGINE, DBInstanceClass="db.r6g.large")
    clusters[SECONDARY] = rds[SECONDARY].create_db_cluster(
        DBClusterIdentifier=CLUSTER_ID[SECONDARY], Engine=ENGINE, EngineVersion=ENGINE_VERSION,
        GlobalClusterIdentifier=GLOBAL_ID)["DBCluster"]
    rds[SECONDARY].create_db_instance(
        DBInstanceIdentifier=f"{CLUSTER_ID[SECONDARY]}-1",
        DBClusterIdentifier=CLUSTER_ID[SECONDARY], Engine=ENGINE,
        DBInstanceClass="db.r6g.large")

    topics, queues, vpcs = {}, {}, {}
    for region in REGIONS:
        aws("dynamodb", region).create_table(
            TableName=LOCK_TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        sns, sqs = aws("sns", region), aws("sqs", region)
        topics[region] = sns.create_topic(Name="orch-alerts")["TopicArn"]
        queues[region] = sqs.create_queue(QueueName="orch-alerts-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queues[region], AttributeNames=[
            "QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topics[region], Protocol="sqs", Endpoint=queue_arn)
        # The canary's IsWriter alarm: ALARM when the local cluster does not accept writes.
        aws("cloudwatch", region).put_metric_alarm(
            AlarmName=ALARM[region], Namespace="DatabaseDR", MetricName="IsWriter",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": CLUSTER_ID[region]}],
            Statistic="Minimum", Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="LessThanThreshold", TreatMissingData="breaching")
        # What the canaries report before any failover: the primary accepts writes.
        aws("cloudwatch", region).set_alarm_state(
            AlarmName=ALARM[region], StateValue="OK" if region == PRIMARY else "ALARM",
            StateReason="canary: IsWriter")
        vpcs[region] = aws("ec2", region).create_vpc(
            CidrBlock="10.10.0.0/16" if region == PRIMARY else "10.20.0.0/16")["Vpc"]["VpcId"]

    route53 = aws("route53", PRIMARY)
    zone_id = route53.create_hosted_zone(
        Name=ZONE, CallerReference="orch-zone", HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": PRIMARY, "VPCId": vpcs[PRIMARY]})["HostedZone"]["Id"].split("/")[-1]
    route53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": SECONDARY, "VPCId": vpcs[SECONDARY]})
    # Each writer record is guarded by its region's IsWriter alarm (alarm-based checks:
    # Route 53 cannot probe private endpoints).
    health_checks = {region: route53.create_health_check(
        CallerReference=f"orch-writer-{region}", HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC", "InsufficientDataHealthStatus": "Unhealthy",
            "AlarmIdentifier": {"Region": region, "Name": ALARM[region]}})["HealthCheck"]["Id"]
        for region in REGIONS}
    targets = {region: clusters[region]["Endpoint"] for region in REGIONS}
    changes = []
    for region in REGIONS:
        record: dict[str, Any] = {"Name": WRITER_NAME, "Type": "CNAME", "TTL": 30,
                                  "SetIdentifier": ROLE[region],
                                  "HealthCheckId": health_checks[region],
                                  "ResourceRecords": [{"Value": targets[region]}]}
        if dns_mode == "failover":
            record["Failover"] = ROLE[region].upper()
        else:
            record["Weight"] = 100 if region == PRIMARY else 0
        changes.append({"Action": "CREATE", "ResourceRecordSet": record})
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})

    env = {
        "DR_MODE": "aurora-global", "HOME_REGION": SECONDARY,
        "PRIMARY_REGION": PRIMARY, "SECONDARY_REGION": SECONDARY,
        "GLOBAL_CLUSTER_ID": GLOBAL_ID,
        "PRIMARY_CLUSTER_ARN": clusters[PRIMARY]["DBClusterArn"],
        "SECONDARY_CLUSTER_ARN": clusters[SECONDARY]["DBClusterArn"],
        "PRIMARY_CLUSTER_ID": CLUSTER_ID[PRIMARY], "SECONDARY_CLUSTER_ID": CLUSTER_ID[SECONDARY],
        "HOSTED_ZONE_ID": zone_id, "WRITER_RECORD_NAME": WRITER_NAME, "DNS_MODE": dns_mode,
        "PRIMARY_WRITER_ALARM": ALARM[PRIMARY], "SECONDARY_WRITER_ALARM": ALARM[SECONDARY],
        "PRIMARY_TOPIC_ARN": topics[PRIMARY], "SECONDARY_TOPIC_ARN": topics[SECONDARY],
        "LOCK_TABLE": LOCK_TABLE, "LOCK_TTL_SECONDS": "600", "RPO_SECONDS": str(RPO_SECONDS),
        "HEALTH_WINDOW_SECONDS": "180", "WAIT_TIMEOUT_SECONDS": "240", "POLL_SECONDS": "5",
        "METRIC_NAMESPACE": "DatabaseDR",
    }
    return World(dns_mode=dns_mode, env=env, zone_id=zone_id, target=targets, queues=queues)


@pytest.fixture()
def fast_moto(monkeypatch):
    """moto without what these tests never read: AWS managed IAM policies (turned on by
    apply_patches for Terraform) and EC2's default AMIs, loaded per backend at ~0.2 s each."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture()
def world(fast_moto):
    with mock_aws():
        yield build_world("failover")


@pytest.fixture()
def weighted_world(fast_moto):
    with mock_aws():
        yield build_world("weighted")


@pytest.fixture()
def writer_calls(monkeypatch):
    """Every switchover / failover that reached moto's RDS backend, with its arguments."""
    calls: list[tuple[str, dict[str, Any]]] = []
    guard = threading.Lock()
    for name in ("switchover_global_cluster", "failover_global_cluster"):
        original = getattr(RDSBackend, name)

        def wrapper(self, *args, _name=name, _original=original, **kwargs):
            with guard:
                calls.append((_name, kwargs))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(RDSBackend, name, wrapper)
    return calls


class DeadRegion:
    """Clients for which every call into ``region`` (only to ``services`` when given) fails
    as if the region's endpoints were gone."""

    def __init__(self, region: str, services: tuple[str, ...] = ()) -> None:
        self.region, self.services = region, services
        self._clients = handler.Clients()
        self.refused: list[str] = []

    def __call__(self, service: str, region: str) -> Any:
        client = self._clients(service, region)
        if region == self.region and (not self.services or service in self.services):
            def unreachable(model, **_: Any) -> None:
                self.refused.append(f"{service}:{model.name}")
                raise EndpointConnectionError(
                    endpoint_url=f"https://{service}.{region}.amazonaws.com")

            client.meta.events.register("before-call", unreachable)
        return client


# -- planned and unplanned --------------------------------------------------------------------

@pytest.mark.parametrize("action", ["switchover", "failover"])
def test_healthy_writer_gets_a_planned_switchover(world, writer_calls, action):
    # Given a healthy writer in us-east-1 and a small lag
    world.canary(PRIMARY, 1)
    world.lag_ms(400)
    # When someone asks the us-west-2 copy to move the writer
    answer = world.invoke({"action": action})
    # Then it is a switchover (RPO 0), even when "failover" was asked for
    assert (answer["decision"], answer["status"]) == ("switchover", "completed")
    assert writer_calls == [("switchover_global_cluster", {
        "global_cluster_identifier": GLOBAL_ID,
        "target_db_cluster_identifier": world.env["SECONDARY_CLUSTER_ARN"]})]
    assert world.writer_region() == SECONDARY
    assert answer["observation"]["writer_region"] == PRIMARY
    assert answer["observation"]["writer_healthy"] is True
    assert answer["observation"]["lag_seconds"] == pytest.approx(0.4)
    assert world.alarm_states() == {PRIMARY: "ALARM", SECONDARY: "OK"}
    assert world.lock_items() == []  # released


@pytest.mark.parametrize("canary", [0, None], ids=["connectivity-0", "no-datapoint"])
def test_unhealthy_writer_gets_an_unplanned_failover(world, writer_calls, canary):
    if canary is not None:
        world.canary(PRIMARY, 1, seconds_ago=150)
        world.canary(PRIMARY, canary, seconds_ago=20)  # the latest datapoint decides
    world.lag_ms(1500)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert writer_calls == [("failover_global_cluster", {
        "global_cluster_identifier": GLOBAL_ID,
        "target_db_cluster_identifier": world.env["SECONDARY_CLUSTER_ARN"],
        "allow_data_loss": True, "switchover": None})]
    assert world.writer_region() == SECONDARY
    assert answer["observation"]["writer_healthy"] is False
    assert answer["observation"]["lag_seconds"] == pytest.approx(1.5)


def test_unreachable_writer_region_fails_over_and_still_reports(world, writer_calls):
    # Given the primary region is gone: its CloudWatch, SNS and RDS endpoints do not answer
    world.canary(PRIMARY, 1)  # stale good news the orchestrator cannot read
    world.lag_ms(800)
    dead = DeadRegion(PRIMARY)
    answer = world.invoke({"action": "evaluate"}, clients=dead)
    # Then the secondary is promoted, the secondary topic is told, and the failures to
    # reach the dead region are reported, not fatal
    assert answer["decision"] == "failover"
    assert "cannot be reached" in answer["observation"]["health"]
    assert world.writer_region() == SECONDARY
    assert answer["status"] == "dns_failed"  # the old writer's alarm could not be set
    alarms = {a["region"]: a["ok"] for a in answer["dns"]["alarms"]}
    assert alarms == {PRIMARY: False, SECONDARY: True}
    assert world.alarm_states()[SECONDARY] == "OK"
    told = world.notifications()
    assert told[PRIMARY] == []
    assert [m["phase"] for m in told[SECONDARY]] == ["started", "dns_failed"]
    assert {n["ok"] for n in answer["notifications"] if PRIMARY in n["topic"]} == {False}
    assert "cloudwatch:GetMetricStatistics" in dead.refused


def test_writer_is_found_through_the_other_region(world, writer_calls):
    # The home region's RDS endpoint does not answer: the global cluster is visible from
    # the primary region too
    world.canary(PRIMARY, 1)
    answer = world.invoke({"action": "evaluate"}, clients=DeadRegion(SECONDARY, ("rds",)))
    assert answer["observation"]["writer_region"] == PRIMARY
    assert (answer["decision"], answer["status"]) == ("none", "noop")


def test_failed_writer_change_is_reported_and_unlocks(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke({"action": "evaluate"}, clients=DeadRegion(SECONDARY, ("rds",)))
    assert (answer["decision"], answer["status"]) == ("failover", "error")
    assert answer["error"].startswith("FailoverGlobalCluster: ")
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # DNS untouched
    told = world.notifications()
    assert [m["phase"] for m in told[PRIMARY]] == ["started", "failed"]
    assert [m["phase"] for m in told[SECONDARY]] == ["started", "failed"]
    assert world.lock_items() == []
    assert world.duration_metrics() == []


# -- refusals and force -----------------------------------------------------------------------

def test_refuses_when_lag_exceeds_the_rpo(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms((RPO_SECONDS + 30) * 1000)
    answer = world.invoke({"action": "failover"})
    assert (answer["decision"], answer["status"]) == ("refuse", "refused")
    assert "force=true" in answer["reason"]
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    # A refusal on a sick writer is news: operators must decide
    told = world.notifications()
    assert [m["phase"] for m in told[PRIMARY]] == ["refused"]
    assert [m["phase"] for m in told[SECONDARY]] == ["refused"]


def test_refuses_when_lag_is_unknown(world, writer_calls):
    world.canary(PRIMARY, 0)  # and no AuroraGlobalDBReplicationLag datapoint at all
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("refuse", "refused")
    assert answer["observation"]["lag_seconds"] is None
    assert "unknown" in answer["reason"]
    assert writer_calls == []
    assert world.writer_region() == PRIMARY


@pytest.mark.parametrize("lag_ms", [(RPO_SECONDS + 30) * 1000, None], ids=["lag", "unknown"])
def test_force_overrides_the_refusal(world, writer_calls, lag_ms):
    world.canary(PRIMARY, 0)
    if lag_ms is not None:
        world.lag_ms(lag_ms)
    answer = world.invoke({"action": "failover", "force": True})
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert [name for name, _ in writer_calls] == ["failover_global_cluster"]
    assert world.writer_region() == SECONDARY


# -- nothing to do ----------------------------------------------------------------------------

def test_region_that_already_holds_the_writer_does_nothing(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(100)
    answer = world.invoke({"action": "failover"}, home=PRIMARY)
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert "already the writer" in answer["reason"]
    assert writer_calls == []
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}


def test_evaluate_with_a_healthy_writer_does_nothing(world, writer_calls):
    world.canary(PRIMARY, 1)
    world.lag_ms(100)
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []


def test_dry_run_returns_the_plan_and_changes_nothing(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(2000)
    answer = world.invoke({"action": "evaluate", "dry_run": True})
    assert (answer["decision"], answer["status"]) == ("failover", "dry_run")
    assert answer["plan"]["operation"] == "FailoverGlobalCluster"
    assert answer["plan"]["arguments"] == {
        "GlobalClusterIdentifier": GLOBAL_ID, "AllowDataLoss": True,
        "TargetDbClusterIdentifier": world.env["SECONDARY_CLUSTER_ARN"]}
    assert answer["plan"]["dns"]["alarms"] == [
        {"alarm": ALARM[PRIMARY], "region": PRIMARY, "state": "ALARM"},
        {"alarm": ALARM[SECONDARY], "region": SECONDARY, "state": "OK"}]
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []
    assert world.duration_metrics() == []


def test_dry_run_of_a_weighted_flip_leaves_the_records(weighted_world, writer_calls):
    weighted_world.canary(PRIMARY, 1)
    before = weighted_world.weighted()
    answer = weighted_world.invoke({"action": "switchover", "dry_run": True})
    assert answer["plan"]["dns"]["weights"] == {"primary": 0, "secondary": 100}
    assert weighted_world.weighted() == before
    assert writer_calls == []


# -- idempotency and concurrency --------------------------------------------------------------

def test_repeated_trigger_after_a_failover_does_nothing(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    first = world.invoke({"action": "evaluate"})
    world.notifications()  # drain
    second = world.invoke({"action": "evaluate"})
    assert first["status"] == "completed"
    assert (second["decision"], second["status"]) == ("none", "noop")
    assert len(writer_calls) == 1
    assert world.writer_region() == SECONDARY
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}


def test_concurrent_triggers_fail_over_once(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    config = world.config()
    runs = 8
    start = threading.Barrier(runs)
    answers: list[dict[str, Any]] = [{} for _ in range(runs)]
    errors: list[BaseException] = []

    def invoke(index: int) -> None:
        try:
            start.wait(timeout=30)
            answers[index] = handler.run({"action": "evaluate"}, config,
                                         holder=f"run-{index}", sleep=lambda s: None)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=invoke, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    statuses = sorted(answer["status"] for answer in answers)
    assert statuses.count("completed") == 1, statuses
    assert set(statuses) <= {"completed", "locked", "noop"}, statuses
    assert len(writer_calls) == 1
    assert world.writer_region() == SECONDARY
    assert world.lock_items() == []


def test_looks_again_under_the_lock(world, writer_calls, monkeypatch):
    # Given another run completes the failover between this run's first look and its lock
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    original = Lock.acquire

    def someone_else_first(self):
        aws("rds", SECONDARY).failover_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID, AllowDataLoss=True,
            TargetDbClusterIdentifier=world.env["SECONDARY_CLUSTER_ARN"])
        return original(self)

    monkeypatch.setattr(Lock, "acquire", someone_else_first)
    answer = world.invoke({"action": "evaluate"})
    # Then this run sees the new writer under the lock and does nothing more
    assert (answer["decision"], answer["status"]) == ("none", "noop")
    assert answer["observation"]["writer_region"] == SECONDARY
    assert len(writer_calls) == 1  # only the other run's
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}
    assert world.lock_items() == []


def test_expired_lock_of_a_crashed_run_is_taken_over(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    expired = int(time.time()) - 5
    aws("dynamodb", SECONDARY).put_item(TableName=LOCK_TABLE, Item={
        "pk": {"S": LOCK_KEY}, "holder": {"S": "crashed-run"},
        "expires_at": {"N": str(expired)}, "ttl": {"N": str(expired)}})
    answer = world.invoke({"action": "evaluate"})
    assert answer["status"] == "completed"
    assert len(writer_calls) == 1
    assert world.lock_items() == []


def test_live_lock_of_another_run_blocks(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    live = int(time.time()) + 300
    aws("dynamodb", SECONDARY).put_item(TableName=LOCK_TABLE, Item={
        "pk": {"S": LOCK_KEY}, "holder": {"S": "other-run"},
        "expires_at": {"N": str(live)}, "ttl": {"N": str(live)}})
    answer = world.invoke({"action": "evaluate"})
    assert (answer["decision"], answer["status"]) == ("failover", "locked")
    assert answer["held_by"] == "other-run"
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    # The other run's lock is untouched
    (item,) = world.lock_items()
    assert item["holder"] == {"S": "other-run"}


def test_lock_expiry_and_release_rules(world):
    dynamodb = aws("dynamodb", SECONDARY)
    clock = {"now": 10_000.0}

    def lock(holder: str) -> Lock:
        return Lock(dynamodb, table=LOCK_TABLE, key=LOCK_KEY, holder=holder, ttl_seconds=600,
                    now=lambda: clock["now"])

    first, second = lock("a"), lock("b")
    assert first.acquire()
    (item,) = world.lock_items()
    assert item["expires_at"] == item["ttl"] == {"N": "10600"}
    assert not second.acquire()
    assert second.held_by == "a"
    assert not second.release()  # never held: deletes nothing
    assert len(world.lock_items()) == 1
    clock["now"] += 601  # a crashed holder's lock has expired
    assert second.acquire()
    assert not first.release()  # "a" lost it: its release must not delete "b"'s lock
    assert world.lock_items()[0]["holder"] == {"S": "b"}
    assert second.release()
    assert world.lock_items() == []


# -- DNS, notifications, metric ---------------------------------------------------------------

def test_weighted_records_are_flipped_with_their_targets_kept(weighted_world, writer_calls):
    weighted_world.canary(PRIMARY, 0)
    weighted_world.lag_ms(1000)
    assert weighted_world.weighted() == {"primary": (100, weighted_world.target[PRIMARY]),
                                         "secondary": (0, weighted_world.target[SECONDARY])}
    before = writer_records(weighted_world.zone_id)
    answer = weighted_world.invoke({"action": "evaluate"})
    assert answer["status"] == "completed"
    assert answer["dns"]["weights"] == {"primary": 0, "secondary": 100}
    assert weighted_world.weighted() == {"primary": (0, weighted_world.target[PRIMARY]),
                                         "secondary": (100, weighted_world.target[SECONDARY])}
    # Everything but the weight is as it was: targets, TTL, health checks
    after = writer_records(weighted_world.zone_id)
    assert {k: {**r, "Weight": None} for k, r in after.items()} == {
        k: {**r, "Weight": None} for k, r in before.items()}
    assert all(r["HealthCheckId"] for r in after.values())


def writer_records(zone_id: str) -> dict[str, dict[str, Any]]:
    return {r["SetIdentifier"]: r for r in aws("route53", PRIMARY).list_resource_record_sets(
        HostedZoneId=zone_id)["ResourceRecordSets"] if r["Name"] == WRITER_NAME + "."}


def test_failover_mode_marks_the_writer_alarms(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke({"action": "evaluate"})
    assert answer["dns"]["mode"] == "failover"
    assert world.alarm_states() == {PRIMARY: "ALARM", SECONDARY: "OK"}
    # Switching back from the primary region's copy marks them the other way round
    world.canary(SECONDARY, 1)
    back = world.invoke({"action": "switchover"}, home=PRIMARY)
    assert (back["decision"], back["status"]) == ("switchover", "completed")
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}


def test_notifications_go_to_both_topics(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke({"action": "evaluate"})
    told = world.notifications()
    for region in REGIONS:
        assert [m["phase"] for m in told[region]] == ["started", "completed"]
        started, completed = told[region]
        assert started["decision"] == completed["decision"] == "failover"
        assert started["reason"] == answer["reason"]
        assert started["target_cluster_arn"] == world.env["SECONDARY_CLUSTER_ARN"]
        assert completed["duration_seconds"] == answer["duration_seconds"]
        assert completed["dns"]["ok"] is True


def test_failover_duration_metric_is_published(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke({"action": "evaluate"})
    assert answer["duration_metric_published"] is True
    assert world.duration_metrics() == [answer["duration_seconds"]]
    assert world.duration_metrics(PRIMARY) == []


def test_waits_for_the_new_writer_to_become_available(world, writer_calls, monkeypatch):
    # On AWS the switchover completes asynchronously: emulate that by completing it only
    # after the orchestrator has polled and slept twice.
    world.canary(PRIMARY, 1)
    real = RDSBackend.switchover_global_cluster
    pending: list[tuple[Any, dict[str, Any]]] = []

    def accept_only(self, **kwargs):
        pending.append((self, kwargs))
        return _global_cluster_of(kwargs["global_cluster_identifier"])

    def complete_after_second_sleep(sleeps: int) -> None:
        if sleeps == 2:
            for backend, kwargs in pending:
                real(backend, **kwargs)

    monkeypatch.setattr(RDSBackend, "switchover_global_cluster", accept_only)
    world.clock.on_sleep.append(complete_after_second_sleep)
    answer = world.invoke({"action": "switchover"})
    assert answer["status"] == "completed"
    assert world.clock.sleeps == [5, 5]
    assert answer["timings"]["wait_seconds"] == 10
    assert answer["duration_seconds"] == 10
    assert world.duration_metrics() == [10]


def test_gives_up_after_the_wait_timeout_and_leaves_dns(world, writer_calls, monkeypatch):
    world.canary(PRIMARY, 1)
    monkeypatch.setattr(RDSBackend, "switchover_global_cluster",
                        lambda self, **kw: _global_cluster_of(kw["global_cluster_identifier"]))
    answer = world.invoke({"action": "switchover"})
    assert answer["status"] == "timeout"
    assert sum(world.clock.sleeps) == 240  # WAIT_TIMEOUT_SECONDS, in POLL_SECONDS steps
    assert set(world.clock.sleeps) == {5}
    assert world.writer_region() == PRIMARY
    assert world.alarm_states() == {PRIMARY: "OK", SECONDARY: "ALARM"}  # as before
    assert [m["phase"] for m in world.notifications()[SECONDARY]] == ["started", "timeout"]
    assert world.duration_metrics() == []
    assert world.lock_items() == []


def _global_cluster_of(identifier: str) -> Any:
    """moto's model of the global cluster (stored in one region, found from any)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    from tools.emulator import _find_global_cluster
    return _find_global_cluster(DEFAULT_ACCOUNT_ID, identifier)


# -- events -----------------------------------------------------------------------------------

def sns_alarm(state: str, name: str = "orch-primary-down") -> dict[str, Any]:
    message = {"AlarmName": name, "NewStateValue": state, "OldStateValue": "OK",
               "NewStateReason": "Threshold Crossed", "Region": "US East (N. Virginia)"}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "Sns": {"Type": "Notification", "Subject": f"ALARM: {name}",
                                 "Message": json.dumps(message)}}]}


def test_sns_alarm_in_alarm_state_evaluates(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke(sns_alarm("ALARM"))
    assert (answer["trigger"], answer["action"]) == ("alarm", "evaluate")
    assert (answer["decision"], answer["status"]) == ("failover", "completed")
    assert world.writer_region() == SECONDARY


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
def test_sns_alarm_not_in_alarm_state_is_ignored(world, writer_calls, state):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke(sns_alarm(state))
    assert (answer["decision"], answer["status"]) == ("none", "ignored")
    assert writer_calls == []
    assert world.writer_region() == PRIMARY
    assert world.notifications() == {PRIMARY: [], SECONDARY: []}


def test_scheduled_event_evaluates(world, writer_calls):
    world.canary(PRIMARY, 1)
    event = {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event",
             "resources": ["arn:aws:events:us-west-2:123456789012:rule/watchdog"],
             "detail": {}}
    answer = world.invoke(event)
    assert (answer["trigger"], answer["action"], answer["status"]) == (
        "schedule", "evaluate", "noop")


@pytest.mark.parametrize("event, message", [
    ({"action": "promote"}, "action must be one of"),
    ({"action": "failover", "dryrun": True}, "unknown event keys 'dryrun'"),
    ({"action": "failover", "force": "yes"}, "force must be true or false"),
    ({"action": "failover", "dry_run": 1}, "dry_run must be true or false"),
    (["failover"], "must be a JSON object"),
    ({"Records": [{"Sns": {"Message": "not json"}}]}, "not a CloudWatch alarm"),
])
def test_invalid_events_answer_an_error(world, writer_calls, event, message):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = world.invoke(event)
    assert answer["status"] == "error"
    assert message in answer["reason"]
    assert writer_calls == []
    assert world.writer_region() == PRIMARY


def test_rds_replica_mode_is_refused_not_guessed(world, writer_calls):
    world.canary(PRIMARY, 0)
    world.lag_ms(1000)
    answer = handler.run({"action": "failover"}, world.config(DR_MODE="rds-replica"),
                         sleep=world.clock.sleep, clock=world.clock.monotonic)
    assert answer["status"] == "error"
    assert "DR_MODE rds-replica is not supported" in answer["reason"]
    assert writer_calls == []


def test_lambda_handler_reads_its_environment(world, writer_calls, monkeypatch):
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    world.canary(PRIMARY, 1)

    class Context:
        aws_request_id = "req-1"

    answer = handler.lambda_handler({"action": "evaluate", "dry_run": True}, Context())
    assert (answer["decision"], answer["status"]) == ("none", "dry_run")
    assert answer["target_region"] == SECONDARY
    assert set(answer) >= {"trigger", "action", "dry_run", "force", "decision", "reason",
                           "status", "observation", "timings", "dns"}


# -- configuration ----------------------------------------------------------------------------

def static_env() -> dict[str, str]:
    """A complete environment whose values need no AWS (the same shape build_world makes)."""
    account = "123456789012"
    env = {"DR_MODE": "aurora-global", "HOME_REGION": SECONDARY, "PRIMARY_REGION": PRIMARY,
           "SECONDARY_REGION": SECONDARY, "GLOBAL_CLUSTER_ID": GLOBAL_ID,
           "HOSTED_ZONE_ID": "Z0123456789ABCDEFGHIJ", "WRITER_RECORD_NAME": WRITER_NAME,
           "DNS_MODE": "failover", "LOCK_TABLE": LOCK_TABLE}
    for region in REGIONS:
        role = ROLE[region].upper()
        env.update({
            f"{role}_CLUSTER_ARN": f"arn:aws:rds:{region}:{account}:cluster:{CLUSTER_ID[region]}",
            f"{role}_CLUSTER_ID": CLUSTER_ID[region], f"{role}_WRITER_ALARM": ALARM[region],
            f"{role}_TOPIC_ARN": f"arn:aws:sns:{region}:{account}:orch-alerts"})
    return env


def test_config_defaults():
    env = static_env()
    assert not set(env) & {
        "LOCK_TTL_SECONDS", "RPO_SECONDS", "HEALTH_WINDOW_SECONDS", "WAIT_TIMEOUT_SECONDS",
        "POLL_SECONDS", "METRIC_NAMESPACE"}
    config = OrchestratorConfig.from_env(env)
    assert (config.lock_ttl_seconds, config.rpo_seconds, config.health_window_seconds,
            config.wait_timeout_seconds, config.poll_seconds, config.metric_namespace) == (
        600, 60, 180, 240, 5, "DatabaseDR")
    assert config.target_cluster_arn == env["SECONDARY_CLUSTER_ARN"]
    assert config.other_region == PRIMARY
    # Weighted DNS needs no alarms, failover DNS no zone
    weighted = {k: v for k, v in env.items() if not k.endswith("_WRITER_ALARM")}
    assert OrchestratorConfig.from_env({**weighted, "DNS_MODE": "weighted"}).dns_mode == "weighted"
    failover = {k: v for k, v in env.items() if k not in ("HOSTED_ZONE_ID", "WRITER_RECORD_NAME")}
    assert OrchestratorConfig.from_env(failover).hosted_zone_id == ""


@pytest.mark.parametrize("change, error, message", [
    ({"GLOBAL_CLUSTER_ID": None}, KeyError, "GLOBAL_CLUSTER_ID is required"),
    ({"LOCK_TABLE": ""}, KeyError, "LOCK_TABLE is required"),
    ({"PRIMARY_WRITER_ALARM": None}, KeyError, "PRIMARY_WRITER_ALARM is required"),
    ({"DNS_MODE": "weighted", "HOSTED_ZONE_ID": None}, KeyError, "HOSTED_ZONE_ID is required"),
    ({"DR_MODE": "active-active"}, ValueError, "DR_MODE must be one of"),
    ({"DNS_MODE": "latency"}, ValueError, "DNS_MODE must be one of"),
    ({"HOME_REGION": "eu-west-1"}, ValueError, "HOME_REGION must be PRIMARY_REGION"),
    ({"SECONDARY_REGION": PRIMARY}, ValueError, "must differ"),
    ({"RPO_SECONDS": "sixty"}, ValueError, "RPO_SECONDS must be an integer, got 'sixty'"),
    ({"POLL_SECONDS": "0"}, ValueError, "POLL_SECONDS must be >= 1, got 0"),
    ({"LOCK_TTL_SECONDS": "200"}, ValueError, "LOCK_TTL_SECONDS must exceed"),
    ({"PRIMARY_CLUSTER_ARN": "orch-primary"}, ValueError, "PRIMARY_CLUSTER_ARN must be an ARN"),
    ({"SECONDARY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t"}, ValueError,
     "SECONDARY_TOPIC_ARN must be in SECONDARY_REGION"),
])
def test_config_validation(change, error, message):
    env = {**static_env(), **{k: v for k, v in change.items() if v is not None}}
    for name in [k for k, v in change.items() if v is None]:
        env.pop(name)
    with pytest.raises(error, match=message):
        OrchestratorConfig.from_env(env)


def test_importing_the_handler_does_not_import_boto3():
    code = ("import sys, dr_lambdas.orchestrator.handler; "
            "sys.exit(1 if 'boto3' in sys.modules or 'botocore' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
