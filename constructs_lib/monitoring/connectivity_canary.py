"""ConnectivityCanary: proves every minute that a region's database answers, and whether it
is the writer, as an application in that region would see it.

A Lambda function in the region's private subnets with its own security group (admitted by
the database security group on the engine port) reads the credentials from Secrets Manager
in its own region, connects with TLS, runs ``SELECT 1`` and asks the server whether it
accepts writes. It probes the cluster (writer) endpoint and, when that cannot be reached,
the reader endpoint: an Aurora secondary's writer endpoint is inactive until it is promoted
(provider #14219), so a secondary is probed where it really serves. It publishes
``ConnectivityOk``, ``IsWriter``, ``LatencyMs`` and, on a replica, ``ReplicationLagMs``
(namespace ``DatabaseDR``).

A failed probe is classified (``dr_lambdas/canary``): *could not connect* (refused, timed
out, TLS handshake failed, name not resolved, server not accepting connections) is
``ConnectivityOk=0``; anything else (secret missing or unreadable, authentication or
permission refused, bad configuration) is a **canary fault**: ``CanaryError=1`` and no
``ConnectivityOk`` at all, so a broken canary is never read as a database that is down.

With ``peer`` (VPC peering between the regions), the canary also probes the other region's
database across the peering and publishes ``PeerConnectivityOk`` in its own region, under
the other database's dimension: a view of the other region that does not depend on that
region's APIs, which the orchestrator uses as an independent signal.

Three alarms:

- ``connectivity``: ConnectivityOk below 1, missing data breaching (a silent region counts
  as unhealthy);
- ``is-writer``: IsWriter below 1, missing data breaching (after an Aurora failover the old
  primary stays in ALARM even once it is reachable again, so DNS never sends writers back
  to a read-only cluster; an old RDS primary comes back writable, so the orchestrator
  fences it in DNS instead);
- ``canary-error``: CanaryError at 1 (the canary itself is broken: people must fix it; it
  moves neither DNS nor the writer).

Metrics carry the database's own dimension (``DBClusterIdentifier`` for an Aurora cluster,
``DBInstanceIdentifier`` for an RDS instance).

The private subnets have no route to the internet: the VPC's interface endpoints for
Secrets Manager and CloudWatch (``RegionalVpc``) carry the canary's API calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from constructs import Construct

from constructs_lib.automation.python_function import PythonFunction, PythonFunctionProps
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc, tcp_rule
from constructs_lib.security.regional_key import RegionalKey
from dr_lambdas.contract import (
    CANARY_ALARM_PERIOD_SECONDS,
    CANARY_ALARM_PERIODS,
    CANARY_CONNECT_TIMEOUT_SECONDS,
    CANARY_ERROR,
    CANARY_FAST_ALARM_PERIODS,
    CANARY_PERIOD_SECONDS,
    CANARY_PROBE_INTERVAL_SECONDS,
    CANARY_TIMEOUT_SECONDS,
    CLUSTER_DIMENSION,
    CONNECTIVITY_OK,
    HIGH_RESOLUTION,
    IS_WRITER,
    NAMESPACE,
    PEER_CONNECTIVITY_OK,
    PROBE_INTERVALS,
    rate,
)
from dr_lambdas.contract import CanaryEnv as E

DRIVERS = {
    "aurora-postgresql": ("pg8000", "scramp", "asn1crypto", "python-dateutil", "six"),
    "postgres": ("pg8000", "scramp", "asn1crypto", "python-dateutil", "six"),
    "aurora-mysql": ("PyMySQL",),
}


@dataclass(frozen=True, kw_only=True)
class PeerDatabase:
    """The other region's database, probed across the VPC peering."""

    endpoint: str
    reader_endpoint: str
    database_id: str
    # The other VPC's range: the canary's egress on the database port goes there.
    cidr: str


