"""RegionalService: the application's function in one region, with a role scoped to that
region's table replica, configuration path and key."""

from __future__ import annotations

import json

import pytest

from support.matchers import assert_only, resources
from support.stacks import new_stack, regional_service, synthesized_once

REGION = "us-west-2"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:123456789012:table/dbdr-app-table-test"
PATH = "/dbdr/test/app/"


doc = synthesized_once(regional_service, "secondary")


def test_the_function_runs_the_service_in_its_region_with_its_configuration(doc):
    function = assert_only(
        doc,
        "aws_lambda_function",
        {
            "provider": "aws.secondary",
            "function_name": "dbdr-service-usw2-test",
            "handler": "dr_lambdas.app_service.handler.lambda_handler",
            "timeout": 10,
            "environment": {
                "variables": {
                    "TABLE_NAME": "dbdr-app-table-test",
                    "CONFIG_PATH": PATH,
                    "WRITER_PARAMETER": f"{PATH}database/writer",
                }
            },
        },
    )
    # outside the VPC: it needs regional APIs only, never the database
    assert "vpc_config" not in function


def test_the_role_reaches_only_this_region_s_replica_path_and_key(doc):
    (policy,) = resources(doc, "aws_iam_role_policy").values()
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    assert statements["GlobalTableReplica"]["Resource"] == TABLE_ARN
    assert statements["GlobalTableReplica"]["Action"] == [
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    ]
    path_arn = statements["Configuration"]["Resource"]
    account = "${data.aws_caller_identity.secondaryKey_Account_41C670CB.account_id}"
    assert path_arn.endswith(f":ssm:{REGION}:{account}:parameter/dbdr/test/app")
    assert statements["ConfigurationParameters"]["Resource"] == f"{path_arn}/*"
    via = statements["RegionalKeyThroughServices"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert via == [f"dynamodb.{REGION}.amazonaws.com", f"ssm.{REGION}.amazonaws.com"]
    assert not any(s.get("Resource") == "*" for s in statements.values())


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"config_path": "dbdr/test/app/"}, "config_path must start and end with '/'"),
        ({"config_path": "/dbdr/test/app"}, "config_path must start and end with '/'"),
        ({"writer_parameter": "/other/writer"}, "writer_parameter must be under config_path"),
    ],
)
def test_invalid_props_are_refused_naming_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        regional_service(new_stack(), "secondary", **overrides)
