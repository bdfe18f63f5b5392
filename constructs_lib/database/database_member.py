"""DatabaseMember: what the shared constructs need to know about one region's database.

The DNS records, alarms, canaries and failover automation are the same constructs in both
database modes; only the database construct differs. Both database constructs expose each
region's database through this interface:

- ``AuroraRegionalCluster`` (``aurora-global`` mode): a member cluster of a global database;
  CloudWatch dimension ``DBClusterIdentifier``.
- ``RdsRegionalInstance`` (``rds-replica`` mode): an RDS instance, the primary or its
  cross-region read replica; CloudWatch dimension ``DBInstanceIdentifier``.
"""

from __future__ import annotations

from typing import Protocol

from cdktf_cdktf_provider_aws.provider import AwsProvider

from dr_lambdas.contract import CLUSTER_DIMENSION, INSTANCE_DIMENSION

AURORA_CLUSTER, RDS_INSTANCE = "aurora-cluster", "rds-instance"
DIMENSIONS = {AURORA_CLUSTER: CLUSTER_DIMENSION, RDS_INSTANCE: INSTANCE_DIMENSION}


class DatabaseMember(Protocol):
    kind: str  # AURORA_CLUSTER | RDS_INSTANCE
    region: str
    provider: AwsProvider
    is_primary: bool
    # Physical identifier, known at synth time (names alarms' dimensions and metrics).
    identifier: str
    # The same identifier as a reference to the database resource: what a resource that
    # AWS checks against the database at creation (an RDS event subscription's source)
    # must use, so Terraform creates the database first.
    identifier_reference: str
    arn: str
    # Host name that takes writes in this region (the cluster endpoint, or the instance
    # address) and the one for reads.
    endpoint: str
    reader_endpoint: str
    # False for a headless Aurora secondary: no instance, no instance metrics.
    has_instances: bool
    # The DB instances of the member (an Aurora cluster's instances, or the RDS instance
    # itself): what DescribeDBInstances is asked about when its health is in doubt.
    instance_arns: list[str]

    @property
    def dimension(self) -> str: ...
