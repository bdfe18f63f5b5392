"""MasterSecret: the master credentials in Secrets Manager, in both regions, never in plan or
state.

Two ways, chosen by ``generate``:

- **An existing secret** (default): the team creates the secret, JSON with ``username`` and
  ``password``, in the primary region and replicates it to the secondary region (the
  secondary region's canary reads it there, also when the primary region is gone). A data
  source in *each* region makes ``terraform plan`` stop with a message that names what is
  missing: the secret in the primary region, or its replica in the secondary region, with
  the command that creates the replica. Without that check the secondary canary could never
  report healthy, so DNS could never fail over. The password is read by an ephemeral
  ``aws_secretsmanager_secret_version`` (Terraform >= 1.10) at plan/apply time only. When
  the secret is encrypted with a customer-managed key, its ARN in each region lets the
  canaries decrypt it (``kms:Decrypt`` on exactly that key, through Secrets Manager only).
- **A generated secret** (``generate=True``), for teams whose CI must never hold a database
  password: the stack creates the secret with a replica in the secondary region, each
  encrypted with its region's key; the provider's ephemeral
  ``aws_secretsmanager_random_password`` makes the password at apply time and the same value
  is written to the secret (``secret_string_wo``) and given to the database
  (``master_password_wo`` / ``password_wo``). Write-only arguments never reach the plan, the
  state or the synthesized JSON. Raising ``password_version`` rotates it: both writes
  happen again, in one apply, with a new value.

RDS-managed master passwords are not an option: AWS supports them neither for global
clusters nor for cross-region read replicas (rds-secrets-manager.html). cdktf 0.21 has no
binding for ephemeral resources, so those blocks are added as raw Terraform JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import Postcondition, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import (
    DataAwsSecretsmanagerSecret,
)
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secrets import (
    DataAwsSecretsmanagerSecrets,
    DataAwsSecretsmanagerSecretsFilter,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret import (
    SecretsmanagerSecret,
    SecretsmanagerSecretReplica,
)
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.security.regional_key import KeyedRegion

EPHEMERAL_VERSION = "master_credentials"
EPHEMERAL_PASSWORD = "master_password"
# RDS master passwords: printable ASCII except "/", '"', "@" and space (CreateDBCluster,
# MasterUserPassword); "'" and "\" are left out too, for the shells and drivers in between.
PASSWORD_LENGTH = 32
PASSWORD_EXCLUDED = "\"'@/\\ "
# Secrets Manager appends "-" and six random characters to a secret's name in its ARN.
ARN_SUFFIX_LENGTH = 7


@dataclass(frozen=True, kw_only=True)
class MasterUserProps:
    """The master user and first database, shared by both database constructs' props."""

    # Name or ARN of an existing secret in the primary region holding JSON with "username"
    # and "password", replicated to the secondary region; or, with generate_master_secret,
    # the name of the secret the stack creates.
    master_secret: str
    # Default: "dbadmin". The user name is not secret; the password is.
    master_username: str = "dbadmin"
    # Default: 1. Raise it to push a rotated password from the secret to the primary (a
    # generated secret gets a new password).
    master_password_version: int = 1
    # Default: "appdb", created in the primary and replicated.
    database_name: str = "appdb"
    # Default: off, the secret exists. On: the stack creates it and generates the password.
    generate_master_secret: bool = False
    # Existing secret only. Default: none (the AWS managed key aws/secretsmanager). The
    # customer-managed keys that encrypt the secret (primary region) and its replica.
    master_secret_kms_key_arn: str = ""
    master_secret_replica_kms_key_arn: str = ""

    def validate_master_user(self) -> None:
        if self.master_password_version < 1:
            raise ValueError(
                f"master_password_version must be >= 1, got {self.master_password_version}"
            )
        keys = (self.master_secret_kms_key_arn, self.master_secret_replica_kms_key_arn)
        if self.generate_master_secret and any(keys):
            raise ValueError(
                "master_secret_kms_key_arn and master_secret_replica_kms_key_arn "
                "must be empty with generate_master_secret (the stack encrypts "
                f"the secret it creates with its regional keys), got {keys}"
            )
        if self.generate_master_secret and self.master_secret.startswith("arn:"):
            raise ValueError(
                f"master_secret must be a name with generate_master_secret, got "
                f"{self.master_secret!r}"
            )
        if bool(keys[0]) != bool(keys[1]):
            raise ValueError(
                "master_secret_kms_key_arn and master_secret_replica_kms_key_arn "
                f"go together, got {keys}"
            )


@dataclass(frozen=True, kw_only=True)
class MasterSecretProps:
    primary: KeyedRegion
    secondary: KeyedRegion
    user: MasterUserProps
    # Default: on, so a destroyed environment frees the secret's name at once (a generated
    # secret only; an existing secret is never deleted by the stack).
    destroyable: bool = True


