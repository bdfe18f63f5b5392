"""Trust policies of the IAM roles an AWS service assumes on this account's behalf.

Each one lets only this account's use of the service assume the role: ``aws:SourceAccount``
(and ``aws:SourceArn`` where the service sets it) keeps another account's use of the same
service from assuming it (IAM user guide, confused-deputy.html).
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct


def service_trust_policy(
    sid: str | None, service: str, account_id: str, operator: str = "StringEquals"
) -> str:
    """The JSON trust policy that lets ``service`` (e.g. ``backup.amazonaws.com``) assume a
    role for this account only; ``sid``: the statement's id, if it has one; ``operator``:
    ``StringEqualsIfExists`` for a service that may not pass ``aws:SourceAccount`` (the
    condition then refuses only a request that names another account)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": {operator: {"aws:SourceAccount": account_id}},
    }
    named = {"Sid": sid, **statement} if sid else statement
    return json.dumps({"Version": "2012-10-17", "Statement": [named]})


def service_trust_document(
    scope: Construct,
    id: str,
    *,
    provider: AwsProvider,
    service: str,
    account_id: str,
    source_arn: str | None = None,
) -> DataAwsIamPolicyDocument:
    """The same trust policy as a policy-document data source in ``scope``; ``source_arn``:
    the ``ArnLike`` pattern of the service's resources that may assume the role."""
    condition = [
        DataAwsIamPolicyDocumentStatementCondition(
            test="StringEquals", variable="aws:SourceAccount", values=[account_id]
        )
    ]
    if source_arn:
        condition.append(
            DataAwsIamPolicyDocumentStatementCondition(
                test="ArnLike", variable="aws:SourceArn", values=[source_arn]
            )
        )
    return DataAwsIamPolicyDocument(
        scope,
        id,
        provider=provider,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                actions=["sts:AssumeRole"],
                principals=[
                    DataAwsIamPolicyDocumentStatementPrincipals(
                        type="Service", identifiers=[service]
                    )
                ],
                condition=condition,
            )
        ],
    )
