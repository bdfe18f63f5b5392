"""EC2: (k) the description of a security group rule that references another group (EC2 API
Reference, DescribeSecurityGroupRules, SecurityGroupRule, ModifySecurityGroupRules).

AWS: every rule reports its ``Description``, whatever its source, and a rule whose source is
a group reports it as ``ReferencedGroupInfo`` (``GroupId``, and the owner's account as
``UserId``); ``ModifySecurityGroupRules`` sets a rule's description and, for such a rule,
its ``ReferencedGroupId``. moto reads a rule's description only from its CIDR range, while a
group-referencing rule's is stored with the referenced group, so every plan after apply
wants to add the ``description`` of each ``aws_vpc_security_group_ingress_rule`` with a
``referenced_security_group_id``; ``ModifySecurityGroupRules`` writes the description where
such a rule never reads it and ignores ``ReferencedGroupId``. Here the description is read
from and written to the referenced group's entry (which DescribeSecurityGroups reports in
``UserIdGroupPairs`` too), and a new ``ReferencedGroupId`` must exist (InvalidGroup.NotFound)
and replaces the reference. ``ReferencedGroupInfo`` is already right for a group of the same
account; a provider with ``skip_requesting_account_id`` knows no account and reads it back
as ``<UserId>/<GroupId>``, planning a change on AWS too: the provider configuration's doing.
Not changed: a prefix-list rule's description is still dropped (the stack has none).
"""

from __future__ import annotations

from typing import Any

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_security_group_rule_descriptions()


def _patch_security_group_rule_descriptions() -> None:
    """(k) A group-referencing rule's description lives with the referenced group."""
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
    install(SecurityGroupBackend, modify_security_group_rules)
