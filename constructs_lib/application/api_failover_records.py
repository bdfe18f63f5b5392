"""ApiFailoverRecords: the application API's one public name, answered by the primary region's
API while it is healthy and by the secondary's when it is not.

Two Route 53 alias records of the same name in the user's public hosted zone, a ``PRIMARY``
and a ``SECONDARY`` failover record (Route 53 developer guide, dns-failover-types.html), each
aliasing that region's API Gateway custom domain of this name (its regional domain name and
zone: API Gateway picks the API by the request's host, so each region has a custom domain
of exactly this name). The primary record carries the primary API's HTTPS health check
(RegionalApi: its invoke URL's health route, which checks the region's own dependencies);
Route 53 answers the secondary while that check is unhealthy. The secondary record carries
the secondary's check too, so Route 53 never sends clients to a region that cannot serve
either (with both unhealthy, Route 53 answers the primary: failover records fail open).

``evaluate_target_health`` is off: an API Gateway alias target has no health of its own to
evaluate; the health checks say it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordAlias,
    Route53RecordFailoverRoutingPolicy,
)
from constructs import Construct

from constructs_lib.application.regional_api import ApiCustomDomain
from constructs_lib.naming import Namer


@dataclass(frozen=True, kw_only=True)
class FailoverTarget:
    """One region's side of the name: its custom domain of that name and its health check."""

    domain: ApiCustomDomain
    health_check_id: str


@dataclass(frozen=True, kw_only=True)
class ApiFailoverRecordsProps:
    provider: AwsProvider  # any region's: Route 53 is global
    namer: Namer
    zone_id: str  # the public hosted zone that serves the name
    name: str  # the name, e.g. "api.example.com": each target's custom domain of this name
    primary: FailoverTarget
    secondary: FailoverTarget


class ApiFailoverRecords(Construct):
    """The primary and secondary failover alias records of the API's public name."""

    def __init__(self, scope: Construct, id: str, props: ApiFailoverRecordsProps) -> None:
        super().__init__(scope, id)
        name = props.name
        self.records = {
            role: Route53Record(
                self,
                role.capitalize(),
                provider=props.provider,
                zone_id=props.zone_id,
                name=name,
                type="A",
                set_identifier=f"{props.namer.name('api-failover')}-{role}",
                failover_routing_policy=Route53RecordFailoverRoutingPolicy(type=role.upper()),
                health_check_id=target.health_check_id,
                alias=Route53RecordAlias(
                    name=target.domain.regional_domain_name,
                    zone_id=target.domain.regional_zone_id,
                    evaluate_target_health=False,
                ),
            )
            for role, target in (("primary", props.primary), ("secondary", props.secondary))
        }
        self.name = name