@dataclass(frozen=True, kw_only=True)
class ConnectivityCanaryProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey
    vpc: RegionalVpc
    engine: str
    # The regional endpoint probed (the cluster endpoint or the instance address), the
    # database's identifier and the dimension name its metrics carry
    # (DatabaseMember.dimension: DBClusterIdentifier or DBInstanceIdentifier).
    endpoint: str
    database_id: str
    database_name: str
    # Default: none. Where the database serves when ``endpoint`` cannot be reached (the
    # reader endpoint of an Aurora cluster, inactive writer endpoint of a secondary).
    reader_endpoint: str = ""
    # Default: none. The other region's database, probed across the peering.
    peer: PeerDatabase | None = None
    # Secret in THIS region (a replica of the master secret outside the primary region),
    # and the IAM statements that read it there (MasterSecret.read_statements).
    secret_id: str
    secret_statements: list[dict]
    alarm_topic_arn: str
    # Default: every minute, the finest EventBridge schedule; RDS metrics are per minute too.
    schedule: str = rate(CANARY_PERIOD_SECONDS)
    # Default: 2 one-minute periods before connectivity / writer alarms fire.
    evaluation_periods: int = CANARY_ALARM_PERIODS
    log_retention_days: int = 365
    dimension: str = CLUSTER_DIMENSION
    # Default: none (see PythonFunctionProps.reserved_concurrency).
    reserved_concurrency: int | None = None
    # Default: 10 s. How often each run probes within its minute, and the period of the
    # fast alarms (10, 20, 30 or 60 s).
    probe_interval_seconds: int = CANARY_PROBE_INTERVAL_SECONDS


