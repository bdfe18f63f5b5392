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
# aurora-global: Aurora Global Database runs on memory-optimized classes only.
AURORA_INSTANCE_CLASS = re.compile(r"^db\.(r|x)\d+[a-z]*\.[0-9]*x?large$")
AURORA_INSTANCE_CLASS_RULE = (
    "a memory-optimized class that Aurora Global Database supports, such as db.r6g.large"
)
