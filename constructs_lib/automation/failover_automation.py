"""FailoverAutomation: the orchestrator that moves the writer into its own region.

One copy per region. The copy in the **secondary** region is the automatic one: the primary
may be down, so nothing it needs lives only there. It runs on

- an EventBridge schedule (every minute, ``{"action": "evaluate"}``): the watchdog that
  notices a *silent* primary region, whose own alarms cannot fire;
- the primary region's ``primary-down`` composite alarm (the canary's 10 s connectivity
  alarm, or the writer-health alarm), delivered through the primary's alert topic
  (cross-region SNS subscription): the fast path while the primary region still works;
- ``home_alarms``: the secondary canary's ``peer-down`` alarm (it probes the primary's
  database across the peering every 10 s), delivered through the secondary's own topic:
  the fast path when the primary region is lost, since nothing of it is in that region.

The copy in the primary region has no triggers: it exists for the deliberate switch-back
(a planned switchover, invoked by hand). Both share the decision code
(``dr_lambdas/orchestrator``): switchover when the writer is healthy, failover that allows
data loss only within the RPO (or with ``force``), nothing when the region already holds the
writer. A DynamoDB lock with expiry makes concurrent triggers produce one failover.

The database mode follows from the databases it is given:

- ``aurora-global``: ``SwitchoverGlobalCluster`` / ``FailoverGlobalCluster``. The role can
  act only on this deployment's global cluster and its two member clusters.
- ``rds-replica``: ``PromoteReadReplica`` on the replica of its own region, then it fences
  the old primary by a metric in its own region (``Fenced``, which the old primary's
  calculated health check reads, see ``failover_dns``); with failover records (the default)
  DNS follows the health checks, with weighted records it also moves the weights (the one
  Route 53 control-plane call left, in a non-default mode). A promotion that outlasts the
  wait hands over to a follow-up invocation of the same function. The role can promote only
  its own region's instance, describe the two instances and read the other region's lock
  table.

In both modes the role also reaches only its zone, its two writer alarms, its two topics,
its two keys and its own lock table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_composite_alarm import CloudwatchCompositeAlarm
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from constructs_lib.automation.python_function import PythonFunction, PythonFunctionProps
from constructs_lib.database.database_member import AURORA_CLUSTER, RDS_INSTANCE, DatabaseMember
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion
from dr_lambdas.contract import (
    AURORA_GLOBAL,
    DNS_MODES,
    HEALTH_WINDOW_SECONDS,
    LOCK_TTL_SECONDS,
    MAX_HANDOVERS,
    NAMESPACE,
    ORCHESTRATOR_TIMEOUT_SECONDS,
    RDS_REPLICA,
    WAIT_TIMEOUT_SECONDS,
    WATCHDOG_PERIOD_SECONDS,
    WRITER_POLL_SECONDS,
    rate,
)
from dr_lambdas.contract import OrchestratorEnv as E

DR_MODES = {AURORA_CLUSTER: AURORA_GLOBAL, RDS_INSTANCE: RDS_REPLICA}


@dataclass(frozen=True, kw_only=True)
class RegionSide(KeyedRegion):
    """What the orchestrator needs to know about one region of the deployment: the region
    (provider, name, key), its database, alert topic, writer alarm and canary."""

    # The region's database: an Aurora member cluster or an RDS instance.
    database: DatabaseMember
    topic_arn: str
    writer_alarm: CloudwatchMetricAlarm
    # The region's connectivity canary. Default: none. When given, the orchestrator runs it
    # right after the writer moved here, so the new writer's IsWriter=1 reaches the metric
    # stream Route 53 health checks read now rather than at the canary's next scheduled run.
    canary_function_name: str = ""
    canary_function_arn: str = ""


@dataclass(frozen=True, kw_only=True)
class FailoverAutomationProps:
    namer: Namer
    home: str  # "primary" or "secondary": where this copy runs and which member it promotes
    primary: RegionSide
    secondary: RegionSide
    hosted_zone_id: str
    hosted_zone_arn: str
    writer_record_name: str
    # The Aurora global cluster (aurora-global mode only).
    global_cluster_id: str = ""
    global_cluster_arn: str = ""
    dns_mode: str = "failover"
    # Default: 60 s. An unplanned failover that could lose more than this is refused
    # unless invoked with force=true.
    rpo_seconds: int = 60
    # Default: on for the secondary copy (schedule + primary-down alarm), off for the
    # primary copy, which only performs deliberate switch-backs.
    automatic: bool = True
    # Alarms whose ALARM state means "the primary is down" (composite, primary region).
    primary_down_alarms: tuple[CloudwatchMetricAlarm, ...] = ()
    # Default: none. Alarms in the orchestrator's own region that also trigger it (the
    # secondary canary's peer-down alarm: a region-loss signal that lives in the surviving
    # region, delivered through this region's topic).
    home_alarms: tuple[CloudwatchMetricAlarm, ...] = ()
    log_retention_days: int = 365
    # Default: 7, rds-replica only: the automated-backup days the promoted replica keeps
    # (the deployment's backup_retention_days; PromoteReadReplica would default to 1).
    backup_retention_days: int = 7
    # Default: none; the lock table already keeps failovers one at a time (see
    # PythonFunctionProps.reserved_concurrency).
    reserved_concurrency: int | None = None


class FailoverAutomation(Construct):
    """Orchestrator function, lock table and (for the automatic copy) its triggers."""

    def __init__(self, scope: Construct, id: str, props: FailoverAutomationProps) -> None:
        super().__init__(scope, id)
        if props.home not in ("primary", "secondary"):
            raise ValueError(f"home must be primary or secondary, got {props.home!r}")
        if props.dns_mode not in DNS_MODES:
            raise ValueError(
                f"dns_mode must be one of {', '.join(DNS_MODES)}, got {props.dns_mode!r}"
            )
        if props.rpo_seconds < 1:
            raise ValueError(f"rpo_seconds must be >= 1, got {props.rpo_seconds}")
        if props.automatic and props.home == "secondary" and not props.primary_down_alarms:
            raise ValueError("an automatic secondary copy needs primary_down_alarms")
        kinds = {props.primary.database.kind, props.secondary.database.kind}
        if len(kinds) != 1 or not kinds <= set(DR_MODES):
            raise ValueError(
                f"both regions need the same kind of database "
                f"({', '.join(DR_MODES)}), got {', '.join(sorted(kinds))}"
            )
        self.dr_mode = DR_MODES[kinds.pop()]
        if self.dr_mode == AURORA_GLOBAL and not props.global_cluster_id:
            raise ValueError("aurora-global mode needs global_cluster_id and global_cluster_arn")
        home = props.primary if props.home == "primary" else props.secondary
        provider, namer, region, key = home.provider, props.namer, home.region, home.key

        self.lock_table = DynamodbTable(
            self,
            "LockTable",
            provider=provider,
            name=namer.name("failover-lock", region),
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            attribute=[DynamodbTableAttribute(name="pk", type="S")],
            ttl=DynamodbTableTtl(attribute_name="ttl", enabled=True),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(
                enabled=True, kms_key_arn=key.arn
            ),
        )

        sides = dict(zip(E.SIDES, (props.primary, props.secondary), strict=True))
        environment = {
            E.DR_MODE: self.dr_mode,
            E.HOME_REGION: region,
            E.HOSTED_ZONE_ID: props.hosted_zone_id,
            E.WRITER_RECORD_NAME: props.writer_record_name,
            E.DNS_MODE: props.dns_mode,
            E.LOCK_TABLE: self.lock_table.name,
            E.LOCK_TTL: str(LOCK_TTL_SECONDS),
            E.RPO: str(props.rpo_seconds),
            E.HEALTH_WINDOW: str(HEALTH_WINDOW_SECONDS),
            E.WAIT_TIMEOUT: str(WAIT_TIMEOUT_SECONDS),
            E.POLL: str(WRITER_POLL_SECONDS),
            E.METRIC_NAMESPACE: NAMESPACE,
            E.METRIC_DIMENSION: home.database.dimension,
        }
        for label, side in sides.items():
            environment.update(
                {
                    E.side(label, E.REGION): side.region,
                    E.side(label, E.TOPIC_ARN): side.topic_arn,
                    E.side(label, E.WRITER_ALARM): side.writer_alarm.alarm_name,
                    E.member(label, self.dr_mode, "ARN"): side.database.arn,
                    E.member(label, self.dr_mode, "ID"): side.database.identifier,
                }
            )
        if self.dr_mode == AURORA_GLOBAL:
            environment[E.GLOBAL_CLUSTER_ID] = props.global_cluster_id
            members = [props.global_cluster_arn] + [s.database.arn for s in sides.values()]
            database_statements = [
                {
                    "Sid": "MoveTheWriter",
                    "Action": ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
                    "Resource": members,
                },
                {
                    "Sid": "ReadTheDatabase",
                    "Action": ["rds:DescribeGlobalClusters", "rds:DescribeDBClusters"],
                    "Resource": members,
                },
                # The writer instance's status: a second opinion on a writer whose canary
                # cannot connect (dr_lambdas/orchestrator/observe.py).
                {
                    "Sid": "ReadTheInstances",
                    "Action": ["rds:DescribeDBInstances"],
                    "Resource": [arn for s in sides.values() for arn in s.database.instance_arns],
                },
            ]
        else:
            environment[E.MAX_HANDOVERS] = str(MAX_HANDOVERS)
            environment[E.BACKUP_RETENTION_DAYS] = str(props.backup_retention_days)
            other = props.secondary if props.home == "primary" else props.primary
            other_table = namer.name("failover-lock", other.region)
            environment[E.OTHER_LOCK_TABLE] = other_table
            own_function = (
                f"arn:{key.partition}:lambda:{region}:{key.account_id}:function:"
                f"{namer.name('orchestrator', region)}"
            )
            database_statements = [
                {
                    "Sid": "PromoteTheLocalReplica",
                    "Action": ["rds:PromoteReadReplica"],
                    "Resource": home.database.arn,
                },
                {
                    "Sid": "ReadTheDatabase",
                    "Action": ["rds:DescribeDBInstances"],
                    "Resource": [s.database.arn for s in sides.values()],
                },
                # The fence of an old primary is a metric (PublishFailoverMetric) and an
                # item in this region's lock table; whether this region's instance was
                # fenced is read from the other region's table.
                {
                    "Sid": "ReadTheOtherRegionsFences",
                    "Action": ["dynamodb:GetItem"],
                    "Resource": (
                        f"arn:{key.partition}:dynamodb:{other.region}:"
                        f"{key.account_id}:table/{other_table}"
                    ),
                },
                # A promotion that outlasts the wait continues in a follow-up invocation.
                {"Sid": "HandOver", "Action": ["lambda:InvokeFunction"], "Resource": own_function},
            ]
        if home.canary_function_name:
            environment[E.CANARY_FUNCTION] = home.canary_function_name
            database_statements.append(
                {
                    "Sid": "RefreshWriterHealth",
                    "Action": ["lambda:InvokeFunction"],
                    "Resource": home.canary_function_arn,
                }
            )
        # Only the weighted records need the Route 53 control plane (us-east-1 only,
        # outside the data-plane SLA); the failover records' DNS step marks the alarms;
        # with the global writer endpoint there is no DNS step at all.
        dns_statements = {
            "weighted": [
                {
                    "Sid": "MoveDns",
                    "Action": [
                        "route53:ChangeResourceRecordSets",
                        "route53:ListResourceRecordSets",
                    ],
                    "Resource": props.hosted_zone_arn,
                }
            ],
            "failover": [
                {
                    "Sid": "MarkWriterAlarms",
                    "Action": ["cloudwatch:SetAlarmState"],
                    "Resource": [s.writer_alarm.arn for s in sides.values()],
                }
            ],
        }.get(props.dns_mode, [])
        statements = [
            *database_statements,
            *dns_statements,
            # GetMetricData and PutMetricData support no resource-level permissions
            # (Service Authorization Reference, Amazon CloudWatch).
            {
                "Sid": "ReadHealthMetrics",
                "Action": ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"],
                "Resource": "*",
            },
            {
                "Sid": "PublishFailoverMetric",
                "Action": ["cloudwatch:PutMetricData"],
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
            },
            {
                "Sid": "Notify",
                "Action": ["sns:Publish"],
                "Resource": [s.topic_arn for s in sides.values()],
            },
            {
                "Sid": "EncryptedTopics",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": [s.key.arn for s in sides.values()],
            },
            {
                "Sid": "Lock",
                "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"],
                "Resource": self.lock_table.arn,
            },
        ]
        self.function = PythonFunction(
            self,
            "Function",
            PythonFunctionProps.in_region(
                home,
                namer=namer,
                function="orchestrator",
                role="orchestrator",
                description=f"Moves the writer of the {self.dr_mode} database to {region}",
                environment=environment,
                statements=statements,
                timeout_seconds=ORCHESTRATOR_TIMEOUT_SECONDS,
                log_retention_days=props.log_retention_days,
                reserved_concurrency=props.reserved_concurrency,
                outside_vpc_reason="the orchestrator must reach RDS, Route 53, SNS and "
                "CloudWatch in both regions, including a failed one, "
                "without depending on this region's VPC",
            ),
        )

        if props.automatic and props.home == "secondary":
            self._triggers(props, home)

    def _triggers(self, props: FailoverAutomationProps, home: RegionSide) -> None:
        namer, region, primary = props.namer, home.region, props.primary
        self.function.invoke_on_schedule(
            self,
            "Watchdog",
            "WatchdogTarget",
            name=namer.name("watchdog", region),
            description="Evaluate the writer's health every minute",
            schedule_expression=rate(WATCHDOG_PERIOD_SECONDS),
            input='{"action": "evaluate"}',
        )

        rule_text = " OR ".join(f'ALARM("{a.alarm_name}")' for a in props.primary_down_alarms)
        self.primary_down = CloudwatchCompositeAlarm(
            self,
            "PrimaryDown",
            provider=primary.provider,
            alarm_name=namer.name("primary-down", primary.region),
            alarm_description="The primary writer is unreachable or down: the orchestrator "
            f"in {region} evaluates a failover",
            alarm_rule=rule_text,
            alarm_actions=[primary.topic_arn],
        )
        self._on_alarms("PrimaryDown", "AllowPrimaryDownAlarm", primary, [self.primary_down])
        if props.home_alarms:
            # Delivered in this region: works while the primary region is gone.
            self._on_alarms("HomeAlarms", "AllowHomeRegionAlarms", home, props.home_alarms)

    def _on_alarms(
        self,
        id: str,
        statement_id: str,
        side: RegionSide,
        alarms: Sequence[CloudwatchMetricAlarm | CloudwatchCompositeAlarm],
    ) -> None:
        """Invoke the function when one of ``alarms`` goes into ALARM, as announced on the
        alert topic of ``side`` (subscription ``<id>Subscription``, permission ``Allow<id>``)."""
        names = ", ".join(f'"{a.alarm_name}"' for a in alarms)
        SnsTopicSubscription(
            self,
            f"{id}Subscription",
            provider=side.provider,
            topic_arn=side.topic_arn,
            protocol="lambda",
            endpoint=self.function.arn,
            filter_policy_scope="MessageBody",
            filter_policy=f'{{"AlarmName": [{names}], "NewStateValue": ["ALARM"]}}',
        )
        self.function.allow_invoke(
            self,
            f"Allow{id}",
            statement_id=statement_id,
            principal="sns.amazonaws.com",
            source_arn=side.topic_arn,
        )
