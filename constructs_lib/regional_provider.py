"""The AWS provider of one region, and the one place that points it at a local emulator.

Every resource of a region names this provider (alias ``primary`` or ``secondary``), and
``default_tags`` put the required tags on every taggable resource.

``emulator_endpoint`` exists for offline deploys (``./run e2e``): it overrides the endpoint
of every service the app uses, skips the checks that need real AWS and uses test
credentials. It changes nothing else: the resources and their arguments are identical with
and without it. It accepts loopback addresses only.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import (
    AwsProvider,
    AwsProviderDefaultTags,
    AwsProviderEndpoints,
)
from constructs import Construct

from dr_lambdas.contract import EMULATOR_CREDENTIALS

# Every service the app deploys to or reads from, as named in the provider's endpoints block.
SERVICES = (
    "acm",
    "apigateway",
    "backup",
    "cloudwatch",
    "cloudwatchlogs",
    "dynamodb",
    "ec2",
    "elbv2",
    "eventbridge",
    "globalaccelerator",
    "iam",
    "kms",
    "lambda_",
    "rds",
    "route53",
    "s3",
    "scheduler",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "sts",
)


def regional_provider(
    scope: Construct, role: str, region: str, tags: dict[str, str], emulator_endpoint: str = ""
) -> AwsProvider:
    """``AwsProvider`` with id ``Aws<Role>`` and alias ``role`` for ``region``."""
    emulator = {}
    if emulator_endpoint:
        emulator = dict(
            endpoints=[AwsProviderEndpoints(**{s: emulator_endpoint for s in SERVICES})],
            **EMULATOR_CREDENTIALS,
            # The emulator answers sts:GetCallerIdentity, so the provider learns the account
            # as it does on AWS (without it, same-account security group references plan
            # as "<account>/sg-..." changes).
            skip_credentials_validation=True,
            skip_requesting_account_id=False,
            skip_metadata_api_check="true",
            s3_use_path_style=True,
        )
    return AwsProvider(
        scope,
        f"Aws{role.capitalize()}",
        alias=role,
        region=region,
        default_tags=[AwsProviderDefaultTags(tags=tags)],
        **emulator,
    )
