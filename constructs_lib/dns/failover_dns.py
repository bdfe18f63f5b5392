"""FailoverDns: stable private DNS names that follow the writer across regions.

A private hosted zone associated with both regions' VPCs holds:

- ``writer.<zone>``, by ``routing``:

  - ``global-endpoint`` (Aurora's default): one CNAME to the Aurora global writer endpoint
    (``aws_rds_global_cluster.endpoint``), which always names the current writer: Aurora
    moves it itself on switchover and failover (Aurora user guide,
    aurora-global-database-connecting). Nothing here changes in a failover, and nothing in
    the failover path calls Route 53.
  - ``failover``: one CNAME per region, to that region's writer endpoint, as PRIMARY /
    SECONDARY *failover* records behind the health checks below: Route 53's data plane
    answers with the healthy one.
  - ``weighted``: the same records weighted 100 / 0, whose weights the failover
    orchestrator flips (Terraform then ignores the weights it no longer owns). A weight
    change is a Route 53 *control-plane* call (us-east-1 only, outside the data-plane SLA),
    so this mode is never the default.
- ``reader.<zone>``: a CNAME to the secondary's reader endpoint.

Each region has a writer health check (carried by its writer record in the ``failover``
and ``weighted`` modes; with ``global-endpoint`` it feeds the dashboard and people): a
CALCULATED check that is healthy
only when **all** of its alarm-based children are (the canary can connect **and** the
database accepts writes). Route 53 health checkers live on the internet and cannot probe a
private endpoint (dns-failover-private-hosted-zones), so every child is of type
CLOUDWATCH_METRIC. Because "accepts writes" is part of health, DNS never sends writers to a
read-only database: after an Aurora failover the old primary, even once reachable again as
a secondary, stays unhealthy and cannot win the record back; switching back is a
deliberate planned switchover.

An RDS primary that comes back after its replica was promoted is *writable* (it is a
standalone instance now), so "accepts writes" cannot keep it out. In the ``rds-replica``
mode each region's calculated check therefore has a third child, its **fence**: a
CLOUDWATCH_METRIC check on an alarm in the *other* region over the metric ``Fenced`` of
this region's instance. The orchestrator that promotes the replica publishes ``Fenced=1``
for the old primary in its own region, the surviving one (``PutMetricData``: CloudWatch's
data plane; no Route 53 call). The fence child's ``insufficient_data_health_status`` is
``LastKnownStatus``: a new check is healthy (nothing fenced), and, with the alarm keeping
its state on missing data (``ignore``), a fence holds after the datapoints stop, until
``Fenced=0`` is published (docs/modes-and-failover.md, "The fence": once the old primary has
been rebuilt as a replica). No Route 53 control-plane call (``UpdateHealthCheck``,
``ChangeResourceRecordSets``, both in us-east-1 only and outside the data-plane SLA) is in
the failover path with failover records.

``insufficient_data_health_status`` is ``Unhealthy``: a new alarm-based check is healthy
until data arrives, and a region that stops reporting must count as down, not up.

TTLs are at most 60 s so clients follow a change within a minute. Clients that verify the
server certificate's host name (``sslmode=verify-full``) must connect to the cluster
endpoints instead: RDS certificates do not name custom DNS names.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Op, Precondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordFailoverRoutingPolicy,
    Route53RecordWeightedRoutingPolicy,
)
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone, Route53ZoneVpc
from constructs import Construct

from constructs_lib.database.database_member import RDS_INSTANCE, DatabaseMember
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from dr_lambdas.contract import DNS_MODES, FENCE_METRIC, NAMESPACE

HEALTH_ON_INSUFFICIENT_DATA = ("Healthy", "Unhealthy", "LastKnownStatus")
ROUTING = DNS_MODES


@dataclass(frozen=True, kw_only=True)
class DnsRegion:
    """One region's writer target and the alarms whose OK state means "healthy writer"."""

    region: str
    vpc: RegionalVpc
    database: DatabaseMember
    health_alarms: tuple[CloudwatchMetricAlarm, ...]
    # Where this region's alarms notify; the fence alarm of the other region's instance,
    # which lives here, too (rds-replica).
    topic_arn: str = ""


@dataclass(frozen=True, kw_only=True)
class FailoverDnsProps:
    # Route 53 is global; records and health checks are managed through this provider.
    provider: AwsProvider
    namer: Namer
    zone_name: str
    primary: DnsRegion
    secondary: DnsRegion
    # Default: failover records; "weighted" gives 100/0 records the orchestrator flips;
    # "global-endpoint" one CNAME to ``global_writer_endpoint``.
    routing: str = "failover"
    # The Aurora global writer endpoint (routing "global-endpoint" only).
    global_writer_endpoint: str = ""
    # Default: 30 s, half the 60 s ceiling Route 53 recommends for failover records.
    ttl_seconds: int = 30
    insufficient_data_health_status: str = "Unhealthy"


