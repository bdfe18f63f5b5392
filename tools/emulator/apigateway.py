"""API Gateway: (la) the account's CloudWatch role setting can be cleared (API Gateway API
reference, UpdateAccount: a ``replace`` of ``/cloudwatchRoleArn`` with an empty value removes
the role).

The provider clears it when an ``aws_api_gateway_account`` with ``reset_on_delete`` is
destroyed (the application tier's RegionalApi), sending the operation without a value; moto
reads the value unconditionally, fails with HTTP 500, and the provider retries until the
destroy times out. Here an operation on ``/cloudwatchRoleArn`` without a value (or with an
empty one) clears the setting, as AWS does. Still more lenient than AWS: a role ARN that is
set is not checked to exist or to trust API Gateway (AWS: BadRequestException).
"""

from __future__ import annotations

from typing import Any

from tools.emulator.patching import install

ROLE_PATH = "/cloudwatchRoleArn"


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_account_role_reset()


def _patch_account_role_reset() -> None:
    """(la) Clearing the account's CloudWatch role ARN."""
    from moto.apigateway.models import Account

    original = Account.apply_patch_operations

    def apply_patch_operations(self: Account, patch_operations: list[dict[str, Any]]) -> Any:
        others = []
        for op in patch_operations:
            if op.get("path") == ROLE_PATH and not op.get("value"):
                self.cloudwatch_role_arn = None
            else:
                others.append(op)
        return original(self, others)

    install(Account, apply_patch_operations)
