"""A local AWS endpoint for tests: moto's server, with in-process fixes for its Aurora gaps.

``with Emulator() as emu:`` runs moto (``moto[server]``) in a thread of this process on a free
loopback port; ``emu.endpoint`` is what Terraform's ``endpoints { ... }`` overrides and boto3's
``endpoint_url`` point at, and ``emu.client("rds", "us-west-2")`` is a ready boto3 client.
``python -m tools.emulator`` does the same from a shell and runs until Ctrl-C.

Why patches exist
-----------------
The product deploys an Aurora Global Database across two regions and drills a regional failover.
moto 5.2.5 gets three things wrong on that path (checked in ``moto/rds/models.py`` and
``moto/rds/responses.py``):

a. Membership across regions. moto keeps every global cluster in its us-east-1 RDS backend
   (``RDSResponse.global_backend``), while each member DB cluster lives in its own region's
   backend. ``create_db_cluster`` searches all regions to *join* a global cluster, but
   ``delete_db_cluster`` and ``remove_from_global_cluster`` search only the caller's region, so a
   us-west-2 member that is deleted or removed stays listed as a member forever, and
   ``DeleteGlobalCluster`` then refuses ("not empty") until Terraform times out.
b. ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster`` are not implemented (HTTP 500), so
   a failover drill cannot run at all.
c. Look-ups by identifier: ``DescribeGlobalClusters`` ignores ``GlobalClusterIdentifier`` (it
   lists every global cluster) and an unknown identifier in ``DescribeGlobalClusters`` or
   ``DeleteGlobalCluster`` is not ``GlobalClusterNotFoundFault`` (the delete fails with HTTP 500).

:func:`apply_patches` fixes these in-process before the server starts, each following the
documented AWS behaviour (AWS RDS API Reference). The fixes live here, in the test harness:
the product never changes to please the emulator. Patches d-k fix, the same way, gaps of the
other services the stack uses (Route 53, IAM, RDS tags and reporting, CloudWatch composite
alarms, Lambda dead-letter queues, EC2 security group rule descriptions). Patches l-o fix the
path of the "rds-replica" mode (an RDS PostgreSQL DB instance with a cross-region read replica,
failed over with PromoteReadReplica): creating the replica in its own region, promoting and
deleting replicas and their source, the parameters of DB parameter groups, and DB instance
resource IDs. Patches p-t fix the AWS Backup path (vaults in both regions, a plan with a
cross-region copy, and the selection assigning the database to it): backup selections, the
tags the Terraform provider reads, the recovery-point listing a vault's ``force_destroy``
needs, plan updates, and re-using a deleted plan's name. Patch u answers S3 replication
rules as they were put (backup buckets); patch v keeps a secret replica's KMS key (generated
master secret); patch w makes alarms act: a state change publishes the alarm's notification
to its SNS topics, composite alarms follow their rule, and what SNS would hand to a Lambda
function is kept for the caller to run (:func:`lambda_deliveries`). Each patch's docstring
says what AWS does and what moto gets wrong. Where the emulator is still more lenient than
AWS (see the notes on each patch), tests of the product must not rely on it to catch
mistakes.

moto's state is process-wide (module-level backends): run one :class:`Emulator` at a time per
process. Each one starts from an empty state.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import warnings
from typing import Any

import boto3
import moto
from moto.core.responses import ActionResult, EmptyResult
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.rds.exceptions import (
    DBClusterNotFoundError,
    InvalidParameterCombination,
    InvalidParameterValue,
    RDSClientError,
)
from moto.rds.models import DBCluster, GlobalCluster, RDSBackend, rds_backends
from moto.rds.responses import RDSResponse

from tools import emulator_rules

TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
STARTUP_TIMEOUT_SECONDS = 30.0
# The moto release whose source these patches were written against.
MOTO_VERSION_CHECKED = "5.2.5"


class Emulator:
    """moto's server on ``host`` (loopback by default), started and always stopped as a context.

    ``port=0`` (the default) lets the operating system pick a free port at bind time, so there is
    no window in which another process can take it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
        log_requests: bool = False,
        lambda_concurrency_quota: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        # The account's Lambda concurrency quota (None: not enforced). A new AWS account's
        # is 10, all of it the unreserved minimum (tools/emulator_rules.py, rule 4).
        self.lambda_concurrency_quota = lambda_concurrency_quota
        self.startup_timeout = startup_timeout
        self.log_requests = log_requests
        self._server: ThreadedMotoServer | None = None
        self._running = False
        self._bound_port = 0  # the port actually bound, known once started

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        # Runs for normal exit, exceptions and KeyboardInterrupt alike; never swallows them.
        self.stop()

    def start(self) -> Emulator:
        """Apply the patches, start the server and wait (bounded) until it answers."""
        if self._running:
            return self
        apply_patches()
        if self.lambda_concurrency_quota is None:
            os.environ.pop(emulator_rules.QUOTA_VARIABLE, None)
        else:
            os.environ[emulator_rules.QUOTA_VARIABLE] = str(self.lambda_concurrency_quota)
        # The server logs one line per request through werkzeug's logger (INFO): hundreds of
        # lines for a Terraform run. Errors still reach the client in the responses.
        logging.getLogger("werkzeug").setLevel(
            logging.INFO if self.log_requests else logging.WARNING
        )
        deadline = time.monotonic() + self.startup_timeout
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        # ThreadedMotoServer.start() waits without a timeout for the bind to succeed (and waits
        # forever if it fails), so call it from a helper thread and bound the wait here.
        starter = threading.Thread(target=server.start, name="moto-start", daemon=True)
        starter.start()
        try:
            starter.join(self.startup_timeout)
            if starter.is_alive():
                raise RuntimeError(
                    f"moto server did not bind {self.host}:{self.port} within "
                    f"{self.startup_timeout:.0f} s"
                )
            self._server, self._running = server, True
            self._bound_port = server.get_host_and_port()[1]
            self._wait_until_answering(deadline)
            self.reset()
        except BaseException:  # including KeyboardInterrupt while waiting
            if not starter.is_alive():  # the server is bound and serving: stop it
                self._server, self._running = server, True
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server if it runs; safe to call more than once."""
        if self._running and self._server is not None:
            self._running = False
            self._server.stop()
            if self.lambda_concurrency_quota is not None:
                os.environ.pop(emulator_rules.QUOTA_VARIABLE, None)
        self._server = None

    def _wait_until_answering(self, deadline: float) -> None:
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the server is up
            except OSError as error:  # refused, reset, timed out
                last_error = error
                time.sleep(0.05)
        raise RuntimeError(f"moto server at {self.endpoint} did not answer: {last_error}")

    # -- use -------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if not self._running:
            raise RuntimeError("the emulator is not running")
        return f"http://{self.host}:{self._bound_port}"

    def client(self, service: str, region: str = "us-east-1", **kwargs: Any) -> Any:
        """A boto3 client for ``service`` in ``region`` that talks to this emulator."""
        return boto3.client(
            service, region_name=region, endpoint_url=self.endpoint, **TEST_CREDENTIALS, **kwargs
        )

    def reset(self) -> None:
        """Forget every resource in every service and region (moto's ``/moto-api/reset``)."""
        lambda_deliveries()  # and what SNS handed to functions (patch w)
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"moto reset answered HTTP {response.status}")


# ------------------------------------------------------------------------------------------
# Patches
# ------------------------------------------------------------------------------------------

_patch_lock = threading.Lock()
_patched = False