class ConnectivityCanary(Construct):
    """Canary function, its schedule, its network access and the two alarms it feeds."""

    def __init__(self, scope: Construct, id: str, props: ConnectivityCanaryProps) -> None:
        super().__init__(scope, id)
        if props.engine not in DRIVERS:
            raise ValueError(f"engine must be one of {', '.join(DRIVERS)}, got {props.engine!r}")
        if not 1 <= props.evaluation_periods <= 10:
            raise ValueError(f"evaluation_periods must be 1..10, got {props.evaluation_periods}")
        if props.probe_interval_seconds not in PROBE_INTERVALS:
            raise ValueError(
                f"probe_interval_seconds must be one of "
                f"{', '.join(map(str, PROBE_INTERVALS))}, "
                f"got {props.probe_interval_seconds}"
            )
        provider, namer, region, vpc = props.provider, props.namer, props.region, props.vpc

        self.security_group = SecurityGroup(
            self,
            "SecurityGroup",
            provider=provider,
            name=namer.name("canary", region),
            description="Connectivity canary: database port and AWS API endpoints only",
            vpc_id=vpc.vpc_id,
        )
        egress = [
            ("Database", vpc.port, vpc.cidr, "the database inside the VPC"),
            ("Endpoints", 443, vpc.cidr, "AWS API interface endpoints inside the VPC"),
        ]
        if props.peer:
            egress.append(
                (
                    "PeerDatabase",
                    vpc.port,
                    props.peer.cidr,
                    "the other region's database, across the peering",
                )
            )
        for rule_id, port, cidr, description in egress:
            tcp_rule(
                VpcSecurityGroupEgressRule,
                self,
                f"To{rule_id}",
                provider=provider,
                group_id=self.security_group.id,
                port=port,
                description=f"To {description}",
                cidr_ipv4=cidr,
            )
        vpc.admit(
            self,
            "AdmittedByDatabase",
            "Connectivity canary",
            referenced_security_group_id=self.security_group.id,
        )

        self.function = PythonFunction(
            self,
            "Function",
            PythonFunctionProps(
                provider=provider,
                region=region,
                namer=namer,
                key=props.key,
                function="canary",
                role="canary",
                description=f"Connectivity canary for {props.database_id}",
                distributions=DRIVERS[props.engine],
                environment=_environment(props, vpc.port),
                statements=[
                    *props.secret_statements,
                    # PutMetricData supports no resource-level permission; the condition limits
                    # it to this product's namespace.
                    {
                        "Sid": "PublishCanaryMetrics",
                        "Action": ["cloudwatch:PutMetricData"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
                    },
                ],
                managed_policies=("AWSLambdaVPCAccessExecutionRole",),
                timeout_seconds=CANARY_TIMEOUT_SECONDS,
                log_retention_days=props.log_retention_days,
                reserved_concurrency=props.reserved_concurrency,
                subnet_ids=vpc.private_subnet_ids,
                security_group_ids=[self.security_group.id],
            ),
        )

        self.function.invoke_on_schedule(
            self,
            "Schedule",
            "Target",
            name=namer.name("canary", region),
            description="Run the connectivity canary",
            schedule_expression=props.schedule,
        )

        def alarm(
            role: str,
            metric: str,
            description: str,
            *,
            statistic: str = "Minimum",
            comparison: str = "LessThanThreshold",
            missing: str = "breaching",
            period: int = CANARY_ALARM_PERIOD_SECONDS,
            periods: int = props.evaluation_periods,
            database_id: str = props.database_id,
        ) -> CloudwatchMetricAlarm:
            return CloudwatchMetricAlarm(
                self,
                "".join(p.capitalize() for p in role.split("-")) + "Alarm",
                provider=provider,
                alarm_name=namer.name(role, region),
                alarm_description=description,
                namespace=NAMESPACE,
                metric_name=metric,
                dimensions={props.dimension: database_id},
                statistic=statistic,
                period=period,
                evaluation_periods=periods,
                datapoints_to_alarm=periods,
                comparison_operator=comparison,
                threshold=1,
                treat_missing_data=missing,
                alarm_actions=[props.alarm_topic_arn],
                ok_actions=[props.alarm_topic_arn],
            )

        self.connectivity_alarm = alarm(
            "connectivity",
            CONNECTIVITY_OK,
            f"The canary cannot connect to {props.database_id} (or stopped reporting)",
        )
        self.writer_alarm = alarm(
            "is-writer",
            IS_WRITER,
            f"{props.database_id} does not accept writes (or the canary stopped reporting)",
        )
        self.error_alarm = alarm(
            "canary-error",
            CANARY_ERROR,
            f"The canary of {props.database_id} is broken (secret, credentials, permissions "
            "or configuration; see its log): it cannot tell whether the database is up, and "
            "no failover acts on its word alone",
            statistic="Maximum",
            comparison="GreaterThanOrEqualToThreshold",
            missing="notBreaching",
        )
        # The fast path: the one-second copies, one period per probe interval.
        interval = props.probe_interval_seconds
        self.fast_alarm = alarm(
            "connectivity-fast",
            HIGH_RESOLUTION[CONNECTIVITY_OK],
            f"The canary cannot connect to {props.database_id} (or stopped reporting) in "
            f"{CANARY_FAST_ALARM_PERIODS} probes {interval} s apart: the fast path to the "
            "failover orchestrator",
            period=interval,
            periods=CANARY_FAST_ALARM_PERIODS,
        )
        self.peer_alarm = None
        if props.peer:
            # A region-loss signal that does not depend on the lost region: this region
            # probes the other's database itself and alarms here. Silence is not a signal
            # here (this canary's own alarms cover that).
            self.peer_alarm = alarm(
                "peer-down",
                HIGH_RESOLUTION[PEER_CONNECTIVITY_OK],
                f"{props.peer.database_id}, in the other region, cannot be reached across "
                f"the peering from {region} in {CANARY_FAST_ALARM_PERIODS} probes "
                f"{interval} s apart",
                period=interval,
                periods=CANARY_FAST_ALARM_PERIODS,
                missing="notBreaching",
                database_id=props.peer.database_id,
            )


def _environment(props: ConnectivityCanaryProps, port: int) -> dict[str, str]:
    environment = {
        E.DB_ENGINE: props.engine,
        E.DB_HOST: props.endpoint,
        E.DB_PORT: str(port),
        E.DB_NAME: props.database_name,
        E.SECRET_ID: props.secret_id,
        E.CLUSTER_ID: props.database_id,
        E.METRIC_DIMENSION: props.dimension,
        E.METRIC_NAMESPACE: NAMESPACE,
        E.CONNECT_TIMEOUT: str(CANARY_CONNECT_TIMEOUT_SECONDS),
        E.PROBE_INTERVAL: str(props.probe_interval_seconds),
    }
    if props.reader_endpoint:
        environment[E.DB_READER_HOST] = props.reader_endpoint
    if props.peer:
        environment.update(
            {
                E.PEER_DB_HOST: props.peer.endpoint,
                E.PEER_DB_READER_HOST: props.peer.reader_endpoint,
                E.PEER_CLUSTER_ID: props.peer.database_id,
            }
        )
    return environment
