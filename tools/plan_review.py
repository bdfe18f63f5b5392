"""Summarize a Terraform plan for a pull request: what could hurt first, then what changes.

    terraform show -json plan.tfplan > plan.json
    python -m tools.plan_review plan.json [--output review.md]
    terraform show -json plan.tfplan | python -m tools.plan_review -

The input is the JSON of a saved plan (``-`` reads standard input; gzip is recognized by
its content). The output is Markdown: a header line with the overall risk and the
Terraform / plan format versions, a **Risk** table (level, resource address, one-line why),
then the counts by action and by resource type.

Exit code: the highest risk found, 0 none, 10 low, 20 medium, 30 high (so CI can gate on
it); 2 with one ``error: ...`` line when the file is not a readable Terraform plan.

Rules (each a small function below; they read ``resource_changes[].change``):

- replacing or deleting a stateful resource (database, key, zone, bucket, vault): high,
  naming the attributes that force the replacement; log groups and snapshots: medium;
- ``deletion_protection`` true -> false, ``skip_final_snapshot`` false -> true: high;
  ``final_snapshot_identifier`` changed, ``force_destroy`` turned on: medium; deletion
  protection turned on: low;
- ``engine`` changed: high; ``engine_version`` changed: medium, high across major versions;
- global membership (``global_cluster_identifier``, ``replication_source_identifier``,
  ``replicate_source_db``) changed or unknown until apply: high (pitfall 2 of the design:
  a member leaving the global database);
- ingress that admits 0.0.0.0/0 or ::/0: high; any other wider source or port range on an
  existing security group: medium;
- IAM, key and resource policies (bucket, topic, queue and secret policies): a grant that
  was not there before, or a Deny that is gone (a bucket's TLS-only rule): medium; ``*``
  actions, a wildcard action on all resources (in IAM policies), or ``Principal: *``
  without a condition: high; a new managed-policy attachment to an existing role: medium
  (administrator-grade policies: high); a policy that is unknown until apply: low;
- Lambda permissions: anyone (``*``) may invoke without a source condition: high; a new
  caller of an existing function: medium;
- any other in-place update of a stateful resource: low.

A resource created in the same plan (a new security group, a new role and its policies, a
new bucket and its policy, a new function and its permissions) is not "widened": only what
would be high on its own is reported for it, so the plan of a first deploy is not a wall of
findings.
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import ipaddress
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEVELS = ("none", "low", "medium", "high")
EXIT_CODES = {"none": 0, "low": 10, "medium": 20, "high": 30}
INVALID_PLAN = 2
COUNTED_ACTIONS = ("create", "update", "replace", "delete")
UNCOUNTED = {"no-op": "unchanged", "read": "data sources read"}

# What is lost when the resource is destroyed (replaced or deleted): high.
STATEFUL = {
    "aws_rds_global_cluster": "the global database and its members' link",
    "aws_rds_cluster": "the cluster's data",
    "aws_rds_cluster_instance": "a database instance (capacity, failover target)",
    "aws_db_instance": "the instance's data",
    "aws_kms_key": "the key, and access to everything it encrypts",
    "aws_route53_zone": "every record in the zone",
    "aws_s3_bucket": "the bucket's objects",
    "aws_backup_vault": "the vault's recovery points",
    "aws_secretsmanager_secret": "the master credentials (a generated password is kept "
    "nowhere else)",
}
# Kept data whose loss hurts less (an audit trail, a point-in-time copy): medium.
RETAINED = {
    "aws_cloudwatch_log_group": "its log events (audit logs)",
    "aws_db_snapshot": "the snapshot",
    "aws_db_cluster_snapshot": "the snapshot",
}
FORCE_DESTROY = {
    "aws_rds_global_cluster": "deleting it also removes its member clusters",
    "aws_s3_bucket": "deleting it also deletes every object",
    "aws_backup_vault": "deleting it also deletes every recovery point",
}
MEMBERSHIP = ("global_cluster_identifier", "replication_source_identifier", "replicate_source_db")
WORLD = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
# Policies attached to one resource (in ``policy``): there "Resource": "*" means that resource.
RESOURCE_POLICIES = {
    "aws_kms_key",
    "aws_s3_bucket_policy",
    "aws_sns_topic_policy",
    "aws_sns_topic",
    "aws_sqs_queue_policy",
    "aws_sqs_queue",
    "aws_secretsmanager_secret_policy",
    "aws_secretsmanager_secret",
}
# Resource type -> the attributes holding policy documents.
POLICY_DOCUMENTS = {
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_iam_policy": ("policy",),
    "aws_iam_role": ("assume_role_policy", "inline_policy"),
    **dict.fromkeys(RESOURCE_POLICIES, ("policy",)),
}
# Policies that are part of the resource itself: new with it.
OWN_POLICIES = {
    "aws_iam_role",
    "aws_iam_policy",
    "aws_kms_key",
    "aws_sns_topic",
    "aws_sqs_queue",
    "aws_secretsmanager_secret",
}
# Resource type -> the attribute naming what a policy, attachment or permission belongs to
# (the kind of owner has the same name; an owner unknown until apply is a new one).
POLICY_OWNERS = {
    "aws_iam_role_policy": "role",
    "aws_iam_role_policy_attachment": "role",
    "aws_iam_user_policy": "user",
    "aws_iam_user_policy_attachment": "user",
    "aws_iam_group_policy": "group",
    "aws_iam_group_policy_attachment": "group",
    "aws_s3_bucket_policy": "bucket",
    "aws_sns_topic_policy": "arn",
    "aws_sqs_queue_policy": "queue_url",
    "aws_secretsmanager_secret_policy": "secret_arn",
    "aws_lambda_permission": "function_name",
}
# Resource type -> (kind of owner, the attribute holding its name) for owners the plan
# creates: their policies and permissions are new, not widened.
OWNERS = {
    "aws_iam_role": ("role", "name"),
    "aws_iam_user": ("user", "name"),
    "aws_iam_group": ("group", "name"),
    "aws_s3_bucket": ("bucket", "bucket"),
    "aws_lambda_function": ("function_name", "function_name"),
}
UNKNOWN = object()  # a value Terraform knows only after apply
REASONS = {
    "replace_because_tainted": "the object is tainted",
    "replace_because_cannot_update": "an attribute cannot be updated in place",
    "replace_by_request": "replacement was requested (-replace)",
    "replace_by_triggers": "replace_triggered_by fired",
    "delete_because_no_resource_config": "it is no longer in the configuration",
    "delete_because_no_module": "its module is no longer in the configuration",
    "delete_because_wrong_repetition": "count/for_each no longer applies",
    "delete_because_count_index": "its count index is gone",
    "delete_because_each_key": "its for_each key is gone",
    "delete_because_no_move_target": "its moved target is gone",
}


class PlanError(ValueError):
    """The input is not a readable Terraform plan (JSON of ``terraform show -json``)."""


# Model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    level: str
    address: str
    why: str


@dataclass(frozen=True)
class Review:
    terraform_version: str
    format_version: str
    findings: tuple[Finding, ...]
    actions: dict[str, int]  # create/update/replace/delete, and no-op, read, ... if present
    by_type: dict[str, dict[str, int]]  # type -> the four counted actions

    @property
    def level(self) -> str:
        return max((f.level for f in self.findings), key=LEVELS.index, default="none")

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.level]

    @property
    def terraform_counts(self) -> dict[str, int]:
        """Counted the way ``terraform plan`` prints them (a replacement adds and destroys)."""
        a = self.actions
        return {
            "add": a["create"] + a["replace"],
            "change": a["update"],
            "destroy": a["delete"] + a["replace"],
        }


@dataclass(frozen=True)
class Change:
    """One resource instance's planned change, with the accessors the rules need."""

    address: str
    type: str
    kind: str  # create, update, replace, delete, no-op, read, forget
    before: dict
    after: dict
    after_unknown: dict
    sensitive: frozenset[str]
    replace_paths: tuple[tuple, ...]
    reason: str

    @property
    def existed(self) -> bool:
        return self.kind in ("update", "replace")

    def old(self, attribute: str) -> Any:
        return self.before.get(attribute)

    def new(self, attribute: str) -> Any:
        if _contains_unknown(self.after_unknown.get(attribute)):
            return UNKNOWN
        return self.after.get(attribute)

    def changed(self, attribute: str) -> bool:
        """Changed or unknown until apply; an empty string and null are the same (unset)."""
        old, new = self.old(attribute), self.new(attribute)
        return new is UNKNOWN or (old if old != "" else None) != (new if new != "" else None)

    def shown(self, attribute: str, value: Any) -> str:
        """A value as the review prints it: short, never a sensitive value."""
        if value is UNKNOWN:
            return "(known after apply)"
        if attribute in self.sensitive:
            return "(sensitive)"
        text = json.dumps(value) if not isinstance(value, str) else value
        return f"`{text if len(text) <= 60 else text[:57] + '...'}`"

    def transition(self, attribute: str) -> str:
        return (
            f"{self.shown(attribute, self.old(attribute))} -> "
            f"{self.shown(attribute, self.new(attribute))}"
        )