def apply_patches() -> None:
    """Fix moto's Aurora global-database gaps in this process. Idempotent."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        if moto.__version__ != MOTO_VERSION_CHECKED:
            warnings.warn(
                f"tools.emulator patches were checked against moto "
                f"{MOTO_VERSION_CHECKED}, this is moto {moto.__version__}",
                stacklevel=2,
            )
        _patch_cross_region_membership()
        _patch_global_failover_and_switchover()
        _patch_global_cluster_lookup()
        _patch_private_zone_from_vpc()
        _patch_alarm_based_health_checks()
        _patch_global_cluster_tags()
        _patch_cluster_reporting()
        _patch_composite_alarms()
        _patch_lambda_function_configuration()
        _patch_security_group_rule_descriptions()
        _patch_instance_read_replicas()
        _patch_instance_replica_promotion_and_deletion()
        _patch_db_parameter_sources()
        _patch_instance_resource_ids()
        _patch_backup_selections()
        _patch_backup_tags()
        _patch_backup_vault_recovery_points()
        _patch_backup_plan_update()
        _patch_backup_plan_names()
        _patch_bucket_replication_rules()
        _patch_secret_replica_keys()
        _patch_alarm_actions()
        # Strictness: refuse what AWS refuses (tools/emulator_rules.py), after the fixes.
        emulator_rules.apply()
        # e. AWS managed IAM policies exist in every real account (the stack attaches
        # AmazonRDSEnhancedMonitoringRole); moto creates them only when this is set, and its
        # /moto-api/config endpoint cannot set it. Read when an account's IAM backend is made.
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        _patched = True


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
    ``tools/emulator_rules.py`` (rules 2 and 3) refuses the same way. Still more lenient than
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


def _patch_private_zone_from_vpc() -> None:
    """d. Private hosted zones created the way the Terraform provider creates them.

    AWS: ``CreateHostedZone`` with a ``VPC`` creates a *private* zone
    (``HostedZoneConfig.PrivateZone`` is optional). moto reads the VPC only when
    ``PrivateZone=true`` is also sent, so the provider's zone becomes public and the next
    ``AssociateVPCWithHostedZone`` fails with ``PublicZoneVPCAssociation``. After moto's own
    handler runs, a zone created with a VPC is made private and given that VPC.
    """
    from moto.route53.responses import Route53

    original = Route53.create_hosted_zone

    def create_hosted_zone(self: Route53) -> Any:
        result = original(self)
        vpc_id, vpc_region = self._get_param("VPC.VPCId"), self._get_param("VPC.VPCRegion")
        if vpc_id:
            name = self._get_param("Name")
            name = name if name.endswith(".") else name + "."
            caller_reference = self._get_param("CallerReference")
            for zone in self.backend.zones.values():
                if (
                    zone.name == name
                    and zone.caller_reference == caller_reference
                    and not zone.private_zone
                ):
                    zone.private_zone = True
                    zone.add_vpc(vpc_id, vpc_region)
        return result

    Route53.create_hosted_zone = create_hosted_zone  # type: ignore[method-assign]


def _patch_alarm_based_health_checks() -> None:
    """f. Route 53 health checks of type CLOUDWATCH_METRIC.

    AWS stores ``AlarmIdentifier`` (region and name of the alarm watched) and
    ``InsufficientDataHealthStatus``, and reports neither an IP address, port, request
    interval nor failure threshold for an alarm-based check. moto drops the first two and
    invents the others (port 80, interval 30 s), so the alarm a check watches cannot be
    verified and every plan shows an update. After moto's handlers run, the alarm settings
    are recorded on its model, and the model reports an alarm-based check as AWS does.
    """
    from moto.route53.models import HealthCheck
    from moto.route53.responses import Route53

    original_config = HealthCheck.health_check_config.fget
    original_create, original_update = Route53.create_health_check, Route53.update_health_check

    def health_check_config(self: HealthCheck) -> dict[str, Any]:
        config = original_config(self)
        if self.type_ == "CLOUDWATCH_METRIC":
            for key in (
                "IPAddress",
                "Port",
                "RequestInterval",
                "FailureThreshold",
                "MeasureLatency",
            ):
                config.pop(key, None)
            config["AlarmIdentifier"] = getattr(self, "alarm_identifier", None)
            config["InsufficientDataHealthStatus"] = getattr(
                self, "insufficient_data_health_status", None
            )
        return config

    def record(check: HealthCheck, alarm: dict | None, insufficient: str | None) -> None:
        if alarm:
            check.alarm_identifier = {"Region": alarm.get("Region"), "Name": alarm.get("Name")}
        if insufficient:
            check.insufficient_data_health_status = insufficient

    def create_health_check(self: Route53) -> Any:
        result = original_create(self)
        config = self._get_param("HealthCheckConfig") or {}
        reference = self._get_param("CallerReference")
        for check in self.backend.health_checks.values():
            if check.caller_reference == reference:
                record(
                    check, config.get("AlarmIdentifier"), config.get("InsufficientDataHealthStatus")
                )
        return result

    def update_health_check(self: Route53) -> Any:
        result = original_update(self)
        check = self.backend.health_checks.get(self._get_param("HealthCheckId"))
        if check is not None:
            record(
                check,
                self._get_param("AlarmIdentifier"),
                self._get_param("InsufficientDataHealthStatus"),
            )
        return result

    HealthCheck.health_check_config = property(health_check_config)  # type: ignore[method-assign]
    Route53.create_health_check = create_health_check  # type: ignore[method-assign]
    Route53.update_health_check = update_health_check  # type: ignore[method-assign]


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


def _alarm_rule_references(rule: str) -> list[str]:
    """The alarms that ``ALARM(...)``, ``OK(...)`` and ``INSUFFICIENT_DATA(...)`` in an alarm
    rule name (by name or ARN, optionally in double quotes), in order of appearance.

    ``AT_LEAST(M, STATE, (alarm, ...))`` lists are not read: their alarms are not checked.
    """
    import re

    return [
        (quoted or bare).strip()
        for quoted, bare in re.findall(
            r'\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]*)"|([^()"]+?))\s*\)', rule or ""
        )
    ]


def _patch_composite_alarms() -> None:
    """i. CloudWatch composite alarms (``aws_cloudwatch_composite_alarm``).

    AWS (CloudWatch API Reference, PutCompositeAlarm / DescribeAlarms / DeleteAlarms):
    ``PutCompositeAlarm`` creates or replaces an alarm whose state follows an ``AlarmRule`` over
    other alarms; its ARN is ``arn:aws:cloudwatch:<region>:<account>:alarm:<name>``. A new one
    starts in INSUFFICIENT_DATA; an update keeps the state and overwrites the whole
    configuration, and ``Tags`` count only at creation (later tags go through TagResource).
    Every alarm the rule names must exist ("Could not save the composite alarm as alarms [...]
    in the alarm rule do not exist"). ``DescribeAlarms`` returns composite alarms (under
    ``CompositeAlarms``) only when ``AlarmTypes`` includes ``CompositeAlarm``, and metric alarms
    only when it includes ``MetricAlarm`` or is omitted; ``AlarmNames``/``AlarmNamePrefix``,
    ``StateValue`` and ``ActionPrefix`` all apply. ``DeleteAlarms`` refuses, deleting nothing,
    while a composite alarm that is not deleted too names one of the alarms (ValidationError
    "Cannot delete <names> as there are composite alarm(s) depending on it/them."); a deleted
    alarm's tags go with it.
    moto gets wrong: ``PutCompositeAlarm`` is not implemented (HTTP 500), so the Terraform
    provider cannot create one. moto's model already keeps composite alarms (an ``Alarm`` with
    a ``rule``, serialised under ``CompositeAlarms``), and tags, SetAlarmState and DeleteAlarms
    work on them by name and ARN; but ``DescribeAlarms`` ignores ``AlarmTypes`` (it would
    answer the provider's composite-only read with the metric alarms of the same name too),
    applies only the first of its filters and, filtering by ``StateValue``, never returns a
    composite alarm; and ``DeleteAlarms`` keeps the deleted alarms' tags (a re-created alarm of
    the same name would inherit them). These are fixed; a metric alarm is reported as moto
    reports it.
    Served for every protocol moto parses (boto3 speaks smithy-rpc-v2-cbor to CloudWatch, the
    Terraform provider 5.100.0 the query protocol): the handlers only read parameters and
    return model objects, which moto serialises per request protocol.
    Still more lenient than AWS: the rule's grammar is not checked and ``AT_LEAST`` lists are
    not resolved (patch w evaluates the rule when a child's state changes); DeleteAlarms
    accepts more than one composite alarm per call; ``ChildrenOfAlarmName``/
    ``ParentsOfAlarmName``, ``MaxRecords`` and ``ActionConfiguration`` are ignored;
    ``StateTransitionedTimestamp`` and ``ActionsSuppressedBy`` are not reported.
    """
    from moto.cloudwatch.exceptions import ValidationError as CloudWatchValidationError
    from moto.cloudwatch.models import Alarm, CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    original_delete = CloudWatchBackend.delete_alarms

    def find_alarm(backend: CloudWatchBackend, reference: str) -> Alarm | None:
        if reference.startswith("arn:"):
            return next(
                (alarm for alarm in backend.alarms.values() if alarm.alarm_arn == reference), None
            )
        return backend.alarms.get(reference)

    def put_composite_alarm(
        self: CloudWatchBackend,
        name: str,
        rule: str,
        description: str | None = None,
        actions_enabled: bool | None = None,
        alarm_actions: list[str] | None = None,
        ok_actions: list[str] | None = None,
        insufficient_data_actions: list[str] | None = None,
        tags: list[dict[str, str]] | None = None,
        actions_suppressor: str | None = None,
        actions_suppressor_wait_period: int | None = None,
        actions_suppressor_extension_period: int | None = None,
    ) -> Alarm:
        for key, value in (("alarmName", name), ("alarmRule", rule)):
            if not value:
                raise CloudWatchValidationError(
                    f"1 validation error detected: Value null at '{key}' failed to satisfy "
                    f"constraint: Member must not be null"
                )
        missing = [
            reference
            for reference in _alarm_rule_references(rule)
            if find_alarm(self, reference) is None
        ]
        if missing:
            raise CloudWatchValidationError(
                f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the "
                f"alarm rule do not exist"
            )
        alarm = Alarm(
            account_id=self.account_id,
            region_name=self.region_name,
            name=name,
            namespace=None,
            metric_name=None,
            metric_data_queries=None,  # type: ignore[arg-type]
            comparison_operator=None,
            evaluation_periods=None,  # type: ignore[arg-type]
            datapoints_to_alarm=None,
            period=None,
            threshold=None,  # type: ignore[arg-type]
            statistic=None,
            extended_statistic=None,  # type: ignore[arg-type]
            description=description,
            dimensions=[],  # type: ignore[arg-type]
            alarm_actions=list(alarm_actions or []),
            ok_actions=list(ok_actions or []),
            insufficient_data_actions=list(insufficient_data_actions or []),
            unit=None,
            actions_enabled=True if actions_enabled is None else actions_enabled,
            treat_missing_data=None,
            evaluate_low_sample_count_percentile=None,
            threshold_metric_id=None,
            rule=rule,
        )
        alarm.actions_suppressor = actions_suppressor  # type: ignore[attr-defined]
        alarm.actions_suppressor_wait_period = actions_suppressor_wait_period  # type: ignore[attr-defined]
        alarm.actions_suppressor_extension_period = actions_suppressor_extension_period  # type: ignore[attr-defined]
        previous = self.alarms.get(name)
        if previous is not None and previous.rule is not None:
            # An update: the state (and its history) carries over, the configuration does not.
            for attribute in (
                "state_value",
                "state_reason",
                "state_reason_data",
                "state_updated_timestamp",
                "history",
            ):
                setattr(alarm, attribute, getattr(previous, attribute))
        else:
            alarm.state_value = "INSUFFICIENT_DATA"
            if tags:
                self.tagger.tag_resource(alarm.alarm_arn, tags)
        self.alarms[name] = alarm
        return alarm

    def delete_alarms(self: CloudWatchBackend, alarm_names: list[str]) -> None:
        doomed = {name: self.alarms[name] for name in alarm_names if name in self.alarms}
        depended_on = [
            name
            for name, alarm in doomed.items()
            if any(
                parent.rule is not None
                and parent.name not in doomed
                and {name, alarm.alarm_arn} & set(_alarm_rule_references(parent.rule))
                for parent in self.alarms.values()
            )
        ]
        if depended_on:
            raise CloudWatchValidationError(
                f"Cannot delete {','.join(depended_on)} as there are composite alarm(s) "
                f"depending on {'it' if len(depended_on) == 1 else 'them'}."
            )
        original_delete(self, alarm_names)
        for alarm in doomed.values():
            self.tagger.delete_all_tags_for_resource(alarm.alarm_arn)

    def put_composite_alarm_response(self: CloudWatchResponse) -> ActionResult:
        def optional_int(key: str) -> int | None:
            value = self._get_param(key)
            return None if value is None else int(value)

        self.cloudwatch_backend.put_composite_alarm(
            name=self._get_param("AlarmName"),
            rule=self._get_param("AlarmRule"),
            description=self._get_param("AlarmDescription"),
            actions_enabled=self._get_bool_param("ActionsEnabled"),
            alarm_actions=self._get_param("AlarmActions", []),
            ok_actions=self._get_param("OKActions", []),
            insufficient_data_actions=self._get_param("InsufficientDataActions", []),
            tags=self._get_param("Tags", []),
            actions_suppressor=self._get_param("ActionsSuppressor"),
            actions_suppressor_wait_period=optional_int("ActionsSuppressorWaitPeriod"),
            actions_suppressor_extension_period=optional_int("ActionsSuppressorExtensionPeriod"),
        )
        return EmptyResult()

    def describe_alarms_response(self: CloudWatchResponse) -> ActionResult:
        # moto's handler applies only the first filter given, splits by type whatever
        # AlarmTypes asks for, and loses the composite alarms when filtering by StateValue
        # (it reads a one-shot iterator twice): the alarms are selected here instead.
        types = self._get_param("AlarmTypes") or ["MetricAlarm"]
        names = self._get_param("AlarmNames") or []
        prefix = self._get_param("AlarmNamePrefix")
        state = self._get_param("StateValue")
        action_prefix = self._get_param("ActionPrefix")

        def wanted(alarm: Alarm) -> bool:
            return (
                (not names or alarm.name in names)
                and (not prefix or alarm.name.startswith(prefix))
                and (not state or alarm.state_value == state)
                and (
                    not action_prefix
                    or any(action.startswith(action_prefix) for action in alarm.alarm_actions or [])
                )
            )

        alarms = [alarm for alarm in self.cloudwatch_backend.alarms.values() if wanted(alarm)]
        return ActionResult(
            {
                "MetricAlarms": [alarm for alarm in alarms if alarm.rule is None]
                if "MetricAlarm" in types
                else [],
                "CompositeAlarms": [alarm for alarm in alarms if alarm.rule is not None]
                if "CompositeAlarm" in types
                else [],
            }
        )

    CloudWatchBackend.put_composite_alarm = put_composite_alarm  # type: ignore[attr-defined]
    CloudWatchBackend.delete_alarms = delete_alarms  # type: ignore[method-assign]
    CloudWatchResponse.put_composite_alarm = put_composite_alarm_response  # type: ignore[attr-defined]
    CloudWatchResponse.describe_alarms = describe_alarms_response  # type: ignore[method-assign]


def _patch_lambda_function_configuration() -> None:
    """j. A Lambda function's dead-letter queue, and the settings an update may change.

    AWS (Lambda API Reference, CreateFunction / UpdateFunctionConfiguration /
    FunctionConfiguration): a function created or updated with ``DeadLetterConfig``
    (``{"TargetArn": <SQS queue or SNS topic ARN>}``) reports it as ``DeadLetterConfig`` in its
    configuration (GetFunction, GetFunctionConfiguration, ListFunctions, the answers to Create
    and Update, published versions); an update with an empty ``TargetArn`` removes it, and a
    function without one reports none. ``UpdateFunctionConfiguration`` changes
    ``TracingConfig`` and ``KMSKeyArn`` too (an empty ARN goes back to the AWS managed key, and
    no ``KMSKeyArn`` is reported).
    moto gets wrong: ``LambdaFunction`` never reads ``DeadLetterConfig``, so no configuration
    reports one and every plan after apply wants to add the dead-letter queue of every
    ``aws_lambda_function`` that has one; ``update_configuration`` ignores
    ``DeadLetterConfig``, ``TracingConfig`` and ``KMSKeyArn``, so a change to any of them would
    be lost. The dead-letter target is kept and reported, and updates apply all three.
    Still more lenient than AWS: the target is not checked to exist, to be an SQS queue or SNS
    topic, or to be writable by the function's role (AWS refuses such a function with
    InvalidParameterValueException).
    """
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_configuration = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def target_of(dead_letter_config: dict[str, Any] | None) -> str | None:
        return (dead_letter_config or {}).get("TargetArn") or None

    def init(
        self: LambdaFunction,
        account_id: str,
        spec: dict[str, Any],
        region: str,
        version: str | int = 1,
    ) -> None:
        original_init(self, account_id, spec, region, version)
        self.dead_letter_target_arn = target_of(spec.get("DeadLetterConfig"))  # type: ignore[attr-defined]

    def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        config = original_configuration(self, on_create)
        target = getattr(self, "dead_letter_target_arn", None)
        if target:
            config["DeadLetterConfig"] = {"TargetArn": target}
        return config

    def update_configuration(
        self: LambdaFunction, config_updates: dict[str, Any]
    ) -> dict[str, Any]:
        # Applied before moto's own update, which answers with the whole configuration.
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_target_arn = target_of(config_updates["DeadLetterConfig"])  # type: ignore[attr-defined]
        mode = (config_updates.get("TracingConfig") or {}).get("Mode")
        if mode:
            self.tracing_config = {"Mode": mode}
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        return original_update(self, config_updates)

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]


def _patch_security_group_rule_descriptions() -> None:
    """k. The description of a security group rule that references another security group.

    AWS (EC2 API Reference, DescribeSecurityGroupRules / SecurityGroupRule): every rule
    reports its ``Description``, whatever its source; a rule whose source is a security group
    reports it as ``ReferencedGroupInfo`` (``GroupId`` and the owner's account as ``UserId``).
    ``ModifySecurityGroupRules`` sets a rule's description and, for such a rule, the
    referenced group (``ReferencedGroupId``).
    moto gets wrong: ``SecurityGroupRule.description`` reads only the CIDR range, while the
    description of a group-referencing rule is stored with the referenced group, so
    DescribeSecurityGroupRules reports none and every plan after apply wants to add the
    ``description`` of each ``aws_vpc_security_group_ingress_rule`` with a
    ``referenced_security_group_id`` (CIDR rules are right). ``ModifySecurityGroupRules`` writes
    the new description where such a rule never reads it and ignores ``ReferencedGroupId``.
    The description is read from, and written to, the referenced group's entry, which
    DescribeSecurityGroups (``UserIdGroupPairs``) reports too; a new ``ReferencedGroupId``
    must name an existing group (InvalidGroup.NotFound) and replaces the reference.
    ``ReferencedGroupInfo`` itself is already as AWS reports it for a group of the same
    account (GroupId, UserId). The Terraform provider reads it back as ``<UserId>/<GroupId>``
    whenever ``UserId`` differs from the account it knows, and with
    ``skip_requesting_account_id`` it knows none: such a provider plans
    ``referenced_security_group_id = "<account>/sg-..." -> "sg-..."`` on AWS too. That is the
    provider configuration's doing, not the emulator's (moto's STS answers GetCallerIdentity).
    Not changed: a prefix-list rule's description is still dropped (the stack has none).
    """
    from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError
    from moto.ec2.models.security_groups import SecurityGroupBackend, SecurityGroupRule

    original_modify = SecurityGroupBackend.modify_security_group_rules

    def description(self: SecurityGroupRule) -> str | None:
        if self.source_group:
            return self.source_group.get("Description")
        return self.ip_range.get("Description")

    def modify_security_group_rules(
        self: SecurityGroupBackend, group_id: str, rules: dict[str, dict[str, Any]]
    ) -> None:
        group = self.get_security_group_by_name_or_id(group_id)
        for new_rule in rules.values():  # checked before anything changes, as moto does
            referenced = new_rule.get("ReferencedGroupId")
            if referenced and self.get_security_group_by_name_or_id(referenced) is None:
                raise InvalidSecurityGroupNotFoundError(referenced)
        original_modify(self, group_id, rules)  # validates; sets protocol, ports, CIDR
        for rule_id, new_rule in rules.items():
            rule = group.get_rule(rule_id) if group is not None else None
            if rule is None or not rule.source_group:
                continue
            # moto put the description in the rule's (empty) CIDR range: move it.
            new_description = rule.ip_range.pop("Description", None)
            if new_description is not None:
                rule.source_group["Description"] = new_description
            if new_rule.get("ReferencedGroupId"):
                rule.source_group["GroupId"] = new_rule["ReferencedGroupId"]

    SecurityGroupRule.description = property(description)  # type: ignore[method-assign,assignment]
    SecurityGroupBackend.modify_security_group_rules = modify_security_group_rules  # type: ignore[method-assign]


def _replica_source(replica: Any) -> Any:
    """The DB instance ``replica`` replicates from (found by ARN in any region, or by identifier
    in the replica's region), or None when it no longer exists."""
    source_id = replica.source_db_instance_identifier or ""
    for backend in _regional_backends(replica.account_id):
        for candidate in list(backend.databases.values()):
            if candidate is not replica and (
                candidate.db_instance_arn == source_id
                or (
                    candidate.region == replica.region
                    and candidate.db_instance_identifier == source_id.lower()
                )
            ):
                return candidate
    return None


def _detach_replica(replica: Any) -> None:
    """End ``replica``'s replication: its source stops listing it (by identifier or ARN,
    whichever was recorded) and it no longer names a source."""
    source = _replica_source(replica)
    if source is not None:
        source.replicas[:] = [
            entry
            for entry in source.replicas
            if entry not in (replica.db_instance_identifier, replica.db_instance_arn)
        ]
    replica.is_replica = False
    replica.source_db_instance_identifier = None


def _patch_instance_read_replicas() -> None:
    """l. Read replicas of RDS DB instances (``CreateDBInstanceReadReplica``).

    AWS (RDS API Reference, CreateDBInstanceReadReplica; RDS User Guide, Working with DB
    instance read replicas): the replica is a new DB instance in the *caller's* region. A
    cross-region source must be named by its ARN. The replica takes the source's engine,
    engine version, storage (allocated size, type, IOPS, throughput), master user name,
    database name and encryption; everything else comes from the call or the region's
    defaults: instance class (the source's when omitted), Multi-AZ, subnet group, VPC security
    groups, parameter group (the source's for a same-region replica, the engine's default
    one for a cross-region replica), option group (likewise), monitoring, Performance
    Insights, CloudWatch Logs exports, IAM authentication, tags. An encrypted cross-region
    replica is encrypted with the ``KmsKeyId`` given for its own region; a same-region replica
    uses the source's key. Automated backups are disabled on a new replica
    (``BackupRetentionPeriod`` 0: they are turned on afterwards with ModifyDBInstance).
    ``ReadReplicaSourceDBInstanceIdentifier`` names the source as given (its ARN across
    regions), and the source lists the replica in ``ReadReplicaDBInstanceIdentifiers`` (its
    ARN across regions). The source must have automated backups enabled
    (InvalidDBInstanceState), and an encrypted source with a replica in another region without
    ``KmsKeyId`` is refused (InvalidParameterCombination "Cannot create a cross region
    unencrypted read replica from encrypted source.").
    moto gets wrong: it shallow-copies the source object and then sets the call's parameters
    on the copy one by one. The copy keeps the source's *region* until the last parameter
    (its backend) is set, so a cross-region replica's ``DBSubnetGroupName`` is looked up in
    the source's region and the call fails with DBSubnetGroupNotFoundFault (the Terraform
    provider's create fails). ``EnableCloudwatchLogsExports`` and
    ``EnablePerformanceInsights`` are stored under names moto never reads, so the replica
    reports the *source's* log exports and Performance Insights switch; settings the call
    leaves out keep the source's values (IAM authentication, Performance Insights key of
    another region, copy-tags, backup retention, storage autoscaling limit, events) and lists
    (security groups, log exports) are shared with the source object; when the call names no
    parameter group the replica keeps the source's, which does not exist in its region (the
    call, and every later DescribeDBInstances there, answers HTTP 500). No check of the source's
    backups or of cross-region encryption is made.
    Here the replica is built as a new DB instance from the inherited settings and the call's
    parameters, with the checks above.
    Still more lenient than AWS: the replica is "available" at once; ``PreSignedUrl`` and
    ``SourceRegion`` are not checked; the KMS key is not checked to exist in the replica's
    region; the replica's backup and maintenance windows are the source's (AWS picks new ones
    in the replica's region); replicas of replicas, ``ReplicaMode`` and
    ``SourceDBClusterIdentifier`` are not modelled.
    """
    from moto.rds.exceptions import DBInstanceAlreadyExists
    from moto.rds.models import DBInstance

    def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        params = {key: value for key, value in dict(db_kwargs).items() if value is not None}
        identifier = params["db_instance_identifier"]
        source_id = params["source_db_instance_identifier"]
        if identifier in self.databases or identifier.lower() in self.databases:
            raise DBInstanceAlreadyExists()
        self._validate_db_identifier(identifier)
        source = self.find_db_from_id(source_id)  # DBInstanceNotFound when it does not exist
        same_region = source.region == self.region_name
        if not source.backup_retention_period:
            raise RDSClientError(
                "InvalidDBInstanceState",
                "Automated backups are not enabled for this database instance. To enable "
                "automated backups, use ModifyDBInstance to set the backup retention period "
                "to a non-zero value.",
            )
        if not same_region and source.storage_encrypted and not params.get("kms_key_id"):
            raise InvalidParameterCombination(
                "Cannot create a cross region unencrypted read replica from encrypted source."
            )
        settings: dict[str, Any] = {
            # Taken from the source.
            "engine": source.engine,
            "engine_version": source.engine_version,
            "allocated_storage": source.allocated_storage,
            "storage_type": source.storage_type,
            "iops": source.iops,
            "storage_throughput": source.storage_throughput,
            "master_username": source.master_username,
            "db_name": source.db_name,
            "character_set_name": source.character_set_name,
            "license_model": source.license_model,
            "port": source.port,
            "storage_encrypted": source.storage_encrypted,
            "db_instance_class": source.db_instance_class,
            "preferred_backup_window": source.preferred_backup_window,
            "preferred_maintenance_window": source.preferred_maintenance_window,
        }
        if same_region:
            settings.update(
                db_parameter_group_name=source.db_parameter_group_name,
                db_subnet_group_name=source._db_subnet_group_name,
            )
            if source.option_group_supplied:  # not moto's made-up default group name
                settings["option_group_name"] = source.option_group_name
            if source.storage_encrypted:
                settings["kms_key_id"] = source.kms_key_id
        for ignored in (
            "source_db_instance_identifier",
            "source_region",
            "pre_signed_url",
            "backup_retention_period",
            "master_user_password",
        ):
            params.pop(ignored, None)
        settings.update(params)
        settings.update(backup_retention_period=0, source_db_instance_identifier=source_id)
        if "preferred_maintenance_window" in settings:
            settings["preferred_maintenance_window"] = settings[
                "preferred_maintenance_window"
            ].lower()
        replica = DBInstance(self, **settings)
        replica.is_replica = True
        replica.replicas = []
        self.databases[identifier] = replica
        source.add_replica(replica)
        replica.add_event("DB_INSTANCE_CREATE")
        return replica

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica  # type: ignore[method-assign]


def _patch_instance_replica_promotion_and_deletion() -> None:
    """m. Promoting and deleting DB instance read replicas, and deleting their source.

    AWS (RDS API Reference, PromoteReadReplica / DeleteDBInstance; RDS User Guide, Promoting a
    read replica): ``PromoteReadReplica`` makes a read replica a standalone DB instance:
    replication stops, the instance no longer reports ``ReadReplicaSourceDBInstanceIdentifier``
    and its source no longer lists it in ``ReadReplicaDBInstanceIdentifiers``, wherever the
    two are. ``BackupRetentionPeriod`` / ``PreferredBackupWindow`` set the promoted instance's
    backups (documented default: 1 day). An unknown identifier is DBInstanceNotFound, an
    instance that is not a read replica InvalidDBInstanceState. Deleting a read replica
    removes it from its source's list, in any region. Deleting a source does not delete its
    replicas: a replica in the same region is promoted to a standalone instance (User Guide,
    "Considerations when deleting replicas"); a cross-region replica loses its source too.
    moto gets wrong: ``promote_read_replica`` only flips ``is_replica``: the promoted instance
    still reports its source and the source still lists it (a drill cannot observe the
    promotion), the backup settings of the call are ignored, an unknown identifier is a
    KeyError (HTTP 500) and a non-replica is "promoted" silently. ``delete_db_instance``
    removes a replica from its source's list *by identifier*, while a cross-region replica is
    listed by ARN: deleting any cross-region replica fails with a ValueError (HTTP 500) after
    the instance was already removed (Terraform's destroy fails, and its retry sees "not
    found"). Deleting a source leaves its replicas pointing at a deleted instance, so deleting
    them later fails with DBInstanceNotFound.
    Here promotion and deletion keep both ends of the link in step as AWS reports them. When
    ``BackupRetentionPeriod`` is omitted, a replica whose backups are already enabled keeps its
    retention and one with backups disabled gets the documented default of 1 day (AWS
    documents only "Default: 1"; keeping a configured retention is this emulator's reading).
    Still more lenient than AWS: promotion completes at once (on AWS the instance goes
    through "modifying" and a reboot before it is "available" again; wait for it as on AWS);
    the "backing-up" state that blocks a promotion is not modelled.
    """
    from moto.rds.exceptions import DBInstanceNotFoundError

    original_delete = RDSBackend.delete_db_instance

    def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        identifier = db_kwargs["db_instance_identifier"]
        database = self.databases.get(identifier) or self.databases.get(identifier.lower())
        if database is None:
            raise DBInstanceNotFoundError(identifier)
        if not database.is_replica:
            raise RDSClientError(
                "InvalidDBInstanceState", f"DB Instance {identifier} is not a read replica."
            )
        retention = db_kwargs.get("backup_retention_period")
        window = db_kwargs.get("preferred_backup_window")
        if window:
            from moto.rds.utils import valid_preferred_maintenance_window

            message = valid_preferred_maintenance_window(
                database.preferred_maintenance_window, window
            )
            if message:
                raise InvalidParameterValue(message)
            database.preferred_backup_window = window
        _detach_replica(database)
        if retention is not None:
            database.backup_retention_period = int(retention)
        elif not database.backup_retention_period:
            database.backup_retention_period = 1
        return database

    def delete_db_instance(
        self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any
    ) -> Any:
        database = self.databases.get(db_instance_identifier)
        if database is None or database.deletion_protection:
            # moto's own answers: DBInstanceNotFound, or the deletion-protection refusal.
            return original_delete(self, db_instance_identifier, *args, **kwargs)
        # moto's own unlinking (by identifier only, so it fails for a cross-region replica)
        # must not run; the links are cut here once moto has deleted the instance.
        is_replica = database.is_replica
        orphans = [
            candidate
            for backend in _regional_backends(self.account_id)
            for candidate in list(backend.databases.values())
            if candidate.is_replica and _replica_source(candidate) is database
        ]
        database.is_replica = False
        try:
            deleted = original_delete(self, db_instance_identifier, *args, **kwargs)
        finally:
            database.is_replica = is_replica
        if is_replica:
            _detach_replica(database)
        for replica in orphans:  # the source is gone: its replicas stand alone
            _detach_replica(replica)
        return deleted

    RDSBackend.promote_read_replica = promote_read_replica  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]


def _patch_db_parameter_sources() -> None:
    """n. The parameters of a DB parameter group, as ``aws_db_parameter_group`` reads them.

    AWS (RDS API Reference, DescribeDBParameters / ModifyDBParameterGroup /
    ResetDBParameterGroup): every parameter reports its ``Source``: "user" once it was set with
    ModifyDBParameterGroup, "engine-default" or "system" otherwise; the ``Source`` request
    parameter returns only the parameters of that source. ``ResetDBParameterGroup`` returns
    the parameters it names (``ResetAllParameters``: all of them) to their defaults, so they
    are no longer "user" parameters; it answers with the group's name.
    moto gets wrong: DescribeDBParameters reports the parameters set with
    ModifyDBParameterGroup without any ``Source`` and ignores the ``Source`` filter. The
    Terraform provider (5.100.0) keeps only parameters whose ``Source`` is reported, so its
    state never holds the group's parameters and every plan after apply wants to add all of
    them again (the ``parameter`` blocks of every ``aws_db_parameter_group``).
    ``ResetDBParameterGroup`` is not implemented (HTTP 500), so removing a parameter from the
    configuration cannot be applied.
    Here the parameters set through ModifyDBParameterGroup report ``Source`` "user" and
    ``IsModifiable`` true, the ``Source`` filter applies, and ResetDBParameterGroup removes the
    named (or all) parameters from the group's "user" parameters.
    Still more lenient than AWS: moto knows no engine defaults, so "engine-default" and
    "system" parameters are never listed (the provider needs only the "user" ones); parameter
    names and values are not checked against the family (AWS refuses unknown names with
    InvalidParameterValue); ``ApplyType``/``DataType``/``AllowedValues`` are not reported.
    DB *cluster* parameter groups are unchanged.
    """
    from moto.rds.exceptions import DBParameterGroupNotFoundError

    def find_group(backend: RDSBackend, name: str | None) -> Any:
        group = backend.db_parameter_groups.get((name or "").lower())
        if group is None:
            raise DBParameterGroupNotFoundError(name)
        return group

    def describe_db_parameters_response(self: RDSResponse) -> ActionResult:
        group = find_group(self.backend, self.params.get("DBParameterGroupName"))
        source = self.params.get("Source")
        parameters = [
            {"ParameterName": name, **values, "Source": "user", "IsModifiable": True}
            for name, values in group.parameters.items()
        ]
        if source:
            parameters = [parameter for parameter in parameters if parameter["Source"] == source]
        return ActionResult({"Parameters": parameters})

    def reset_db_parameter_group_response(self: RDSResponse) -> ActionResult:
        group = find_group(self.backend, self.params.get("DBParameterGroupName"))
        if self.params.get("ResetAllParameters"):
            group.parameters.clear()
        for parameter in self.params.get("Parameters") or []:
            group.parameters.pop(parameter.get("ParameterName"), None)
        return ActionResult({"DBParameterGroupName": group.name})

    RDSResponse.describe_db_parameters = describe_db_parameters_response  # type: ignore[method-assign]
    RDSResponse.reset_db_parameter_group = reset_db_parameter_group_response  # type: ignore[attr-defined]


def _patch_instance_resource_ids() -> None:
    """o. Every DB instance has its own ``DbiResourceId``.

    AWS (RDS API Reference, DBInstance): ``DbiResourceId`` is "the AWS Region-unique,
    immutable identifier for the DB instance" ("db-" and 26 upper-case letters and digits);
    ``DescribeDBInstances`` with the ``dbi-resource-id`` filter returns that one instance.
    moto gets wrong: every DB instance gets the same constant (``db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U``).
    The Terraform provider (5.100.0) uses the resource ID as the ``id`` of an
    ``aws_db_instance`` and reads the instance back with the ``dbi-resource-id`` filter, so
    with two instances in one region (a same-region replica, or two stacks) every read
    matches both; and a primary and its replica share an ID (Performance Insights and
    Enhanced Monitoring name an instance by it).
    Here each new DB instance (replicas and Aurora cluster instances included) gets its own
    random ID of AWS's form; snapshots keep the ID of the instance they were taken from, as
    moto already does.
    """
    import string

    from moto.moto_api._internal import mock_random
    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__
    alphabet = string.ascii_uppercase + string.digits

    def init(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + "".join(mock_random.choice(alphabet) for _ in range(26))

    DBInstance.__init__ = init  # type: ignore[method-assign]


def _backup_plan(backend: Any, plan_id: str) -> Any:
    """The backup plan ``plan_id`` of ``backend`` unless it is unknown or deleted."""
    from moto.backup.exceptions import ResourceNotFoundException

    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        # moto's own message for an unknown plan (GetBackupPlan / DeleteBackupPlan).
        raise ResourceNotFoundException(msg="Failed reading Backup plan with provided version")
    return plan


def _backup_selections(plan: Any) -> dict[str, dict[str, Any]]:
    """The selections of a backup plan (selection ID -> record), kept on moto's plan."""
    return plan.__dict__.setdefault("selections", {})


def _patch_backup_selections() -> None:
    """p. AWS Backup selections (``aws_backup_selection``).

    AWS (AWS Backup API Reference, CreateBackupSelection / GetBackupSelection /
    DeleteBackupSelection / ListBackupSelections / DeleteBackupPlan): a backup selection
    assigns resources to a backup plan. ``CreateBackupSelection`` (PUT
    /backup/plans/{id}/selections/) takes ``BackupSelection`` (``SelectionName`` and
    ``IamRoleArn`` required; ``Resources``, ``NotResources``, ``ListOfTags``, ``Conditions``)
    and answers ``SelectionId``, ``BackupPlanId``, ``CreationDate``. ``GetBackupSelection``
    (GET .../selections/{selectionId}) answers the ``BackupSelection`` document with
    ``SelectionId``, ``BackupPlanId``, ``CreationDate``, ``CreatorRequestId``;
    ``ListBackupSelections`` (GET .../selections/) answers ``BackupSelectionsList`` (ID, name,
    plan ID, creation date, role, CreatorRequestId of each); ``DeleteBackupSelection`` (DELETE
    .../selections/{selectionId}) answers nothing. An unknown plan or selection is
    ResourceNotFoundException (HTTP 400). A selection that names no resource (neither
    ``Resources`` nor ``ListOfTags``) is refused with InvalidParameterValueException
    ("Invalid backup selection. Either 'ListOfTags' or 'Resources' section must be
    non-empty.", AWS's message as reported by Terraform users). "A backup plan can only be
    deleted after all associated selections of resources have been deleted"
    (DeleteBackupPlan): until then it is InvalidRequestException "Related backup plan
    selections must be deleted prior to backup plan deletion" (AWS's message; the Terraform
    provider 5.100.0 retries ``aws_backup_plan`` deletion on it for 2 minutes).
    moto gets wrong: none of the four selection actions exists (HTTP 500 "not implemented";
    the provider retries the create for minutes and then fails), and DeleteBackupPlan
    deletes a plan that still has selections.
    Here selections are kept on moto's plan; the four actions are served through moto's own
    route (``/backup/plans/(?P<name>.+)/?$`` already matches every selection path, and the
    action is chosen from the method and path by the service model), and DeleteBackupPlan
    refuses while selections remain. ``GetBackupSelection`` reports ``Resources``,
    ``NotResources`` and ``ListOfTags`` (empty lists when not given) and all four
    ``Conditions`` lists, as AWS does for a selection made by ARN.
    Still more lenient than AWS: a deleted plan counts as unknown (AWS may answer
    InvalidParameterValueException "Cannot find Backup plan ..." for it; the provider treats
    both as "gone"); the role is not checked to exist or to be assumable by AWS Backup;
    ``CreatorRequestId`` is recorded but not used for idempotency; selection names are not
    checked for uniqueness; ``SelectionId`` is a UUID, not necessarily AWS's format; error
    messages other than the two quoted are not AWS's wording.
    """
    from moto.backup.exceptions import (
        InvalidParameterValueException,
        InvalidRequestException,
        ResourceNotFoundException,
    )
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse
    from moto.core.utils import unix_time
    from moto.moto_api._internal import mock_random

    original_delete_plan = BackupBackend.delete_backup_plan
    condition_keys = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")

    def create_backup_selection(
        self: BackupBackend,
        backup_plan_id: str,
        backup_selection: dict[str, Any],
        creator_request_id: str | None,
    ) -> dict[str, Any]:
        plan = _backup_plan(self, backup_plan_id)
        selection = dict(backup_selection or {})
        for key in ("SelectionName", "IamRoleArn"):
            if not selection.get(key):
                raise InvalidParameterValueException(msg=f"{key} must not be empty.")
        if not selection.get("Resources") and not selection.get("ListOfTags"):
            raise InvalidParameterValueException(
                msg="Invalid backup selection. Either 'ListOfTags' or 'Resources' section must "
                "be non-empty."
            )
        conditions = selection.get("Conditions") or {}
        document = {
            "SelectionName": selection["SelectionName"],
            "IamRoleArn": selection["IamRoleArn"],
            "Resources": list(selection.get("Resources") or []),
            "ListOfTags": [dict(tag) for tag in selection.get("ListOfTags") or []],
            "NotResources": list(selection.get("NotResources") or []),
            "Conditions": {
                key: [dict(c) for c in conditions.get(key) or []] for key in condition_keys
            },
        }
        record = {
            "SelectionId": str(mock_random.uuid4()),
            "BackupPlanId": plan.backup_plan_id,
            "CreationDate": unix_time(),
            "CreatorRequestId": creator_request_id,
            "BackupSelection": document,
        }
        _backup_selections(plan)[record["SelectionId"]] = record
        return record

    def get_backup_selection(
        self: BackupBackend, backup_plan_id: str, selection_id: str
    ) -> dict[str, Any]:
        record = _backup_selections(_backup_plan(self, backup_plan_id)).get(selection_id)
        if record is None:
            raise ResourceNotFoundException(
                msg=f"Backup selection {selection_id} not found in backup plan {backup_plan_id}"
            )
        return record

    def delete_backup_selection(
        self: BackupBackend, backup_plan_id: str, selection_id: str
    ) -> None:
        get_backup_selection(self, backup_plan_id, selection_id)
        del _backup_selections(self.plans[backup_plan_id])[selection_id]

    def list_backup_selections(self: BackupBackend, backup_plan_id: str) -> list[dict[str, Any]]:
        return list(_backup_selections(_backup_plan(self, backup_plan_id)).values())

    def delete_backup_plan(self: BackupBackend, backup_plan_id: str) -> Any:
        plan = self.plans.get(backup_plan_id)
        if plan is not None and plan.deletion_date is None and _backup_selections(plan):
            raise InvalidRequestException(
                msg="Related backup plan selections must be deleted prior to backup plan deletion"
            )
        return original_delete_plan(self, backup_plan_id)

    def uri_parameter(response: BackupResponse, name: str) -> str:
        from urllib.parse import unquote

        response._get_action()  # matches the path and fills uri_match
        return unquote(response.uri_match[name])

    def without_none(record: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in record.items() if value is not None}

    def create_backup_selection_response(self: BackupResponse) -> ActionResult:
        body = json.loads(self.body) if self.body else {}
        record = self.backup_backend.create_backup_selection(
            backup_plan_id=uri_parameter(self, "backupPlanId"),
            backup_selection=body.get("BackupSelection") or {},
            creator_request_id=body.get("CreatorRequestId"),
        )
        return ActionResult(
            {key: record[key] for key in ("SelectionId", "BackupPlanId", "CreationDate")}
        )

    def get_backup_selection_response(self: BackupResponse) -> ActionResult:
        record = self.backup_backend.get_backup_selection(
            backup_plan_id=uri_parameter(self, "backupPlanId"),
            selection_id=uri_parameter(self, "selectionId"),
        )
        return ActionResult(without_none(copy.deepcopy(record)))

    def delete_backup_selection_response(self: BackupResponse) -> EmptyResult:
        self.backup_backend.delete_backup_selection(
            backup_plan_id=uri_parameter(self, "backupPlanId"),
            selection_id=uri_parameter(self, "selectionId"),
        )
        return EmptyResult()

    def list_backup_selections_response(self: BackupResponse) -> ActionResult:
        records = self.backup_backend.list_backup_selections(
            backup_plan_id=uri_parameter(self, "backupPlanId")
        )
        members = [
            without_none(
                {
                    "SelectionId": record["SelectionId"],
                    "SelectionName": record["BackupSelection"]["SelectionName"],
                    "BackupPlanId": record["BackupPlanId"],
                    "CreationDate": record["CreationDate"],
                    "CreatorRequestId": record["CreatorRequestId"],
                    "IamRoleArn": record["BackupSelection"]["IamRoleArn"],
                }
            )
            for record in records
        ]
        # Pages as AWS does (MaxResults 1-1000, an opaque NextToken); the token here is the
        # offset of the next member.
        try:
            start = int((self.querystring.get("nextToken") or ["0"])[0] or 0)
            size = int((self.querystring.get("maxResults") or ["1000"])[0] or 1000)
        except ValueError:
            raise InvalidParameterValueException(msg="Invalid NextToken or MaxResults.") from None
        if start < 0 or not 1 <= size <= 1000:
            raise InvalidParameterValueException(msg="Invalid NextToken or MaxResults.")
        page: dict[str, Any] = {"BackupSelectionsList": members[start : start + size]}
        if start + size < len(members):
            page["NextToken"] = str(start + size)
        return ActionResult(page)

    BackupBackend.create_backup_selection = create_backup_selection  # type: ignore[attr-defined]
    BackupBackend.get_backup_selection = get_backup_selection  # type: ignore[attr-defined]
    BackupBackend.delete_backup_selection = delete_backup_selection  # type: ignore[attr-defined]
    BackupBackend.list_backup_selections = list_backup_selections  # type: ignore[attr-defined]
    BackupBackend.delete_backup_plan = delete_backup_plan  # type: ignore[method-assign]
    # moto dispatches an action to the BackupResponse method of the same name in snake_case.
    BackupResponse.create_backup_selection = create_backup_selection_response  # type: ignore[attr-defined]
    BackupResponse.get_backup_selection = get_backup_selection_response  # type: ignore[attr-defined]
    BackupResponse.delete_backup_selection = delete_backup_selection_response  # type: ignore[attr-defined]
    BackupResponse.list_backup_selections = list_backup_selections_response  # type: ignore[attr-defined]


def _patch_backup_tags() -> None:
    """q. Tags of AWS Backup vaults and plans, as the Terraform provider reads them.

    AWS (AWS Backup API Reference, ListTags / DeleteBackupVault): ``ListTags``
    (GET /tags/{resourceArn}/) answers the tags of the vault or plan the ARN names; a deleted
    vault's tags go with it (a vault created later under the same name starts untagged).
    moto gets wrong: its ``list_tags`` takes the ARN from the second-to-last path segment,
    which works only when the request path ends with the model's trailing slash. boto3 sends
    it, the Terraform provider 5.100.0 (aws-sdk-go-v2) does not: moto then looks up the tags
    of the resource "tags" and answers none, so every plan after apply wants to add the
    ``default_tags`` to every vault and plan (``tags_all``). ``DeleteBackupVault`` keeps the
    deleted vault's tags.
    Here the ARN is the ``resourceArn`` the service model matched in the path, whichever form
    the path has, and a deleted vault's tags are dropped. Unknown ARNs still answer no tags
    (AWS: ResourceNotFoundException), as in moto.
    """
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    original_delete_vault = BackupBackend.delete_backup_vault

    def list_tags(self: BackupResponse) -> str:
        from urllib.parse import unquote

        self._get_action()  # matches the path and fills uri_match
        arn = unquote(self.uri_match["resourceArn"])
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=arn)})

    def delete_backup_vault(self: BackupBackend, backup_vault_name: str) -> None:
        vault = self.vaults.get(backup_vault_name)
        original_delete_vault(self, backup_vault_name)
        if vault is not None:
            self.tagger.delete_all_tags_for_resource(vault.backup_vault_arn)

    BackupResponse.list_tags = list_tags  # type: ignore[method-assign]
    BackupBackend.delete_backup_vault = delete_backup_vault  # type: ignore[method-assign]


