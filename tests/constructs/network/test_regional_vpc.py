"""RegionalVpc: private subnets per AZ, DB subnet group, locked-down security groups, flow logs."""

import ipaddress

import pytest

from constructs_lib.network.regional_vpc import RegionalVpc, RegionalVpcProps
from support.matchers import (
    assert_data_source,
    assert_no_data_source,
    assert_only,
    assert_resource,
    data_sources,
    resources,
)
from support.stacks import NAMER, PRIMARY, keyed_region, new_stack, synth_with, synthesized_once


def _vpc(t, **overrides):
    """A RegionalVpc ``Vpc`` in the primary region over a key there (10.10.0.0/16, database
    port 5432), ``overrides`` over those props."""
    key = keyed_region(t, "primary").key
    props = dict(
        provider=t.primary, region=PRIMARY, namer=NAMER, key=key, cidr="10.10.0.0/16", port=5432
    )
    props.update(overrides)
    RegionalVpc(t.stack, "Vpc", RegionalVpcProps(**props))


doc = synthesized_once(_vpc)


def test_defaults_three_private_subnets_in_distinct_zones_inside_the_vpc(doc):
    assert_only(
        doc,
        "aws_vpc",
        {
            "provider": "aws.primary",
            "cidr_block": "10.10.0.0/16",
            "enable_dns_support": True,
            "enable_dns_hostnames": True,
        },
    )
    subnets = list(resources(doc, "aws_subnet").values())
    assert len(subnets) == 3
    blocks = [ipaddress.ip_network(s["cidr_block"]) for s in subnets]
    assert all(b.subnet_of(ipaddress.ip_network("10.10.0.0/16")) for b in blocks)
    assert len(set(blocks)) == 3
    # Placed by zone ID (the same physical zone in every account), from the region's
    # standard zones: no opt-in, so never a Local or Wavelength Zone
    ((name, zones),) = data_sources(doc, "aws_availability_zones").items()
    assert [s["availability_zone_id"] for s in subnets] == [
        f"${{element(sort(data.aws_availability_zones.{name}.zone_ids), {i})}}" for i in range(3)
    ]
    assert all("availability_zone" not in s for s in subnets)
    assert_data_source(
        doc,
        "aws_availability_zones",
        {
            "state": "available",
            "lifecycle": {"postcondition": [{"condition": "${length(self.zone_ids) >= 3}"}]},
        },
    )
    # the filters in either order
    assert {f["name"]: f["values"] for f in zones["filter"]} == {
        "opt-in-status": ["opt-in-not-required"],
        "zone-id": [f"use1-az{n}" for n in range(1, 7)],
    }  # closed: no zone added later
    (check,) = zones["lifecycle"]["postcondition"]
    assert "us-east-1 has fewer than 3" in check["error_message"]
    assert all(s["map_public_ip_on_launch"] is False for s in subnets)
    assert len(resources(doc, "aws_route_table")) == 3
    assert len(resources(doc, "aws_route_table_association")) == 3
    group = assert_only(doc, "aws_db_subnet_group", {"name": "dbdr-subnets-use1-test"})
    assert len(group["subnet_ids"]) == 3


def test_database_port_open_only_to_the_vpc_itself_by_default(doc):
    (rule,) = _database_rules(doc)
    assert_resource(
        doc,
        "aws_vpc_security_group_ingress_rule",
        {
            "security_group_id": rule["security_group_id"],
            "from_port": 5432,
            "to_port": 5432,
            "cidr_ipv4": "10.10.0.0/16",
        },
    )
    assert len(resources(doc, "aws_vpc_security_group_ingress_rule")) == 2
    # the other rule: HTTPS to the API endpoints, from the VPC only
    assert_resource(
        doc,
        "aws_vpc_security_group_ingress_rule",
        {"from_port": 443, "to_port": 443, "cidr_ipv4": "10.10.0.0/16", "ip_protocol": "tcp"},
    )
    assert_only(doc, "aws_default_security_group", {"ingress": [], "egress": []})


