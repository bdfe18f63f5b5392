"""Where the emulator refuses what AWS refuses: strictness rules added to moto.

moto accepts calls that AWS rejects, so a stack or a drill that is wrong for AWS can still go
green here. Each rule below makes the emulator answer such a call the way AWS does (same
error code, HTTP status and message), so the mistake fails here first. Each rule has a test
in ``tests/tools/emulator/test_emulator_rules.py`` that shows the refusal, and the e2e
deploy runs against them.

Rule 1. AWS refuses ``CreateEventSubscription`` naming a ``SourceIds`` entry that does not
  exist in the region: ``SourceNotFound`` (404) "Could not find source : <id>"; the provider
  does not retry, so a subscription created before its database fails the apply. moto 5.2.5:
  creates it. Source: RDS API reference, CreateEventSubscription errors; provider
  ``rds/event_subscription.go``.

Rule 2. AWS refuses ``DeleteDBInstance`` of the last instance of the *writer* cluster of a
  global database while other clusters are members: ``InvalidDBClusterStateFault`` (400)
  "Cannot delete the last instance of the master cluster. Delete the replica cluster before
  deleting the last master cluster instance." (after a failover, Terraform's secondary-first
  destroy order hits it). moto 5.2.5: deletes it. Source: terraform-provider-aws #29147,
  #26234; aws-nuke #570.

Rule 3. AWS refuses ``DeleteDBCluster`` of the writer cluster of a global database while
  other clusters are members: ``InvalidGlobalClusterStateFault`` (400) "Unable to delete
  cluster that is a primary member of global cluster while there are other global cluster
  members". moto 5.2.5: deletes it. Source: terraform-provider-aws #26236.

Rule 4. AWS refuses ``PutFunctionConcurrency`` that takes the account's unreserved
  concurrency below its minimum (100, or the whole quota when it is lower, as for a new
  account's 10): ``InvalidParameterValueException`` (400) "Specified
  ReservedConcurrentExecutions for function decreases account's
  UnreservedConcurrentExecution below its minimum value of [<n>].". moto 5.2.5: checks only
  when ``MOTO_LAMBDA_CONCURRENCY_QUOTA`` is set, always against 100. Source: Lambda
  developer guide, configuration-concurrency; reports of "[10]" on new accounts
  (aws-samples/alarm-context-tool #2).

Rule 5. AWS refuses ``PutMetricData`` with a ``StorageResolution`` other than 1 (high
  resolution) or 60: ``InvalidParameterValue`` (400) "The parameter
  MetricData.member.<n>.StorageResolution must be a value in the set [ 1, 60 ]." (the canary
  publishes its probes at 1 s so that 10 s alarms can read them). moto 5.2.5: stores any
  value. Source: CloudWatch API reference, MetricDatum; boto/botocore #1671.

Rule 4 needs the account's quota: ``Emulator(lambda_concurrency_quota=10)`` (the e2e run
uses a new account's 10, so any reservation fails there as it would on such an account).
"""

from __future__ import annotations

import os
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend
from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.models import CloudWatchBackend
from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBCluster, GlobalCluster, RDSBackend, rds_backends

from tools.emulator.patching import install

QUOTA_VARIABLE = "MOTO_LAMBDA_CONCURRENCY_QUOTA"  # read by moto's own check as well
MINIMUM_UNRESERVED = 100
STORAGE_RESOLUTIONS = (1, 60)
# Source types of an RDS event subscription whose sources the backend can look up.
_EVENT_SOURCES = {
    "db-instance": "databases",
    "db-cluster": "clusters",
    "db-parameter-group": "db_parameter_groups",
    "db-cluster-snapshot": "cluster_snapshots",
    "db-snapshot": "database_snapshots",
}


class SourceNotFound(RDSClientError):
    code = "SourceNotFound"

    def __init__(self, source_id: str) -> None:
        super().__init__("SourceNotFound", f"Could not find source : {source_id}")


