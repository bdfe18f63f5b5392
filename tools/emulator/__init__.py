"""A local AWS endpoint for tests: moto's server, with in-process fixes for the gaps of
moto 5.2.5 on this stack's path.

``with Emulator() as emu:`` runs moto (``moto[server]``) in a thread of this process on a free
loopback port; ``emu.endpoint`` is what Terraform's ``endpoints { ... }`` overrides and boto3's
``endpoint_url`` point at, and ``emu.client("rds", "us-west-2")`` is a ready boto3 client.
``python -m tools.emulator`` does the same from a shell and runs until Ctrl-C.

:func:`apply_patches` fixes moto in this process before a server starts, each fix following
the documented AWS behaviour: the product never changes to please the emulator. Each service
module says, once, what moto lacks, what AWS does, and where the emulator is still more
lenient than AWS (tests of the product must not rely on it to catch mistakes there):

- ``server.py``: the :class:`Emulator` and ``python -m tools.emulator``
- ``patching.py``: ``install``, which sets a fix's functions on moto's classes
- ``rds_global.py``: Aurora Global Database (fixes a-c, g, h)
- ``rds_instances.py``: DB instance read replicas, parameters and resource IDs (l-o)
- ``route53.py``: private hosted zones, alarm-based health checks, zone ids (d, f, fz)
- ``iam.py``: AWS managed policies (e)
- ``cloudwatch.py``: composite alarms, alarms that act (i, w)
- ``lambda_.py``: dead-letter queues and configuration updates (j)
- ``ec2.py``: descriptions of group-referencing security group rules (k)
- ``backup.py``: selections, tags, recovery points, plan updates and names (p-t)
- ``s3.py``: bucket replication rules (u)
- ``secretsmanager.py``: the KMS keys of secret replicas (v)
- ``events_endpoints.py``: EventBridge global endpoints, PutEvents through them, buses with
  rules (x-z)
- ``dynamodb_replicas.py``: DynamoDB global tables version 2019.11.21, replicas (ga-gd)
- ``globalaccelerator.py``: Global Accelerator, a service moto lacks (accelerators,
  listeners, endpoint groups, with AWS's refusals)
- ``elbv2.py``: the default scheme of a load balancer (ka)
- ``apigateway.py``: clearing the account's CloudWatch role (la)
- ``rules.py``: where the emulator refuses what AWS refuses (rules 1-5)

moto's state is process-wide (module-level backends): every :class:`Emulator` of a process
serves the same state, so use one at a time. Each one starts from an empty state, and
:meth:`Emulator.reset` empties it again.
"""

from __future__ import annotations

import threading
import warnings

import moto

from tools.emulator import (
    apigateway,
    backup,
    cloudwatch,
    dynamodb_replicas,
    ec2,
    elbv2,
    events_endpoints,
    globalaccelerator,
    iam,
    lambda_,
    rds_global,
    rds_instances,
    route53,
    rules,
    s3,
    secretsmanager,
)
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

# In this order: rds_global's and rds_instances' fixes both wrap DBInstance.__init__, and the
# rules wrap methods the fixes replaced (RDSBackend.delete_db_cluster, delete_db_instance).
_SERVICES = (
    rds_global,
    rds_instances,
    route53,
    iam,
    cloudwatch,
    lambda_,
    ec2,
    backup,
    s3,
    secretsmanager,
    events_endpoints,
    dynamodb_replicas,
    globalaccelerator,
    elbv2,
    apigateway,
    rules,
)

_patch_lock = threading.Lock()
_patched = False


def apply_patches() -> None:
    """Fix moto in this process: every service module's fixes, then the rules. Idempotent."""
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
        for service in _SERVICES:
            service.apply()
        _patched = True