def _patch_backup_vault_recovery_points() -> None:
    """r. ``ListRecoveryPointsByBackupVault``, which ``aws_backup_vault`` calls to be destroyed.

    AWS (AWS Backup API Reference, ListRecoveryPointsByBackupVault): GET
    /backup-vaults/{backupVaultName}/recovery-points/ answers the vault's ``RecoveryPoints``
    (and a ``NextToken`` when there are more); an unknown vault is ResourceNotFoundException.
    The Terraform provider (5.100.0) lists them when it deletes a vault with
    ``force_destroy``, to delete each recovery point before the vault.
    moto gets wrong: the path matches none of moto's backup routes, so the server answers a
    bare HTTP 404 page and ``terraform destroy`` of every ``force_destroy`` vault fails
    ("listing Backup Vault (...) recovery points: ... deserialization failed").
    Here the path is routed to moto's backup handler and the action answers the vault's
    recovery points: always none, since moto runs no backup jobs (it has no
    StartBackupJob and no recovery points). Filters and paging parameters are accepted and
    have nothing to filter.
    """
    from moto.backup import urls as backup_urls
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    # Read when the server builds its backup app (lazily, at the first backup request), so
    # this must run before any Emulator serves a backup request in this process. Written
    # with the trailing slash, the Flask rule matches the path with it (boto3) and without
    # it (the Terraform provider); moto turns "/?$" into a rule that matches only the latter.
    backup_urls.url_paths.setdefault(
        "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$", backup_urls.response.dispatch
    )

    def list_recovery_points_by_backup_vault(self: BackupResponse) -> ActionResult:
        from urllib.parse import unquote

        self._get_action()  # matches the path and fills uri_match
        name = unquote(self.uri_match["backupVaultName"])
        backend: BackupBackend = self.backup_backend
        backend.describe_backup_vault(name)  # ResourceNotFoundException when unknown
        return ActionResult({"RecoveryPoints": []})

    BackupResponse.list_recovery_points_by_backup_vault = list_recovery_points_by_backup_vault  # type: ignore[attr-defined]