class MasterSecret(Construct):
    """The master secret in both regions and the write-only expression of its password."""

    def __init__(self, scope: Construct, id: str, props: MasterSecretProps) -> None:
        super().__init__(scope, id)
        props.user.validate_master_user()
        self._props = props
        self.generated = props.user.generate_master_secret
        self.name = secret_name(props.user.master_secret)
        if self.generated:
            self._create(props)
        else:
            self._reference(props)

    # -- what the rest of the stack uses ----------------------------------------------------

    def secret_id(self, role: str) -> str:
        """How ``role``'s region reads the secret: its ARN there, or its name."""
        given = self._props.user.master_secret
        if given.startswith("arn:"):
            parts = given.split(":")
            parts[3] = self._region(role).region
            return ":".join(parts)
        return self.name

    def read_statements(self, role: str) -> list[dict]:
        """IAM statements that let a function in ``role``'s region read the secret there."""
        side = self._region(role)
        key = side.key
        resource = (
            self.secret_id(role)
            if self.secret_id(role).startswith("arn:")
            else f"arn:{key.partition}:secretsmanager:{side.region}:{key.account_id}:"
            f"secret:{self.name}-??????"
        )
        statements = [
            {
                "Sid": "ReadDatabaseCredentials",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": resource,
            }
        ]
        customer_key = self.kms_key_arn(role)
        if customer_key:
            statements.append(
                {
                    "Sid": "DecryptDatabaseCredentials",
                    "Action": ["kms:Decrypt"],
                    "Resource": customer_key,
                    "Condition": {
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{side.region}.amazonaws.com"
                        }
                    },
                }
            )
        return statements

    def kms_key_arn(self, role: str) -> str:
        """The customer-managed key of the secret in ``role``'s region ("" for aws/...)."""
        if self.generated:
            return self._region(role).key.arn
        user = self._props.user
        return (
            user.master_secret_kms_key_arn
            if role == "primary"
            else user.master_secret_replica_kms_key_arn
        )

    def _region(self, role: str) -> KeyedRegion:
        return self._props.primary if role == "primary" else self._props.secondary

    # -- the two ways -------------------------------------------------------------------------

    def _reference(self, props: MasterSecretProps) -> None:
        primary, secondary = props.primary, props.secondary
        replicate = (
            f"aws secretsmanager replicate-secret-to-regions --region "
            f"{primary.region} --secret-id {self.name} --add-replica-regions "
            f"Region={secondary.region}"
            + (",KmsKeyId=<key in that region>" if self.kms_key_arn("secondary") else "")
        )
        checks = {
            "primary": (
                f"The master secret {self.name} does not exist in {primary.region}: "
                "create it there as JSON with username and password (docs/modes-and-failover.md, "
                "Credentials), or set generate_master_secret=true"
            ),
            "secondary": (
                f"The master secret {self.name} has no replica in "
                f"{secondary.region}, where the secondary region's canary reads it "
                f"(also when {primary.region} is down); create the replica: "
                f"{replicate}"
            ),
        }
        found = {}
        for role, side in (("primary", primary), ("secondary", secondary)):
            found[role] = DataAwsSecretsmanagerSecrets(
                self,
                f"{role.capitalize()}Check",
                provider=side.provider,
                filter=[DataAwsSecretsmanagerSecretsFilter(name="name", values=[self.name])],
                lifecycle=TerraformResourceLifecycle(
                    postcondition=[
                        Postcondition(
                            condition=f"${{contains(self.names, {json.dumps(self.name)})}}",
                            error_message=checks[role],
                        )
                    ]
                ),
            )
        given = props.user.master_secret
        secret = DataAwsSecretsmanagerSecret(
            self,
            "Primary",
            provider=primary.provider,
            arn=given if given.startswith("arn:") else None,
            name=None if given.startswith("arn:") else given,
            # Read after the check, so a missing secret fails with the check's message.
            depends_on=[found["primary"]],
        )
        TerraformStack.of(self).add_override(
            f"ephemeral.aws_secretsmanager_secret_version.{EPHEMERAL_VERSION}",
            {"provider": f"aws.{primary.provider.alias}", "secret_id": secret.arn},
        )
        self.arn = secret.arn
        self.password_wo = (
            "${jsondecode(ephemeral.aws_secretsmanager_secret_version."
            f'{EPHEMERAL_VERSION}.secret_string)["password"]}}'
        )
        self.ready: tuple = ()

    def _create(self, props: MasterSecretProps) -> None:
        primary, secondary = props.primary, props.secondary
        TerraformStack.of(self).add_override(
            f"ephemeral.aws_secretsmanager_random_password.{EPHEMERAL_PASSWORD}",
            {
                "provider": f"aws.{primary.provider.alias}",
                "password_length": PASSWORD_LENGTH,
                "exclude_characters": PASSWORD_EXCLUDED,
                "require_each_included_type": True,
            },
        )
        password = (
            f"ephemeral.aws_secretsmanager_random_password.{EPHEMERAL_PASSWORD}.random_password"
        )
        self.secret = SecretsmanagerSecret(
            self,
            "Resource",
            provider=primary.provider,
            name=self.name,
            description="Master credentials of the database (generated, never in plan or "
            "state), replicated to the secondary region",
            kms_key_id=primary.key.arn,
            replica=[
                SecretsmanagerSecretReplica(region=secondary.region, kms_key_id=secondary.key.arn)
            ],
            recovery_window_in_days=0 if props.destroyable else 30,
        )
        skip_checks(
            self.secret,
            {
                "CKV2_AWS_57": "a global database's master password changes in both regions and "
                "the secret in one apply: raise master_password_version (a "
                "Secrets Manager rotation Lambda would change only the secret)"
            },
        )
        self.version = SecretsmanagerSecretVersion(
            self,
            "Version",
            provider=primary.provider,
            secret_id=self.secret.id,
            secret_string_wo=(
                "${jsonencode({username = "
                f"{json.dumps(props.user.master_username)}, "
                f"password = {password}}})}}"
            ),
            secret_string_wo_version=props.user.master_password_version,
        )
        self.arn = self.secret.arn
        self.password_wo = f"${{{password}}}"
        # The database takes the password only once the secret holds it.
        self.ready = (self.version,)


def secret_name(secret: str) -> str:
    """The secret's name, also when it is given by ARN (``...:secret:<name>-AbCdEf``)."""
    if secret.startswith("arn:"):
        return secret.split(":secret:", 1)[1][:-ARN_SUFFIX_LENGTH]
    return secret
