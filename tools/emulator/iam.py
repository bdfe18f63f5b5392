"""IAM: (e) AWS managed policies exist in every real account (the stack attaches
AmazonRDSEnhancedMonitoringRole).

moto creates them only when ``MOTO_IAM_LOAD_MANAGED_POLICIES`` is set, and its
``/moto-api/config`` endpoint cannot set it; it is read whenever an account's IAM backend is
made. moto then parses its 1,582 policies again for every IAM backend, six per account (one
per partition) made by the account's first request and again by every ``/moto-api/reset``:
about 1.7 s each time. They are parsed once per process here; each backend still gets policy
objects of its own, as they change when attached.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import datetime
from typing import Any


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    _patch_managed_policies_parsed_once()


@functools.cache
def _managed_policy_fields() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Each AWS managed policy's name and constructor arguments, as moto's ``from_data``
    derives them (immutable values only, so they can be shared between backends)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return tuple(
        (
            name,
            {
                "default_version_id": data.get("DefaultVersionId"),
                "path": data.get("Path"),
                "document": json.dumps(data.get("Document")),
                "create_date": datetime.fromisoformat(data["CreateDate"]),
                "update_date": datetime.fromisoformat(data["UpdateDate"]),
            },
        )
        for name, data in json.loads(aws_managed_policies_data).items()
    )


def _patch_managed_policies_parsed_once() -> None:
    """(e) Each IAM backend's AWS managed policies, built from one parse per process."""
    from moto.iam.models import AWSManagedPolicy, IAMBackend
    from moto.settings import load_iam_aws_managed_policies

    def init_aws_policies(self: IAMBackend) -> list[AWSManagedPolicy]:
        if not load_iam_aws_managed_policies():
            return []
        return [
            AWSManagedPolicy(name, account_id=self.account_id, region=self.region_name, **fields)
            for name, fields in _managed_policy_fields()
        ]

    IAMBackend._init_aws_policies = init_aws_policies  # type: ignore[method-assign]
