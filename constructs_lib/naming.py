"""Physical names and tags shared by every construct.

Every physical name is ``<project>-<role>[-<region code>]-<environment_suffix>``. The roles
the app derives are registered in ``ROLES`` so configuration can be checked against the
AWS limits of the longest derived name *before* any construct is created, and so a
construct cannot invent a name that nobody validated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# AWS limits per kind of name. RDS identifiers: 1-63 chars, lowercase letters, digits and
# hyphens, start with a letter, no "--", no trailing hyphen (RDS user guide, "Naming
# constraints"). IAM role names: 64 chars. Load balancer and target group names: 32 chars
# (ELB API reference, CreateLoadBalancer / CreateTargetGroup "Name"). Everything else we
# name allows >= 255.
LIMITS = {"rds": 63, "iam": 64, "generic": 255, "s3": 63, "elb": 32}

# role -> (kind, regional). Regional names carry the region code (at most 6 chars).
_CORE_ROLES: dict[str, tuple[str, bool]] = {
    "global": ("rds", False),
    "cluster": ("rds", True),
    "instance": ("rds", True),  # the instance index is appended: "-instance-use1-0-<suffix>"
    "cluster-params": ("rds", True),
    "final": ("rds", True),  # final snapshot identifier
    "database": ("rds", True),  # RDS instance (rds-replica mode)
    "params": ("rds", True),  # its DB parameter group
    "subnets": ("rds", True),
    "monitoring": ("iam", True),
    "flow-logs": ("iam", True),
    "db": ("generic", True),  # database security group
    "vpc": ("generic", True),
    "key": ("generic", True),
    "alerts": ("generic", True),
    "writer-health": ("generic", True),  # alarm Route 53 watches
    "cpu": ("generic", True),
    "memory": ("generic", True),
    "local-storage": ("generic", True),
    "connections": ("generic", True),
    "replication-lag": ("generic", True),
    "rpo-lag": ("generic", True),
    "replica-lag": ("generic", True),  # RDS ReplicaLag (rds-replica mode)
    "free-storage": ("generic", True),
    "endpoints": ("generic", True),  # interface endpoints' security group
    "canary": ("iam", True),  # function, role, security group, schedule
    "canary-dlq": ("generic", True),
    "connectivity": ("generic", True),  # canary alarms
    "is-writer": ("generic", True),
    "canary-error": ("generic", True),
    "connectivity-fast": ("generic", True),  # the canary's 10 s alarms (fast path)
    "peer-down": ("generic", True),
    "orchestrator": ("iam", True),
    "orchestrator-dlq": ("generic", True),
    "failover-lock": ("generic", True),
    "watchdog": ("generic", True),
    "primary-down": ("generic", True),
    "health": ("generic", True),  # Route 53 calculated health checks
    "fence": ("generic", True),  # alarm over an old RDS primary's Fenced metric
    "writer": ("generic", False),  # Route 53 health check of the primary writer
    # Data-protection extras
    "peering": ("generic", False),  # VPC peering connection between the two regions
    "backups": ("s3", True),  # backup bucket per region (S3 names are global, 3-63 chars)
    "backup-replication": ("iam", False),  # S3 replication role
    "vault": ("generic", True),  # AWS Backup vault per region
    "backup-plan": ("generic", False),
    "backup": ("iam", False),  # AWS Backup service role
    "db-events": ("generic", True),  # RDS event subscription per region
    "dashboard": ("generic", False),  # CloudWatch dashboard (both regions)
}
# The application tier's (``app_tier``), checked only when the tier is on.
APP_TIER_ROLES: dict[str, tuple[str, bool]] = {
    "app-table": ("generic", False),  # DynamoDB global table: one name in every region
    "table-replication": ("generic", True),  # its ReplicationLatency alarm per region
    "config-replicator": ("iam", True),  # function and role copying parameters
    "config-replicator-dlq": ("generic", True),
    "config-changes": ("generic", True),  # EventBridge rule on Parameter Store changes
    "config-reconcile": ("generic", True),  # schedule of the full reconcile
    "events": ("generic", False),  # event bus: one name in both regions
    "events-endpoint": ("iam", False),  # EventBridge global endpoint (64 characters, as IAM)
    "events-replication": ("iam", False),  # role EventBridge replicates events with
    "events-health": ("generic", False),  # Route 53 health check driving the endpoint
    "events-delivery": ("generic", True),  # rule on each bus to that region's service
    "service": ("iam", True),  # the regional service: function and role
    "service-dlq": ("generic", True),
    "nlb": ("elb", True),  # the public Network Load Balancer and its security group
    "alb": ("elb", True),  # the internal Application Load Balancer and its security group
    "alb-targets": ("elb", True),  # the ALB's Lambda target group
    "nlb-targets": ("elb", True),  # the NLB's target group holding the ALB
    "access-logs": ("s3", True),  # the load balancers' access-log bucket per region
    "edge": ("generic", True),  # public subnets, internet gateway and their route table
    "accelerator": ("iam", False),  # Global Accelerator (64 characters, as IAM)
    "api": ("generic", True),  # the regional REST API
    "api-access": ("generic", True),  # its access-log group
    "api-health": ("generic", True),  # Route 53 HTTPS health check of its invoke URL
    "api-logs": ("iam", True),  # role API Gateway writes the region's logs with
    "edge-health": ("generic", True),  # Route 53 health check of the NLB's name
    "api-failover": ("generic", False),  # the API name's failover records (their set ids)
    # Alarms (in us-east-1) on each region's API and edge health checks, by watched region.
    "api-unhealthy": ("generic", True),
    "edge-unhealthy": ("generic", True),
}
ROLES = {**_CORE_ROLES, **APP_TIER_ROLES}
INSTANCE_INDEX_MAX = 2  # up to 15 instances per cluster

_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}
_RDS_NAME = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$")


def region_code(region: str) -> str:
    """Short, stable code for a region: us-east-1 -> use1, ap-southeast-2 -> apse2."""
    parts = region.split("-")
    words = [_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1]]
    return parts[0] + "".join(words) + parts[-1]


def check_name(name: str, kind: str) -> str:
    """Return ``name`` if it satisfies the AWS rules for ``kind``, else raise ValueError."""
    limit = LIMITS[kind]
    if len(name) > limit:
        raise ValueError(f"name {name!r} is {len(name)} characters; AWS allows {limit}")
    if kind in ("rds", "s3") and not _RDS_NAME.match(name):
        raise ValueError(
            f"name {name!r} must be lowercase letters, digits and single hyphens, "
            "starting with a letter"
        )
    return name


@dataclass(frozen=True)
class Namer:
    """Builds the physical names of one deployment."""

    project: str
    suffix: str

    def name(self, role: str, region: str | None = None, index: int | None = None) -> str:
        kind, regional = ROLES[role]
        if regional != (region is not None):
            raise ValueError(f"role {role!r} is {'regional' if regional else 'global'}")
        parts = [self.project, role]
        if region is not None:
            parts.append(region_code(region))
        if index is not None:
            parts.append(str(index))
        parts.append(self.suffix)
        return check_name("-".join(parts), kind)

    def longest_names(
        self, regions: tuple[str, ...], *, app_tier: bool = False
    ) -> list[tuple[str, str]]:
        """The longest form of every registered name in these regions, with its kind,
        for validation before synthesis; the application tier's only when it is on."""
        code = max((region_code(r) for r in regions), key=len)
        names = []
        for role, (kind, regional) in ROLES.items():
            if role in APP_TIER_ROLES and not app_tier:
                continue
            parts = [self.project, role] + ([code] if regional else [])
            if role == "instance":
                parts.append("9" * INSTANCE_INDEX_MAX)
            names.append(("-".join(parts + [self.suffix]), kind))
        return names


def required_tags(
    *, environment: str, project: str, cost_center: str, extra: dict[str, str]
) -> dict[str, str]:
    """Tags every taggable resource carries, through the providers' ``default_tags``."""
    tags = dict(extra)
    tags.update(
        {
            "Environment": environment,
            "Project": project,
            "CostCenter": cost_center,
            "DisasterRecovery": "enabled",
        }
    )
    return tags
