"""The emulator tests' shared fixtures; ``emulator`` (tests/tools/conftest.py) is the
session's server, emptied before each test."""

from __future__ import annotations

from dataclasses import dataclass

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
from support.emulator_rds import CREDENTIALS, create_cluster, create_instance


@dataclass(frozen=True, kw_only=True)
class GlobalDatabase:
    """What ``topology`` created: the global cluster, its member cluster in each region
    (identifier and ARN, by region) and the primary member's one instance."""

    global_id: str
    cluster_ids: dict[str, str]
    arns: dict[str, str]
    instance_id: str


@pytest.fixture()
def rds(emulator):
    """RDS clients by region, on an emulator emptied before each test."""
    return {region: emulator.client("rds", region) for region in (PRIMARY, SECONDARY)}


@pytest.fixture()
def topology(rds) -> GlobalDatabase:
    """Global cluster, primary with one instance, headless secondary."""
    rds[PRIMARY].create_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        StorageEncrypted=False,
    )
    primary = create_cluster(
        rds[PRIMARY], PRIMARY_ID, GlobalClusterIdentifier=GLOBAL_ID, **CREDENTIALS
    )
    create_instance(rds[PRIMARY], INSTANCE_ID, PRIMARY_ID)
    # A secondary joins with the global cluster's identifier and no credentials of its own.
    secondary = create_cluster(rds[SECONDARY], SECONDARY_ID, GlobalClusterIdentifier=GLOBAL_ID)
    return GlobalDatabase(
        global_id=GLOBAL_ID,
        cluster_ids={PRIMARY: PRIMARY_ID, SECONDARY: SECONDARY_ID},
        arns={PRIMARY: primary["DBClusterArn"], SECONDARY: secondary["DBClusterArn"]},
        instance_id=INSTANCE_ID,
    )
