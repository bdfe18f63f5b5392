"""The emulator tests' shared fixtures; ``emulator`` (tests/tools/conftest.py) is the
session's server, emptied before each test."""

from __future__ import annotations

import pytest

from support.emulator_checks import (
    ENGINE,
    ENGINE_VERSION,
    GLOBAL_ID,
    INSTANCE_ID,
    PRIMARY,
    PRIMARY_ID,
    SECONDARY,
    SECONDARY_ID,
)


@pytest.fixture()
def rds(emulator):
    """RDS clients by region, on an emulator emptied before each test."""
    return {region: emulator.client("rds", region) for region in (PRIMARY, SECONDARY)}


@pytest.fixture()
def topology(rds):
    """Global cluster, primary with one instance, headless secondary; the two cluster ARNs."""
    rds[PRIMARY].create_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        StorageEncrypted=False,
    )
    primary = rds[PRIMARY].create_db_cluster(
        DBClusterIdentifier=PRIMARY_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        GlobalClusterIdentifier=GLOBAL_ID,
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-secret",
    )["DBCluster"]
    rds[PRIMARY].create_db_instance(
        DBInstanceIdentifier=INSTANCE_ID,
        DBClusterIdentifier=PRIMARY_ID,
        Engine=ENGINE,
        DBInstanceClass="db.r6g.large",
    )
    # A secondary joins with the global cluster's identifier and no credentials of its own.
    secondary = rds[SECONDARY].create_db_cluster(
        DBClusterIdentifier=SECONDARY_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        GlobalClusterIdentifier=GLOBAL_ID,
    )["DBCluster"]
    return {PRIMARY: primary["DBClusterArn"], SECONDARY: secondary["DBClusterArn"]}
