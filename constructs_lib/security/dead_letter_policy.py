"""The policy of an SQS queue that EventBridge sends dead letters to.

EventBridge sends the events a rule's target could not receive (and, for a bus with a
dead-letter queue, the events the bus could not encrypt or decrypt) as
``events.amazonaws.com``, so the queue's policy must admit that principal, and only on
behalf of the rules and buses named in ``aws:SourceArn`` (EventBridge user guide,
eb-rule-dlq.html, "Granting permissions to the dead-letter queue").
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct


def eventbridge_dead_letter_policy(
    scope: Construct,
    id: str,
    *,
    provider: AwsProvider,
    queue: SqsQueue,
    sid: str,
    source_arn: str | list[str],
) -> SqsQueuePolicy:
    """Let EventBridge send to ``queue`` for ``source_arn`` (one ARN or several) only;
    ``sid``: the statement's id."""
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue.arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }
    return SqsQueuePolicy(
        scope,
        id,
        provider=provider,
        queue_url=queue.url,
        policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
