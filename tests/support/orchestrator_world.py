"""The two-region world the failover orchestrator's tests build in moto, in either DR mode.

test_orchestrator.py (``DR_MODE=aurora-global``), test_orchestrator_rds.py
(``DR_MODE=rds-replica``) and test_orchestrator_modes.py (what both modes do alike) put a
different database in the middle and then build the same things around it. Both databases
are here (``build_aurora_world``: an Aurora global database, writer ``orch-primary`` in
us-east-1, secondary ``orch-secondary`` in us-west-2; ``build_rds_world``: an RDS for
PostgreSQL Multi-AZ instance in us-east-1 and its cross-region read replica in us-west-2,
backups on as the deployment has them), and so is what surrounds them:

- per region a DynamoDB lock table, an SNS topic with an SQS queue subscribed (to read what
  was published), the canary's alarms over its metrics (ALARM below 1: the local member
  cannot be reached / does not accept writes; the ``IsWriter`` one says OK in the primary
  region, ALARM in the secondary) and a VPC;
- a private hosted zone associated with both VPCs, holding the writer name's failover (or
  weighted 100 / 0) records, each guarded by its region's alarm-based health check: a
  ``CLOUDWATCH_METRIC`` check on the ``IsWriter`` alarm, or a ``CALCULATED`` one over a
  ``CLOUDWATCH_METRIC`` check per alarm (healthy only when all are);
- the orchestrator's environment for all of it;
- ``World``: runs the orchestrator (in the secondary region, the automatic copy, unless a
  test says otherwise) on a ``FakeClock``, so that no test sleeps, and reads back the
  records, notifications, lock and duration metric; ``AuroraWorld`` and ``RdsWorld`` add
  what each database reports;
- ``writer_calls`` and ``promotions``: the writer changes that reach moto's RDS backend.

A ``Deployment`` holds what differs between the two: names, the members' identifiers, the
metric dimension naming them, the canary's alarms and the mode's own settings.
``tools.emulator.apply_patches()`` supplies what moto lacks (global failover / switchover,
cross-region read replicas and membership, alarm-based health checks); it patches moto's
classes in place when this module is imported.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from moto.rds.models import RDSBackend

from constructs_lib.config import DrConfig
from dr_lambdas import contract
from dr_lambdas.contract import OrchestratorEnv
from dr_lambdas.orchestrator import handler
from dr_lambdas.orchestrator.config import OrchestratorConfig
from support.emulator_checks import put_canary_alarm
from support.emulator_rds import CREDENTIALS
from tools.emulator import apply_patches

apply_patches()  # before any moto backend is used
DEFAULTS = DrConfig()  # the configuration's defaults (a valid configuration)

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
REGIONS = (PRIMARY, SECONDARY)
ROLE = {PRIMARY: "primary", SECONDARY: "secondary"}
ACCOUNT = "123456789012"
RPO_SECONDS = DEFAULTS.rpo_seconds
NAMESPACE = contract.NAMESPACE


def deployed_settings(dr_mode: str) -> dict[str, str]:
    """The orchestrator's settings as the stack sets them
    (constructs_lib/automation/failover_automation.py
    from dr_lambdas/contract.py and the configuration's defaults): tests run with what
    production runs."""
    settings = {
        "LOCK_TTL_SECONDS": str(contract.LOCK_TTL_SECONDS),
        "RPO_SECONDS": str(RPO_SECONDS),
        "HEALTH_WINDOW_SECONDS": str(contract.HEALTH_WINDOW_SECONDS),
        "WAIT_TIMEOUT_SECONDS": str(contract.WAIT_TIMEOUT_SECONDS),
        "POLL_SECONDS": str(contract.WRITER_POLL_SECONDS),
        "METRIC_NAMESPACE": NAMESPACE,
        "METRIC_DIMENSION": contract.DIMENSION_OF[dr_mode],
    }
    if dr_mode == contract.RDS_REPLICA:
        settings.update(
            MAX_HANDOVERS=str(contract.MAX_HANDOVERS),
            BACKUP_RETENTION_DAYS=str(DEFAULTS.backup_retention_days),
        )
    return settings


@functools.cache
def aws(service: str, region: str) -> Any:
    """A boto3 client for the test's own reads and writes, made once per session (making
    clients costs more than moto's calls); moto intercepts it whenever a mock is active."""
    return boto3.client(service, region_name=region)


@pytest.fixture()
def fast_moto(monkeypatch):
    """moto without what these tests never read: AWS managed IAM policies (turned on by
    apply_patches for Terraform) and EC2's default AMIs, loaded per backend at ~0.2 s each."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


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


class DeadRegion:
    """Clients for which every call into ``region`` (only to ``services``, and only
    ``operations``, when given) fails as if the region's endpoints were gone."""

    def __init__(
        self, region: str, services: tuple[str, ...] = (), operations: tuple[str, ...] = ()
    ) -> None:
        self.region, self.services, self.operations = region, services, operations
        self._clients = handler.aws_clients()
        self.refused: list[str] = []

    def __call__(self, service: str, region: str) -> Any:
        client = self._clients(service, region)
        if region == self.region and (not self.services or service in self.services):

            def unreachable(model, **_: Any) -> None:
                if self.operations and model.name not in self.operations:
                    return
                self.refused.append(f"{service}:{model.name}")
                raise EndpointConnectionError(
                    endpoint_url=f"https://{service}.{region}.amazonaws.com"
                )

            client.meta.events.register("before-call", unreachable)
        return client


@dataclass(frozen=True)
class Deployment:
    """What one DR mode's world names differently."""

    dr_mode: str
    zone: str  # the private hosted zone; the writer name is writer.<zone>
    topic: str  # the SNS topic in each region (its queue is <topic>-inbox)
    lock_table: str
    lock_key: str
    member_id: dict[str, str]  # the cluster or instance identifier per region
    dimension: str  # the metric dimension naming a member
    alarms: dict[str, dict[str, str]]  # region -> the canary's metric -> its alarm
    calculated_health_checks: bool  # a CALCULATED check over all alarms, or IsWriter's own
    mode_env: dict[str, str]  # the orchestrator's settings only this mode has

    @property
    def writer_name(self) -> str:
        return f"writer.{self.zone}"

    def member_env(self, arn: dict[str, str]) -> dict[str, str]:
        """The orchestrator's settings for the members, whose ARNs are ``arn`` (per region)."""
        env = {"DR_MODE": self.dr_mode, **self.mode_env}
        for region in REGIONS:
            side = ROLE[region].upper()
            env[OrchestratorEnv.member(side, self.dr_mode, "ARN")] = arn[region]
            env[OrchestratorEnv.member(side, self.dr_mode, "ID")] = self.member_id[region]
        return env

    def writer_alarm(self, region: str) -> str:
        return self.alarms[region]["IsWriter"]


@dataclass
class World:
    """The deployment in moto, and what the tests read back from it. Each test module
    subclasses it with what its database reports."""

    deployment: Deployment
    env: dict[str, str]  # the orchestrator's environment (DNS_MODE says the records' kind)
    zone_id: str
    target: dict[str, str]  # the record target (the member's endpoint) per region
    queues: dict[str, str]  # SQS queue URL per region, subscribed to that region's topic
    clock: FakeClock = field(default_factory=FakeClock)

    @classmethod
    def build(
        cls, deployment: Deployment, dns_mode: str, target: dict[str, str], arn: dict[str, str]
    ) -> Self:
        """Everything around the members, whose endpoints are ``target`` and ARNs ``arn``
        (per region)."""
        d = deployment
        topics, queues, vpcs = {}, {}, {}
        for region in REGIONS:
            _create_lock_table(region, d.lock_table)
            topics[region], queues[region] = _create_topic_with_inbox(region, d.topic)
            _create_canary_alarms(region, d)
            vpcs[region] = aws("ec2", region).create_vpc(
                CidrBlock="10.10.0.0/16" if region == PRIMARY else "10.20.0.0/16"
            )["Vpc"]["VpcId"]
        zone_id = _create_private_zone(d, vpcs)
        health_checks = {region: _create_writer_health_check(region, d) for region in REGIONS}
        _create_writer_records(d, zone_id, dns_mode, target, health_checks)
        env = {
            **d.member_env(arn),
            "HOME_REGION": SECONDARY,
            "PRIMARY_REGION": PRIMARY,
            "SECONDARY_REGION": SECONDARY,
            "HOSTED_ZONE_ID": zone_id,
            "WRITER_RECORD_NAME": d.writer_name,
            "DNS_MODE": dns_mode,
            "PRIMARY_WRITER_ALARM": d.writer_alarm(PRIMARY),
            "SECONDARY_WRITER_ALARM": d.writer_alarm(SECONDARY),
            "PRIMARY_TOPIC_ARN": topics[PRIMARY],
            "SECONDARY_TOPIC_ARN": topics[SECONDARY],
            "LOCK_TABLE": d.lock_table,
            **deployed_settings(d.dr_mode),
        }
        return cls(deployment=d, env=env, zone_id=zone_id, target=target, queues=queues)

    def config(self, **env: str) -> OrchestratorConfig:
        return OrchestratorConfig.from_env({**self.env, **env})

    def invoke(
        self, event: Any, *, home: str = SECONDARY, env: dict[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        config = self.config(HOME_REGION=home, **(env or {}))
        kwargs.setdefault("clock", self.clock.monotonic)
        kwargs.setdefault("sleep", self.clock.sleep)
        answer = handler.run(event, config, **kwargs)
        json.dumps(answer)  # the answer must be JSON-able as it is
        return answer

    # -- the world's state -----------------------------------------------------------------

    def writer_records(self) -> dict[str, dict[str, Any]]:
        """Set identifier -> the writer name's record."""
        records = aws("route53", PRIMARY).list_resource_record_sets(HostedZoneId=self.zone_id)[
            "ResourceRecordSets"
        ]
        return {
            r["SetIdentifier"]: r for r in records if r["Name"] == self.deployment.writer_name + "."
        }

    def weighted(self) -> dict[str, tuple[int, str]]:
        """Set identifier -> (weight, target) of the writer name's records."""
        return {
            name: (r["Weight"], r["ResourceRecords"][0]["Value"])
            for name, r in self.writer_records().items()
            if "Weight" in r
        }

    def writer_alarm_states(self) -> dict[str, str]:
        return {
            region: aws("cloudwatch", region).describe_alarms(
                AlarmNames=[self.deployment.writer_alarm(region)]
            )["MetricAlarms"][0]["StateValue"]
            for region in REGIONS
        }

    def notifications(self) -> dict[str, list[dict[str, Any]]]:
        """Messages published to each region's topic since the last call, decoded."""
        found: dict[str, list[dict[str, Any]]] = {}
        for region, url in self.queues.items():
            sqs = aws("sqs", region)
            found[region] = []
            while True:
                batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                    "Messages", []
                )
                if not batch:
                    break
                for message in batch:
                    envelope = json.loads(message["Body"])
                    found[region].append(json.loads(envelope["Message"]))
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def phases(self) -> dict[str, list[str]]:
        """The phases of the messages published to each region's topic since the last call."""
        return {
            region: [m["phase"] for m in messages]
            for region, messages in self.notifications().items()
        }

    def lock_items(self, region: str = SECONDARY) -> list[dict[str, Any]]:
        """The failover lock, when an item holds it (the table also remembers fences and
        told refusals, under other keys)."""
        items = aws("dynamodb", region).scan(TableName=self.deployment.lock_table)["Items"]
        return [item for item in items if item["pk"]["S"] == self.deployment.lock_key]

    def put_lock(self, holder: str, expires_at: int) -> None:
        """A lock item as another run (live, or crashed) leaves it."""
        aws("dynamodb", SECONDARY).put_item(
            TableName=self.deployment.lock_table,
            Item={
                "pk": {"S": self.deployment.lock_key},
                "holder": {"S": holder},
                "expires_at": {"N": str(expires_at)},
                "ttl": {"N": str(expires_at)},
            },
        )

    def duration_metrics(self, region: str = SECONDARY) -> list[float]:
        return self.orchestrator_metric("FailoverDurationSeconds", region)

    def orchestrator_metric(
        self, name: str, region: str = SECONDARY, member: str | None = None
    ) -> list[float]:
        """What the orchestrator in ``region`` published of ``name`` in the last minutes
        (the largest value of each minute), about the member of ``member``'s region
        (default: its own)."""
        end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        points = aws("cloudwatch", region).get_metric_statistics(
            Namespace=NAMESPACE,
            MetricName=name,
            Dimensions=self._dimensions(member or region),
            StartTime=end - dt.timedelta(minutes=10),
            EndTime=end,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        return [p["Maximum"] for p in points]

    # -- what the canary and RDS report ----------------------------------------------------

    def canary(self, region: str, value: float, seconds_ago: int = 30) -> None:
        self.put_metric(region, NAMESPACE, "ConnectivityOk", value, "Count", seconds_ago)

    def canary_fault(self, region: str, seconds_ago: int = 20) -> None:
        """The member's canary cannot probe (its secret, credentials or permissions)."""
        self.put_metric(region, NAMESPACE, "CanaryError", 1, "Count", seconds_ago)

    def peer(
        self, region: str, value: float, seconds_ago: int = 30, seen_from: str = SECONDARY
    ) -> None:
        """What the other region's canary says of the member in ``region`` across the
        peering (published in the region it was probed from)."""
        aws("cloudwatch", seen_from).put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": "PeerConnectivityOk",
                    "Value": value,
                    "Unit": "Count",
                    "Timestamp": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago),
                    "Dimensions": self._dimensions(region),
                }
            ],
        )

    def outage(self, region: str) -> None:
        """The member is down, and two independent signals say so: its canary cannot connect,
        and neither can the other region's probe across the peering."""
        self.canary(region, 0)
        self.peer(region, 0)

    def instance_status(self, region: str, instance_id: str, status: str) -> None:
        """What RDS reports of a DB instance (moto keeps every instance available)."""
        from moto.rds.models import rds_backends

        rds_backends[ACCOUNT][region].databases[instance_id].status = status

    def put_metric(
        self, region: str, namespace: str, name: str, value: float, unit: str, seconds_ago: int
    ) -> None:
        """A datapoint about the member in ``region``, ``seconds_ago`` old."""
        aws("cloudwatch", region).put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": name,
                    "Value": value,
                    "Unit": unit,
                    "Timestamp": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago),
                    "Dimensions": self._dimensions(region),
                }
            ],
        )

    def _dimensions(self, region: str) -> list[dict[str, str]]:
        return [{"Name": self.deployment.dimension, "Value": self.deployment.member_id[region]}]