def _patch_backup_plan_update() -> None:
    """s. ``UpdateBackupPlan``, which ``aws_backup_plan`` calls for any change of its rules.

    AWS (AWS Backup API Reference, UpdateBackupPlan): POST /backup/plans/{backupPlanId} with a
    ``BackupPlan`` document (name, rules, advanced settings) replaces the plan's document
    and makes a new version of the plan: the answer and every later GetBackupPlan carry a new
    ``VersionId`` (the ID and ARN stay). It answers ``BackupPlanId``, ``BackupPlanArn``,
    ``CreationDate``, ``VersionId`` and ``AdvancedBackupSettings``. An unknown or deleted plan
    is ResourceNotFoundException. The Terraform provider (5.100.0) updates a plan in place
    (retention, schedule, windows, copy actions) with it.
    moto gets wrong: UpdateBackupPlan is not implemented (HTTP 500); the provider retries
    server errors, so a changed retention hangs ``terraform apply`` for many minutes before
    it fails.
    Here the new document gets moto's rule defaults (schedule, windows, timezone, a new
    ``RuleId`` per rule) as at creation, and the plan a new version ID. Still more lenient
    than AWS: older versions are not kept (GetBackupPlan with an older ``versionId`` is
    ResourceNotFoundException, as moto answers any version but the current one), and the
    document is not validated beyond what moto checks at creation.
    """
    from moto.backup.models import BackupBackend, Plan
    from moto.backup.responses import BackupResponse

    def update_backup_plan(
        self: BackupBackend, backup_plan_id: str, backup_plan: dict[str, Any]
    ) -> Any:
        plan = _backup_plan(self, backup_plan_id)
        # A new Plan applies moto's rule defaults and draws a new version ID; the plan keeps
        # its identity (ID, ARN, creation date, tags, selections).
        revised = Plan(
            backup_plan=copy.deepcopy(backup_plan),
            creator_request_id=plan.creator_request_id,
            backend=self,
        )
        plan.backup_plan = revised.backup_plan
        plan.advanced_backup_settings = revised.advanced_backup_settings
        plan.version_id = revised.version_id
        return plan

    def update_backup_plan_response(self: BackupResponse) -> str:
        from urllib.parse import unquote

        self._get_action()  # matches the path and fills uri_match
        body = json.loads(self.body) if self.body else {}
        plan = self.backup_backend.update_backup_plan(
            backup_plan_id=unquote(self.uri_match["backupPlanId"]),
            backup_plan=body.get("BackupPlan") or {},
        )
        return json.dumps(plan.to_dict())  # what CreateBackupPlan answers, as moto builds it

    BackupBackend.update_backup_plan = update_backup_plan  # type: ignore[attr-defined]
    BackupResponse.update_backup_plan = update_backup_plan_response  # type: ignore[attr-defined]


