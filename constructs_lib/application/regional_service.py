"""RegionalService: the application tier's service in one region.

One Python function (``dr_lambdas/app_service``) per region, deployed with the same code and
configuration in both: a ``/health`` route that checks the region's own dependencies (the
global table's replica, the replicated configuration, the database writer's name) and an
items route that reads and writes the global table. API Gateway, the load balancers and the
event bus of its region invoke it; each grants itself through ``function.allow_invoke``.

It runs outside the VPC: it needs only regional AWS APIs (DynamoDB, Parameter Store), never
the database itself, and the health checks in front of it must not depend on the VPC's
interface endpoints. Its role reads and writes exactly this region's table and reads exactly
the configuration path, and uses the regional key only through DynamoDB and Parameter Store
(``kms:ViaService``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.automation.python_function import PythonFunction, PythonFunctionProps
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import RegionalKey
from dr_lambdas.contract import ServiceEnv as E


@dataclass(frozen=True, kw_only=True)
class RegionalServiceProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey
    # The global table (the same name in every region) and this region's replica's ARN.
    table_name: str
    table_arn: str
    # The replicated configuration's path ("/<project>/<suffix>/app/") in this region, and
    # the parameter under it that names the database writer.
    config_path: str
    writer_parameter: str
    log_retention_days: int = 365
    # Default: none reserved (see PythonFunctionProps.reserved_concurrency).
    reserved_concurrency: int | None = None


class RegionalService(Construct):
    """The regional service function, its role and its log group."""

    def __init__(self, scope: Construct, id: str, props: RegionalServiceProps) -> None:
        super().__init__(scope, id)
        path = props.config_path
        if not (path.startswith("/") and path.endswith("/")):
            raise ValueError(f"config_path must start and end with '/', got {path!r}")
        if not props.writer_parameter.startswith(path):
            raise ValueError(
                f"writer_parameter must be under config_path {path!r}, "
                f"got {props.writer_parameter!r}"
            )
        key, region = props.key, props.region
        parameters = f"arn:{key.partition}:ssm:{region}:{key.account_id}:parameter{path}"
        statements = [
            {
                "Sid": "GlobalTableReplica",
                "Action": ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem"],
                "Resource": props.table_arn,
            },
            {
                "Sid": "Configuration",
                "Action": ["ssm:GetParametersByPath"],
                # GetParametersByPath is authorized on the path itself, without the slash.
                "Resource": parameters.rstrip("/"),
            },
            {
                "Sid": "ConfigurationParameters",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": f"{parameters}*",
            },
            {
                "Sid": "RegionalKeyThroughServices",
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": key.arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"dynamodb.{region}.amazonaws.com",
                            f"ssm.{region}.amazonaws.com",
                        ]
                    }
                },
            },
        ]
        self.function = PythonFunction(
            self,
            "Function",
            PythonFunctionProps(
                provider=props.provider,
                region=region,
                namer=props.namer,
                key=key,
                function="app_service",
                role="service",
                description=f"The application's regional service in {region}",
                environment={
                    E.TABLE_NAME: props.table_name,
                    E.CONFIG_PATH: path,
                    E.WRITER_PARAMETER: props.writer_parameter,
                },
                statements=statements,
                timeout_seconds=10,
                log_retention_days=props.log_retention_days,
                reserved_concurrency=props.reserved_concurrency,
                outside_vpc_reason="the service needs only regional AWS APIs (DynamoDB, "
                "Parameter Store), never the database, and its health must not depend "
                "on the VPC's interface endpoints",
            ),
        )
