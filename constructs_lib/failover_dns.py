"""FailoverDns: stable private DNS names that follow the writer across regions.

A private hosted zone associated with both regions' VPCs holds:

- ``writer.<zone>``: one CNAME per region, to that region's cluster endpoint, either as
  PRIMARY / SECONDARY *failover* records (default) or as *weighted* records 100 / 0 whose
  weights the failover orchestrator flips (``routing="weighted"``; Terraform then ignores
  the weights it no longer owns).
- ``reader.<zone>``: a CNAME to the secondary's reader endpoint.

Each writer record carries its region's health check: a CALCULATED check that is healthy
only when **all** of its alarm-based children are (the canary can connect **and** the
database accepts writes). Route 53 health checkers live on the internet and cannot probe a
private endpoint (dns-failover-private-hosted-zones), so every child is of type
CLOUDWATCH_METRIC. Because "accepts writes" is part of health, DNS never sends writers to a
read-only database: after an Aurora failover the old primary, even once reachable again as
a secondary, stays unhealthy and cannot win the record back; switching back is a
deliberate planned switchover.

An RDS primary that comes back after its replica was promoted is *writable* (it is a
standalone instance now), so "accepts writes" cannot keep it out. In the ``rds-replica``
mode the orchestrator therefore *fences* it: it raises the old primary's calculated check's
threshold above its number of children, which Route 53 always treats as unhealthy
(Route 53 API, UpdateHealthCheck ``HealthThreshold``). Terraform ignores that threshold in
this mode, so no plan un-fences it; routing back is a deliberate action (README, runbook).

``insufficient_data_health_status`` is ``Unhealthy``: a new alarm-based check is healthy
until data arrives, and a region that stops reporting must count as down, not up.

TTLs are at most 60 s so clients follow a change within a minute. Clients that verify the
server certificate's host name (``sslmode=verify-full``) must connect to the cluster
endpoints instead: RDS certificates do not name custom DNS names.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct
from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordFailoverRoutingPolicy,
    Route53RecordWeightedRoutingPolicy,
)
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone, Route53ZoneVpc

from .database_member import RDS_INSTANCE, DatabaseMember
from .naming import Namer
from .regional_vpc import RegionalVpc

HEALTH_ON_INSUFFICIENT_DATA = ("Healthy", "Unhealthy", "LastKnownStatus")
ROUTING = ("failover", "weighted")


@dataclass(frozen=True, kw_only=True)
class DnsRegion:
    """One region's writer target and the alarms whose OK state means "healthy writer"."""

    region: str
    vpc: RegionalVpc
    database: DatabaseMember
    health_alarms: tuple[CloudwatchMetricAlarm, ...]


@dataclass(frozen=True, kw_only=True)
class FailoverDnsProps:
    # Route 53 is global; records and health checks are managed through this provider.
    provider: AwsProvider
    namer: Namer
    zone_name: str
    primary: DnsRegion
    secondary: DnsRegion
    # Default: failover records; "weighted" gives 100/0 records the orchestrator flips.
    routing: str = "failover"
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
            raise ValueError("insufficient_data_health_status must be one of "
                             f"{', '.join(HEALTH_ON_INSUFFICIENT_DATA)}, "
                             f"got {props.insufficient_data_health_status!r}")
        if props.routing not in ROUTING:
            raise ValueError(f"routing must be one of {', '.join(ROUTING)}, got {props.routing!r}")
        for side in (props.primary, props.secondary):
            if not side.health_alarms:
                raise ValueError(f"health_alarms of {side.region} must not be empty")
        provider = props.provider
        self.zone = Route53Zone(
            self, "Zone", provider=provider, name=props.zone_name,
            comment="Writer and reader names of the database, both regions",
            vpc=[Route53ZoneVpc(vpc_id=side.vpc.vpc_id, vpc_region=side.region)
                 for side in (props.primary, props.secondary)])
        self.zone_id = self.zone.zone_id
        self.zone_arn = self.zone.arn
        self.writer_name = f"writer.{props.zone_name}"
        self.reader_name = f"reader.{props.zone_name}"

        self.health_checks: dict[str, Route53HealthCheck] = {}
        self.writer_records = []
        for role, side in (("primary", props.primary), ("secondary", props.secondary)):
            label = role.capitalize()
            children = [
                Route53HealthCheck(
                    self, f"{label}Alarm{i}", provider=provider, type="CLOUDWATCH_METRIC",
                    cloudwatch_alarm_name=alarm.alarm_name, cloudwatch_alarm_region=side.region,
                    insufficient_data_health_status=props.insufficient_data_health_status,
                    tags={"Name": f"{props.namer.name('health', side.region)}-{i}"})
                for i, alarm in enumerate(side.health_alarms)]
            fenced_by_orchestrator = side.database.kind == RDS_INSTANCE
            check = Route53HealthCheck(
                self, f"{label}Health", provider=provider, type="CALCULATED",
                child_healthchecks=[c.id for c in children],
                child_health_threshold=len(children),
                tags={"Name": props.namer.name("health", side.region)},
                lifecycle=(TerraformResourceLifecycle(ignore_changes=["child_health_threshold"])
                           if fenced_by_orchestrator else None))
            self.health_checks[role] = check
            routing = (
                {"failover_routing_policy": Route53RecordFailoverRoutingPolicy(type=role.upper())}
                if props.routing == "failover" else
                {"weighted_routing_policy": Route53RecordWeightedRoutingPolicy(
                    weight=100 if role == "primary" else 0),
                 # After deployment the orchestrator owns the weights.
                 "lifecycle": TerraformResourceLifecycle(
                     ignore_changes=["weighted_routing_policy"])})
            self.writer_records.append(Route53Record(
                self, f"Writer{label}", provider=provider, zone_id=self.zone.zone_id,
                name=self.writer_name, type="CNAME", ttl=props.ttl_seconds,
                records=[side.database.endpoint], set_identifier=role,
                health_check_id=check.id, **routing))
        self.reader_record = Route53Record(
            self, "Reader", provider=provider, zone_id=self.zone.zone_id,
            name=self.reader_name, type="CNAME", ttl=props.ttl_seconds,
            records=[props.secondary.database.reader_endpoint])
