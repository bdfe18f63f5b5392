"""Reads the master password from an *existing* Secrets Manager secret, never storing it.

A data source reads the secret's metadata (the plan fails early when it does not exist) and
an ephemeral ``aws_secretsmanager_secret_version`` reads its value at plan/apply time only
(Terraform >= 1.10). The returned expression is meant for a write-only argument
(``master_password_wo`` / ``password_wo``): the password reaches the RDS API but never the
plan, the state or the synthesized JSON. RDS-managed master passwords are not an option:
AWS supports them neither for global clusters nor for cross-region read replicas
(rds-secrets-manager.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import (
    DataAwsSecretsmanagerSecret,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider

EPHEMERAL_NAME = "master_credentials"


@dataclass(frozen=True, kw_only=True)
class MasterUserProps:
    """The master user and first database, shared by both database constructs' props."""

    # Name or ARN of an existing secret in the primary region holding JSON with a
    # "password" key (the RDS secret format). Never created by this project.
    master_secret: str
    # Default: "dbadmin". The user name is not secret; the password is.
    master_username: str = "dbadmin"
    # Default: 1. Raise it to push a rotated password from the secret to the primary.
    master_password_version: int = 1
    # Default: "appdb", created in the primary and replicated.
    database_name: str = "appdb"

    def validate_master_user(self) -> None:
        if self.master_password_version < 1:
            raise ValueError(f"master_password_version must be >= 1, "
                             f"got {self.master_password_version}")


@dataclass(frozen=True)
class MasterPassword:
    # ``${...}`` expression of the password, for a write-only argument only.
    expression: str
    # ARN of the secret (its ARN, never its value).
    secret_arn: str


def master_password_from_secret(scope: Construct, *, provider: AwsProvider,
                                master_secret: str) -> MasterPassword:
    """Declare the reads in ``scope`` (id ``MasterSecret``); one per stack.

    cdktf 0.21 has no binding for ephemeral resources, so the block is added as raw
    Terraform JSON.
    """
    by_arn = master_secret.startswith("arn:")
    secret = DataAwsSecretsmanagerSecret(
        scope, "MasterSecret", provider=provider,
        arn=master_secret if by_arn else None, name=None if by_arn else master_secret)
    TerraformStack.of(scope).add_override(
        f"ephemeral.aws_secretsmanager_secret_version.{EPHEMERAL_NAME}",
        {"provider": f"aws.{provider.alias}", "secret_id": secret.arn})
    return MasterPassword(
        expression=("${jsondecode(ephemeral.aws_secretsmanager_secret_version."
                    f'{EPHEMERAL_NAME}.secret_string)["password"]}}'),
        secret_arn=secret.arn)