def test_declared_clients_replace_the_default_and_security_groups_are_admitted():
    doc = synth_with(
        _vpc,
        client_cidrs=("10.30.0.0/16", "192.168.1.0/24"),
        client_security_group_ids=("sg-0123456789abcdef0",),
    )
    rules = _database_rules(doc)
    assert sorted(r.get("cidr_ipv4", "") for r in rules) == ["", "10.30.0.0/16", "192.168.1.0/24"]
    assert [
        r["referenced_security_group_id"] for r in rules if "referenced_security_group_id" in r
    ] == ["sg-0123456789abcdef0"]


def _database_rules(doc):
    return [
        r
        for r in resources(doc, "aws_vpc_security_group_ingress_rule").values()
        if r["security_group_id"].startswith("${aws_security_group.Vpc_SecurityGroup_")
    ]


def test_flow_logs_go_to_an_encrypted_log_group_with_retention_through_a_scoped_role(doc):
    group = assert_only(doc, "aws_cloudwatch_log_group", {"retention_in_days": 365})
    assert group["kms_key_id"].startswith("${aws_kms_key.")
    assert_only(
        doc, "aws_flow_log", {"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"}
    )
    assert_only(doc, "aws_iam_role", {"name": "dbdr-flow-logs-use1-test"})


def test_chosen_zone_ids_place_the_subnets_without_looking_zones_up():
    doc = synth_with(_vpc, az_count=2, zone_ids=("use1-az4", "use1-az6"))
    assert [s["availability_zone_id"] for s in resources(doc, "aws_subnet").values()] == [
        "use1-az4",
        "use1-az6",
    ]
    assert_no_data_source(doc, "aws_availability_zones")


def test_flow_log_role_has_what_the_vpc_guide_lists_scoped_to_this_region(doc):
    policies = {name: body for name, body in data_sources(doc, "aws_iam_policy_document").items()}
    (assume,) = [p for n, p in policies.items() if "FlowLogAssume" in n]
    (trust,) = assume["statement"]
    assert trust["principals"] == [
        {"type": "Service", "identifiers": ["vpc-flow-logs.amazonaws.com"]}
    ]
    conditions = {c["variable"]: (c["test"], c["values"]) for c in trust["condition"]}
    assert conditions["aws:SourceArn"][0] == "ArnLike"
    assert conditions["aws:SourceArn"][1][0].endswith(":vpc-flow-log/*")
    assert ":ec2:us-east-1:" in conditions["aws:SourceArn"][1][0]
    assert conditions["aws:SourceAccount"][0] == "StringEquals"
    (access,) = [p for n, p in policies.items() if "FlowLogAccess" in n]
    granted = {a for statement in access["statement"] for a in statement["actions"]}
    assert granted == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
    }
    assert all(r != "*" for statement in access["statement"] for r in statement["resources"])


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"az_count": 2, "zone_ids": ("use1-az1",)}, "exactly az_count"),
        ({"az_count": 2, "zone_ids": ("use1-az1", "use1-az1")}, "must not repeat"),
        (
            {"az_count": 2, "zone_ids": ("use1-az1", "usw2-az1")},
            "IDs of us-east-1 such as use1-az1",
        ),
        ({"az_count": 2, "zone_ids": ("us-east-1a", "us-east-1b")}, "'us-east-1a' is not"),
        ({"cidr": "10.10.0.0/8"}, "cidr must be an IPv4 network"),
        ({"cidr": "10.0.0.0/12"}, "prefix must be /16../24"),
        ({"az_count": 1}, "az_count must be 2..6, got 1"),
        ({"port": 0}, "port must be 1..65535, got 0"),
        ({"client_cidrs": ("0.0.0.0/0",)}, "never opened to the internet"),
        # the configuration's rule, not a looser one: wider than /8 is refused here too
        (
            {"client_cidrs": ("10.0.0.0/7",)},
            r"client_cidrs: 10.0.0.0/7 is too wide.*/8 or narrower",
        ),
    ],
)
def test_invalid_props_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        _vpc(new_stack(), **overrides)
