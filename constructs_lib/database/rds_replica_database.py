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

from constructs import Construct

from constructs_lib.database.database_pair import DatabasePair, DatabasePairProps, DatabaseRegion
from constructs_lib.database.rds_regional_instance import (
    RdsInstanceSettings,
    RdsRegionalInstance,
    RdsRegionalInstanceProps,
)

# Where one instance lives: its provider, network and key.
RdsRegion = DatabaseRegion


@dataclass(frozen=True, kw_only=True)
class RdsReplicaDatabaseProps(DatabasePairProps):
    settings: RdsInstanceSettings


class RdsReplicaDatabase(DatabasePair):
    """The primary instance and its cross-region read replica."""

    MEMBER = (RdsRegionalInstance, RdsRegionalInstanceProps)

    def __init__(self, scope: Construct, id: str, props: RdsReplicaDatabaseProps) -> None:
        super().__init__(scope, id, props)
        self.primary: RdsRegionalInstance = self._member(
            "Primary", props.primary, **self._primary_role()
        )
        self.secondary: RdsRegionalInstance = self._member(
            "Secondary", props.secondary, source_arn=self.primary.arn
        )
