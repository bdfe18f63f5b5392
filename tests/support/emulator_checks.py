"""What the emulator tests share: the two-region topology's names and checks on it."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
GLOBAL_ID = "emu-global"
PRIMARY_ID, SECONDARY_ID = "emu-primary", "emu-secondary"
INSTANCE_ID = "emu-primary-1"
ENGINE, ENGINE_VERSION = "aurora-postgresql", "15.10"


def global_cluster(client) -> dict:
    found = client.describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)["GlobalClusters"]
    assert len(found) == 1
    return found[0]


def roles(client) -> dict[str, tuple[bool, list[str]]]:
    """Each member ARN -> (IsWriter, Readers), as DescribeGlobalClusters reports it."""
    return {
        member["DBClusterArn"]: (member["IsWriter"], sorted(member["Readers"]))
        for member in global_cluster(client)["GlobalClusterMembers"]
    }


def assert_writer(rds, arns: dict[str, str], writer: str, reader: str) -> None:
    expected = {arns[writer]: (True, [arns[reader]]), arns[reader]: (False, [])}
    for region in (PRIMARY, SECONDARY):  # the same answer whichever region asks
        assert roles(rds[region]) == expected, f"as seen from {region}"
        assert global_cluster(rds[region])["Status"] == "available"


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def assert_nothing_left(rds) -> None:
    for region in (PRIMARY, SECONDARY):
        assert rds[region].describe_global_clusters()["GlobalClusters"] == []
        assert rds[region].describe_db_clusters()["DBClusters"] == []
        assert rds[region].describe_db_instances()["DBInstances"] == []
        with pytest.raises(ClientError) as excinfo:
            rds[region].describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)
        assert error_code(excinfo) == "GlobalClusterNotFoundFault"
