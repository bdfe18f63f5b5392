"""AuroraGlobalCluster: an Aurora Global Database spanning a primary and a secondary region.

Deploys ``aws_rds_global_cluster`` and one :class:`AuroraRegionalCluster` per region. The
secondary joins only after every primary instance exists (AWS rejects a secondary while the
primary has no available writer, provider #13715 / #16362) and is encrypted with its own
region's key.

The master password comes from Secrets Manager (:mod:`constructs_lib.security.master_secret`: an
existing secret, or one the stack creates with a generated password) and is passed as the
write-only ``master_password_wo``: it never reaches the plan, the state or the synthesized
JSON.

The global cluster sets no ``database_name`` or other force-new attribute that could
replace it and kick out its members (provider #39368, #28187); ``force_destroy`` is on
while the deployment is destroyable (provider #26236).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from constructs import Construct

from constructs_lib.database.aurora_regional_cluster import (
    AuroraClusterSettings,
    AuroraRegionalCluster,
    AuroraRegionalClusterProps,
)
from constructs_lib.database.database_member import MasterCredentials
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from constructs_lib.security.master_secret import MasterSecret, MasterSecretProps, MasterUserProps
from constructs_lib.security.regional_key import KeyedRegion, RegionalKey


@dataclass(frozen=True, kw_only=True)
class AuroraRegion:
    """Where one member lives: its provider, network and key."""

    provider: AwsProvider
    region: str
    vpc: RegionalVpc
    key: RegionalKey
    instance_count: int

    @property
    def keyed(self) -> KeyedRegion:
        return KeyedRegion(provider=self.provider, region=self.region, key=self.key)


@dataclass(frozen=True, kw_only=True)
class AuroraGlobalClusterProps(MasterUserProps):
    namer: Namer
    settings: AuroraClusterSettings
    primary: AuroraRegion
    secondary: AuroraRegion


class AuroraGlobalCluster(Construct):
    """The global cluster and its primary and secondary members."""

    def __init__(self, scope: Construct, id: str, props: AuroraGlobalClusterProps) -> None:
        super().__init__(scope, id)
        if props.primary.region == props.secondary.region:
            raise ValueError(
                f"secondary region must differ from the primary, got {props.secondary.region} twice"
            )
        props.validate_master_user()
        s, namer = props.settings, props.namer
        self.global_cluster = RdsGlobalCluster(
            self,
            "Resource",
            provider=props.primary.provider,
            global_cluster_identifier=namer.name("global"),
            engine=s.engine,
            engine_version=s.engine_version,
            storage_encrypted=True,
            deletion_protection=s.deletion_protection,
            force_destroy=not s.deletion_protection,
        )
        self.global_cluster_id = self.global_cluster.global_cluster_identifier

        self.master_secret = MasterSecret(
            self,
            "MasterSecret",
            MasterSecretProps(
                primary=props.primary.keyed,
                secondary=props.secondary.keyed,
                user=props,
                destroyable=not s.deletion_protection,
            ),
        )
        self.master_secret_arn = self.master_secret.arn
        credentials = MasterCredentials(
            username=props.master_username,
            password_wo=self.master_secret.password_wo,
            password_version=props.master_password_version,
        )
        self.primary = AuroraRegionalCluster(
            self,
            "Primary",
            AuroraRegionalClusterProps(
                provider=props.primary.provider,
                region=props.primary.region,
                namer=namer,
                settings=s,
                vpc=props.primary.vpc,
                key=props.primary.key,
                global_cluster_id=self.global_cluster.id,
                instance_count=props.primary.instance_count,
                credentials=credentials,
                database_name=props.database_name,
                depends_on=self.master_secret.ready,
            ),
        )
        self.secondary = AuroraRegionalCluster(
            self,
            "Secondary",
            AuroraRegionalClusterProps(
                provider=props.secondary.provider,
                region=props.secondary.region,
                namer=namer,
                settings=s,
                vpc=props.secondary.vpc,
                key=props.secondary.key,
                global_cluster_id=self.global_cluster.id,
                instance_count=props.secondary.instance_count,
                source_region=props.primary.region,
                depends_on=tuple(self.primary.instances),
            ),
        )
