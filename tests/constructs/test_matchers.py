"""What the construct tests rely on in cdktf's Testing matchers, through the helpers: a
change of their semantics in a cdktf upgrade would silently loosen every test."""

import pytest
from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordFailoverRoutingPolicy,
)
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone, Route53ZoneVpc

from support.matchers import (
    assert_data_source,
    assert_no_data_source,
    assert_no_resource,
    assert_only,
    assert_provider,
    assert_resource,
)
from support.stacks import new_stack


@pytest.fixture(scope="module")
def doc():
    t = new_stack()
    KmsKey(t.stack, "Rotating", provider=t.primary, enable_key_rotation=True)
    KmsKey(t.stack, "Kept", provider=t.secondary, deletion_window_in_days=30)
    Route53Zone(
        t.stack,
        "Zone",
        provider=t.primary,
        name="a.internal",
        vpc=[
            Route53ZoneVpc(vpc_id="vpc-1", vpc_region="us-east-1"),
            Route53ZoneVpc(vpc_id="vpc-2", vpc_region="us-west-2"),
        ],
    )
    Route53Record(
        t.stack,
        "Writer",
        provider=t.primary,
        zone_id="z",
        name="writer",
        type="CNAME",
        records=["a", "b"],
        set_identifier="primary",
        failover_routing_policy=Route53RecordFailoverRoutingPolicy(type="PRIMARY"),
    )
    DataAwsRegion(t.stack, "Region", provider=t.secondary)
    return t.synth()


def test_dicts_match_partially_at_any_depth_and_provider_within_one_resource(doc):
    assert_resource(doc, KmsKey, {"provider": "aws.primary", "enable_key_rotation": True})
    assert_resource(doc, "aws_route53_record", {"failover_routing_policy": {"type": "PRIMARY"}})
    assert_resource(doc, "aws_route53_zone", {"vpc": [{"vpc_id": "vpc-1"}, {"vpc_id": "vpc-2"}]})
    # every property must hold on the same resource
    assert_no_resource(doc, KmsKey, {"provider": "aws.secondary", "enable_key_rotation": True})
    # a single block is synthesized as a dict, never as a list of one
    policy = [{"type": "PRIMARY"}]
    assert_no_resource(doc, "aws_route53_record", {"failover_routing_policy": policy})


def test_lists_match_exactly_in_length_and_order(doc):
    assert_resource(doc, "aws_route53_record", {"records": ("a", "b")})
    for records in (["a"], ["b", "a"], ["a", "b", "c"]):
        assert_no_resource(doc, "aws_route53_record", {"records": records})
    reordered = [{"vpc_region": "us-west-2"}, {"vpc_region": "us-east-1"}]
    assert_no_resource(doc, "aws_route53_zone", {"vpc": reordered})
    assert_no_resource(doc, "aws_route53_zone", {"vpc": [{"vpc_region": "us-east-1"}]})


def test_scalars_match_strictly(doc):
    assert_no_resource(doc, KmsKey, {"enable_key_rotation": 1})
    assert_no_resource(doc, KmsKey, {"deletion_window_in_days": "30"})
    assert_resource(doc, KmsKey, {"deletion_window_in_days": 30.0})


def test_none_is_refused_since_jsii_drops_it_and_it_would_match_anything(doc):
    with pytest.raises(TypeError, match=r"properties.policy is None"):
        assert_resource(doc, KmsKey, {"policy": None})
    with pytest.raises(TypeError, match=r"properties.vpc\[0\].vpc_id is None"):
        assert_no_resource(doc, "aws_route53_zone", {"vpc": [{"vpc_id": None}]})


def test_a_failure_names_each_resource_of_the_type_with_the_properties_asked_about(doc):
    with pytest.raises(AssertionError) as failure:
        assert_resource(doc, KmsKey, {"provider": "aws.secondary", "enable_key_rotation": False})
    message = str(failure.value)
    assert 'expected a resource aws_kms_key with {"provider": "aws.secondary"' in message
    assert 'Rotating: {"provider": "aws.primary", "enable_key_rotation": true}' in message
    assert 'Kept: {"provider": "aws.secondary"} (no enable_key_rotation)' in message
    with pytest.raises(AssertionError, match="no aws_s3_bucket at all"):
        assert_resource(doc, "aws_s3_bucket")
    with pytest.raises(AssertionError, match="expected one aws_kms_key, found 2"):
        assert_only(doc, KmsKey, {})


def test_data_sources_and_providers(doc):
    assert_data_source(doc, DataAwsRegion, {"provider": "aws.secondary"})
    assert_no_data_source(doc, "aws_region", {"provider": "aws.primary"})
    assert_no_resource(doc, "aws_region")
    assert_provider(doc, {"alias": "secondary", "region": "us-west-2"})
    with pytest.raises(AssertionError):
        assert_provider(doc, {"alias": "secondary", "region": "us-east-1"})
