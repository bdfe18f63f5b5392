"""Aurora PostgreSQL clusters and instances as the emulator tests create them: the engine of
the two-region topology (support.emulator_checks) and a provisioned instance class; and the
one master user of the emulator and orchestrator tests' databases."""

from __future__ import annotations

from support.emulator_checks import ENGINE, ENGINE_VERSION

# The master user of a database that is not a global database's secondary (a secondary has
# none of its own).
CREDENTIALS = {"MasterUsername": "dbadmin", "MasterUserPassword": "not-a-real-secret"}


def create_cluster(client, identifier: str, **settings) -> dict:
    """An Aurora PostgreSQL cluster with ``settings`` (CreateDBCluster's arguments): the
    DBCluster of the answer."""
    return client.create_db_cluster(
        DBClusterIdentifier=identifier, Engine=ENGINE, EngineVersion=ENGINE_VERSION, **settings
    )["DBCluster"]


def create_instance(client, identifier: str, cluster: str, **settings) -> dict:
    """A db.r6g.large instance of ``cluster`` with ``settings`` (CreateDBInstance's
    arguments): the DBInstance of the answer."""
    return client.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBClusterIdentifier=cluster,
        Engine=ENGINE,
        DBInstanceClass="db.r6g.large",
        **settings,
    )["DBInstance"]