class FailoverDns(Construct):
    """Private zone, writer records guarded by writer-aware health checks, reader record."""

    def __init__(self, scope: Construct, id: str, props: FailoverDnsProps) -> None:
        super().__init__(scope, id)
        if not 1 <= props.ttl_seconds <= 60:
            raise ValueError(f"ttl_seconds must be 1..60, got {props.ttl_seconds}")
        if props.insufficient_data_health_status not in HEALTH_ON_INSUFFICIENT_DATA:
            raise ValueError(
                "insufficient_data_health_status must be one of "
                f"{', '.join(HEALTH_ON_INSUFFICIENT_DATA)}, "
                f"got {props.insufficient_data_health_status!r}"
            )
        if props.routing not in ROUTING:
            raise ValueError(f"routing must be one of {', '.join(ROUTING)}, got {props.routing!r}")
        if (props.routing == "global-endpoint") != bool(props.global_writer_endpoint):
            raise ValueError(
                "global_writer_endpoint is needed with routing global-endpoint "
                f"and only there, got routing {props.routing!r} and "
                f"{props.global_writer_endpoint!r}"
            )
        for side in (props.primary, props.secondary):
            if not side.health_alarms:
                raise ValueError(f"health_alarms of {side.region} must not be empty")
        provider = props.provider
        self.zone = Route53Zone(
            self,
            "Zone",
            provider=provider,
            name=props.zone_name,
            comment="Writer and reader names of the database, both regions",
            vpc=[
                Route53ZoneVpc(vpc_id=side.vpc.vpc_id, vpc_region=side.region)
                for side in (props.primary, props.secondary)
            ],
        )
        self.zone_id = self.zone.zone_id
        self.zone_arn = self.zone.arn
        self.writer_name = f"writer.{props.zone_name}"
        self.reader_name = f"reader.{props.zone_name}"

        self.health_checks: dict[str, Route53HealthCheck] = {}
        # rds-replica: the fence of each region's record, an alarm in the other region.
        self.fence_alarms: dict[str, CloudwatchMetricAlarm] = {}
        self.writer_records = []
        for role, side in (("primary", props.primary), ("secondary", props.secondary)):
            label, health_name = role.capitalize(), props.namer.name("health", side.region)
            # Each child: (id, alarm, its region, health on insufficient data, name suffix).
            watched = [
                (f"{label}Alarm{i}", alarm, side.region, props.insufficient_data_health_status, i)
                for i, alarm in enumerate(side.health_alarms)
            ]
            if side.database.kind == RDS_INSTANCE:
                other = props.secondary if role == "primary" else props.primary
                self.fence_alarms[role] = fence = self._fence_alarm(label, side, other, props)
                watched.append((f"{label}Fence", fence, other.region, "LastKnownStatus", "fence"))
            children = [
                Route53HealthCheck(
                    self,
                    child_id,
                    provider=provider,
                    type="CLOUDWATCH_METRIC",
                    cloudwatch_alarm_name=alarm.alarm_name,
                    cloudwatch_alarm_region=region,
                    insufficient_data_health_status=on_insufficient_data,
                    tags={"Name": f"{health_name}-{suffix}"},
                )
                for child_id, alarm, region, on_insufficient_data, suffix in watched
            ]
            check = Route53HealthCheck(
                self,
                f"{label}Health",
                provider=provider,
                type="CALCULATED",
                child_healthchecks=[c.id for c in children],
                child_health_threshold=len(children),
                tags={"Name": health_name},
            )
            self.health_checks[role] = check
            if props.routing == "global-endpoint":
                continue
            routing = (
                {"failover_routing_policy": Route53RecordFailoverRoutingPolicy(type=role.upper())}
                if props.routing == "failover"
                else {
                    "weighted_routing_policy": Route53RecordWeightedRoutingPolicy(
                        weight=100 if role == "primary" else 0
                    ),
                    # After deployment the orchestrator owns the weights.
                    "lifecycle": TerraformResourceLifecycle(
                        ignore_changes=["weighted_routing_policy"]
                    ),
                }
            )
            self.writer_records.append(
                self._cname(
                    f"Writer{label}",
                    props,
                    self.writer_name,
                    side.database.endpoint,
                    set_identifier=role,
                    health_check_id=check.id,
                    **routing,
                )
            )
        if props.routing == "global-endpoint":
            self.writer_records.append(
                self._cname(
                    "Writer",
                    props,
                    self.writer_name,
                    props.global_writer_endpoint,
                    lifecycle=TerraformResourceLifecycle(
                        precondition=[
                            Precondition(
                                condition=Op.gte(Fn.length_of(props.global_writer_endpoint), 1),
                                error_message=(
                                    "The Aurora global database reports no global writer "
                                    "endpoint (its engine version may predate it): set "
                                    "dns_routing=failover"
                                ),
                            )
                        ]
                    ),
                )
            )
        self.reader_record = self._cname(
            "Reader", props, self.reader_name, props.secondary.database.reader_endpoint
        )

    def _cname(
        self, id: str, props: FailoverDnsProps, name: str, target: str, **options
    ) -> Route53Record:
        """A CNAME ``name`` -> ``target`` in the zone, with the configured TTL."""
        return Route53Record(
            self,
            id,
            provider=props.provider,
            zone_id=self.zone.zone_id,
            name=name,
            type="CNAME",
            ttl=props.ttl_seconds,
            records=[target],
            **options,
        )

    def _fence_alarm(
        self, label: str, side: DnsRegion, other: DnsRegion, props: FailoverDnsProps
    ) -> CloudwatchMetricAlarm:
        """``Fenced`` of ``side``'s instance, in the other (surviving) region."""
        instance = side.database.identifier
        return CloudwatchMetricAlarm(
            self,
            f"{label}FenceAlarm",
            provider=other.vpc.provider,
            alarm_name=props.namer.name("fence", side.region),
            alarm_description=(
                f"{instance} is fenced out of the writer name: an old primary "
                "after a failover (publish Fenced=0 here to lift it, once it "
                "has been rebuilt as a replica)"
            ),
            namespace=NAMESPACE,
            metric_name=FENCE_METRIC,
            dimensions={side.database.dimension: instance},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # Missing data keeps the state: one Fenced=1 holds the fence until Fenced=0 (with
            # notBreaching the alarm would go back to OK a period later and lift it).
            treat_missing_data="ignore",
            alarm_actions=[other.topic_arn] if other.topic_arn else None,
            ok_actions=[other.topic_arn] if other.topic_arn else None,
        )