def _patch_backup_plan_names() -> None:
    """t. A deleted backup plan does not keep its name from a new plan.

    AWS (AWS Backup API Reference, CreateBackupPlan / DeleteBackupPlan): a deleted plan is
    only listed by ``ListBackupPlans`` with ``IncludeDeleted``; creating a plan refuses with
    AlreadyExistsException only a plan that duplicates an existing one, so the same
    configuration can be destroyed and deployed again (``terraform destroy`` then ``apply``).
    moto gets wrong: it keeps deleted plans (with their ``DeletionDate``) and refuses any new
    plan whose name one of them had ("Backup plan with the same plan document already
    exists"), so a stack cannot be deployed again in the same emulator after a destroy.
    Here only plans that are not deleted count. Still stricter than AWS: moto refuses any
    second live plan of the same name, where AWS refuses only an identical plan document.
    """
    from moto.backup.exceptions import AlreadyExistsException
    from moto.backup.models import BackupBackend, Plan

    def create_backup_plan(
        self: BackupBackend,
        backup_plan: dict[str, Any],
        backup_plan_tags: dict[str, str],
        creator_request_id: str,
    ) -> Any:
        # moto's own body, with the name check limited to plans that are not deleted.
        name = backup_plan["BackupPlanName"]
        if any(
            plan.backup_plan["BackupPlanName"] == name and plan.deletion_date is None
            for plan in list(self.plans.values())
        ):
            raise AlreadyExistsException(
                msg="Backup plan with the same plan document already exists"
            )
        plan = Plan(backup_plan=backup_plan, creator_request_id=creator_request_id, backend=self)
        if backup_plan_tags:
            self.tag_resource(plan.backup_plan_arn, backup_plan_tags)
        self.plans[plan.backup_plan_id] = plan
        return plan

    BackupBackend.create_backup_plan = create_backup_plan  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------