class InvalidDBClusterStateFault(RDSClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidDBClusterStateFault", message)


class InvalidGlobalClusterStateFault(RDSClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidGlobalClusterStateFault", message)


def apply() -> None:
    """Install every rule (called once by ``tools.emulator.apply_patches``)."""
    _event_subscription_sources_must_exist()
    _writer_cluster_keeps_its_last_instance_while_members_remain()
    _lambda_unreserved_concurrency_minimum()
    _metric_storage_resolution_is_1_or_60()


def _global_cluster_of(cluster: DBCluster) -> GlobalCluster | None:
    identifier = (cluster.global_cluster_identifier or "").lower()
    if not identifier:
        return None
    for backend in rds_backends[cluster.account_id].values():
        for global_cluster in list(backend.global_clusters.values()):
            if identifier in (
                global_cluster.global_cluster_identifier,
                global_cluster.global_cluster_arn.lower(),
            ):
                return global_cluster
    return None


def _writer_with_other_members(cluster: DBCluster) -> bool:
    global_cluster = _global_cluster_of(cluster)
    return (
        global_cluster is not None
        and bool(cluster.is_writer)
        and any(member is not cluster for member in global_cluster.members)
    )


def _event_subscription_sources_must_exist() -> None:
    """Rule 1: every source of a new event subscription exists in the caller's region."""
    original = RDSBackend.create_event_subscription

    def create_event_subscription(self: RDSBackend, kwargs: Any) -> Any:
        store = _EVENT_SOURCES.get(kwargs.get("source_type") or "")
        if store is not None:
            known = {key.lower() for key in getattr(self, store)}
            for source_id in kwargs.get("source_ids") or []:
                if source_id.lower() not in known:
                    raise SourceNotFound(source_id)
        return original(self, kwargs)

    install(RDSBackend, create_event_subscription)


def _writer_cluster_keeps_its_last_instance_while_members_remain() -> None:
    """Rules 2 and 3: the writer of a global database outlives the other members."""
    original_delete_instance = RDSBackend.delete_db_instance
    original_delete_cluster = RDSBackend.delete_db_cluster

    def delete_db_instance(
        self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any
    ) -> Any:
        instance = self.databases.get(db_instance_identifier)
        cluster = self.clusters.get(getattr(instance, "db_cluster_identifier", None) or "")
        if (
            cluster is not None
            and len(cluster.members) == 1
            and _writer_with_other_members(cluster)
        ):
            raise InvalidDBClusterStateFault(
                "Cannot delete the last instance of the master cluster. Delete the replica "
                "cluster before deleting the last master cluster instance."
            )
        return original_delete_instance(self, db_instance_identifier, *args, **kwargs)

    def delete_db_cluster(
        self: RDSBackend, cluster_identifier: str, *args: Any, **kwargs: Any
    ) -> Any:
        cluster = self.clusters.get(cluster_identifier)
        if cluster is not None and _writer_with_other_members(cluster):
            raise InvalidGlobalClusterStateFault(
                "Unable to delete cluster that is a primary member of global cluster while "
                "there are other global cluster members"
            )
        return original_delete_cluster(self, cluster_identifier, *args, **kwargs)

    install(RDSBackend, delete_db_instance, delete_db_cluster)


def _lambda_unreserved_concurrency_minimum() -> None:
    """Rule 4: reservations leave at least min(100, quota) unreserved in the account."""

    def put_function_concurrency(
        self: LambdaBackend, function_name: str, reserved_concurrency: str
    ) -> str:
        quota = os.environ.get(QUOTA_VARIABLE)
        if quota is not None:
            minimum = min(MINIMUM_UNRESERVED, int(quota))
            reserved = sum(
                int(function.reserved_concurrency)
                for function in self.list_functions()
                if function.reserved_concurrency and function.function_name != function_name
            )
            if int(quota) - reserved - int(reserved_concurrency) < minimum:
                raise InvalidParameterValueException(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{minimum}]."
                )
        # What moto's own version does once its check (always against 100) passes.
        function = self.get_function(function_name)
        function.reserved_concurrency = reserved_concurrency
        return function.reserved_concurrency

    install(LambdaBackend, put_function_concurrency)


def _metric_storage_resolution_is_1_or_60() -> None:
    """Rule 5: each datum's storage resolution, when given, is 1 or 60 seconds."""
    original = CloudWatchBackend._validate_parameters_put_metric_data

    def _validate_parameters_put_metric_data(
        self: CloudWatchBackend, metric: dict[str, Any], query_num: int
    ) -> None:
        resolution = metric.get("StorageResolution")
        if resolution is not None and int(resolution) not in STORAGE_RESOLUTIONS:
            raise InvalidParameterValue(
                f"The parameter MetricData.member.{query_num}.StorageResolution must be a value "
                "in the set [ 1, 60 ]."
            )
        original(self, metric, query_num)

    install(CloudWatchBackend, _validate_parameters_put_metric_data)
