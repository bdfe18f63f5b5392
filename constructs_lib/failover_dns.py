"""FailoverDns: stable private DNS names that follow the writer across regions.

A private hosted zone associated with both regions' VPCs holds:

- ``writer.<zone>``: PRIMARY / SECONDARY failover CNAME records to the two regional cluster
  endpoints. The PRIMARY record carries a health check of type CLOUDWATCH_METRIC that
  watches the primary's writer-health alarm: Route 53 health checkers live on the internet
  and cannot probe a private endpoint (Route 53 developer guide,
  dns-failover-private-hosted-zones).
- ``reader.<zone>``: a CNAME to the secondary's reader endpoint, where read traffic that
  tolerates replication lag belongs.

TTLs are at most 60 s so clients follow a failover within a minute of the record change.
Clients that verify the server certificate's host name (``sslmode=verify-full``) must
connect to the cluster endpoints instead: RDS certificates do not name custom DNS names.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordFailoverRoutingPolicy,
)
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone, Route53ZoneVpc

from .aurora_regional_cluster import AuroraRegionalCluster
from .naming import Namer
from .regional_vpc import RegionalVpc

HEALTH_ON_INSUFFICIENT_DATA = ("Healthy", "Unhealthy", "LastKnownStatus")


@dataclass(frozen=True, kw_only=True)
class FailoverDnsProps:
    # Route 53 is global; records and health checks are managed through this provider.
    provider: AwsProvider
    namer: Namer
    zone_name: str
    primary_vpc: RegionalVpc
    secondary_vpc: RegionalVpc
    primary: AuroraRegionalCluster
    secondary: AuroraRegionalCluster
    # The alarm whose ALARM state means "the primary writer is down".
    primary_health_alarm: CloudwatchMetricAlarm
    primary_region: str
    # Default: 30 s, half the 60 s ceiling Route 53 recommends for failover records.
    ttl_seconds: int = 30
    # Default: LastKnownStatus. A gap in CloudWatch data alone does not move the writer;
    # a primary that stops reporting drives its alarm to ALARM (missing data breaches).
    insufficient_data_health_status: str = "LastKnownStatus"


class FailoverDns(Construct):
    """Private zone, failover writer records with an alarm-based health check, reader record."""

    def __init__(self, scope: Construct, id: str, props: FailoverDnsProps) -> None:
        super().__init__(scope, id)
        if not 1 <= props.ttl_seconds <= 60:
            raise ValueError(f"ttl_seconds must be 1..60, got {props.ttl_seconds}")
        if props.insufficient_data_health_status not in HEALTH_ON_INSUFFICIENT_DATA:
            raise ValueError("insufficient_data_health_status must be one of "
                             f"{', '.join(HEALTH_ON_INSUFFICIENT_DATA)}, "
                             f"got {props.insufficient_data_health_status!r}")
        provider = props.provider
        self.zone = Route53Zone(
            self, "Zone", provider=provider, name=props.zone_name,
            comment="Writer and reader names of the database, both regions",
            vpc=[Route53ZoneVpc(vpc_id=props.primary_vpc.vpc_id,
                                vpc_region=props.primary_vpc.region),
                 Route53ZoneVpc(vpc_id=props.secondary_vpc.vpc_id,
                                vpc_region=props.secondary_vpc.region)])
        self.zone_id = self.zone.zone_id

        self.health_check = Route53HealthCheck(
            self, "PrimaryHealthCheck", provider=provider, type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=props.primary_health_alarm.alarm_name,
            cloudwatch_alarm_region=props.primary_region,
            insufficient_data_health_status=props.insufficient_data_health_status,
            tags={"Name": props.namer.name("writer")})

        self.writer_name = f"writer.{props.zone_name}"
        self.reader_name = f"reader.{props.zone_name}"
        self.writer_records = [
            Route53Record(
                self, f"Writer{role.capitalize()}", provider=provider,
                zone_id=self.zone.zone_id, name=self.writer_name, type="CNAME",
                ttl=props.ttl_seconds, records=[cluster.endpoint],
                set_identifier=role,
                failover_routing_policy=Route53RecordFailoverRoutingPolicy(
                    type=role.upper()),
                health_check_id=self.health_check.id if role == "primary" else None)
            for role, cluster in (("primary", props.primary), ("secondary", props.secondary))]
        self.reader_record = Route53Record(
            self, "Reader", provider=provider, zone_id=self.zone.zone_id,
            name=self.reader_name, type="CNAME", ttl=props.ttl_seconds,
            records=[props.secondary.reader_endpoint])