def _patch_secret_replica_keys() -> None:
    """v. A Secrets Manager replica keeps the KMS key it was created with (AWS API reference,
    ReplicaRegionType ``KmsKeyId``; ``DescribeSecret`` answers it in ``ReplicationStatus``).
    moto reports every replica with the AWS managed key ``alias/aws/secretsmanager``, so the
    provider sees the replica's key change after every apply of a secret replicated with a
    customer-managed key (a generated master secret) and plans to change it again."""
    from moto.secretsmanager.models import FakeSecret

    if getattr(FakeSecret.create_replicas, "_dbdr_patched", False):
        return
    original = FakeSecret.create_replicas

    def create_replicas(
        self: Any, replica_regions: list[dict[str, str]], force_overwrite: bool
    ) -> list[Any]:
        replicas = original(self, replica_regions, force_overwrite)
        keys = {r["Region"]: r.get("KmsKeyId") for r in replica_regions or []}
        for replica in replicas:
            if keys.get(replica.region):
                replica.config["KmsKeyId"] = keys[replica.region]
        return replicas

    create_replicas._dbdr_patched = True  # type: ignore[attr-defined]
    FakeSecret.create_replicas = create_replicas  # type: ignore[method-assign]


# What SNS handed to Lambda functions (patch w): moto runs function code only in Docker.
_LAMBDA_DELIVERIES: list[dict[str, Any]] = []
_deliveries_lock = threading.Lock()


