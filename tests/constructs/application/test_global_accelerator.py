"""GlobalAccelerator: one accelerator, a TCP listener on the edges' port and an endpoint group
per region whose endpoint is that region's NLB."""

from __future__ import annotations

import pytest

from constructs_lib.application.global_accelerator import (
    GlobalAccelerator,
    GlobalAcceleratorProps,
)
from support.edges import CERTIFICATE, edge
from support.matchers import assert_only, assert_resource, resources
from support.stacks import NAMER, PRIMARY, SECONDARY, new_stack, regional_base


def _accelerator(edge_overrides=None, **overrides):
    t = new_stack()
    base = regional_base(t)
    edge_overrides = edge_overrides or {}
    edges = {
        role: edge(t, base, role, **edge_overrides.get(role, {}))
        for role in ("primary", "secondary")
    }
    props = dict(provider=t.primary, namer=NAMER, **edges)
    props.update(overrides)
    accelerator = GlobalAccelerator(t.stack, "Accelerator", GlobalAcceleratorProps(**props))
    return accelerator, t


@pytest.fixture(scope="module")
def built():
    # Given both regions' edges (the primary with a certificate) and a minimal accelerator
    accelerator, t = _accelerator({"primary": {"certificate_arn": CERTIFICATE}})
    # When synthesized
    return accelerator, t.synth()


@pytest.fixture(scope="module")
def doc(built):
    return built[1]


def _nlb(doc, code) -> str:
    (name,) = [
        n for n, b in resources(doc, "aws_lb").items() if b["name"] == f"dbdr-nlb-{code}-test"
    ]
    return f"${{aws_lb.{name}.arn}}"


def test_minimal_props_make_one_enabled_ipv4_accelerator_without_flow_logs(doc):
    accelerator = assert_only(
        doc,
        "aws_globalaccelerator_accelerator",
        {
            "provider": "aws.primary",
            "name": "dbdr-accelerator-test",
            "ip_address_type": "IPV4",
            "enabled": True,
            "attributes": {"flow_logs_enabled": False},
        },
    )
    assert "flow_logs_s3_bucket" not in accelerator["attributes"]


def test_one_tcp_listener_on_the_edges_port_with_no_affinity(doc):
    listener = assert_only(
        doc,
        "aws_globalaccelerator_listener",
        {
            "provider": "aws.primary",
            "protocol": "TCP",
            "client_affinity": "NONE",
            "port_range": [{"from_port": 443, "to_port": 443}],
        },
    )
    (name,) = resources(doc, "aws_globalaccelerator_accelerator")
    assert listener["accelerator_arn"] == f"${{aws_globalaccelerator_accelerator.{name}.arn}}"


@pytest.mark.parametrize("region, code", [(PRIMARY, "use1"), (SECONDARY, "usw2")])
def test_each_region_s_endpoint_group_routes_all_its_traffic_to_its_nlb(doc, region, code):
    (listener,) = resources(doc, "aws_globalaccelerator_listener")
    assert_resource(
        doc,
        "aws_globalaccelerator_endpoint_group",
        {
            "provider": "aws.primary",
            "endpoint_group_region": region,
            "traffic_dial_percentage": 100,
            "listener_arn": f"${{aws_globalaccelerator_listener.{listener}.arn}}",
            "endpoint_configuration": [
                {
                    "endpoint_id": _nlb(doc, code),
                    "weight": 128,
                    "client_ip_preservation_enabled": True,
                }
            ],
        },
    )
    # the NLB's own target health decides; the group sets no health check of its own
    for body in resources(doc, "aws_globalaccelerator_endpoint_group").values():
        assert not any(key.startswith("health_check") for key in body)


def test_attributes_expose_the_static_addresses_and_the_groups(built):
    accelerator, _ = built
    assert accelerator.port == 443
    assert set(accelerator.endpoint_group_arns) == {"primary", "secondary"}
    for value in (accelerator.dns_name, accelerator.listener_arn, accelerator.static_ips):
        assert value is not None


def test_affinity_dials_and_flow_logs_are_passed_through():
    # Given source-IP affinity, a drained secondary and flow logs into an existing bucket
    _, t = _accelerator(
        client_affinity="SOURCE_IP",
        secondary_traffic_dial=0,
        client_ip_preservation=False,
        flow_logs_bucket="dbdr-flow-logs",
    )
    doc = t.synth()
    # Then
    assert_resource(doc, "aws_globalaccelerator_listener", {"client_affinity": "SOURCE_IP"})
    assert_resource(
        doc,
        "aws_globalaccelerator_endpoint_group",
        {
            "endpoint_group_region": SECONDARY,
            "traffic_dial_percentage": 0,
            "endpoint_configuration": [{"client_ip_preservation_enabled": False}],
        },
    )
    assert_resource(
        doc,
        "aws_globalaccelerator_accelerator",
        {
            "attributes": {
                "flow_logs_enabled": True,
                "flow_logs_s3_bucket": "dbdr-flow-logs",
                "flow_logs_s3_prefix": "global-accelerator/",
            }
        },
    )


@pytest.mark.parametrize(
    "edge_overrides, overrides, message",
    [
        ({}, {"client_affinity": "COOKIE"}, "client_affinity must be one of NONE, SOURCE_IP"),
        ({}, {"primary_traffic_dial": -1}, "primary_traffic_dial must be 0..100"),
        ({}, {"secondary_traffic_dial": 101}, "secondary_traffic_dial must be 0..100"),
        (
            {},
            {"primary_traffic_dial": 0, "secondary_traffic_dial": 0},
            "both 0: the accelerator would route nothing",
        ),
        ({"secondary": {"port": 8443}}, {}, "port must be the same on both edges"),
        ({}, {"flow_logs_bucket": " "}, "flow_logs_bucket must be a bucket name or None"),
    ],
)
def test_invalid_props_are_refused_naming_the_field(edge_overrides, overrides, message):
    with pytest.raises(ValueError, match=message):
        _accelerator(edge_overrides, **overrides)
