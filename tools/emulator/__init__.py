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

Layout: ``server.py`` (the :class:`Emulator`, ``python -m tools.emulator``), one module per
service it fixes (``rds_global.py``, ``rds_instances.py``, ``route53.py``, ``cloudwatch.py``,
``lambda_.py``, ``ec2.py``, ``backup.py``, ``secretsmanager.py``, ``s3.py``; each patch's
docstring is its one description) and ``rules.py`` (where it refuses what AWS refuses).

moto's state is process-wide (module-level backends): run one :class:`Emulator` at a time per
process. Each one starts from an empty state.
"""

from __future__ import annotations

import os
import threading
import warnings

import moto

from tools.emulator import (
    backup,
    cloudwatch,
    ec2,
    lambda_,
    rds_global,
    rds_instances,
    route53,
    s3,
    secretsmanager,
)
from tools.emulator import rules as emulator_rules
from tools.emulator.cloudwatch import _evaluate_alarm_rule, lambda_deliveries
from tools.emulator.rds_global import _find_global_cluster
from tools.emulator.server import (
    MOTO_VERSION_CHECKED,
    STARTUP_TIMEOUT_SECONDS,
    TEST_CREDENTIALS,
    Emulator,
    main,
)

__all__ = [
    "MOTO_VERSION_CHECKED",
    "STARTUP_TIMEOUT_SECONDS",
    "TEST_CREDENTIALS",
    "Emulator",
    "_evaluate_alarm_rule",
    "_find_global_cluster",
    "apply_patches",
    "lambda_deliveries",
    "main",
]

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
        rds_global._patch_cross_region_membership()
        rds_global._patch_global_failover_and_switchover()
        rds_global._patch_global_cluster_lookup()
        route53._patch_private_zone_from_vpc()
        route53._patch_alarm_based_health_checks()
        rds_global._patch_global_cluster_tags()
        rds_global._patch_cluster_reporting()
        cloudwatch._patch_composite_alarms()
        lambda_._patch_lambda_function_configuration()
        ec2._patch_security_group_rule_descriptions()
        rds_instances._patch_instance_read_replicas()
        rds_instances._patch_instance_replica_promotion_and_deletion()
        rds_instances._patch_db_parameter_sources()
        rds_instances._patch_instance_resource_ids()
        backup._patch_backup_selections()
        backup._patch_backup_tags()
        backup._patch_backup_vault_recovery_points()
        backup._patch_backup_plan_update()
        backup._patch_backup_plan_names()
        s3._patch_bucket_replication_rules()
        secretsmanager._patch_secret_replica_keys()
        cloudwatch._patch_alarm_actions()
        # Strictness: refuse what AWS refuses (tools/emulator/rules.py), after the fixes.
        emulator_rules.apply()
        # e. AWS managed IAM policies exist in every real account (the stack attaches
        # AmazonRDSEnhancedMonitoringRole); moto creates them only when this is set, and its
        # /moto-api/config endpoint cannot set it. Read when an account's IAM backend is made.
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        _patched = True
