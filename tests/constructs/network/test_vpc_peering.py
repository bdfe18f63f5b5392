"""VpcPeering: inter-region request and acceptance, routes both ways in every private route
table once accepted, peer range admitted on the database port only."""

import pytest

from constructs_lib.network.vpc_peering import VpcPeering, VpcPeeringProps
from support.matchers import assert_only, assert_resource, resources
from support.stacks import (
    NAMER,
    PRIMARY,
    ROLES,
    SECONDARY,
    new_stack,
    regional_base,
    synthesized_once,
)

PRIMARY_CIDR, SECONDARY_CIDR = "10.10.0.0/16", "10.20.0.0/16"  # regional_base's ranges


def _peering(t, **base_overrides):
    """VpcPeering between the VPCs of ``regional_base(t, **base_overrides)``."""
    base = regional_base(t, **base_overrides)
    vpcs = {role: base[role][3] for role in ROLES}
    VpcPeering(t.stack, "Peering", VpcPeeringProps(namer=NAMER, **vpcs))


doc = synthesized_once(_peering)


def _ref(doc, rtype, prefix, attribute="id"):
    (name,) = [n for n in resources(doc, rtype) if n.startswith(prefix)]
    return f"${{{rtype}.{name}.{attribute}}}"


def test_requester_in_the_primary_region_asks_the_secondary_vpc_across_regions(doc):
    requester = assert_only(
        doc,
        "aws_vpc_peering_connection",
        {
            "provider": "aws.primary",
            "vpc_id": _ref(doc, "aws_vpc", "primaryVpc_"),
            "peer_vpc_id": _ref(doc, "aws_vpc", "secondaryVpc_"),
            "peer_region": SECONDARY,
            "tags": {"Name": "dbdr-peering-test"},
        },
    )
    # not allowed for an inter-region request (a matcher cannot say "absent")
    assert "auto_accept" not in requester


def test_accepter_in_the_secondary_region_accepts_the_requested_connection(doc):
    assert_only(
        doc,
        "aws_vpc_peering_connection_accepter",
        {
            "provider": "aws.secondary",
            "vpc_peering_connection_id": _ref(doc, "aws_vpc_peering_connection", ""),
            "auto_accept": True,
            "tags": {"Name": "dbdr-peering-test"},
        },
    )


@pytest.mark.parametrize(
    "role, provider, peer_cidr",
    [
        ("primary", "aws.primary", SECONDARY_CIDR),
        ("secondary", "aws.secondary", PRIMARY_CIDR),
    ],
)
def test_every_private_route_table_routes_the_peer_range_through_the_accepted_connection(
    doc, role, provider, peer_cidr
):
    tables = sorted(n for n in resources(doc, "aws_route_table") if n.startswith(f"{role}Vpc_"))
    routes = [r for r in resources(doc, "aws_route").values() if r["provider"] == provider]
    assert len(tables) == 3 and len(routes) == 3  # default az_count 3
    assert sorted(r["route_table_id"] for r in routes) == [
        f"${{aws_route_table.{n}.id}}" for n in tables
    ]
    accepted = _ref(doc, "aws_vpc_peering_connection_accepter", "", "vpc_peering_connection_id")
    for table in tables:
        assert_resource(
            doc,
            "aws_route",
            {
                "provider": provider,
                "route_table_id": f"${{aws_route_table.{table}.id}}",
                "destination_cidr_block": peer_cidr,
                "vpc_peering_connection_id": accepted,
            },
        )


@pytest.mark.parametrize(
    "role, provider, peer_region, peer_cidr",
    [
        ("primary", "aws.primary", SECONDARY, SECONDARY_CIDR),
        ("secondary", "aws.secondary", PRIMARY, PRIMARY_CIDR),
    ],
)
def test_database_security_group_admits_only_the_peer_range_on_the_database_port(
    doc, role, provider, peer_region, peer_cidr
):
    group = _ref(doc, "aws_security_group", f"{role}Vpc_SecurityGroup_")
    rules = resources(doc, "aws_vpc_security_group_ingress_rule")
    ranges = [r.get("cidr_ipv4") for r in rules.values() if r["security_group_id"] == group]
    assert ranges.count(peer_cidr) == 1
    assert_resource(
        doc,
        "aws_vpc_security_group_ingress_rule",
        {
            "security_group_id": group,
            "cidr_ipv4": peer_cidr,
            "provider": provider,
            "ip_protocol": "tcp",
            "from_port": 5432,
            "to_port": 5432,
            "description": f"Peer region {peer_region} over the VPC peering: clients and operators",
        },
    )
    peering_rules = [r for n, r in rules.items() if n.startswith("Peering_")]
    assert len(peering_rules) == 2  # one per region, nothing wider


@pytest.mark.parametrize(
    "secondary_region, secondary_cidr, message",
    [
        (
            SECONDARY,
            "10.10.128.0/17",
            r"primary.cidr 10.10.0.0/16 and secondary.cidr 10.10.128.0/17 overlap",
        ),
        (SECONDARY, PRIMARY_CIDR, r"primary.cidr 10.10.0.0/16 and secondary.cidr 10.10.0.0/16"),
        (
            PRIMARY,
            SECONDARY_CIDR,
            r"secondary.region must differ from primary.region .* got us-east-1 for both",
        ),
    ],
)
def test_invalid_props_are_rejected(secondary_region, secondary_cidr, message):
    with pytest.raises(ValueError, match=message):
        _peering(
            new_stack(),
            secondary_region=secondary_region,
            secondary_cidr=secondary_cidr,
            interface_endpoints=(),
        )
