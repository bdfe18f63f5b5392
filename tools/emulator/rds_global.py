"""Aurora Global Database: what moto 5.2.5 gets wrong on the path of a deploy, a failover
drill and a teardown (read in ``moto/rds/models.py`` and ``responses.py``), fixed as the RDS
API Reference documents it.

(a) Membership across regions. moto keeps every global cluster in its us-east-1 backend
    (``RDSResponse.global_backend``) and each member in its own region's backend;
    ``create_db_cluster`` searches every region to join, but ``delete_db_cluster`` and
    ``remove_from_global_cluster`` look only in the caller's region, so a us-west-2 member
    that is deleted or removed stays listed and ``DeleteGlobalCluster`` refuses ("not
    empty") until Terraform times out. AWS: a secondary that is deleted, or removed with
    ``RemoveFromGlobalCluster`` (in its region, by ARN), stops being a member, and a removed
    cluster stands alone (no ``GlobalClusterIdentifier``). AWS refuses to delete the primary,
    or its last instance, while secondaries remain: rules 2 and 3 in ``rules.py``. Still
    more lenient than AWS: the primary can be removed while secondaries remain.
(b) ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster`` are not implemented (HTTP 500),
    so a failover drill cannot run. AWS: the secondary named by ``TargetDbClusterIdentifier``
    (its ARN; a bare identifier means the caller's region) becomes the primary and the
    former primary a read-only secondary replicating from it; ``DescribeGlobalClusters``
    shows the target with ``IsWriter`` and the others as its ``Readers``. With
    ``AllowDataLoss`` it is a failover, otherwise (``Switchover``, or neither) a switchover;
    both is InvalidParameterCombination. Unknown global cluster: GlobalClusterNotFoundFault;
    a target that is no cluster: DBClusterNotFoundFault; not a member:
    InvalidParameterValue; already the primary: InvalidGlobalClusterStateFault (AWS lists
    the codes, not which condition raises which: these are the closest). AWS answers with
    ``Status`` "failing-over"/"switching-over" and a ``FailoverState`` ("pending", From/To
    ARNs, IsDataLossAllowed) that clear when the change completes; here it completes at
    once: the answer shows the transition, every later read "available" and the new roles.
    Not modelled: ``ReplicationSourceIdentifier`` of secondaries (moto keeps none), and
    members are not checked to be "available".
(c) Look-ups by identifier. ``DescribeGlobalClusters`` ignores ``GlobalClusterIdentifier``
    (it lists every global cluster) and ``DeleteGlobalCluster`` of an unknown one fails with
    HTTP 500. AWS: that global cluster only, and GlobalClusterNotFoundFault (404) for an
    unknown one in either call. ``Filters`` stay unsupported, as in moto.
(g) Tags. AWS: ``CreateGlobalCluster`` takes ``Tags`` and the tagging calls accept a global
    cluster's region-less ARN (``arn:aws:rds::<account>:global-cluster:<id>``). moto drops
    the tags and rejects the ARN ("Invalid resource name"), so Terraform's tag refresh fails
    and the required tags cannot be verified. The tags are kept, and the ARN resolves to
    the global cluster wherever it is stored.
(h) Reporting of provisioned Aurora. AWS reports ``ScalingConfigurationInfo`` only for
    Serverless v1 clusters, and an instance's Performance Insights settings (enabled, KMS
    key, retention) as created. moto reports an empty scaling configuration for every
    cluster and drops Performance Insights, so every plan after apply shows updates and the
    drill could not tell a real drift from the emulator's.
"""

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

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_cross_region_membership()
    _patch_global_failover_and_switchover()
    _patch_global_cluster_lookup()
    _patch_global_cluster_tags()
    _patch_cluster_reporting()


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
    """(a) A member leaves its global cluster wherever the global cluster is stored."""
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

    install(RDSBackend, delete_db_cluster, remove_from_global_cluster)


def _patch_global_failover_and_switchover() -> None:
    """(b) ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster``."""

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

    install(RDSBackend, failover_global_cluster, switchover_global_cluster)
    install(RDSResponse, failover_global_cluster_response, switchover_global_cluster_response)


def _patch_global_cluster_lookup() -> None:
    """(c) Global clusters are found by identifier; an unknown one is an error."""
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

    install(RDSBackend, delete_global_cluster)
    install(RDSResponse, describe_global_clusters_response)


def _patch_global_cluster_tags() -> None:
    """(g) Tags of global clusters, under their region-less ARN."""
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
    install(RDSResponse, create_global_cluster)


def _patch_cluster_reporting() -> None:
    """(h) Scaling configuration and Performance Insights, reported as AWS does."""
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

    DBCluster.scaling_configuration_info = (  # type: ignore[method-assign]
        property(scaling_configuration_info)
    )
    DBInstance.__init__ = init  # type: ignore[method-assign]