def _create_lock_table(region: str, name: str) -> None:
    aws("dynamodb", region).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )


def _create_topic_with_inbox(region: str, name: str) -> tuple[str, str]:
    """The topic's ARN and the URL of an SQS queue subscribed to it."""
    sns, sqs = aws("sns", region), aws("sqs", region)
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def _create_canary_alarms(region: str, d: Deployment) -> None:
    """ALARM when the canary's metric is below 1 (or missing); what the canaries report
    before any failover: the primary accepts writes."""
    cloudwatch = aws("cloudwatch", region)
    for metric, alarm in d.alarms[region].items():
        put_canary_alarm(cloudwatch, alarm, metric, {d.dimension: d.member_id[region]})
    cloudwatch.set_alarm_state(
        AlarmName=d.writer_alarm(region),
        StateValue="OK" if region == PRIMARY else "ALARM",
        StateReason="canary: IsWriter",
    )


def _create_private_zone(d: Deployment, vpcs: dict[str, str]) -> str:
    route53 = aws("route53", PRIMARY)
    zone_id = route53.create_hosted_zone(
        Name=d.zone,
        CallerReference=d.zone,
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": PRIMARY, "VPCId": vpcs[PRIMARY]},
    )["HostedZone"]["Id"].split("/")[-1]
    route53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": SECONDARY, "VPCId": vpcs[SECONDARY]}
    )
    return zone_id


