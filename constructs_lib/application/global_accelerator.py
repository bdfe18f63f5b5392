"""GlobalAccelerator: two static anycast IPv4 addresses in front of both regions' public edges.

One standard accelerator (IPv4, enabled), one TCP listener on the edges' port and one
endpoint group per region whose only endpoint is that region's Network Load Balancer
(``PublicEdge``). Clients connect to the accelerator's static addresses; AWS's edge network
carries each connection to the closest healthy region, and away from a region whose NLB
reports its target (the ALB, and through it the service's ``/health``) unhealthy. Nothing in
this path is a control-plane call: failover is Global Accelerator's data plane reacting to
health checks.

The endpoint groups are what route traffic: an accelerator and a listener without endpoint
groups accept connections on the static addresses and route them nowhere. Each group says
which region it serves (``endpoint_group_region``), which load balancer receives the traffic
(weight 128 of 255, the console's default) and how much of the traffic destined to that
region it admits (``traffic_dial_percentage``): 100/100 serves every client from its closest
healthy region; 0 drains a region (a drill, a maintenance) while it stays deployed and
healthy. A dial of 0 sends the region no new connections, so both at 0 is an outage by
configuration, and is refused (global-accelerator/latest/dg/about-endpoint-groups-traffic-
dial.html).

Health checks: for Network and Application Load Balancer endpoints Global Accelerator uses
the load balancer's own target health and ignores the endpoint group's health-check
settings (about-endpoint-groups-health-check-options.html), so none is set here: the
NLB's target group checks ``health_path`` through the ALB (see ``public_edge.py``).

Client IP preservation is on by default: supported for NLBs with security groups and TCP
listeners, which ``PublicEdge`` creates (about-endpoints.sipp-caveats.html); the function
then sees the client's address, not the accelerator's. Global Accelerator then places
network interfaces of its own in the NLB's subnets. Ordering trap on destroy: they hold the
public subnets until the endpoint group is gone and the accelerator is deployed again; the
endpoint groups reference the NLBs, so Terraform deletes them (and the provider waits for
the accelerator to settle) before the NLBs and their subnets.

Flow logs are off: the regional ALB access logs already hold one line per request with the
preserved client address; ``flow_logs_bucket`` turns them on into an existing bucket whose
policy admits ``delivery.logs.amazonaws.com`` (global-accelerator/latest/dg/monitoring-
global-accelerator.flow-logs.html).

Global Accelerator's API lives in us-west-2 only; the provider sends its calls there
whatever the region of the provider it is given, so any of the app's providers will do.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.globalaccelerator_accelerator import (
    GlobalacceleratorAccelerator,
    GlobalacceleratorAcceleratorAttributes,
)
from cdktf_cdktf_provider_aws.globalaccelerator_endpoint_group import (
    GlobalacceleratorEndpointGroup,
    GlobalacceleratorEndpointGroupEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.globalaccelerator_listener import (
    GlobalacceleratorListener,
    GlobalacceleratorListenerPortRange,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.application.public_edge import PublicEdge
from constructs_lib.checks import skip_checks
from constructs_lib.naming import Namer

AFFINITIES = ("NONE", "SOURCE_IP")
ENDPOINT_WEIGHT = 128


@dataclass(frozen=True, kw_only=True)
class GlobalAcceleratorProps:
    provider: AwsProvider  # any: the provider calls Global Accelerator in us-west-2 itself
    namer: Namer
    primary: PublicEdge
    secondary: PublicEdge
    # Default: NONE, each connection goes to any healthy endpoint (5-tuple hashing);
    # SOURCE_IP keeps a client on one endpoint while it stays healthy.
    client_affinity: str = "NONE"
    # Default: 100 each, every client served by its closest healthy region. 0 drains a
    # region; 0 on both would be an outage and is refused.
    primary_traffic_dial: int = 100
    secondary_traffic_dial: int = 100
    # Default: True, the service sees client addresses (NLBs with security groups only).
    client_ip_preservation: bool = True
    # Default: none, no flow logs (see the module docstring). An existing bucket's name
    # turns them on, under flow_logs_prefix.
    flow_logs_bucket: str | None = None
    flow_logs_prefix: str = "global-accelerator/"


class GlobalAccelerator(Construct):
    """An accelerator, a TCP listener and an endpoint group per region."""

    def __init__(self, scope: Construct, id: str, props: GlobalAcceleratorProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        provider = props.provider
        port = props.primary.port
        flow_logs = props.flow_logs_bucket is not None
        self.accelerator = GlobalacceleratorAccelerator(
            self,
            "Resource",
            provider=provider,
            name=props.namer.name("accelerator"),
            ip_address_type="IPV4",
            enabled=True,
            attributes=GlobalacceleratorAcceleratorAttributes(
                flow_logs_enabled=flow_logs,
                flow_logs_s3_bucket=props.flow_logs_bucket,
                flow_logs_s3_prefix=props.flow_logs_prefix if flow_logs else None,
            ),
        )
        if not flow_logs:
            skip_checks(
                self.accelerator,
                {
                    "CKV_AWS_75": "flow logs are opt-in (flow_logs_bucket): each "
                    "region's ALB access log already records every request with the "
                    "client's address, which the accelerator preserves",
                },
            )
        self.listener = GlobalacceleratorListener(
            self,
            "Listener",
            provider=provider,
            accelerator_arn=self.accelerator.arn,
            protocol="TCP",
            client_affinity=props.client_affinity,
            port_range=[GlobalacceleratorListenerPortRange(from_port=port, to_port=port)],
        )
        self.endpoint_groups: dict[str, GlobalacceleratorEndpointGroup] = {}
        for role, edge, dial in (
            ("primary", props.primary, props.primary_traffic_dial),
            ("secondary", props.secondary, props.secondary_traffic_dial),
        ):
            # No health_check_*: ignored for load balancer endpoints (module docstring).
            self.endpoint_groups[role] = GlobalacceleratorEndpointGroup(
                self,
                f"{role.capitalize()}EndpointGroup",
                provider=provider,
                listener_arn=self.listener.arn,
                endpoint_group_region=edge.region,
                traffic_dial_percentage=dial,
                endpoint_configuration=[
                    GlobalacceleratorEndpointGroupEndpointConfiguration(
                        endpoint_id=edge.nlb_arn,
                        weight=ENDPOINT_WEIGHT,
                        client_ip_preservation_enabled=props.client_ip_preservation,
                    )
                ],
            )

        self.port = port
        self.dns_name = self.accelerator.dns_name
        self.hosted_zone_id = self.accelerator.hosted_zone_id
        self.ip_sets = self.accelerator.ip_sets
        # The two static IPv4 addresses (the only set of an IPV4 accelerator).
        self.static_ips = self.accelerator.ip_sets.get(0).ip_addresses
        self.listener_arn = self.listener.arn
        self.endpoint_group_arns = {role: g.arn for role, g in self.endpoint_groups.items()}


def _validate(props: GlobalAcceleratorProps) -> None:
    if props.client_affinity not in AFFINITIES:
        raise ValueError(
            f"client_affinity must be one of {', '.join(AFFINITIES)}, got {props.client_affinity!r}"
        )
    for field in ("primary_traffic_dial", "secondary_traffic_dial"):
        dial = getattr(props, field)
        if not Token.is_unresolved(dial) and not 0 <= dial <= 100:
            raise ValueError(f"{field} must be 0..100 (percent), got {dial}")
    dials = (props.primary_traffic_dial, props.secondary_traffic_dial)
    if dials == (0, 0):
        raise ValueError(
            "primary_traffic_dial and secondary_traffic_dial are both 0: the accelerator "
            "would route nothing; keep at least one region above 0"
        )
    ports = (props.primary.port, props.secondary.port)
    for port in ports:
        if not Token.is_unresolved(port) and not 1 <= port <= 65535:
            raise ValueError(f"port must be 1..65535, got {port}")
    if not any(Token.is_unresolved(p) for p in ports) and ports[0] != ports[1]:
        raise ValueError(
            f"port must be the same on both edges (one listener), got {ports[0]} and {ports[1]}"
        )
    if props.primary.region == props.secondary.region:
        raise ValueError(
            f"secondary region must differ from the primary, got {props.primary.region} twice"
        )
    if props.flow_logs_bucket is not None and not props.flow_logs_bucket.strip():
        raise ValueError("flow_logs_bucket must be a bucket name or None, got ''")
