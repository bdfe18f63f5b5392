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

from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from constructs import Construct

from constructs_lib.database.aurora_regional_cluster import (
    AuroraClusterSettings,
    AuroraRegionalCluster,
    AuroraRegionalClusterProps,
)
from constructs_lib.database.database_pair import DatabasePair, DatabasePairProps, DatabaseRegion


@dataclass(frozen=True, kw_only=True)
class AuroraRegion(DatabaseRegion):
    """Where one member lives, and how many instances it runs (0: a headless secondary)."""

    instance_count: int


@dataclass(frozen=True, kw_only=True)
class AuroraGlobalClusterProps(DatabasePairProps):
    settings: AuroraClusterSettings
    primary: AuroraRegion
    secondary: AuroraRegion


class AuroraGlobalCluster(DatabasePair):
    """The global cluster and its primary and secondary members."""

    MEMBER = (AuroraRegionalCluster, AuroraRegionalClusterProps)

    def __init__(self, scope: Construct, id: str, props: AuroraGlobalClusterProps) -> None:
        super().__init__(scope, id, props)
        s = props.settings
        self.global_cluster = RdsGlobalCluster(
            self,
            "Resource",
            provider=props.primary.provider,
            global_cluster_identifier=props.namer.name("global"),
            engine=s.engine,
            engine_version=s.engine_version,
            storage_encrypted=True,
            deletion_protection=s.deletion_protection,
            force_destroy=not s.deletion_protection,
        )
        self.global_cluster_id = self.global_cluster.global_cluster_identifier

        self.primary: AuroraRegionalCluster = self._member(
            "Primary",
            props.primary,
            global_cluster_id=self.global_cluster.id,
            instance_count=props.primary.instance_count,
            **self._primary_role(),
        )
        self.secondary: AuroraRegionalCluster = self._member(
            "Secondary",
            props.secondary,
            global_cluster_id=self.global_cluster.id,
            instance_count=props.secondary.instance_count,
            source_region=props.primary.region,
            depends_on=tuple(self.primary.instances),
        )