def _create_writer_health_check(region: str, d: Deployment) -> str:
    """Alarm-based checks: Route 53 cannot probe private endpoints."""
    route53 = aws("route53", PRIMARY)
    children = {
        metric: route53.create_health_check(
            CallerReference=f"hc-{alarm}",
            HealthCheckConfig={
                "Type": "CLOUDWATCH_METRIC",
                "InsufficientDataHealthStatus": "Unhealthy",
                "AlarmIdentifier": {"Region": region, "Name": alarm},
            },
        )["HealthCheck"]["Id"]
        for metric, alarm in d.alarms[region].items()
    }
    if not d.calculated_health_checks:
        return children["IsWriter"]
    # Healthy only when all children are: the canary connects AND the member writes.
    return route53.create_health_check(
        CallerReference=f"hc-{d.zone}-{region}",
        HealthCheckConfig={
            "Type": "CALCULATED",
            "HealthThreshold": len(children),
            "ChildHealthChecks": list(children.values()),
        },
    )["HealthCheck"]["Id"]


def _create_writer_records(
    d: Deployment,
    zone_id: str,
    dns_mode: str,
    target: dict[str, str],
    health_checks: dict[str, str],
) -> None:
    changes = []
    for region in REGIONS:
        record: dict[str, Any] = {
            "Name": d.writer_name,
            "Type": "CNAME",
            "TTL": 30,
            "SetIdentifier": ROLE[region],
            "HealthCheckId": health_checks[region],
            "ResourceRecords": [{"Value": target[region]}],
        }
        if dns_mode == "failover":
            record["Failover"] = ROLE[region].upper()
        else:
            record["Weight"] = 100 if region == PRIMARY else 0
        changes.append({"Action": "CREATE", "ResourceRecordSet": record})
    aws("route53", PRIMARY).change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
    )


