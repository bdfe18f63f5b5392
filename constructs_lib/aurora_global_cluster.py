"""AuroraGlobalCluster: an Aurora Global Database spanning a primary and a secondary region.

Deploys ``aws_rds_global_cluster`` and one :class:`AuroraRegionalCluster` per region. The
secondary joins only after every primary instance exists (AWS rejects a secondary while the
primary has no available writer, provider #13715 / #16362) and is encrypted with its own
region's key.

The master password is read from an *existing* Secrets Manager secret through an ephemeral
resource and passed as the write-only ``master_password_wo``: it reaches the RDS API but
never the plan, the state or the synthesized JSON. RDS-managed master passwords are not an
option here: AWS does not support them for global clusters (rds-secrets-manager.html).

The global cluster sets no ``database_name`` or other force-new attribute that could
replace it and kick out its members (provider #39368, #28187); ``force_destroy`` is on
while the deployment is destroyable (provider #26236).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import (
    DataAwsSecretsmanagerSecret,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster

from .aurora_regional_cluster import (
    AuroraClusterSettings,
    AuroraRegionalCluster,
    AuroraRegionalClusterProps,
    MasterCredentials,
)
from .naming import Namer
from .regional_key import RegionalKey
from .regional_vpc import RegionalVpc


@dataclass(frozen=True, kw_only=True)
class AuroraRegion:
    """Where one member lives: its provider, network and key."""

    provider: AwsProvider
    region: str
    vpc: RegionalVpc
    key: RegionalKey
    instance_count: int


@dataclass(frozen=True, kw_only=True)
class AuroraGlobalClusterProps:
    namer: Namer
    settings: AuroraClusterSettings
    primary: AuroraRegion
    secondary: AuroraRegion
    # Name or ARN of an existing secret in the primary region holding JSON with a
    # "password" key (the RDS secret format). Never created by this construct.
    master_secret: str
    # Default: "dbadmin". The user name is not secret; the password is.
    master_username: str = "dbadmin"
    # Default: 1. Raise it to push a rotated password from the secret to the cluster.
    master_password_version: int = 1
    # Default: "appdb", created in the primary and replicated.
    database_name: str = "appdb"


class AuroraGlobalCluster(Construct):
    """The global cluster and its primary and secondary members."""

    def __init__(self, scope: Construct, id: str, props: AuroraGlobalClusterProps) -> None:
        super().__init__(scope, id)
        if props.primary.region == props.secondary.region:
            raise ValueError(f"secondary region must differ from the primary, got "
                             f"{props.secondary.region} twice")
        if props.master_password_version < 1:
            raise ValueError(f"master_password_version must be >= 1, "
                             f"got {props.master_password_version}")
        s, namer = props.settings, props.namer
        self.global_cluster = RdsGlobalCluster(
            self, "Resource", provider=props.primary.provider,
            global_cluster_identifier=namer.name("global"),
            engine=s.engine, engine_version=s.engine_version,
            storage_encrypted=True,
            deletion_protection=s.deletion_protection,
            force_destroy=not s.deletion_protection,
        )
        self.global_cluster_id = self.global_cluster.global_cluster_identifier

        credentials = MasterCredentials(
            username=props.master_username,
            password_wo=self._password_from_secret(props),
            password_version=props.master_password_version,
        )
        self.primary = AuroraRegionalCluster(self, "Primary", AuroraRegionalClusterProps(
            provider=props.primary.provider, region=props.primary.region, namer=namer,
            settings=s, vpc=props.primary.vpc, key=props.primary.key,
            global_cluster_id=self.global_cluster.id,
            instance_count=props.primary.instance_count,
            credentials=credentials, database_name=props.database_name))
        self.secondary = AuroraRegionalCluster(self, "Secondary", AuroraRegionalClusterProps(
            provider=props.secondary.provider, region=props.secondary.region, namer=namer,
            settings=s, vpc=props.secondary.vpc, key=props.secondary.key,
            global_cluster_id=self.global_cluster.id,
            instance_count=props.secondary.instance_count,
            source_region=props.primary.region,
            depends_on=tuple(self.primary.instances)))

    def _password_from_secret(self, props: AuroraGlobalClusterProps) -> str:
        """Declare an ephemeral read of the secret and return a reference to its password.

        cdktf 0.21 has no binding for ephemeral resources, so the block is added as raw
        Terraform JSON; Terraform >= 1.10 evaluates it at plan/apply time only.
        """
        # Metadata only (ARN, name): the plan fails early if the secret does not exist.
        by_arn = props.master_secret.startswith("arn:")
        secret = DataAwsSecretsmanagerSecret(
            self, "MasterSecret", provider=props.primary.provider,
            arn=props.master_secret if by_arn else None,
            name=None if by_arn else props.master_secret)
        self.master_secret_arn = secret.arn
        name = "master_credentials"
        TerraformStack.of(self).add_override(
            f"ephemeral.aws_secretsmanager_secret_version.{name}",
            {"provider": f"aws.{props.primary.provider.alias}",
             "secret_id": secret.arn})
        return ("${jsondecode(ephemeral.aws_secretsmanager_secret_version."
                f'{name}.secret_string)["password"]}}')