@dataclass(frozen=True)
class Context:
    """What the whole plan says about the owners (roles, buckets, functions) of a resource."""

    created_owners: frozenset[tuple[str, str]]  # ("role", name) created in this plan

    def is_new(self, kind: str | None, name: Any) -> bool:
        """Whether an owner is created by this plan (an unknown name is a new one)."""
        return name is UNKNOWN or (kind, name) in self.created_owners


# Reading ----------------------------------------------------------------------------------


def load_plan(source: str) -> dict:
    """Read a plan JSON file (``-`` for stdin, gzip or not); raise PlanError if unusable."""
    name = "standard input" if source == "-" else source
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as err:
        raise PlanError(f"cannot read {name}: {err.strerror or err}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise PlanError(f"{name} is not a readable gzip file: {err}") from None
    try:
        plan = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PlanError(
            f"{name} is not JSON ({err}); expected the output of `terraform show -json <planfile>`"
        ) from None
    check_plan(plan, name)
    return plan


def check_plan(plan: Any, name: str = "the plan") -> None:
    """Raise PlanError unless ``plan`` has the shape of a Terraform JSON plan, format 1.x."""
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise PlanError(f"{name} is not a Terraform JSON plan (no format_version)")
    if not str(plan["format_version"]).startswith("1."):
        raise PlanError(f"{name} has plan format {plan['format_version']}; this tool reads 1.x")
    if "resource_changes" not in plan and "planned_values" not in plan:
        raise PlanError(
            f"{name} has no resource_changes: is it the JSON of a state, not of a plan?"
        )
    changes = plan.get("resource_changes", [])
    well_formed = isinstance(changes, list) and all(
        isinstance(c, dict)
        and isinstance(c.get("address"), str)
        and isinstance(c.get("type"), str)
        and isinstance(c.get("change"), dict)
        and isinstance(c["change"].get("actions"), list)
        for c in changes
    )
    if not well_formed:
        raise PlanError(
            f"{name} has malformed resource_changes (each needs address, type and change.actions)"
        )


def kind_of(actions: list[str]) -> str:
    """``create``, ``update``, ``delete``, ``no-op``, ``read``, ...; both orders of
    delete + create (destroy-before-create or create-before-destroy) are a ``replace``."""
    return "replace" if sorted(actions) == ["create", "delete"] else "-".join(actions)


def to_change(entry: dict) -> Change:
    change = entry["change"]
    address = entry["address"] + (f" (deposed {entry['deposed']})" if entry.get("deposed") else "")
    sensitive = {
        key
        for side in ("before_sensitive", "after_sensitive")
        if isinstance(change.get(side), dict)
        for key, value in change[side].items()
        if value is True
    }
    return Change(
        address=address,
        type=entry["type"],
        kind=kind_of(change["actions"]),
        before=change.get("before") or {},
        after=change.get("after") or {},
        after_unknown=change.get("after_unknown") or {},
        sensitive=frozenset(sensitive),
        replace_paths=tuple(tuple(p) for p in change.get("replace_paths") or ()),
        reason=entry.get("action_reason", ""),
    )


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return value is True


# Rules: stateful resources ---------------------------------------------------------------


def lifecycle_risk(c: Change, context: Context) -> list[Finding]:
    """Replacing or deleting something that holds data."""
    if c.kind not in ("replace", "delete") or (c.type not in STATEFUL and c.type not in RETAINED):
        return []
    level = "high" if c.type in STATEFUL else "medium"
    lost = STATEFUL.get(c.type) or RETAINED[c.type]
    if c.kind == "replace":
        forced = [
            _path_text(p) + f" ({c.shown(p[0], _at(c.before, p))} -> "
            f"{c.shown(p[0], _new_at(c, p))})"
            for p in c.replace_paths
            if p
        ]
        why = "replaced: " + (
            ", ".join(forced) + " forces a new resource"
            if forced
            else REASONS.get(c.reason, "destroyed and re-created")
        )
    else:
        why = "deleted" + (f": {REASONS[c.reason]}" if c.reason in REASONS else "")
    why += f"; loses {lost}"
    if c.old("force_destroy") is True:
        why += " (force_destroy is on: nothing stops the delete)"
    if c.old("global_cluster_identifier"):
        why += f"; destroys a member of global cluster `{c.old('global_cluster_identifier')}`"
    return [Finding(level, c.address, why)]


def protection_risk(c: Change, context: Context) -> list[Finding]:
    """The switches that decide whether a destroy loses data."""
    if not c.existed:
        return []
    findings = []
    if c.old("deletion_protection") is True and c.new("deletion_protection") is False:
        findings.append(Finding("high", c.address, "deletion protection turned off"))
    if c.old("deletion_protection") is False and c.new("deletion_protection") is True:
        findings.append(Finding("low", c.address, "deletion protection turned on"))
    if c.old("skip_final_snapshot") is False and c.new("skip_final_snapshot") is True:
        findings.append(
            Finding("high", c.address, "skip_final_snapshot turned on: no final snapshot on delete")
        )
    if "final_snapshot_identifier" in c.before and c.changed("final_snapshot_identifier"):
        findings.append(
            Finding(
                "medium",
                c.address,
                "final_snapshot_identifier changed: " + c.transition("final_snapshot_identifier"),
            )
        )
    if (
        c.type in FORCE_DESTROY
        and c.old("force_destroy") is False
        and c.new("force_destroy") is True
    ):
        findings.append(
            Finding("medium", c.address, f"force_destroy turned on: {FORCE_DESTROY[c.type]}")
        )
    return findings


def engine_risk(c: Change, context: Context) -> list[Finding]:
    """Engine changes (both regions must run the same version: an upgrade fails while a
    replica runs a lower one, provider #29487)."""
    if not c.existed:
        return []
    findings = []
    if "engine" in c.before and c.changed("engine"):
        findings.append(Finding("high", c.address, "engine changed: " + c.transition("engine")))
    if "engine_version" in c.before and c.changed("engine_version"):
        old, new = c.old("engine_version"), c.new("engine_version")
        major = new is UNKNOWN or major_version(str(old)) != major_version(str(new))
        findings.append(
            Finding(
                "high" if major else "medium",
                c.address,
                f"{'major' if major else 'minor'} engine upgrade: "
                + c.transition("engine_version"),
            )
        )
    return findings


def major_version(version: str) -> str:
    """``15.10`` -> ``15``, ``9.6.24`` -> ``9.6``, ``8.0.mysql_aurora.3.08.0`` -> ``aurora 3``."""
    if ".mysql_aurora." in version:
        return "aurora " + version.split(".mysql_aurora.")[1].split(".")[0]
    parts = version.split(".")
    return ".".join(parts[:2]) if parts[0].isdigit() and int(parts[0]) < 10 else parts[0]


def membership_risk(c: Change, context: Context) -> list[Finding]:
    """A member joining, leaving or switching its global cluster or replication source."""
    if not c.existed:
        return []
    return [
        Finding(
            "high",
            c.address,
            f"replication membership changes: `{attribute}` {c.transition(attribute)}",
        )
        for attribute in MEMBERSHIP
        if attribute in c.before and c.changed(attribute)
    ]


# Rules: network ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """One (protocol, port range, source) an ingress rule admits."""

    protocol: str
    ports: tuple[int, int]
    source: Any  # an ip network, a security group / prefix list / "itself" text, or UNKNOWN

    def text(self) -> str:
        source = "(known after apply)" if self.source is UNKNOWN else str(self.source)
        if self.protocol == "all":
            return f"{source} on all protocols and ports"
        low, high = self.ports
        ports = (
            "all ports"
            if self.ports == (0, 65535)
            else f"port {low}"
            if low == high
            else f"ports {low}-{high}"
        )
        return f"{source} on {self.protocol} {ports}"


PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def ingress(resource_type: str, values: dict, unknown: dict) -> list[Access] | None:
    """What an ingress-bearing resource admits; None for resources that are not ingress."""
    if resource_type in ("aws_security_group", "aws_default_security_group"):
        rules = values.get("ingress") or []
        if _contains_unknown(unknown.get("ingress")):
            return [Access("all", (0, 65535), UNKNOWN)]
        return [a for rule in rules for a in _rule_access(rule, {}, "security_groups")]
    if resource_type == "aws_security_group_rule":
        if values.get("type") != "ingress":
            return None
        return _rule_access(values, unknown, "source_security_group_id")
    if resource_type == "aws_vpc_security_group_ingress_rule":
        sources = {
            "cidr_ipv4": values.get("cidr_ipv4"),
            "cidr_ipv6": values.get("cidr_ipv6"),
            "prefix_list_id": values.get("prefix_list_id"),
            "referenced_security_group_id": values.get("referenced_security_group_id"),
        }
        if any(_contains_unknown(unknown.get(k)) for k in sources):
            return [_access(values.get("ip_protocol"), values, UNKNOWN)]
        return [
            _access(values.get("ip_protocol"), values, _source(key, value))
            for key, value in sources.items()
            if value
        ]
    return None


def _rule_access(rule: dict, unknown: dict, group_key: str) -> list[Access]:
    keys = ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", group_key)
    if any(_contains_unknown(unknown.get(k)) for k in keys):
        return [_access(rule.get("protocol"), rule, UNKNOWN)]
    sources = [_source(key, value) for key in keys for value in _as_list(rule.get(key))]
    if rule.get("self"):
        sources.append("the group itself")
    return [_access(rule.get("protocol"), rule, source) for source in sources]


def _access(protocol: Any, rule: dict, source: Any) -> Access:
    name = PROTOCOLS.get(str(protocol).lower(), str(protocol).lower())
    low, high = rule.get("from_port"), rule.get("to_port")
    if name == "all" or low in (None, -1) or high in (None, -1):
        ports = (0, 65535)
    else:
        ports = (int(low), int(high))
    return Access(name, ports, source)


def _source(key: str, value: str) -> Any:
    if "cidr" in key:
        try:
            return ipaddress.ip_network(value, strict=False)
        except ValueError:
            return f"CIDR {value}"
    return f"{'prefix list' if 'prefix' in key else 'security group'} {value}"


def _covers(old: Access, new: Access) -> bool:
    if old.protocol not in ("all", new.protocol):
        return False
    if not (old.ports[0] <= new.ports[0] and new.ports[1] <= old.ports[1]):
        return False
    if isinstance(old.source, (ipaddress.IPv4Network, ipaddress.IPv6Network)) and isinstance(
        new.source, type(old.source)
    ):
        return new.source.subnet_of(old.source)
    return old.source == new.source and new.source is not UNKNOWN


def network_risk(c: Change, context: Context) -> list[Finding]:
    """Ingress that admits more than before: the world (high) or anything wider (medium)."""
    if c.kind not in ("create", "update", "replace"):
        return []
    admitted = ingress(c.type, c.after, c.after_unknown)
    if admitted is None:
        return []
    # A rule of a group created in this plan (its id is unknown) widens nothing that exists.
    new_group = c.type == "aws_security_group" or (
        c.kind == "create" and c.new("security_group_id") is UNKNOWN
    )
    before = (ingress(c.type, c.before, {}) or []) if c.existed else []
    findings = []
    for access in admitted:
        if any(_covers(old, access) for old in before):
            continue
        was = f" (was {_listed([a.text() for a in before])})" if before else ""
        if access.source in WORLD:
            findings.append(
                Finding(
                    "high", c.address, f"ingress admits the whole internet: {access.text()}{was}"
                )
            )
        elif new_group and not c.existed:
            continue
        elif access.source is UNKNOWN:
            findings.append(
                Finding(
                    "low",
                    c.address,
                    f"ingress source known only after "
                    f"apply: cannot tell until apply whether it widens{was}",
                )
            )
        else:
            findings.append(
                Finding("medium", c.address, f"ingress widened: admits {access.text()}{was}")
            )
    return findings


# Rules: IAM -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One (effect, principal, action, resource, condition) of a policy document."""

    effect: str
    principal: str
    action: str
    resource: str
    condition: str

    def text(self) -> str:
        return (
            f"`{self.action}`"
            + (f" on `{self.resource}`" if self.resource else "")
            + (f" to `{self.principal}`" if self.principal else "")
            + (" (with a condition)" if self.condition else "")
        )


def grants(document: Any) -> set[Grant] | None:
    """The grants of a policy document (JSON text or parsed); None when it does not parse."""
    if document in (None, ""):
        return set()
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except json.JSONDecodeError:
        return None
    statements = policy.get("Statement", []) if isinstance(policy, dict) else None
    if statements is None:
        return None
    found = set()
    for statement in _as_list(statements):
        if not isinstance(statement, dict):
            return None
        effect = statement.get("Effect", "Allow")
        actions = _as_list(statement.get("Action")) + [
            f"not {a}" for a in _as_list(statement.get("NotAction"))
        ]
        resources = _as_list(statement.get("Resource")) + [
            f"not {r}" for r in _as_list(statement.get("NotResource"))
        ]
        condition = (
            json.dumps(statement["Condition"], sort_keys=True) if statement.get("Condition") else ""
        )
        for principal in _principals(statement):
            for action in actions or [""]:
                for resource in resources or [""]:
                    found.add(Grant(effect, principal, action, resource, condition))
    return found


def _principals(statement: dict) -> list[str]:
    if "Principal" not in statement and "NotPrincipal" not in statement:
        return [""]
    principal = statement.get("Principal", statement.get("NotPrincipal"))
    prefix = "" if "Principal" in statement else "not "
    if isinstance(principal, str):
        return [prefix + principal]
    return [
        prefix + ("*" if value == "*" else f"{kind}:{value}")
        for kind, values in sorted(principal.items())
        for value in _as_list(values)
    ]


def _grant_covers(old: Grant, new: Grant) -> bool:
    return (
        old.effect == new.effect
        and old.principal in ("*", new.principal)
        and fnmatch.fnmatchcase(new.action.lower(), old.action.lower())  # IAM: any case
        and fnmatch.fnmatchcase(new.resource, old.resource)
        and old.condition in ("", new.condition)
    )


def too_broad(grant: Grant, resource_policy: bool) -> str | None:
    """Why a grant is administrator-grade (high), or None for an ordinary grant (medium)."""
    if grant.principal == "*" and not grant.condition:
        return "anyone may use it"
    if grant.action == "*":
        return "every action"
    # In a key or resource policy "Resource": "*" means that resource, not every resource.
    wildcard_action = "*" in grant.action or grant.action.startswith("not ")
    if wildcard_action and grant.resource == "*" and not resource_policy:
        return "a wildcard action on every resource"
    return None


def _documents(c: Change, values: dict, unknown: dict | None) -> dict[str, Any]:
    """Policy documents by attribute (inline policies by name); UNKNOWN when not known."""
    documents = {}
    for attribute in POLICY_DOCUMENTS[c.type]:
        if unknown is not None and _contains_unknown(unknown.get(attribute)):
            documents[attribute] = UNKNOWN
        elif attribute == "inline_policy":
            for inline in values.get(attribute) or []:
                documents[f"inline policy {inline.get('name')}"] = inline.get("policy")
        else:
            documents[attribute] = values.get(attribute)
    return documents


def policy_risk(c: Change, context: Context) -> list[Finding]:
    """New grants in a policy document compared with the document before the change."""
    if c.type not in POLICY_DOCUMENTS or c.kind not in ("create", "update", "replace"):
        return []
    owner = POLICY_OWNERS.get(c.type)
    brand_new = not c.existed and (c.type in OWN_POLICIES or context.is_new(owner, c.new(owner)))
    before = _documents(c, c.before, None) if c.existed else {}
    findings = []
    for name, document in _documents(c, c.after, c.after_unknown).items():
        if document is UNKNOWN:
            if not brand_new:
                findings.append(
                    Finding(
                        "low",
                        c.address,
                        f"{name} is known only after "
                        "apply: cannot tell until apply whether it widens",
                    )
                )
            continue
        new, old = grants(document), grants(before.get(name))
        if new is None or old is None:
            if document != before.get(name):
                findings.append(
                    Finding(
                        "low", c.address, f"{name} changed and is not a parsable policy document"
                    )
                )
            continue
        added = sorted(
            (g for g in new if g.effect == "Allow" and not any(_grant_covers(o, g) for o in old)),
            key=Grant.text,
        )
        removed_denies = sorted(
            (g for g in old if g.effect == "Deny" and g not in new), key=Grant.text
        )
        broad = {g: too_broad(g, c.type in RESOURCE_POLICIES) for g in added}
        if brand_new:
            added = [g for g in added if broad[g]]
            removed_denies = []
        if added:
            reasons = sorted({broad[g] for g in added if broad[g]})
            shown = _listed([g.text() for g in added], separator="; ")
            findings.append(
                Finding(
                    "high" if reasons else "medium",
                    c.address,
                    f"{name} grants {shown}" + (f": {', '.join(reasons)}" if reasons else ""),
                )
            )
        if removed_denies:
            findings.append(
                Finding(
                    "medium",
                    c.address,
                    f"{name} no longer denies "
                    + _listed([g.text() for g in removed_denies], separator="; "),
                )
            )
    return findings


def attachment_risk(c: Change, context: Context) -> list[Finding]:
    """A managed policy attached to an existing identity."""
    if not c.type.endswith("_policy_attachment") or c.kind not in ("create", "update", "replace"):
        return []
    arn = c.new("policy_arn")
    if c.existed and not c.changed("policy_arn"):
        return []
    if arn is UNKNOWN:
        return [
            Finding(
                "low",
                c.address,
                "attached policy known only after apply: cannot tell until apply whether it widens",
            )
        ]
    admin = str(arn).rsplit("/", 1)[-1] in ADMIN_POLICIES
    owner = POLICY_OWNERS.get(c.type, "role")
    new_identity = context.is_new(owner, c.new(owner))
    if admin:
        return [Finding("high", c.address, f"attaches administrator-grade `{arn}`")]
    if new_identity:
        return []
    return [
        Finding(
            "medium",
            c.address,
            f"attaches `{arn}` to existing {owner} {c.shown(owner, c.new(owner))}",
        )
    ]


def permission_risk(c: Change, context: Context) -> list[Finding]:
    """Who may invoke a function: a Lambda permission created, replaced or changed."""
    if c.type != "aws_lambda_permission" or c.kind not in ("create", "update", "replace"):
        return []
    sources = ("source_arn", "source_account", "principal_org_id")
    who = ("principal", "action", *sources, "function_url_auth_type")
    if c.existed and not any(c.changed(a) for a in who):
        return []
    principal, action = c.new("principal"), c.new("action")
    unscoped = all(c.new(a) in (None, "") for a in sources)
    if principal == "*" and unscoped:
        return [
            Finding(
                "high",
                c.address,
                f"anyone may call {c.shown('action', action)} (principal `*`, no source condition)",
            )
        ]
    if context.is_new("function_name", c.new("function_name")):
        return []
    return [
        Finding(
            "medium",
            c.address,
            f"lets {c.shown('principal', principal)} call "
            f"{c.shown('action', action)} "
            f"on existing function {c.shown('function_name', c.new('function_name'))}"
            + (" from any source" if unscoped else ""),
        )
    ]


# Rules: anything else ---------------------------------------------------------------------


def update_risk(c: Change) -> list[Finding]:
    """Any other in-place update of a stateful resource (only when no other rule spoke)."""
    if c.kind != "update" or (c.type not in STATEFUL and c.type not in RETAINED):
        return []
    changed = sorted(k for k in set(c.before) | set(c.after) | set(c.after_unknown) if c.changed(k))
    if set(changed) <= {"tags", "tags_all"}:
        return [Finding("low", c.address, "updated in place: tags only")]
    shown = _listed([f"`{k}`" for k in changed], limit=5)
    return [Finding("low", c.address, f"updated in place: {shown or 'no attribute shown'}")]


RULES: tuple[Callable[[Change, Context], list[Finding]], ...] = (
    lifecycle_risk,
    protection_risk,
    engine_risk,
    membership_risk,
    network_risk,
    policy_risk,
    attachment_risk,
    permission_risk,
)


# Review and render ------------------------------------------------------------------------


def review(plan: dict) -> Review:
    """Apply every rule to every managed resource change and count the changes."""
    check_plan(plan)
    entries = plan.get("resource_changes", [])
    changes = [to_change(e) for e in entries if e.get("mode", "managed") == "managed"]
    context = Context(
        created_owners=frozenset(
            (OWNERS[c.type][0], c.after.get(OWNERS[c.type][1]))
            for c in changes
            if c.type in OWNERS and c.kind in ("create", "replace")
        )
    )
    findings: list[Finding] = []
    for change in changes:
        found = [f for rule in RULES for f in rule(change, context)]
        findings += found or update_risk(change)
    actions = Counter({action: 0 for action in COUNTED_ACTIONS})
    actions.update(c.kind for c in changes)
    actions.update(
        kind_of(e["change"]["actions"]) for e in entries if e.get("mode", "managed") != "managed"
    )
    by_type: dict[str, dict[str, int]] = {}
    for c in changes:
        if c.kind in COUNTED_ACTIONS:
            row = by_type.setdefault(c.type, dict.fromkeys(COUNTED_ACTIONS, 0))
            row[c.kind] += 1
    ordered = sorted(set(findings), key=lambda f: (-LEVELS.index(f.level), f.address, f.why))
    return Review(
        terraform_version=str(plan.get("terraform_version", "unknown")),
        format_version=str(plan["format_version"]),
        findings=tuple(ordered),
        actions=dict(sorted(actions.items(), key=_action_order)),
        by_type=dict(sorted(by_type.items())),
    )


def render(result: Review) -> str:
    """The pull-request comment: header, Risk, counts by action, counts by type."""
    t = result.terraform_counts
    levels = Counter(f.level for f in result.findings)
    tally = ", ".join(f"{levels[level]} {level}" for level in reversed(LEVELS[1:]) if levels[level])
    title = "no risk found" if result.level == "none" else f"{result.level.upper()} risk"
    lines = [
        f"## Terraform plan review: {title}",
        "",
        f"**Overall risk: {result.level}**{f' ({tally})' if tally else ''} · "
        f"Terraform {result.terraform_version} · plan format {result.format_version} · "
        f"{t['add']} to add, {t['change']} to change, {t['destroy']} to destroy",
        "",
        "### Risk",
        "",
    ]
    if result.findings:
        lines += ["| level | resource | why |", "|---|---|---|"]
        lines += [f"| {f.level} | `{f.address}` | {_cell(f.why)} |" for f in result.findings]
    else:
        lines.append("No risky change found.")
    lines += ["", "### Changes by action", "", "| action | resources |", "|---|---:|"]
    lines += [f"| {action} | {result.actions[action]} |" for action in COUNTED_ACTIONS]
    others = [
        f"{UNCOUNTED.get(action, action)}: {n}"
        for action, n in result.actions.items()
        if action not in COUNTED_ACTIONS and n
    ]
    if others:
        lines += ["", "Not counted above: " + ", ".join(others) + "."]
    lines += ["", "### Changes by resource type", ""]
    if result.by_type:
        lines += ["| type | create | update | replace | delete |", "|---|---:|---:|---:|---:|"]
        lines += [
            f"| {type_} | " + " | ".join(str(row[a]) for a in COUNTED_ACTIONS) + " |"
            for type_, row in result.by_type.items()
        ]
    else:
        lines.append("No resource changes.")
    return "\n".join(lines) + "\n"


def _action_order(item: tuple[str, int]) -> tuple[int, str]:
    action = item[0]
    return (COUNTED_ACTIONS.index(action) if action in COUNTED_ACTIONS else 9, action)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _listed(items: list[str], limit: int = 3, separator: str = ", ") -> str:
    """At most ``limit`` items, then how many more."""
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return separator.join(items[:limit]) + more


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _at(values: Any, path: tuple) -> Any:
    for step in path:
        try:
            values = values[step]
        except (KeyError, IndexError, TypeError):
            return None
    return values


def _new_at(c: Change, path: tuple) -> Any:
    if _contains_unknown(_at(c.after_unknown, path)):
        return UNKNOWN
    return _at(c.after, path)


def _path_text(path: tuple) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"`{text}`"


# Command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.plan_review",
        description="Summarize a Terraform JSON plan for a pull request (risk first).",
        epilog="exit code: 0 no risk, 10 low, 20 medium, 30 high, 2 unreadable plan",
    )
    parser.add_argument(
        "plan",
        metavar="PLAN_JSON",
        help="output of `terraform show -json <planfile>` (.json or .json.gz; "
        "- for standard input)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the Markdown here, not stdout")
    args = parser.parse_args(argv)
    try:
        result = review(load_plan(args.plan))
        text = render(result)
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text)
    except PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return INVALID_PLAN
    except OSError as err:
        print(f"error: cannot write {args.output}: {err.strerror or err}", file=sys.stderr)
        return INVALID_PLAN
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