# -- the two deployments ----------------------------------------------------------------------

GLOBAL_ID = "orch-global"
CLUSTER_ID = {PRIMARY: "orch-primary", SECONDARY: "orch-secondary"}
ALARM = {PRIMARY: "orch-writer-primary", SECONDARY: "orch-writer-secondary"}
ENGINE, ENGINE_VERSION = "aurora-postgresql", "15.10"
AURORA = Deployment(
    dr_mode=contract.AURORA_GLOBAL,
    zone="db-orch.internal",
    topic="orch-alerts",
    lock_table="orch-lock",
    lock_key=f"failover#{GLOBAL_ID}",
    member_id=CLUSTER_ID,
    dimension=contract.CLUSTER_DIMENSION,
    alarms={region: {"IsWriter": ALARM[region]} for region in REGIONS},
    calculated_health_checks=False,
    mode_env={"GLOBAL_CLUSTER_ID": GLOBAL_ID},
)

INSTANCE_ID = {PRIMARY: "orch-db-primary", SECONDARY: "orch-db-replica"}
BACKUP_RETENTION_DAYS = DEFAULTS.backup_retention_days
RDS_LOCK_TABLE = "orch-rds-lock"  # in each region: the other region's has the same name
RDS = Deployment(
    dr_mode=contract.RDS_REPLICA,
    zone="db-orch-rds.internal",
    topic="orch-rds-alerts",
    lock_table=RDS_LOCK_TABLE,
    lock_key=f"failover#{INSTANCE_ID[PRIMARY]}",
    member_id=INSTANCE_ID,
    dimension=contract.INSTANCE_DIMENSION,
    alarms={
        region: {
            "ConnectivityOk": f"orch-rds-connectivity-{region}",
            "IsWriter": f"orch-rds-writer-{region}",
        }
        for region in REGIONS
    },
    calculated_health_checks=True,
    mode_env={"OTHER_LOCK_TABLE": RDS_LOCK_TABLE},
)


