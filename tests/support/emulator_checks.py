"""What the emulator tests share: the two-region topology's names and checks on it."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile

import pytest
from botocore.exceptions import ClientError

from dr_lambdas.contract import NAMESPACE

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
GLOBAL_ID = "emu-global"
PRIMARY_ID, SECONDARY_ID = "emu-primary", "emu-secondary"
INSTANCE_ID = "emu-primary-1"
ENGINE, ENGINE_VERSION = "aurora-postgresql", "15.10"


def global_cluster(client) -> dict:
    found = client.describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)["GlobalClusters"]
    assert len(found) == 1
    return found[0]


def roles(client) -> dict[str, tuple[bool, list[str]]]:
    """Each member ARN -> (IsWriter, Readers), as DescribeGlobalClusters reports it."""
    return {
        member["DBClusterArn"]: (member["IsWriter"], sorted(member["Readers"]))
        for member in global_cluster(client)["GlobalClusterMembers"]
    }


def assert_writer(rds, arns: dict[str, str], writer: str, reader: str) -> None:
    expected = {arns[writer]: (True, [arns[reader]]), arns[reader]: (False, [])}
    for region in (PRIMARY, SECONDARY):  # the same answer whichever region asks
        assert roles(rds[region]) == expected, f"as seen from {region}"
        assert global_cluster(rds[region])["Status"] == "available"


def failover(client, target: str, **options) -> dict:
    """FailoverGlobalCluster of the global cluster to ``target`` (an ARN, or an identifier in
    the client's region), asked through ``client``: AWS's answer."""
    return client.failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, TargetDbClusterIdentifier=target, **options
    )["GlobalCluster"]


def switchover(client, target: str) -> dict:
    """SwitchoverGlobalCluster to ``target``, as :func:`failover` asks it."""
    return client.switchover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, TargetDbClusterIdentifier=target
    )["GlobalCluster"]


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def refusal(call) -> tuple[str, int, str]:
    """The error code, HTTP status and message of the ClientError ``call()`` must raise."""
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    return (
        error["Error"]["Code"],
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Message"],
    )


def answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def assert_nothing_left(rds) -> None:
    for region in (PRIMARY, SECONDARY):
        assert rds[region].describe_global_clusters()["GlobalClusters"] == []
        assert rds[region].describe_db_clusters()["DBClusters"] == []
        assert rds[region].describe_db_instances()["DBInstances"] == []
        with pytest.raises(ClientError) as excinfo:
            rds[region].describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)
        assert error_code(excinfo) == "GlobalClusterNotFoundFault"


def trust_policy(service: str) -> str:
    """A role trust policy (JSON) that lets the AWS service principal ``service`` assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def create_function(emulator, name: str, **settings) -> dict:
    """A Python function in the primary region, with a role Lambda may assume (created on
    first use) and ``settings``: CreateFunction's answer."""
    iam = emulator.client("iam")
    try:
        role = iam.get_role(RoleName="emu-lambda")["Role"]["Arn"]
    except ClientError:
        role = iam.create_role(
            RoleName="emu-lambda", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com")
        )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return emulator.client("lambda", PRIMARY).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": package.getvalue()},
        **settings,
    )


def put_canary_alarm(cloudwatch, name: str, metric: str, dimensions: dict, **settings) -> None:
    """A metric alarm shaped as the connectivity canary's (ConnectivityCanary): ALARM when the
    minimum of its ``metric`` is below 1 or missing, over one 60 s period unless
    ``settings`` (PutMetricAlarm's arguments) say otherwise."""
    cloudwatch.put_metric_alarm(
        **{
            "AlarmName": name,
            "Namespace": NAMESPACE,
            "MetricName": metric,
            "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions.items()],
            "Statistic": "Minimum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "TreatMissingData": "breaching",
            **settings,
        }
    )


def create_app_table(dynamodb, name: str) -> None:
    """A table shaped as the application tier's global table (GlobalTable): on-demand, a
    ``pk`` / ``sk`` string key."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
    )
