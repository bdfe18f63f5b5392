"""EC2 fixes (patch j/k): security group rule descriptions.

Each patch's docstring says what AWS does and what moto gets wrong."""

from __future__ import annotations

from typing import Any


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