def lambda_deliveries(function_arn: str | None = None) -> list[dict[str, Any]]:
    """The SNS events delivered to ``function_arn`` (every function's when None) since the
    last call, oldest first, each ``{"function": arn, "event": {"Records": [...]}}``; the
    events returned are forgotten."""
    with _deliveries_lock:
        taken = [
            d for d in _LAMBDA_DELIVERIES if function_arn is None or d["function"] == function_arn
        ]
        _LAMBDA_DELIVERIES[:] = [d for d in _LAMBDA_DELIVERIES if d not in taken]
    return taken


def _region_description(region: str) -> str:
    """AWS's long name of a region ("US East (N. Virginia)"), as alarm notifications give it."""
    import botocore.session

    endpoints = botocore.session.get_session().get_data("endpoints")
    for partition in endpoints["partitions"]:
        if region in partition["regions"]:
            return partition["regions"][region].get("description", region)
    return region


def _evaluate_alarm_rule(rule: str, state_of: Any) -> bool | None:
    """The truth of a composite alarm's rule, ``state_of(reference)`` giving each named
    alarm's state; None when the rule uses what this evaluator does not read (``AT_LEAST``,
    an unknown alarm). Grammar (CloudWatch PutCompositeAlarm): ``ALARM(x)``, ``OK(x)``,
    ``INSUFFICIENT_DATA(x)``, ``TRUE``, ``FALSE``, ``NOT``, ``AND``, ``OR`` and parentheses,
    NOT binding tighter than AND, AND tighter than OR."""
    import re

    tokens = re.findall(
        r'(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"[^"]*"|[^()"]+?)\s*\)'
        r"|\bAT_LEAST\b|\bAND\b|\bOR\b|\bNOT\b|\bTRUE\b|\bFALSE\b|[()]",
        rule,
    )
    if "AT_LEAST" in tokens:
        return None
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def either() -> bool | None:
        value = both()
        while peek() == "OR":
            take()
            right = both()
            value = None if value is None or right is None else (value or right)
        return value

    def both() -> bool | None:
        value = negation()
        while peek() == "AND":
            take()
            right = negation()
            value = None if value is None or right is None else (value and right)
        return value

    def negation() -> bool | None:
        if peek() == "NOT":
            take()
            value = negation()
            return None if value is None else not value
        token = take() if peek() is not None else ")"
        if token == "(":
            value = either()
            if peek() == ")":
                take()
            return value
        if token in ("TRUE", "FALSE"):
            return token == "TRUE"
        match = re.fullmatch(
            r'(ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]*)"|([^()"]+?))\s*\)', token
        )
        if match is None:
            return None
        state = state_of((match.group(2) or match.group(3)).strip())
        return None if state is None else state == match.group(1)

    try:
        return either()
    except IndexError:
        return None


