"""RdsReplicaDatabase: an RDS PostgreSQL primary with a promotable cross-region replica.

The ``rds-replica`` database mode, for teams that cannot use Aurora (cost, engine features,
an existing RDS fleet). One :class:`RdsRegionalInstance` per region: the Multi-AZ primary,
created with the master password from Secrets Manager
(:mod:`constructs_lib.security.master_secret`), and a read replica in the secondary region that the
failover orchestrator promotes with ``PromoteReadReplica``.

Replication is asynchronous: RPO is the replica's ``ReplicaLag`` at failure time, and
promotion takes "several minutes or longer" (USER_ReadRepl.Promote), so this mode trades a
longer RTO and no planned zero-loss switchover for a standard RDS engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.database.database_member import MasterCredentials
from constructs_lib.database.rds_regional_instance import (
    RdsInstanceSettings,
    RdsRegionalInstance,
    RdsRegionalInstanceProps,
)
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from constructs_lib.security.master_secret import MasterSecret, MasterSecretProps, MasterUserProps
from constructs_lib.security.regional_key import KeyedRegion, RegionalKey


@dataclass(frozen=True, kw_only=True)
class RdsRegion:
    """Where one instance lives: its provider, network and key."""

    provider: AwsProvider
    region: str
    vpc: RegionalVpc
    key: RegionalKey

    @property
    def keyed(self) -> KeyedRegion:
        return KeyedRegion(provider=self.provider, region=self.region, key=self.key)


@dataclass(frozen=True, kw_only=True)
class RdsReplicaDatabaseProps(MasterUserProps):
    namer: Namer
    settings: RdsInstanceSettings
    primary: RdsRegion
    secondary: RdsRegion


class RdsReplicaDatabase(Construct):
    """The primary instance and its cross-region read replica."""

    def __init__(self, scope: Construct, id: str, props: RdsReplicaDatabaseProps) -> None:
        super().__init__(scope, id)
        if props.primary.region == props.secondary.region:
            raise ValueError(
                f"secondary region must differ from the primary, got {props.secondary.region} twice"
            )
        props.validate_master_user()
        self.master_secret = MasterSecret(
            self,
            "MasterSecret",
            MasterSecretProps(
                primary=props.primary.keyed,
                secondary=props.secondary.keyed,
                user=props,
                destroyable=not props.settings.deletion_protection,
            ),
        )
        self.master_secret_arn = self.master_secret.arn

        def instance(label: str, side: RdsRegion, **role) -> RdsRegionalInstance:
            return RdsRegionalInstance(
                self,
                label,
                RdsRegionalInstanceProps(
                    provider=side.provider,
                    region=side.region,
                    namer=props.namer,
                    settings=props.settings,
                    vpc=side.vpc,
                    key=side.key,
                    **role,
                ),
            )

        self.primary = instance(
            "Primary",
            props.primary,
            credentials=MasterCredentials(
                username=props.master_username,
                password_wo=self.master_secret.password_wo,
                password_version=props.master_password_version,
            ),
            database_name=props.database_name,
            depends_on=self.master_secret.ready,
        )
        self.secondary = instance("Secondary", props.secondary, source_arn=self.primary.arn)
