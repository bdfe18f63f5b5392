"""Which DB instance classes each database mode accepts (no cdktf import: the configuration
checks these before anything is synthesized)."""

from __future__ import annotations

import re

# rds-replica: memory-optimized classes of size large or bigger. The smallest is
# db.r6g.large (2 vCPU, 16 GiB): burstable (t) classes run out of CPU credits under a
# sustained write load and let the cross-region replica fall behind the RPO.
RDS_INSTANCE_CLASS = re.compile(r"^db\.(r[5-9][a-z]*|x2[a-z]*)\.(large|\d*xlarge)$")
RDS_INSTANCE_CLASS_RULE = (
    "a memory-optimized class (r5 or newer, x2) of size large or bigger, at least db.r6g.large"
)
# aurora-global: Aurora Global Database runs on memory-optimized classes, or on Aurora
# Serverless v2 (``db.serverless``, with a capacity range on each cluster).
SERVERLESS = "db.serverless"
AURORA_INSTANCE_CLASS = re.compile(r"^(db\.(r|x)\d+[a-z]*\.[0-9]*x?large|db\.serverless)$")
AURORA_INSTANCE_CLASS_RULE = (
    "a memory-optimized class that Aurora Global Database supports, such as db.r6g.large, "
    "or db.serverless (Aurora Serverless v2)"
)
# Aurora Serverless v2 capacity, in Aurora capacity units (ACU, about 2 GiB of memory each)
# in steps of 0.5 (RDS API reference, ServerlessV2ScalingConfiguration). The minimum is 0.5,
# not 0: a writer paused at 0 ACU does not answer the canary, which would then see the
# primary down and fail the database over on a false alarm.
SERVERLESS_MIN_ACU, SERVERLESS_MAX_ACU = 0.5, 256.0


def serverless_capacity_problem(minimum: float, maximum: float) -> str | None:
    """Why a Serverless v2 capacity range is refused, or None."""
    if minimum == 0:
        return "the minimum capacity must be at least 0.5 ACU: a writer paused at 0 looks down"
    for name, value in (("minimum", minimum), ("maximum", maximum)):
        if not SERVERLESS_MIN_ACU <= value <= SERVERLESS_MAX_ACU or (value * 2) % 1:
            return (
                f"the {name} capacity must be {SERVERLESS_MIN_ACU}..{SERVERLESS_MAX_ACU} ACU "
                f"in steps of 0.5, got {value}"
            )
    if maximum < minimum:
        return f"the maximum capacity {maximum} is below the minimum {minimum}"
    return None
