"""Aurora Global Database fixes (patches a-c, f, g): membership across regions, failover
and switchover, look-ups by identifier, global cluster tags, cluster reporting.

Each patch's docstring says what AWS does and what moto gets wrong."""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import (
    DBClusterNotFoundError,
    InvalidParameterCombination,
    InvalidParameterValue,
    RDSClientError,
)
from moto.rds.models import DBCluster, GlobalCluster, RDSBackend, rds_backends
from moto.rds.responses import RDSResponse


class GlobalClusterNotFoundFault(RDSClientError):
    """AWS's error for an unknown ``GlobalClusterIdentifier`` (HTTP 404); moto has none."""

    def __init__(self, identifier: str) -> None:
        super().__init__("GlobalClusterNotFoundFault", f"Global cluster {identifier} not found.")


class InvalidGlobalClusterStateFault(RDSClientError):
    """moto's class of this name has a fixed "is not empty" message; this one takes any."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidGlobalClusterStateFault", message)


def _regional_backends(account_id: str) -> list[RDSBackend]:
    """Every RDS backend of the account that exists (one per region that was used)."""
    return list(rds_backends[account_id].values())


def _global_clusters(account_id: str) -> list[GlobalCluster]:
    """Every global cluster of the account, whichever regional backend stores it."""
    return [
        global_cluster
        for backend in _regional_backends(account_id)
        for global_cluster in list(backend.global_clusters.values())
    ]


def _find_global_cluster(account_id: str, identifier: str) -> GlobalCluster | None:
    """The global cluster named by identifier or ARN (both case-insensitive), or None."""
    wanted = identifier.lower()
    for global_cluster in _global_clusters(account_id):
        if wanted in (
            global_cluster.global_cluster_identifier,
            global_cluster.global_cluster_arn.lower(),
        ):
            return global_cluster
    return None


def _names(cluster: DBCluster, caller_region: str, wanted: str) -> bool:
    """Whether ``wanted`` names ``cluster``: its ARN, or its identifier in the caller's region.

    AWS asks for the ARN in the global-database calls "so that Aurora can locate the cluster in
    its AWS Region"; a bare identifier can only mean a cluster in the caller's region.
    """
    wanted = wanted.lower()
    if wanted.startswith("arn:"):
        return cluster.db_cluster_arn.lower() == wanted
    return cluster.region == caller_region and cluster.db_cluster_identifier == wanted


def _find_member(
    global_cluster: GlobalCluster, identifier: str, caller_region: str
) -> DBCluster | None:
    return next(
        (member for member in global_cluster.members if _names(member, caller_region, identifier)),
        None,
    )


def _cluster_exists(account_id: str, identifier: str, caller_region: str) -> bool:
    return any(
        _names(cluster, caller_region, identifier)
        for backend in _regional_backends(account_id)
        for cluster in list(backend.clusters.values())
    )


def _patch_cross_region_membership() -> None:
    """Patch (a): a member leaves its global cluster wherever the global cluster is stored.

    moto gets wrong: ``RDSBackend.delete_db_cluster`` only removes the cluster from a global
    cluster when that global cluster is in the *caller's* regional backend
    (``global_id in self.global_clusters``), and ``RDSBackend.remove_from_global_cluster`` looks
    the global cluster up in ``self.global_clusters`` and swallows the KeyError. Global clusters
    are stored in the us-east-1 backend, so for a member in any other region both calls leave
    it listed in ``GlobalClusterMembers``, and ``DeleteGlobalCluster`` refuses forever.
    AWS does: a secondary cluster that is deleted, or removed with ``RemoveFromGlobalCluster``
    (called in the member's region, with the member's ARN), stops being a member; a removed
    cluster becomes a standalone cluster (no ``GlobalClusterIdentifier``).
    AWS refuses to delete the primary, or its last instance, while secondaries remain:
    ``tools/emulator/rules.py`` (rules 2 and 3) refuses the same way. Still more lenient than
    AWS: removing the primary from its global cluster while secondaries remain is allowed.
    """
    original_delete = RDSBackend.delete_db_cluster

    def delete_db_cluster(
        self: RDSBackend, cluster_identifier: str, snapshot_name: str | None = None
    ) -> DBCluster:
        # moto's own checks (deletion protection, remaining instances) run first and raise
        # before anything changes; only a cluster that really was deleted leaves its global
        # cluster, searched for in every regional backend of the account.
        cluster = original_delete(self, cluster_identifier, snapshot_name)
        for global_cluster in _global_clusters(self.account_id):
            global_cluster.members[:] = [
                member for member in global_cluster.members if member is not cluster
            ]
        return cluster

    def remove_from_global_cluster(
        self: RDSBackend, global_cluster_identifier: str, db_cluster_identifier: str
    ) -> GlobalCluster | None:
        # Same contract as moto's version (None when either is not found: moto's own
        # delete_db_cluster relies on that), but the global cluster is looked up in every
        # regional backend and the member by ARN in any region (or identifier in this one).
        global_cluster = _find_global_cluster(self.account_id, global_cluster_identifier)
        if global_cluster is None:
            return None
        member = _find_member(global_cluster, db_cluster_identifier, self.region_name)
        if member is None:
            return None
        global_cluster.members.remove(member)
        member.global_cluster_identifier = None
        member.is_writer = False
        return global_cluster

    RDSBackend.delete_db_cluster = delete_db_cluster  # type: ignore[method-assign]
    RDSBackend.remove_from_global_cluster = remove_from_global_cluster  # type: ignore[method-assign]


def _patch_global_failover_and_switchover() -> None:
    """Patch (b): implement ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster``.

    moto gets wrong: neither action exists in ``RDSResponse``, so both answer HTTP 500
    ("not implemented").
    AWS does (API Reference, FailoverGlobalCluster / SwitchoverGlobalCluster): promote the
    secondary named by ``TargetDbClusterIdentifier`` (its ARN; a bare identifier means the
    caller's region) to primary and demote the former primary to a read-only secondary; the
    topology is kept and the former primary now replicates from the new one. In
    ``DescribeGlobalClusters`` the target is the member with ``IsWriter`` true and the writer's
    ``Readers`` lists the other members. ``FailoverGlobalCluster`` with ``AllowDataLoss`` is a
    failover, otherwise (``Switchover``, or neither) a switchover; giving both is refused.
    Errors: unknown global cluster -> GlobalClusterNotFoundFault; target that is not a cluster
    -> DBClusterNotFoundFault; a cluster that is not a member -> InvalidParameterValue; the
    target is already the primary -> InvalidGlobalClusterStateFault (AWS documents the error
    codes, not which condition maps to which; these are the closest documented ones).
    On AWS the change is asynchronous: the call returns the global cluster with ``Status``
    "failing-over"/"switching-over" and a ``FailoverState`` (Status "pending", From/To ARNs,
    IsDataLossAllowed), and both clear when the operation completes (FailoverState has no
    "completed" status). Here it completes at once: the response shows the transitional status
    and FailoverState, and every later read shows "available" and the new roles.
    Not modelled: moto keeps no ``ReplicationSourceIdentifier`` on global-cluster secondaries,
    so none is set here either; member clusters are not checked to be "available".
    """

    def change_global_writer(
        backend: RDSBackend,
        global_cluster_identifier: str,
        target_db_cluster_identifier: str,
        allow_data_loss: bool,
    ) -> GlobalCluster:
        global_cluster = _find_global_cluster(backend.account_id, global_cluster_identifier)
        if global_cluster is None:
            raise GlobalClusterNotFoundFault(global_cluster_identifier)
        target = _find_member(global_cluster, target_db_cluster_identifier, backend.region_name)
        if target is None:
            if not _cluster_exists(
                backend.account_id, target_db_cluster_identifier, backend.region_name
            ):
                raise DBClusterNotFoundError(target_db_cluster_identifier)
            raise InvalidParameterValue(
                f"The cluster {target_db_cluster_identifier} is not a member of global cluster "
                f"{global_cluster.global_cluster_identifier}."
            )
        if target.is_writer:
            raise InvalidGlobalClusterStateFault(
                f"The cluster {target.db_cluster_arn} is already the primary cluster of global "
                f"cluster {global_cluster.global_cluster_identifier}."
            )
        former = next((member for member in global_cluster.members if member.is_writer), None)
        # The roles live on the member clusters (in their own regions' backends);
        # GlobalCluster.global_cluster_members / readers derive IsWriter and Readers from them.
        for member in global_cluster.members:
            member.is_writer = member is target
        in_progress = copy.copy(global_cluster)  # the answer to this call only
        in_progress.status = "failing-over" if allow_data_loss else "switching-over"
        in_progress.failover_state = {  # type: ignore[attr-defined]
            "Status": "pending",
            "FromDbClusterArn": former.db_cluster_arn if former is not None else None,
            "ToDbClusterArn": target.db_cluster_arn,
            "IsDataLossAllowed": bool(allow_data_loss),
        }
        return in_progress

    def failover_global_cluster(
        self: RDSBackend,
        global_cluster_identifier: str,
        target_db_cluster_identifier: str,
        allow_data_loss: bool | None = None,
        switchover: bool | None = None,
    ) -> GlobalCluster:
        if allow_data_loss is not None and switchover is not None:
            raise InvalidParameterCombination(
                "AllowDataLoss and Switchover cannot be specified together."
            )
        return change_global_writer(
            self, global_cluster_identifier, target_db_cluster_identifier, bool(allow_data_loss)
        )

    def switchover_global_cluster(
        self: RDSBackend, global_cluster_identifier: str, target_db_cluster_identifier: str
    ) -> GlobalCluster:
        return change_global_writer(
            self, global_cluster_identifier, target_db_cluster_identifier, False
        )

    def failover_global_cluster_response(self: RDSResponse) -> ActionResult:
        params = self.params
        global_cluster = self.backend.failover_global_cluster(
            global_cluster_identifier=params["GlobalClusterIdentifier"],
            target_db_cluster_identifier=params["TargetDbClusterIdentifier"],
            allow_data_loss=params.get("AllowDataLoss"),
            switchover=params.get("Switchover"),
        )
        return ActionResult({"GlobalCluster": global_cluster})

    def switchover_global_cluster_response(self: RDSResponse) -> ActionResult:
        params = self.params
        global_cluster = self.backend.switchover_global_cluster(
            global_cluster_identifier=params["GlobalClusterIdentifier"],
            target_db_cluster_identifier=params["TargetDbClusterIdentifier"],
        )
        return ActionResult({"GlobalCluster": global_cluster})

    RDSBackend.failover_global_cluster = failover_global_cluster  # type: ignore[attr-defined]
    RDSBackend.switchover_global_cluster = switchover_global_cluster  # type: ignore[attr-defined]
    # moto dispatches an action to the RDSResponse method of the same name in snake_case.
    RDSResponse.failover_global_cluster = failover_global_cluster_response  # type: ignore[attr-defined]
    RDSResponse.switchover_global_cluster = switchover_global_cluster_response  # type: ignore[attr-defined]


def _patch_global_cluster_lookup() -> None:
    """Patch (c): global clusters are found by identifier, and an unknown one is an error.

    moto gets wrong: ``DescribeGlobalClusters`` ignores ``GlobalClusterIdentifier`` and returns
    every global cluster; ``DeleteGlobalCluster`` of an unknown identifier raises a KeyError
    (HTTP 500).
    AWS does: ``DescribeGlobalClusters`` with ``GlobalClusterIdentifier`` returns that global
    cluster only, and an unknown identifier in either call is GlobalClusterNotFoundFault (404).
    ``Filters`` stay unsupported, as in moto.
    """
    original_delete = RDSBackend.delete_global_cluster

    def delete_global_cluster(self: RDSBackend, global_cluster_identifier: str) -> GlobalCluster:
        global_cluster = _find_global_cluster(self.account_id, global_cluster_identifier)
        if global_cluster is None:
            raise GlobalClusterNotFoundFault(global_cluster_identifier)
        # moto's own version (refuses while members remain), on the backend that stores it.
        return original_delete(global_cluster.backend, global_cluster.global_cluster_identifier)

    def describe_global_clusters_response(self: RDSResponse) -> ActionResult:
        identifier = self.params.get("GlobalClusterIdentifier")
        if identifier:
            global_cluster = _find_global_cluster(self.current_account, identifier)
            if global_cluster is None:
                raise GlobalClusterNotFoundFault(identifier)
            global_clusters = [global_cluster]
        else:
            global_clusters = _global_clusters(self.current_account)
        return ActionResult({"GlobalClusters": global_clusters})

    RDSBackend.delete_global_cluster = delete_global_cluster  # type: ignore[method-assign]
    RDSResponse.describe_global_clusters = describe_global_clusters_response  # type: ignore[method-assign]


def _patch_global_cluster_tags() -> None:
    """g. Tags on global clusters.

    AWS: ``CreateGlobalCluster`` takes ``Tags``, and ``ListTagsForResource`` /
    ``AddTagsToResource`` / ``RemoveTagsFromResource`` accept a global cluster's region-less
    ARN (``arn:aws:rds::<account>:global-cluster:<id>``). moto drops the tags at create and
    rejects that ARN ("Invalid resource name"), so Terraform's tag refresh fails and the
    required tags cannot be verified. The tags are kept, and the ARN resolves to the global
    cluster wherever it is stored.
    """
    import re

    pattern = re.compile(r"^arn:[\w-]+:rds::\d{12}:global-cluster:(?P<id>[\w-]+)$")
    original_lookup = RDSBackend._get_resource_for_tagging
    original_create = RDSResponse.create_global_cluster

    def get_resource_for_tagging(self: RDSBackend, arn: str) -> Any:
        match = pattern.match(arn)
        if match:
            global_cluster = _find_global_cluster(self.account_id, match["id"])
            if global_cluster is None:
                raise GlobalClusterNotFoundFault(match["id"])
            return global_cluster
        return original_lookup(self, arn)

    def create_global_cluster(self: RDSResponse) -> ActionResult:
        result = original_create(self)
        tags = self.params.get("Tags") or []
        if tags:
            global_cluster = _find_global_cluster(
                self.current_account, self.params["GlobalClusterIdentifier"]
            )
            if global_cluster is not None:
                global_cluster.add_tags(tags)
        return result

    RDSBackend._get_resource_for_tagging = get_resource_for_tagging  # type: ignore[method-assign]
    RDSResponse.create_global_cluster = create_global_cluster  # type: ignore[method-assign]


def _patch_cluster_reporting() -> None:
    """h. What DescribeDBClusters / DescribeDBInstances report for provisioned Aurora.

    AWS reports ``ScalingConfigurationInfo`` only for Serverless v1 clusters, and reports
    an instance's Performance Insights settings (enabled, KMS key, retention) as created.
    moto reports an empty scaling configuration for every cluster and drops Performance
    Insights, so every plan after apply shows updates to every cluster and instance: the
    drill could not tell a real drift from the emulator's. Both are reported as AWS does.
    """
    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__

    def scaling_configuration_info(self: DBCluster) -> dict[str, Any] | None:
        if self.engine_mode != "serverless":
            return None
        configuration = self.scaling_configuration or {}
        return {
            "MinCapacity": configuration.get("min_capacity"),
            "MaxCapacity": configuration.get("max_capacity"),
            "AutoPause": configuration.get("auto_pause"),
            "SecondsUntilAutoPause": configuration.get("seconds_until_auto_pause"),
            "TimeoutAction": configuration.get("timeout_action"),
            "SecondsBeforeTimeout": configuration.get("seconds_before_timeout"),
        }

    def init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.performance_insights_enabled = bool(kwargs.get("enable_performance_insights"))
        if self.performance_insights_enabled:
            self.performance_insights_kms_key_id = kwargs.get("performance_insights_kms_key_id")
            self.performance_insights_retention_period = int(
                kwargs.get("performance_insights_retention_period") or 7
            )

    DBCluster.scaling_configuration_info = property(scaling_configuration_info)  # type: ignore[method-assign]
    DBInstance.__init__ = init  # type: ignore[method-assign]
