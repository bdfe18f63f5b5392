"""The settings table: every setting declared once (default, rule, meaning), validation made
from it, and the README's configuration table rendered from it."""

from __future__ import annotations

import dataclasses

from constructs_lib.config import _CHECKS, DrConfig, env_var
from support import ROOT
from support.bad_settings import BAD
from tools import settings_table


def test_the_readme_table_is_the_rendered_one():
    readme = (ROOT / "README.md").read_text()
    assert settings_table.with_table(readme) == readme, (
        "README.md's configuration table differs from the settings' declarations: "
        "run python -m tools.settings_table --write"
    )


def test_every_setting_has_a_row_with_its_variable_and_meaning():
    table = settings_table.render()
    fields = dataclasses.fields(DrConfig)
    assert len(fields) > 60
    for f in fields:
        assert f.metadata["doc"], f"{f.name} has no description"
        assert f"| `{f.name}` | `{env_var(f.name)}` |" in table
    assert len(table.splitlines()) == len(fields) + 2


def test_validation_is_the_declared_rules_in_declaration_order():
    declared = [f.name for f in dataclasses.fields(DrConfig) if f.metadata["rule"]]
    assert [name for name, _ in _CHECKS] == declared
    # Every refused configuration names a declared setting, or is refused for naming none.
    names = {f.name for f in dataclasses.fields(DrConfig)}
    undeclared = {setting for _, setting, allowed in BAD if allowed == "not a setting"}
    assert undeclared and not undeclared & names
    assert {setting for _, setting, _ in BAD} - undeclared <= names


def test_a_derived_default_is_shown_as_derived_and_a_plain_one_as_its_value():
    table = settings_table.render()
    assert "| `dns_zone_name` | `DR_DNS_ZONE_NAME` | `db-<suffix>.internal` |" in table
    assert "| `backup_retention_days` | `DR_BACKUP_RETENTION_DAYS` | `7` |" in table
    assert "| `automatic_failover` | `DR_AUTOMATIC_FAILOVER` | `true` |" in table