class AuroraWorld(World):
    """The aurora-global deployment in moto, and what the tests read back from it."""

    alarm_states = World.writer_alarm_states  # one alarm per region: the writer's

    def writer_region(self) -> str:
        (global_cluster,) = aws("rds", SECONDARY).describe_global_clusters(
            GlobalClusterIdentifier=GLOBAL_ID
        )["GlobalClusters"]
        writers = [
            m["DBClusterArn"] for m in global_cluster["GlobalClusterMembers"] if m["IsWriter"]
        ]
        assert len(writers) == 1
        return writers[0].split(":")[3]

    def moved(self) -> bool:
        """The writer is in the secondary region."""
        return self.writer_region() == SECONDARY

    def lag(self, seconds: float, seconds_ago: int = 60) -> None:
        """The secondary cluster's ``AuroraGlobalDBReplicationLag`` (in milliseconds)."""
        self.put_metric(
            SECONDARY,
            "AWS/RDS",
            "AuroraGlobalDBReplicationLag",
            seconds * 1000,
            "Milliseconds",
            seconds_ago,
        )


def build_aurora_world(dns_mode: str) -> AuroraWorld:
    """The global database (a writer instance in the primary cluster, a reader in the
    secondary), then the world around it."""
    rds = {region: aws("rds", region) for region in REGIONS}
    rds[PRIMARY].create_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, Engine=ENGINE, EngineVersion=ENGINE_VERSION
    )
    clusters = {}
    for region in REGIONS:
        credentials = CREDENTIALS if region == PRIMARY else {}
        clusters[region] = rds[region].create_db_cluster(
            DBClusterIdentifier=CLUSTER_ID[region],
            Engine=ENGINE,
            EngineVersion=ENGINE_VERSION,
            GlobalClusterIdentifier=GLOBAL_ID,
            **credentials,
        )["DBCluster"]
        rds[region].create_db_instance(
            DBInstanceIdentifier=f"{CLUSTER_ID[region]}-1",
            DBClusterIdentifier=CLUSTER_ID[region],
            Engine=ENGINE,
            DBInstanceClass="db.r6g.large",
        )
    return AuroraWorld.build(
        AURORA,
        dns_mode,
        target={region: clusters[region]["Endpoint"] for region in REGIONS},
        arn={region: clusters[region]["DBClusterArn"] for region in REGIONS},
    )


