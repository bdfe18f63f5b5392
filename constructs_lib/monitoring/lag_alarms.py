"""LagAlarms: one region's CloudWatch alarms and the SNS topic they notify.

The same construct serves both database modes; the database member decides which metrics
exist (dimension ``DBClusterIdentifier`` or ``DBInstanceIdentifier``):

- Aurora cluster: CPUUtilization, FreeableMemory, FreeLocalStorage and DatabaseConnections
  (only where the cluster has instances: a headless secondary publishes none of them). On a
  secondary: ``AuroraGlobalDBReplicationLag`` and ``AuroraGlobalDBRPOLag``.
- RDS instance: CPUUtilization, FreeableMemory, FreeStorageSpace and DatabaseConnections. On
  the replica: ``ReplicaLag`` (seconds).
- On the primary: a writer-health alarm: when the writer stops publishing (``EngineUptime``
  of the Aurora writer; any ``CPUUtilization`` sample of the RDS instance) the alarm fires
  (missing data is breaching). It is one half of the ``primary-down`` composite alarm that
  triggers the failover orchestrator (FailoverAutomation); it is not behind DNS.

RDS publishes these metrics at 1-minute granularity, so an alarm reacts after
``period x evaluation_periods`` seconds at best.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from constructs_lib.database.database_member import AURORA_CLUSTER, DatabaseMember
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import RegionalKey

MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class AlarmThresholds:
    # Default: 5 s. Aurora replicates in "typically under a second"; 5 s means trouble.
    replication_lag_ms: int = 5000
    # Default: 30 s, half the seed RPO of one minute.
    rpo_lag_ms: int = 30000
    cpu_percent: int = 80
    freeable_memory_mib: int = 256
    free_local_storage_mib: int = 5120
    # Default: 10 GiB of free storage left on an RDS instance (storage grows automatically
    # up to its maximum; this warns before that maximum is reached).
    free_storage_mib: int = 10240
    # Default: 60 s, the seed RPO: an RDS replica further behind would lose more on failover.
    replica_lag_seconds: int = 60
    connections: int = 500
    # Default: 60 s x 3; RDS metrics have 1-minute granularity.
    period_seconds: int = 60
    evaluation_periods: int = 3


@dataclass(frozen=True, kw_only=True)
class LagAlarmsProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey
    # The region's database: an Aurora member cluster or an RDS instance.
    database: DatabaseMember
    thresholds: AlarmThresholds = AlarmThresholds()
    # Default: none. When set, the topic mails this address (AWS asks it to confirm).
    alert_email: str = ""


class LagAlarms(Construct):
    """Encrypted alert topic plus the health, capacity and replication alarms of a region."""

    def __init__(self, scope: Construct, id: str, props: LagAlarmsProps) -> None:
        super().__init__(scope, id)
        _validate(props.thresholds)
        provider, namer, region, t = props.provider, props.namer, props.region, props.thresholds
        self.region = region
        self.topic = SnsTopic(
            self,
            "Topic",
            provider=provider,
            name=namer.name("alerts", region),
            kms_master_key_id=props.key.arn,
        )
        self.topic_arn = self.topic.arn
        if props.alert_email:
            SnsTopicSubscription(
                self,
                "EmailSubscription",
                provider=provider,
                topic_arn=self.topic.arn,
                protocol="email",
                endpoint=props.alert_email,
            )

        database = props.database
        name = database.identifier
        dimensions = {database.dimension: name}
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}

        def alarm(
            role: str,
            metric: str,
            statistic: str,
            comparison: str,
            threshold: float,
            description: str,
            missing: str = "notBreaching",
            extra_dimensions: dict[str, str] | None = None,
        ) -> None:
            self.alarms[role] = CloudwatchMetricAlarm(
                self,
                _construct_id(role),
                provider=provider,
                alarm_name=namer.name(role, region),
                alarm_description=description,
                namespace="AWS/RDS",
                metric_name=metric,
                statistic=statistic,
                dimensions={**dimensions, **(extra_dimensions or {})},
                period=t.period_seconds,
                evaluation_periods=t.evaluation_periods,
                datapoints_to_alarm=t.evaluation_periods,
                comparison_operator=comparison,
                threshold=threshold,
                treat_missing_data=missing,
                alarm_actions=[self.topic.arn],
                ok_actions=[self.topic.arn],
            )

        aurora = database.kind == AURORA_CLUSTER
        if database.has_instances:
            alarm(
                "cpu",
                "CPUUtilization",
                "Maximum",
                "GreaterThanThreshold",
                t.cpu_percent,
                f"CPU above {t.cpu_percent}% on {name}",
            )
            alarm(
                "memory",
                "FreeableMemory",
                "Minimum",
                "LessThanThreshold",
                t.freeable_memory_mib * MIB,
                f"Freeable memory below {t.freeable_memory_mib} MiB on {name}",
            )
            if aurora:
                alarm(
                    "local-storage",
                    "FreeLocalStorage",
                    "Minimum",
                    "LessThanThreshold",
                    t.free_local_storage_mib * MIB,
                    f"Free local storage below {t.free_local_storage_mib} MiB on {name}",
                )
            else:
                alarm(
                    "free-storage",
                    "FreeStorageSpace",
                    "Minimum",
                    "LessThanThreshold",
                    t.free_storage_mib * MIB,
                    f"Free storage below {t.free_storage_mib} MiB on {name}",
                )
            alarm(
                "connections",
                "DatabaseConnections",
                "Maximum",
                "GreaterThanThreshold",
                t.connections,
                f"More than {t.connections} connections on {name}",
            )
        if database.is_primary:
            # The Aurora writer publishes EngineUptime with Role=WRITER; an RDS instance
            # publishes CPUUtilization every minute while it runs.
            metric, statistic, extra = (
                ("EngineUptime", "Minimum", {"Role": "WRITER"})
                if aurora
                else ("CPUUtilization", "SampleCount", None)
            )
            alarm(
                "writer-health",
                metric,
                statistic,
                "LessThanOrEqualToThreshold" if aurora else "LessThanThreshold",
                0 if aurora else 1,
                f"The writer {name} is down or not reporting: the primary-down alarm "
                "asks the failover orchestrator to evaluate a failover",
                missing="breaching",
                extra_dimensions=extra,
            )
        elif aurora:
            alarm(
                "replication-lag",
                "AuroraGlobalDBReplicationLag",
                "Maximum",
                "GreaterThanThreshold",
                t.replication_lag_ms,
                f"Global replication into {name} lags more than {t.replication_lag_ms} ms",
                missing="missing",
            )
            alarm(
                "rpo-lag",
                "AuroraGlobalDBRPOLag",
                "Maximum",
                "GreaterThanThreshold",
                t.rpo_lag_ms,
                f"Recovery point of {name} lags more than {t.rpo_lag_ms} ms",
                missing="missing",
            )
        else:
            alarm(
                "replica-lag",
                "ReplicaLag",
                "Maximum",
                "GreaterThanThreshold",
                t.replica_lag_seconds,
                f"The read replica {name} lags more than "
                f"{t.replica_lag_seconds} s behind its primary: a failover now would lose "
                "more than that",
                missing="missing",
            )
        self.writer_health_alarm = self.alarms.get("writer-health")


def _construct_id(role: str) -> str:
    return "".join(part.capitalize() for part in role.split("-")) + "Alarm"


def _validate(t: AlarmThresholds) -> None:
    for field in (
        "replication_lag_ms",
        "rpo_lag_ms",
        "freeable_memory_mib",
        "free_local_storage_mib",
        "free_storage_mib",
        "replica_lag_seconds",
        "connections",
        "evaluation_periods",
    ):
        if getattr(t, field) <= 0:
            raise ValueError(f"{field} must be greater than 0, got {getattr(t, field)}")
    if not 1 <= t.cpu_percent <= 100:
        raise ValueError(f"cpu_percent must be 1..100, got {t.cpu_percent}")
    if t.period_seconds not in (10, 30) and (t.period_seconds < 60 or t.period_seconds % 60):
        raise ValueError(
            f"period_seconds must be 10, 30 or a multiple of 60, got {t.period_seconds}"
        )
