"""Lambda dead-letter queues, settings and in-process runs; EC2 security group rule
descriptions; the default scheme of a load balancer; hosted zone ids; the API Gateway
account's CloudWatch role."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from support.emulator_checks import PRIMARY, create_app_table, create_function, error_code

# -- Lambda dead-letter queues (patch j) and security group rule descriptions (patch k) ------


def test_lambda_function_keeps_its_dead_letter_queue_and_updated_settings(emulator):
    sqs = emulator.client("sqs")
    queues = [
        sqs.get_queue_attributes(
            QueueUrl=sqs.create_queue(QueueName=name)["QueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        for name in ("dlq-1", "dlq-2")
    ]
    key = emulator.client("kms").create_key()["KeyMetadata"]["Arn"]
    lam = emulator.client("lambda")
    created = create_function(
        emulator,
        "fn",
        DeadLetterConfig={"TargetArn": queues[0]},
        TracingConfig={"Mode": "Active"},
        KMSKeyArn=key,
        Environment={"Variables": {"STAGE": "test"}},
    )
    assert created["DeadLetterConfig"] == {"TargetArn": queues[0]}
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)

    config = lam.get_function_configuration(FunctionName="fn")
    assert config["DeadLetterConfig"]["TargetArn"] == queues[0]
    assert (config["TracingConfig"], config["KMSKeyArn"], config["Environment"]) == (
        {"Mode": "Active"},
        key,
        {"Variables": {"STAGE": "test"}},
    )
    function = lam.get_function(FunctionName="fn")  # what the Terraform provider reads
    assert function["Configuration"]["DeadLetterConfig"] == {"TargetArn": queues[0]}
    assert function["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    (listed,) = lam.list_functions()["Functions"]
    assert listed["DeadLetterConfig"] == {"TargetArn": queues[0]}

    updated = lam.update_function_configuration(
        FunctionName="fn",
        DeadLetterConfig={"TargetArn": queues[1]},
        TracingConfig={"Mode": "PassThrough"},
        KMSKeyArn="",
    )
    assert updated["DeadLetterConfig"] == {"TargetArn": queues[1]}
    config = lam.get_function_configuration(FunctionName="fn")
    assert config["DeadLetterConfig"] == {"TargetArn": queues[1]}
    assert config["TracingConfig"] == {"Mode": "PassThrough"}
    assert not config.get("KMSKeyArn")  # back to the AWS managed key
    # An empty target removes the dead-letter queue (as the provider does for a removed block).
    lam.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="fn")

    create_function(emulator, "plain")
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="plain")


def test_rule_referencing_a_group_reports_the_group_and_its_description(emulator):
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    target, source, other = (
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        for name in ("db", "app", "ops")
    )
    # As the Terraform provider creates aws_vpc_security_group_ingress_rule: one permission.
    (created,) = ec2.authorize_security_group_ingress(
        GroupId=target,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": source, "Description": "postgres from app"}],
            }
        ],
    )["SecurityGroupRules"]
    ec2.authorize_security_group_ingress(
        GroupId=target,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "https from vpc"}],
            }
        ],
    )

    def rules() -> dict[str, dict]:
        found = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [target]}]
        )["SecurityGroupRules"]
        return {rule["SecurityGroupRuleId"]: rule for rule in found if not rule["IsEgress"]}

    rule = ec2.describe_security_group_rules(SecurityGroupRuleIds=[created["SecurityGroupRuleId"]])[
        "SecurityGroupRules"
    ][0]
    assert rule["ReferencedGroupInfo"]["GroupId"] == source
    assert rule["ReferencedGroupInfo"]["UserId"] == "123456789012"
    assert rule["Description"] == "postgres from app"
    assert "CidrIpv4" not in rule
    by_cidr = [r for r in rules().values() if r.get("CidrIpv4") == "10.0.0.0/8"]
    assert [r["Description"] for r in by_cidr] == ["https from vpc"]
    assert "ReferencedGroupInfo" not in by_cidr[0]

    def modify(**fields: str) -> None:
        """The provider's update: ModifySecurityGroupRules with the whole rule."""
        whole = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, **fields}
        ec2.modify_security_group_rules(
            GroupId=target,
            SecurityGroupRules=[
                {"SecurityGroupRuleId": created["SecurityGroupRuleId"], "SecurityGroupRule": whole}
            ],
        )

    modify(ReferencedGroupId=other, Description="postgres from ops")
    rule = rules()[created["SecurityGroupRuleId"]]
    assert (rule["ReferencedGroupInfo"]["GroupId"], rule["Description"]) == (
        other,
        "postgres from ops",
    )
    (group,) = ec2.describe_security_groups(GroupIds=[target])["SecurityGroups"]
    pairs = [
        pair for permission in group["IpPermissions"] for pair in permission["UserIdGroupPairs"]
    ]
    assert [(p["GroupId"], p["Description"]) for p in pairs] == [(other, "postgres from ops")]
    with pytest.raises(ClientError) as excinfo:
        modify(ReferencedGroupId="sg-00000000000000000")
    assert error_code(excinfo) == "InvalidGroup.NotFound"