def _patch_alarm_actions() -> None:
    """w. Alarms act (CloudWatch User Guide, "Using Amazon CloudWatch alarms": alarm actions,
    composite alarms; CloudWatch API Reference, SetAlarmState; SNS Developer Guide, "Fanout to
    Lambda functions").

    AWS: when an alarm's state changes (by evaluation, or by ``SetAlarmState``: "When the
    updated state differs from the previous value, the action configured for the appropriate
    state is invoked") and its actions are enabled, CloudWatch publishes a JSON notification
    (``AlarmName``, ``AlarmDescription``, ``AWSAccountId``, ``NewStateValue``,
    ``NewStateReason``, ``StateChangeTime``, ``Region`` as its long name, ``AlarmArn``,
    ``OldStateValue``, the three action lists; ``AlarmRule`` for a composite alarm) to each SNS
    topic among the actions of the new state (``AlarmActions``, ``OKActions``,
    ``InsufficientDataActions``), with the subject ``<STATE>: "<name>" in <Region>``. A
    composite alarm's state follows its rule whenever a child's state changes. SNS invokes a
    subscribed Lambda function asynchronously with ``{"Records": [{"EventSource": "aws:sns",
    "Sns": {..., "TopicArn", "Subject", "Message"}}]}`` when the subscription's filter policy
    matches.
    moto gets wrong: alarms never act (the state changes, nothing is published); a composite
    alarm's state never follows its rule; and a Lambda subscription runs the function in
    Docker, which is not here, with a placeholder ``TopicArn``. The fix publishes the
    notification through moto's SNS (its subscriptions apply their filter policies and deliver
    to SQS as usual), re-evaluates composite alarms that name a changed alarm, and keeps what
    a Lambda subscription would be invoked with, with the real topic and subscription ARNs,
    for the caller to run (:func:`lambda_deliveries`): the e2e drill runs the orchestrator
    with it.
    Still more lenient than AWS: metric alarms are never evaluated from their metrics (a test
    evaluates them and calls SetAlarmState); ``AT_LEAST`` rules and actions suppressors are
    not read; actions other than SNS topics (Auto Scaling, EC2, SSM) do nothing. Unlike AWS,
    a new metric alarm starts in OK (AWS: INSUFFICIENT_DATA), so its first OK is no change.
    """
    from moto.cloudwatch.models import Alarm, cloudwatch_backends
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.sns.models import Subscription, sns_backends

    if getattr(Alarm.update_state, "_dbdr_patched", False):
        return
    original_update = Alarm.update_state
    original_publish = Subscription.publish

    def notify(alarm: Alarm, old_state: str) -> None:
        actions = {
            "ALARM": alarm.alarm_actions,
            "OK": alarm.ok_actions,
            "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
        }[alarm.state_value]
        if not alarm.actions_enabled or not actions:
            return
        region = _region_description(alarm.region_name)
        message = {
            "AlarmName": alarm.name,
            "AlarmDescription": alarm.description,
            "AWSAccountId": alarm.alarm_arn.split(":")[4],
            "AlarmConfigurationUpdatedTimestamp": iso_8601_datetime_with_milliseconds(
                alarm.configuration_updated_timestamp
            ),
            "NewStateValue": alarm.state_value,
            "NewStateReason": alarm.state_reason,
            "StateChangeTime": iso_8601_datetime_with_milliseconds(alarm.state_updated_timestamp),
            "Region": region,
            "AlarmArn": alarm.alarm_arn,
            "OldStateValue": old_state,
            "OKActions": list(alarm.ok_actions or []),
            "AlarmActions": list(alarm.alarm_actions or []),
            "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        }
        if alarm.rule is not None:
            message["AlarmRule"] = alarm.rule
        else:
            message["Trigger"] = {
                "MetricName": alarm.metric_name,
                "Namespace": alarm.namespace,
                "Statistic": (alarm.statistic or "").upper(),
                "Period": alarm.period,
                "EvaluationPeriods": alarm.evaluation_periods,
                "ComparisonOperator": alarm.comparison_operator,
                "Threshold": alarm.threshold,
                "TreatMissingData": alarm.treat_missing_data or "missing",
                "Dimensions": [{"name": d.name, "value": d.value} for d in alarm.dimensions or []],
            }
        subject = f'{alarm.state_value}: "{alarm.name}" in {region}'[:100]
        for action in actions:
            parts = action.split(":")
            if len(parts) < 6 or parts[2] != "sns":
                continue
            sns = sns_backends[parts[4]][parts[3]]
            if action in sns.topics:
                sns.publish(json.dumps(message), arn=action, subject=subject)

    def reevaluate_parents(alarm: Alarm) -> None:
        backend = cloudwatch_backends[alarm.alarm_arn.split(":")[4]][alarm.region_name]

        def state_of(reference: str) -> str | None:
            found = next(
                (a for a in backend.alarms.values() if reference in (a.name, a.alarm_arn)), None
            )
            return found.state_value if found is not None else None

        for parent in list(backend.alarms.values()):
            if parent.rule is None or not {alarm.name, alarm.alarm_arn} & set(
                _alarm_rule_references(parent.rule)
            ):
                continue
            truth = _evaluate_alarm_rule(parent.rule, state_of)
            if truth is None:
                continue
            state = "ALARM" if truth else "OK"
            if state != parent.state_value:
                parent.update_state(
                    f"{alarm.name} changed to {alarm.state_value}",
                    json.dumps({"triggeringAlarms": [alarm.alarm_arn]}),
                    state,
                )

    def update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
        old_state = self.state_value
        original_update(self, reason, reason_data, state_value)
        if state_value != old_state:
            notify(self, old_state)
            reevaluate_parents(self)

    def publish(
        self: Subscription,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol != "lambda":
            return original_publish(
                self,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        from moto.core.utils import utcnow

        event = {
            "Records": [
                {
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.arn,
                    "EventSource": "aws:sns",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": message_id,
                        "TopicArn": self.topic.arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": iso_8601_datetime_with_milliseconds(utcnow()),
                        "MessageAttributes": message_attributes or {},
                    },
                }
            ]
        }
        with _deliveries_lock:
            _LAMBDA_DELIVERIES.append({"function": self.endpoint, "event": event})
        return None

    update_state._dbdr_patched = True  # type: ignore[attr-defined]
    Alarm.update_state = update_state  # type: ignore[method-assign]
    Subscription.publish = publish  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.emulator [--host H] [--port P]``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    args = parser.parse_args(argv)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # `kill PID` stops the server the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, interrupt)
    with Emulator(host=args.host, port=args.port, log_requests=True) as emulator:
        print(emulator.endpoint, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def _patch_bucket_replication_rules() -> None:
    """u. S3 ``GetBucketReplication`` answers every rule as it was put (AWS S3 API
    reference, ReplicationRule): ``Filter``, ``DeleteMarkerReplication``,
    ``SourceSelectionCriteria``, ``ExistingObjectReplication`` and ``Destination``. moto stores
    the whole rule but answers a fixed ``DeleteMarkerReplication`` of ``Disabled`` and drops
    the source selection criteria, so every plan of an ``aws_s3_bucket_replication_configuration``
    that replicates delete markers or SSE-KMS objects wants to change the rule again. The fix
    answers the stored rule's fields, with AWS's defaults only where the rule set none."""
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError
    from moto.s3.responses import S3Response

    if getattr(S3Response.get_bucket_replication, "_dbdr_patched", False):
        return

    def get_bucket_replication(self):  # type: ignore[no-untyped-def]
        self.data["Action"] = "GetBucketReplication"
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        stored = replication["Rule"]
        rules = []
        for rule in stored if isinstance(stored, list) else [stored]:
            answer = {
                "ID": rule["ID"],
                "Priority": rule.get("Priority", 0),
                "Status": rule["Status"],
                "DeleteMarkerReplication": rule.get("DeleteMarkerReplication")
                or {"Status": "Disabled"},
                "Filter": rule.get("Filter") or {"Prefix": ""},
                "Destination": rule["Destination"],
            }
            for optional in ("SourceSelectionCriteria", "ExistingObjectReplication"):
                if rule.get(optional):
                    answer[optional] = rule[optional]
            rules.append(answer)
        return self.serialized(
            ActionResult(
                {"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}
            )
        )

    get_bucket_replication._dbdr_patched = True  # type: ignore[attr-defined]
    S3Response.get_bucket_replication = get_bucket_replication


if __name__ == "__main__":
    raise SystemExit(main())
