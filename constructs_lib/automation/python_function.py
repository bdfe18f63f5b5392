"""PythonFunction: one of the project's Lambda functions with everything it needs around it.

A deterministic package of ``dr_lambdas/<function>`` (see ``lambda_package.py``), its log
group (KMS-encrypted, with retention, created before the function so Lambda never creates
an unencrypted one), an execution role that only Lambda in this account can assume with
exactly the statements the caller passes, X-Ray tracing, environment variables encrypted
with the regional key, an optional reserved concurrency, and a KMS-encrypted dead-letter
queue for asynchronous invocations that fail. It runs in the VPC subnets it is given or
outside any VPC; a caller that keeps it outside states why, and the synthesized function
carries that reason as its checkov skip of CKV_AWS_117 ("Lambda functions run inside a VPC").

Its callers grant invocations through ``allow_invoke`` and ``invoke_on_schedule``, which
create the permission (and the schedule) in the caller's scope, under the caller's ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdktf import AssetType, TerraformAsset, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion, RegionalKey
from constructs_lib.security.trust import service_trust_policy

from . import lambda_package

RUNTIME = "python3.12"


@dataclass(frozen=True, kw_only=True)
class PythonFunctionProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey
    # Sub-package of dr_lambdas holding handler.py, and the role used in names.
    function: str
    role: str
    environment: dict[str, str]
    # IAM statements ({"Sid", "Action", "Resource", optional "Condition"}) of the role.
    statements: list[dict]
    description: str
    # Distributions bundled from the locked environment (pure Python only).
    distributions: tuple[str, ...] = ()
    managed_policies: tuple[str, ...] = ()  # AWS managed policy names
    timeout_seconds: int = 60
    memory_mb: int = 256
    # Default: none, the function draws on the account's unreserved pool. AWS refuses a
    # reservation that takes the account's unreserved concurrency below its minimum (100,
    # or the whole quota of a new account with a quota of 10), which would fail the first
    # apply; a number here reserves that many executions (opt-in).
    reserved_concurrency: int | None = None
    log_retention_days: int = 365
    subnet_ids: list[str] | None = None
    security_group_ids: list[str] | None = None
    # Why a function without subnet_ids runs outside a VPC: the reason its checkov skip of
    # CKV_AWS_117 gives (see checks.py). Default: none given, and no skip.
    outside_vpc_reason: str = ""

    @classmethod
    def in_region(cls, where: KeyedRegion, **fields: Any) -> PythonFunctionProps:
        """The props of a function in ``where`` (its provider, region and key) and ``fields``."""
        return cls(provider=where.provider, region=where.region, key=where.key, **fields)


class PythonFunction(Construct):
    """A packaged, logged, traced, least-privilege Lambda function with a dead-letter queue."""

    def __init__(self, scope: Construct, id: str, props: PythonFunctionProps) -> None:
        super().__init__(scope, id)
        if not 3 <= props.timeout_seconds <= 900:
            raise ValueError(f"timeout_seconds must be 3..900, got {props.timeout_seconds}")
        if (props.subnet_ids is None) != (props.security_group_ids is None):
            raise ValueError("subnet_ids and security_group_ids go together")
        if props.subnet_ids is not None and props.outside_vpc_reason:
            raise ValueError(
                f"outside_vpc_reason is for a function without subnet_ids, "
                f"got {props.outside_vpc_reason!r} with subnet_ids"
            )
        if props.reserved_concurrency is not None and props.reserved_concurrency < 1:
            raise ValueError(
                f"reserved_concurrency must be None (not reserved) or >= 1, "
                f"got {props.reserved_concurrency}"
            )
        provider, namer, region, key = props.provider, props.namer, props.region, props.key
        self.provider = provider
        self.function_name = namer.name(props.role, region)

        stack_outdir = Path(TerraformStack.of(self).node.root.outdir)  # type: ignore[attr-defined]
        zip_path, self.source_hash = lambda_package.build(
            props.function,
            stack_outdir / "build" / namer.name(props.role, region),
            props.distributions,
        )
        asset = TerraformAsset(self, "Code", path=str(zip_path.resolve()), type=AssetType.FILE)

        self.log_group = key.log_group(
            self,
            "LogGroup",
            name=f"/aws/lambda/{self.function_name}",
            retention_days=props.log_retention_days,
        )
        self.dead_letter_queue = SqsQueue(
            self,
            "DeadLetterQueue",
            provider=provider,
            name=namer.name(f"{props.role}-dlq", region),
            kms_master_key_id=key.arn,
            message_retention_seconds=14 * 24 * 3600,
        )

        self.role = IamRole(
            self,
            "Role",
            provider=provider,
            name=namer.name(props.role, region),
            assume_role_policy=service_trust_policy(None, "lambda.amazonaws.com", key.account_id),
        )
        own = [
            {
                "Sid": "WriteOwnLogs",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{self.log_group.arn}:*",
            },
            {
                "Sid": "DeadLetters",
                "Action": ["sqs:SendMessage"],
                "Resource": self.dead_letter_queue.arn,
            },
            {
                "Sid": "RegionalKey",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key.arn,
            },
        ]
        IamRolePolicy(
            self,
            "Policy",
            provider=provider,
            role=self.role.id,
            name=namer.name(props.role, region),
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", **s} for s in own + list(props.statements)],
                }
            ),
        )
        attachments = [
            IamRolePolicyAttachment(
                self,
                f"Managed{name}",
                provider=provider,
                role=self.role.name,
                policy_arn=f"arn:{key.partition}:iam::aws:policy/{path}{name}",
            )
            for path, name in [("", "AWSXRayDaemonWriteAccess")]
            + [("service-role/", p) for p in props.managed_policies]
        ]

        vpc = None
        if props.subnet_ids is not None:
            vpc = LambdaFunctionVpcConfig(
                subnet_ids=props.subnet_ids, security_group_ids=props.security_group_ids
            )
        self.function = LambdaFunction(
            self,
            "Resource",
            provider=provider,
            function_name=self.function_name,
            description=props.description,
            role=self.role.arn,
            runtime=RUNTIME,
            handler=f"dr_lambdas.{props.function}.handler.lambda_handler",
            filename=asset.path,
            source_code_hash=self.source_hash,
            timeout=props.timeout_seconds,
            memory_size=props.memory_mb,
            reserved_concurrent_executions=props.reserved_concurrency,
            environment=LambdaFunctionEnvironment(variables=props.environment),
            kms_key_arn=key.arn,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            dead_letter_config=LambdaFunctionDeadLetterConfig(
                target_arn=self.dead_letter_queue.arn
            ),
            vpc_config=vpc,
            depends_on=[self.log_group, *attachments],
        )
        skip_checks(
            self.function,
            {
                "CKV_AWS_272": "the package is built and hashed by the synth from reviewed "
                "source; Lambda code signing needs a signing profile this "
                "product does not manage",
                **(
                    {}
                    if props.reserved_concurrency is not None
                    else {
                        "CKV_AWS_115": "reserved concurrency is opt-in "
                        "(reserve_function_concurrency):"
                        " AWS refuses a reservation that takes the account's unreserved"
                        " concurrency below its minimum, which new accounts hit on the"
                        " first apply; the lock table keeps failovers one at a time"
                    }
                ),
                **({"CKV_AWS_117": props.outside_vpc_reason} if props.outside_vpc_reason else {}),
            },
        )
        self.arn = self.function.arn

    def allow_invoke(
        self, scope: Construct, id: str, *, statement_id: str, principal: str, source_arn: str
    ) -> LambdaPermission:
        """Let the AWS service ``principal`` invoke this function on behalf of ``source_arn``."""
        return LambdaPermission(
            scope,
            id,
            provider=self.provider,
            statement_id=statement_id,
            action="lambda:InvokeFunction",
            function_name=self.function_name,
            principal=principal,
            source_arn=source_arn,
        )

    def invoke_on_schedule(
        self,
        scope: Construct,
        id: str,
        target_id: str,
        *,
        name: str,
        description: str,
        schedule_expression: str,
        input: str | None = None,
    ) -> CloudwatchEventRule:
        """An EventBridge rule (``id``) that invokes this function on ``schedule_expression``
        with ``input`` (default: the scheduled event itself), through the target
        ``target_id`` and the permission ``Allow<id>``."""
        rule = CloudwatchEventRule(
            scope,
            id,
            provider=self.provider,
            name=name,
            description=description,
            schedule_expression=schedule_expression,
        )
        CloudwatchEventTarget(
            scope, target_id, provider=self.provider, rule=rule.name, arn=self.arn, input=input
        )
        self.allow_invoke(
            scope,
            f"Allow{id}",
            statement_id=f"AllowEventBridge{id}",
            principal="events.amazonaws.com",
            source_arn=rule.arn,
        )
        return rule