# -- (jj) the application tier's functions run when invoked ---------------------------------


def test_an_application_function_runs_in_process_with_its_environment(emulator):
    # Given the regional service's function, its table and its configuration in us-east-1
    dynamodb, ssm = emulator.client("dynamodb", PRIMARY), emulator.client("ssm", PRIMARY)
    create_app_table(dynamodb, "emu-app")
    ssm.put_parameter(Name="/emu/app/database/writer", Value="writer.emu", Type="String")
    variables = {
        "TABLE_NAME": "emu-app",
        "CONFIG_PATH": "/emu/app/",
        "WRITER_PARAMETER": "/emu/app/database/writer",
    }
    create_function(
        emulator,
        "emu-service",
        Environment={"Variables": variables},
    )
    lambda_ = emulator.client("lambda", PRIMARY)
    lambda_.update_function_configuration(
        FunctionName="emu-service", Handler="dr_lambdas.app_service.handler.lambda_handler"
    )
    # When it is invoked through the API with a write and then a health check
    put = {"httpMethod": "PUT", "path": "/items/a", "body": json.dumps({"value": 1})}
    written = lambda_.invoke(FunctionName="emu-service", Payload=json.dumps(put))
    health = lambda_.invoke(
        FunctionName="emu-service", Payload=json.dumps({"httpMethod": "GET", "path": "/health"})
    )
    # Then the handler ran against the emulator: the item is stored, the region is healthy
    assert "FunctionError" not in written
    assert json.loads(json.loads(written["Payload"].read())["body"])["written_in"] == PRIMARY
    item = dynamodb.get_item(TableName="emu-app", Key={"pk": {"S": "item#a"}, "sk": {"S": "item"}})[
        "Item"
    ]
    assert item["written_in"] == {"S": PRIMARY}
    answer = json.loads(health["Payload"].read())
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["checks"]["writer"] == "writer.emu"


def test_an_application_function_that_raises_answers_an_unhandled_error(emulator):
    create_function(emulator, "emu-broken")
    lambda_ = emulator.client("lambda", PRIMARY)
    lambda_.update_function_configuration(
        FunctionName="emu-broken", Handler="dr_lambdas.app_service.handler.lambda_handler"
    )
    # no TABLE_NAME: a deploy error, which the function raises
    answer = lambda_.invoke(
        FunctionName="emu-broken", Payload=json.dumps({"httpMethod": "GET", "path": "/health"})
    )
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "KeyError" and "TABLE_NAME is required" in error["errorMessage"]


# -- (ka) a load balancer without a scheme is internet-facing --------------------------------


def test_a_load_balancer_created_without_a_scheme_is_internet_facing(emulator):
    ec2, elb = emulator.client("ec2", PRIMARY), emulator.client("elbv2", PRIMARY)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    # As the provider creates an internal = false load balancer: no Scheme at all
    elb.create_load_balancer(
        Name="emu-edge", Subnets=[subnet["Subnet"]["SubnetId"]], Type="network"
    )
    (described,) = elb.describe_load_balancers(Names=["emu-edge"])["LoadBalancers"]
    assert described["Scheme"] == "internet-facing"


# -- (fz) hosted zone ids look like AWS's ----------------------------------------------------


def test_a_hosted_zone_id_is_shaped_like_aws_s_and_passes_the_settings_check(emulator):
    from constructs_lib.config import load_config

    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="app.example.com", CallerReference="emu-zone")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[1]
    assert zone_id.startswith("Z") and zone_id.isalnum() and zone_id.isupper()
    settings = {"DR_APP_DOMAIN_NAME": "app.example.com", "DR_APP_PUBLIC_ZONE_ID": zone_id}
    assert load_config(settings, {}).app_public_zone_id == zone_id


# -- (la) the account's CloudWatch role setting can be cleared -------------------------------


def test_the_account_s_cloudwatch_role_is_cleared_as_the_provider_clears_it(emulator):
    apigateway = emulator.client("apigateway", PRIMARY)
    role = "arn:aws:iam::123456789012:role/emu-api-logs"
    apigateway.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
    )
    assert apigateway.get_account()["cloudwatchRoleArn"] == role
    # What destroying an aws_api_gateway_account with reset_on_delete sends: no value
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn"}])
    assert "cloudwatchRoleArn" not in apigateway.get_account()
