"""VpcPeering: the private network path between the two regions' database VPCs.

Deploys an inter-region VPC peering connection requested from the primary VPC and accepted
in the secondary region, a route to the peer VPC's range in every private route table of
both VPCs, and one ingress rule on each region's database security group that admits the
peer VPC's range on the database port. With it, the connectivity canary and operators in one
region can reach the other region's database over private addresses.

Non-obvious behaviour:

- An inter-region request cannot be auto-accepted by the requester: ``auto_accept`` stays
  unset on ``aws_vpc_peering_connection`` and an ``aws_vpc_peering_connection_accepter``
  accepts it in the peer region (registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/
  resources/vpc_peering_connection_accepter; AWS "Accept or reject a VPC peering
  connection": an inter-Region request must be accepted in the accepter's Region).
- A route to a connection still in ``pending-acceptance`` is created as a blackhole (AWS VPC
  peering guide, "Update your route tables for a VPC peering connection"), so the routes of
  *both* regions take the connection id from the accepter: Terraform creates them only
  once the connection is active.
- Peered VPCs must not have overlapping IPv4 ranges (AWS VPC peering guide, "VPC peering
  limitations"); this is checked before any resource is created.
- Security group rules cannot reference a security group across regions, so the peer is
  admitted by CIDR (AWS VPC peering guide, "Update your security groups to reference peer
  security groups": same-Region peering only).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.vpc_peering_connection import VpcPeeringConnection
from cdktf_cdktf_provider_aws.vpc_peering_connection_accepter import (
    VpcPeeringConnectionAccepterA,
)
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)
from constructs import Construct

from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc


@dataclass(frozen=True, kw_only=True)
class VpcPeeringProps:
    namer: Namer
    # The requester side: the connection is created in this VPC's region.
    primary: RegionalVpc
    # The accepter side, in another region with a range disjoint from the primary's.
    secondary: RegionalVpc


class VpcPeering(Construct):
    """Inter-region peering, routes both ways and peer access to both database ports."""

    def __init__(self, scope: Construct, id: str, props: VpcPeeringProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        primary, secondary = props.primary, props.secondary
        name = props.namer.name("peering")

        # Same account, so peer_owner_id defaults to the caller's account.
        self.connection = VpcPeeringConnection(
            self,
            "Resource",
            provider=primary.provider,
            vpc_id=primary.vpc_id,
            peer_vpc_id=secondary.vpc_id,
            peer_region=secondary.region,
            tags={"Name": name},
        )
        self.connection_id = self.connection.id
        self.accepter = VpcPeeringConnectionAccepterA(
            self,
            "Accepter",
            provider=secondary.provider,
            vpc_peering_connection_id=self.connection.id,
            auto_accept=True,
            tags={"Name": name},
        )
        # The same pcx id, read from the accepter so every route waits for acceptance.
        active_connection_id = self.accepter.vpc_peering_connection_id

        self.routes: list[Route] = []
        self.ingress_rules: list[VpcSecurityGroupIngressRule] = []
        for role, local, peer in (
            ("Primary", primary, secondary),
            ("Secondary", secondary, primary),
        ):
            for i, table_id in enumerate(local.route_table_ids):
                self.routes.append(
                    Route(
                        self,
                        f"{role}Route{i}",
                        provider=local.provider,
                        route_table_id=table_id,
                        destination_cidr_block=peer.cidr,
                        vpc_peering_connection_id=active_connection_id,
                    )
                )
            self.ingress_rules.append(
                local.admit(
                    self,
                    f"{role}DatabaseIngress",
                    f"Peer region {peer.region} over the VPC peering: clients and operators",
                    cidr_ipv4=peer.cidr,
                )
            )


def _validate(props: VpcPeeringProps) -> None:
    primary, secondary = props.primary, props.secondary
    if primary.region == secondary.region:
        raise ValueError(
            f"secondary.region must differ from primary.region for an "
            f"inter-region peering, got {secondary.region} for both"
        )
    if Token.is_unresolved(primary.cidr) or Token.is_unresolved(secondary.cidr):
        return
    if ipaddress.ip_network(primary.cidr).overlaps(ipaddress.ip_network(secondary.cidr)):
        raise ValueError(
            f"primary.cidr {primary.cidr} and secondary.cidr {secondary.cidr} "
            "overlap; peered VPCs need disjoint IPv4 ranges"
        )
