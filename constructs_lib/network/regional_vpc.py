"""RegionalVpc: the private network the database of one region lives in.

A VPC with DNS support (private hosted zones need it), one private subnet and route table
per availability zone, the DB subnet group, a database security group that admits the
engine port only from declared client networks and security groups, a default security
group stripped of all rules, and VPC flow logs to a KMS-encrypted log group.

Subnets are carved from the VPC range in Python (``/prefix+3`` each), so the plan shows
literal CIDRs a reviewer can check; the last of those eight blocks is never a private subnet
and is exposed, with the zone IDs, for a public tier (``public_cidr``, ``zone_ids``), which
lays its subnets across the zones with the same ``zone_subnets``.
Subnets are placed by availability-zone **ID** (``use1-az1``), which names the same
physical zone in every account, unlike a zone name (``us-east-1a``), which AWS maps to a
different zone per account
(https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html). The IDs are
either given (``zone_ids``) or read from the region: its available standard zones
``<code>-az1`` .. ``az6`` that need no opt-in (a closed set, so Local and Wavelength Zones
never enter it, nor does a zone AWS adds later). The plan stops with a message naming the
region when it has fewer such zones than ``az_count``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf import Fn, Postcondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_availability_zones import (
    DataAwsAvailabilityZones,
    DataAwsAvailabilityZonesFilter,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement as Statement,
)
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)
from constructs import Construct

from constructs_lib.config import client_cidr_problem, zone_id_prefix, zone_ids_problem
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import RegionalKey
from constructs_lib.security.trust import service_trust_document

MAX_ZONES = 6
SUBNET_NEWBITS = 3  # room for 8 subnets: the private tier plus later tiers


@dataclass(frozen=True, kw_only=True)
class RegionalVpcProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey
    cidr: str
    port: int
    # Default: 3 availability zones, so the cluster survives the loss of one AZ with room
    # for its replicas; 2 is the minimum a DB subnet group accepts.
    az_count: int = 3
    # Default: none, the region's first az_count available zones that need no opt-in, by
    # ID. Give az_count IDs of this region (e.g. "use1-az1") to choose them.
    zone_ids: tuple[str, ...] = ()
    # Default: empty, which admits the VPC's own range only (the applications and canaries
    # that live in it). Never 0.0.0.0/0.
    client_cidrs: tuple[str, ...] = ()
    # Default: none. Security groups of this region whose members may reach the database.
    client_security_group_ids: tuple[str, ...] = ()
    # Default: 365 days of flow logs, a year of network forensics.
    log_retention_days: int = 365
    # Default: Secrets Manager and CloudWatch, what the connectivity canary calls. The
    # private subnets have no route to the internet; interface endpoints carry the calls.
    interface_endpoints: tuple[str, ...] = ("secretsmanager", "monitoring")


class RegionalVpc(Construct):
    """Private subnets, DB subnet group, database security group and flow logs."""

    def __init__(self, scope: Construct, id: str, props: RegionalVpcProps) -> None:
        super().__init__(scope, id)
        network = _validate(props)
        provider, namer, region = props.provider, props.namer, props.region
        self.region = region
        self.provider = provider
        self.cidr = props.cidr
        self.port = props.port

        self.vpc = Vpc(
            self,
            "Resource",
            provider=provider,
            cidr_block=props.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": namer.name("vpc", region)},
        )
        self.vpc_id = self.vpc.id
        DefaultSecurityGroup(
            self,
            "DefaultSecurityGroup",
            provider=provider,
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
        )

        zone_ids = list(props.zone_ids)
        if not zone_ids:
            # A closed set, by ID: the region's standard zones <code>-az1..az6 that need
            # no opt-in (never a Local or Wavelength Zone, whose IDs differ). A zone AWS
            # adds later cannot enter the list and shift the zone of a subnet index (which
            # would replace the subnet). The plan fails here, naming the region, when there
            # are too few.
            zones = DataAwsAvailabilityZones(
                self,
                "Zones",
                provider=provider,
                state="available",
                filter=[
                    DataAwsAvailabilityZonesFilter(
                        name="opt-in-status", values=["opt-in-not-required"]
                    ),
                    DataAwsAvailabilityZonesFilter(
                        name="zone-id",
                        values=[f"{zone_id_prefix(region)}-az{n}" for n in range(1, MAX_ZONES + 1)],
                    ),
                ],
                lifecycle=TerraformResourceLifecycle(
                    postcondition=[
                        Postcondition(
                            condition=f"${{length(self.zone_ids) >= {props.az_count}}}",
                            error_message=(
                                f"{region} has fewer than {props.az_count} available "
                                "availability zones that need no opt-in: lower az_count "
                                "or choose zones with the region's zone_ids setting"
                            ),
                        )
                    ]
                ),
            )
            zone_ids = [Fn.element(Fn.sort(zones.zone_ids), i) for i in range(props.az_count)]
        self.zone_ids: list[str] = zone_ids
        blocks = list(network.subnets(new_prefix=network.prefixlen + SUBNET_NEWBITS))
        # The last block is never a private subnet (az_count <= MAX_ZONES < len(blocks)): it
        # is kept for a public tier (constructs_lib/application/public_edge.py).
        self.public_cidr = str(blocks[-1])
        self.subnets, self.route_tables = zone_subnets(
            self,
            "private",
            provider=provider,
            vpc_id=self.vpc.id,
            name=namer.name("vpc", region),
            cidrs=[str(block) for block in blocks[: props.az_count]],
            zone_ids=zone_ids,
        )
        self.private_subnet_ids = [s.id for s in self.subnets]
        self.route_table_ids = [t.id for t in self.route_tables]

        self.subnet_group = DbSubnetGroup(
            self,
            "SubnetGroup",
            provider=provider,
            name=namer.name("subnets", region),
            description="Private subnets of the database",
            subnet_ids=self.private_subnet_ids,
        )
        self.subnet_group_name = self.subnet_group.name

        self.security_group = SecurityGroup(
            self,
            "SecurityGroup",
            provider=provider,
            name=namer.name("db", region),
            description=f"Database port {props.port} from declared clients only",
            vpc_id=self.vpc.id,
        )
        self.security_group_id = self.security_group.id
        for i, cidr in enumerate(props.client_cidrs or (props.cidr,)):
            self.admit(self, f"ClientCidr{i}", f"Database clients in {cidr}", cidr_ipv4=cidr)
        for i, group_id in enumerate(props.client_security_group_ids):
            self.admit(
                self,
                f"ClientSecurityGroup{i}",
                f"Database clients in {group_id}",
                referenced_security_group_id=group_id,
            )

        self._flow_logs(props)
        self._interface_endpoints(props)

    def admit(
        self, scope: Construct, id: str, description: str, **source: str
    ) -> VpcSecurityGroupIngressRule:
        """Admit ``source`` (``cidr_ipv4`` or ``referenced_security_group_id``) to the
        database port: a rule of the database security group, declared in ``scope`` (the
        construct of the clients it admits)."""
        return tcp_rule(
            VpcSecurityGroupIngressRule,
            scope,
            id,
            provider=self.provider,
            group_id=self.security_group_id,
            port=self.port,
            description=description,
            **source,
        )

    def _interface_endpoints(self, props: RegionalVpcProps) -> None:
        if not props.interface_endpoints:
            return
        provider, region = props.provider, props.region
        group = SecurityGroup(
            self,
            "EndpointSecurityGroup",
            provider=provider,
            name=props.namer.name("endpoints", region),
            description="HTTPS to AWS API interface endpoints from inside the VPC",
            vpc_id=self.vpc.id,
        )
        tcp_rule(
            VpcSecurityGroupIngressRule,
            self,
            "EndpointHttps",
            provider=provider,
            group_id=group.id,
            port=443,
            description="HTTPS from the VPC",
            cidr_ipv4=props.cidr,
        )
        self.endpoints = {
            service: VpcEndpoint(
                self,
                f"Endpoint-{service}",
                provider=provider,
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[group.id],
                tags={"Name": f"{props.namer.name('endpoints', region)}-{service}"},
            )
            for service in props.interface_endpoints
        }

    def _flow_logs(self, props: RegionalVpcProps) -> None:
        provider, namer, region, key = props.provider, props.namer, props.region, props.key
        self.flow_log_group = key.log_group(
            self,
            "FlowLogGroup",
            name=f"/aws/vpc/flow-logs/{namer.name('vpc', region)}",
            retention_days=props.log_retention_days,
        )
        # What the VPC user guide lists for delivery to CloudWatch Logs (flow-logs-cwl.html,
        # "IAM role for publishing flow logs to CloudWatch Logs"): the trust policy with the
        # recommended aws:SourceAccount / aws:SourceArn conditions, and CreateLogGroup,
        # CreateLogStream, PutLogEvents, DescribeLogGroups and DescribeLogStreams. The guide
        # grants them on "*"; here they are scoped to this region's log groups, and the
        # writes to this flow log's own group.
        assume = service_trust_document(
            self,
            "FlowLogAssume",
            provider=provider,
            service="vpc-flow-logs.amazonaws.com",
            account_id=key.account_id,
            source_arn=f"arn:{key.partition}:ec2:{region}:{key.account_id}:vpc-flow-log/*",
        )
        role = IamRole(
            self,
            "FlowLogRole",
            provider=provider,
            name=namer.name("flow-logs", region),
            assume_role_policy=assume.json,
        )
        groups = f"arn:{key.partition}:logs:{region}:{key.account_id}:log-group:*"
        access = DataAwsIamPolicyDocument(
            self,
            "FlowLogAccess",
            provider=provider,
            statement=[
                Statement(
                    sid="DeliverToTheFlowLogGroup",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=[self.flow_log_group.arn, f"{self.flow_log_group.arn}:*"],
                ),
                Statement(
                    sid="FindLogGroups", actions=["logs:DescribeLogGroups"], resources=[groups]
                ),
            ],
        )
        IamRolePolicy(
            self,
            "FlowLogPolicy",
            provider=provider,
            role=role.id,
            name=namer.name("flow-logs", region),
            policy=access.json,
        )
        FlowLog(
            self,
            "FlowLog",
            provider=provider,
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )


def tcp_rule(
    rule_type: type[VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule],
    scope: Construct,
    id: str,
    *,
    provider: AwsProvider,
    group_id: str,
    port: int,
    description: str,
    **peer: str,
) -> VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule:
    """A ``rule_type`` (ingress or egress) rule of the security group ``group_id`` for TCP
    ``port``, from or to ``peer`` (``cidr_ipv4`` or ``referenced_security_group_id``)."""
    return rule_type(
        scope,
        id,
        provider=provider,
        security_group_id=group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        **peer,
    )


def zone_subnets(
    scope: Construct,
    tier: str,
    *,
    provider: AwsProvider,
    vpc_id: str,
    name: str,
    cidrs: list[str],
    zone_ids: list[str],
    route_table: RouteTable | None = None,
) -> tuple[list[Subnet], list[RouteTable]]:
    """One ``tier`` subnet per zone, ``cidrs[i]`` in ``zone_ids[i]`` (``<Tier>Subnet<i>``,
    named ``<name>-<tier>-<i>``, no public IPs on launch), each associated with
    ``route_table`` or, without one, with a route table of its own (``<Tier>RouteTable<i>``).
    Returns the subnets and the route table of each."""
    title = tier.capitalize()
    subnets, tables = [], []
    for i, (cidr, zone_id) in enumerate(zip(cidrs, zone_ids, strict=True)):
        subnet = Subnet(
            scope,
            f"{title}Subnet{i}",
            provider=provider,
            vpc_id=vpc_id,
            cidr_block=cidr,
            availability_zone_id=zone_id,
            map_public_ip_on_launch=False,
            tags={"Name": f"{name}-{tier}-{i}", "Tier": tier},
        )
        table = route_table
        if table is None:
            table = RouteTable(
                scope,
                f"{title}RouteTable{i}",
                provider=provider,
                vpc_id=vpc_id,
                tags={"Name": f"{name}-{tier}-{i}"},
            )
        RouteTableAssociation(
            scope,
            f"{title}RouteTableAssociation{i}",
            provider=provider,
            subnet_id=subnet.id,
            route_table_id=table.id,
        )
        subnets.append(subnet)
        tables.append(table)
    return subnets, tables


def _validate(props: RegionalVpcProps) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(props.cidr)
    except ValueError:
        raise ValueError(
            f"cidr must be an IPv4 network such as 10.10.0.0/16, got {props.cidr!r}"
        ) from None
    if not 16 <= network.prefixlen <= 24:
        raise ValueError(f"cidr prefix must be /16../24, got {props.cidr}")
    if not 2 <= props.az_count <= MAX_ZONES:
        raise ValueError(f"az_count must be 2..{MAX_ZONES}, got {props.az_count}")
    problem = zone_ids_problem(props.zone_ids, props.region, props.az_count)
    if problem:
        raise ValueError(f"zone_ids {problem}, got {', '.join(props.zone_ids)}")
    if not 1 <= props.port <= 65535:
        raise ValueError(f"port must be 1..65535, got {props.port}")
    for cidr in props.client_cidrs:
        problem = client_cidr_problem(cidr)
        if problem:
            raise ValueError(f"client_cidrs: {problem}")
    return network
