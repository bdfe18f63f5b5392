"""Trust policies of the IAM roles an AWS service assumes on this account's behalf."""

from __future__ import annotations

import json


def service_trust_policy(sid: str | None, service: str, account_id: str) -> str:
    """The JSON trust policy that lets ``service`` (e.g. ``backup.amazonaws.com``) assume a
    role for this account only: ``aws:SourceAccount`` keeps another account's use of the
    service from assuming it (IAM user guide, confused-deputy.html). ``sid``: the
    statement's id, if it has one."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }
    named = {"Sid": sid, **statement} if sid else statement
    return json.dumps({"Version": "2012-10-17", "Statement": [named]})
