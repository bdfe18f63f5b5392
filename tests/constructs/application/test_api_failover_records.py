"""ApiFailoverRecords: one public name, the primary API while healthy, else the secondary."""

from __future__ import annotations

from constructs_lib.application.api_failover_records import (
    ApiFailoverRecords,
    ApiFailoverRecordsProps,
    FailoverTarget,
)
from constructs_lib.application.regional_api import ApiCustomDomain
from support.matchers import assert_resource, resources
from support.stacks import NAMER, new_stack

ZONE = "Z0123456789ABCDEFGHIJ"


def _target(code: str) -> FailoverTarget:
    return FailoverTarget(
        domain=ApiCustomDomain(
            domain_name="api.example.com",
            regional_domain_name=f"d-{code}.execute-api.amazonaws.com",
            regional_zone_id=f"Z{code.upper()}",
            certificate_arn=f"arn:aws:acm:{code}:123456789012:certificate/x",
        ),
        health_check_id=f"check-{code}",
    )


def test_the_primary_answers_while_its_check_is_healthy_then_the_secondary():
    t = new_stack()
    ApiFailoverRecords(
        t.stack,
        "ApiFailover",
        ApiFailoverRecordsProps(
            provider=t.primary,
            namer=NAMER,
            zone_id=ZONE,
            name="api.example.com",
            primary=_target("use1"),
            secondary=_target("usw2"),
        ),
    )
    doc = t.synth()
    for kind, code in (("PRIMARY", "use1"), ("SECONDARY", "usw2")):
        assert_resource(
            doc,
            "aws_route53_record",
            {
                "provider": "aws.primary",
                "zone_id": ZONE,
                "name": "api.example.com",
                "type": "A",
                "set_identifier": f"dbdr-api-failover-test-{kind.lower()}",
                "failover_routing_policy": {"type": kind},
                "health_check_id": f"check-{code}",
                "alias": {
                    "name": f"d-{code}.execute-api.amazonaws.com",
                    "zone_id": f"Z{code.upper()}",
                    "evaluate_target_health": False,
                },
            },
        )
    assert len(resources(doc, "aws_route53_record")) == 2
