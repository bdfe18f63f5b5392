"""The settings table: every setting declared once (variable, default, rule, meaning),
loading and validation made from it, and the README's configuration table rendered from it."""

from __future__ import annotations

import re

import pytest

from constructs_lib.config import (
    _CHECKS,
    DATABASE_MODES,
    SETTINGS,
    ConfigError,
    env_var,
    load_config,
)
from support import ROOT
from support.bad_settings import BAD
from tools import settings_table


def test_the_readme_table_is_the_rendered_one():
    readme = (ROOT / "README.md").read_text()
    assert settings_table.with_table(readme) == readme, (
        "README.md's configuration table differs from the settings table in "
        "constructs_lib/config.py: run python -m tools.settings_table --write"
    )


def test_every_setting_is_one_row_with_its_variable_default_rule_and_meaning():
    rows = settings_table.render().splitlines()[2:]
    assert len(rows) == len(SETTINGS) > 60
    for row, (name, declared) in zip(rows, SETTINGS.items(), strict=True):
        cells = row[2:-2].split(" | ")
        assert len(cells) == 5, f"{name}: a cell holds a '|'"
        assert cells[0] == f"`{name}`" and all(cells), f"{name} lacks a cell"
        assert declared.metadata["meaning"].strip() == declared.metadata["meaning"]
    assert "| `environment_suffix` | `ENVIRONMENT_SUFFIX` |" in rows[2]


def test_validation_is_the_declared_rules_in_declaration_order():
    declared = [name for name, f in SETTINGS.items() if f.metadata["rule"]]
    assert [name for name, _ in _CHECKS] == declared
    # Every refused configuration names a declared setting, or is refused for naming none.
    undeclared = {setting for _, setting, allowed in BAD if allowed == "not a setting"}
    assert undeclared and not undeclared & set(SETTINGS)
    assert {setting for _, setting, _ in BAD} - undeclared <= set(SETTINGS)


def _shown(text: str) -> str:
    return text.strip("`")


def test_a_derived_default_is_shown_as_the_template_it_is_made_from():
    # Given the defaults / When loaded
    config = load_config({}, {})
    templated = {
        name: f.metadata["derived"].shown
        for name, f in SETTINGS.items()
        if f.metadata["derived"] and "<" in f.metadata["derived"].shown
    }
    assert {"master_secret", "dns_zone_name", "state_key", "state_region"} <= set(templated)
    for name, shown in templated.items():
        # Then the README's template, filled with the other settings, is the loaded value
        filled = re.sub(r"<(\w+)>", lambda m: str(getattr(config, m[1])), _shown(shown))
        assert getattr(config, name) == filled


@pytest.mark.parametrize("mode", list(DATABASE_MODES))
def test_a_mode_dependent_default_is_shown_per_mode(mode):
    config = load_config({"DR_DATABASE_MODE": mode}, {})
    for name in ("engine", "dns_routing"):
        assert f"{mode}: `{getattr(config, name)}`" in settings_table.default(SETTINGS[name])
    assert f"{config.engine}: `{config.engine_version}`" in settings_table.default(
        SETTINGS["engine_version"]
    )


def test_only_settings_marked_empty_means_none_accept_a_variable_set_but_empty():
    for name, declared in SETTINGS.items():
        variable = env_var(name)
        if declared.metadata["empty_means_none"]:
            load_config({variable: ""}, {})
            assert settings_table.allowed(declared).endswith("empty: none")
        else:
            with pytest.raises(ConfigError, match="is set but empty"):
                load_config({variable: ""}, {})


def test_a_default_is_shown_as_its_value():
    table = settings_table.render()
    assert "| `backup_retention_days` | `DR_BACKUP_RETENTION_DAYS` | `7` | 1..35 |" in table
    assert "| `automatic_failover` | `DR_AUTOMATIC_FAILOVER` | `true` | `true`, `false` |" in table
    assert "| `alert_email` | `DR_ALERT_EMAIL` | none |" in table


def test_the_tool_prints_the_table_and_refuses_unknown_arguments(capsys):
    assert settings_table.main([]) == 0
    assert capsys.readouterr().out.strip() == settings_table.render()
    assert settings_table.main(["--wirte"]) == 2
    assert "usage" in capsys.readouterr().err