class RdsWorld(World):
    """The rds-replica deployment in moto, and what the tests read back from it."""

    def instance(self, region: str) -> dict[str, Any]:
        (instance,) = aws("rds", region).describe_db_instances(
            DBInstanceIdentifier=INSTANCE_ID[region]
        )["DBInstances"]
        return instance

    def replicating(self) -> bool:
        """The secondary instance is still a read replica of the primary."""
        return bool(self.instance(SECONDARY).get("ReadReplicaSourceDBInstanceIdentifier"))

    def moved(self) -> bool:
        """The replica in the secondary region is promoted."""
        return not self.replicating()

    def fences(self) -> dict[str, bool]:
        """Region -> whether its instance is fenced: the other region's orchestrator
        published ``Fenced=1`` for it there (what the fence child of its writer health
        check reads) and remembers it in its lock table."""
        found = {}
        for region in REGIONS:
            other = SECONDARY if region == PRIMARY else PRIMARY
            item = (
                aws("dynamodb", other)
                .get_item(
                    TableName=RDS.lock_table, Key={"pk": {"S": f"fence#{INSTANCE_ID[region]}"}}
                )
                .get("Item")
            )
            metric = self.fence_metric(region)
            assert bool(item) == bool(metric), (item, metric)  # both or neither
            found[region] = bool(item) and metric == [1.0]
        return found

    def fence_metric(self, region: str) -> list[float]:
        """``Fenced`` of ``region``'s instance, as published in the other region."""
        other = SECONDARY if region == PRIMARY else PRIMARY
        return self.orchestrator_metric("Fenced", other, member=region)

    def lag(self, seconds: float, seconds_ago: int = 60) -> None:
        """The replica's ``ReplicaLag`` (in seconds)."""
        self.put_metric(SECONDARY, "AWS/RDS", "ReplicaLag", seconds, "Seconds", seconds_ago)


def build_rds_world(dns_mode: str) -> RdsWorld:
    """The primary instance and its replica, then the world around them."""
    primary = aws("rds", PRIMARY).create_db_instance(
        DBInstanceIdentifier=INSTANCE_ID[PRIMARY],
        Engine="postgres",
        EngineVersion="15.10",
        DBInstanceClass="db.r6g.large",
        MultiAZ=True,
        AllocatedStorage=100,
        BackupRetentionPeriod=BACKUP_RETENTION_DAYS,
        **CREDENTIALS,
    )["DBInstance"]
    replica = aws("rds", SECONDARY).create_db_instance_read_replica(
        DBInstanceIdentifier=INSTANCE_ID[SECONDARY],
        SourceDBInstanceIdentifier=primary["DBInstanceArn"],
        DBInstanceClass="db.r6g.large",
    )["DBInstance"]
    # Backups are off on a new replica; the deployment turns them on.
    aws("rds", SECONDARY).modify_db_instance(
        DBInstanceIdentifier=INSTANCE_ID[SECONDARY],
        ApplyImmediately=True,
        BackupRetentionPeriod=BACKUP_RETENTION_DAYS,
    )
    instances = {PRIMARY: primary, SECONDARY: replica}
    return RdsWorld.build(
        RDS,
        dns_mode,
        target={region: instances[region]["Endpoint"]["Address"] for region in REGIONS},
        arn={region: instances[region]["DBInstanceArn"] for region in REGIONS},
    )


def world_fixture(build: Callable[[str], World], dns_mode: str) -> Any:
    """A fixture: the world ``build(dns_mode)`` makes in moto, for one test."""

    @pytest.fixture()
    def in_moto(fast_moto):
        with mock_aws():
            yield build(dns_mode)

    return in_moto


# -- what reaches moto's RDS ------------------------------------------------------------------


@pytest.fixture()
def writer_calls(monkeypatch):
    """Every switchover / failover of a global cluster that reached moto's RDS backend, with
    its arguments."""
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


class Promotions:
    """Every PromoteReadReplica that reached moto's RDS backend. With ``hold()``, calls are
    recorded but not applied, as while AWS is still promoting (minutes); ``finish()``
    applies them then."""

    def __init__(self, original: Any) -> None:
        self._original = original
        self.calls: list[dict[str, Any]] = []
        self._held: list[tuple[Any, dict[str, Any]]] = []
        self._holding = False
        self._guard = threading.Lock()

    def hold(self) -> None:
        self._holding = True

    def finish(self) -> None:
        self._holding = False
        for backend, kwargs in self._held:
            self._original(backend, kwargs)
        self._held.clear()

    def __call__(self, backend: Any, db_kwargs: dict[str, Any]) -> Any:
        with self._guard:
            self.calls.append(dict(db_kwargs))
        if self._holding:
            self._held.append((backend, db_kwargs))
            return backend.databases[db_kwargs["db_instance_identifier"]]
        return self._original(backend, db_kwargs)


@pytest.fixture()
def promotions(monkeypatch):
    recorder = Promotions(RDSBackend.promote_read_replica)
    monkeypatch.setattr(
        RDSBackend, "promote_read_replica", lambda self, db_kwargs: recorder(self, db_kwargs)
    )
    return recorder


# -- configuration without AWS ----------------------------------------------------------------


def static_env(d: Deployment, dns_mode: str) -> dict[str, str]:
    """A complete environment whose values need no AWS (the shape ``World.build`` makes,
    without the optional settings). Failover records come with the writer alarms they
    need."""
    resource = "cluster" if d.dr_mode == contract.AURORA_GLOBAL else "db"
    env = {
        **d.member_env(
            {r: f"arn:aws:rds:{r}:{ACCOUNT}:{resource}:{d.member_id[r]}" for r in REGIONS}
        ),
        "HOME_REGION": SECONDARY,
        "PRIMARY_REGION": PRIMARY,
        "SECONDARY_REGION": SECONDARY,
        "HOSTED_ZONE_ID": "Z0123456789ABCDEFGHIJ",
        "WRITER_RECORD_NAME": d.writer_name,
        "DNS_MODE": dns_mode,
        "LOCK_TABLE": d.lock_table,
        **deployed_settings(d.dr_mode),
    }
    for region in REGIONS:
        role = ROLE[region].upper()
        env[f"{role}_TOPIC_ARN"] = f"arn:aws:sns:{region}:{ACCOUNT}:{d.topic}"
        if dns_mode == "failover":
            env[f"{role}_WRITER_ALARM"] = d.writer_alarm(region)
    return env


def changed(env: dict[str, str], change: dict[str, str | None]) -> dict[str, str]:
    """``env`` with ``change`` applied: a value of None removes the setting."""
    return {
        **{k: v for k, v in env.items() if k not in change},
        **{k: v for k, v in change.items() if v is not None},
    }


class CallLog:
    """The orchestrator's clients, recording every AWS call as ``service:Operation``."""

    def __init__(self) -> None:
        self._clients = handler.aws_clients()
        self.calls: list[str] = []

    def __call__(self, service: str, region: str) -> Any:
        client = self._clients(service, region)
        if not getattr(client, "_call_log", None):
            client.meta.events.register(
                "before-call", lambda model, **_: self.calls.append(f"{service}:{model.name}")
            )
            client._call_log = True
        return client


class RecordingClients:
    """The orchestrator's clients, except Lambda: a recording stand-in, because the function
    a hand-over invokes does not exist in moto. ``on_invoke`` runs at the moment of each
    invoke (to look at the world then)."""

    def __init__(self, fail: bool = False, on_invoke: Any = None) -> None:
        self._clients = handler.aws_clients()
        self.invokes: list[dict[str, Any]] = []
        self.fail, self.on_invoke = fail, on_invoke

    def __call__(self, service: str, region: str) -> Any:
        if service == "lambda":
            return _LambdaStandIn(self, region)
        return self._clients(service, region)


class _LambdaStandIn:
    def __init__(self, owner: RecordingClients, region: str) -> None:
        self.owner, self.region = owner, region

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        if self.owner.fail:
            raise RuntimeError("Lambda is unreachable")
        self.owner.invokes.append(
            {"region": self.region, **kwargs, "Payload": json.loads(kwargs["Payload"])}
        )
        if self.owner.on_invoke:
            self.owner.on_invoke()
        return {"StatusCode": 202}
