"""The generated Terraform CLI config (tools/terraform.py, ``cli_config``): what makes
``terraform init`` and the cdktf CLI work offline from a provider mirror."""

from __future__ import annotations

import pytest

from tools import terraform


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    root = tmp_path / "plugins"
    (root / terraform.PROVIDER).mkdir(parents=True)
    monkeypatch.setenv("DR_PROVIDER_MIRROR", str(root))
    return root


def test_with_a_mirror_the_aws_provider_comes_from_it_and_nothing_else_is_downloaded(
    mirror, tmp_path
):
    path = terraform.cli_config(tmp_path)
    assert path == tmp_path / "terraform.tfrc"
    assert path.read_text() == (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )


def test_the_environment_points_terraform_at_the_generated_config(mirror, tmp_path):
    env = terraform.terraform_env(tmp_path, {"TF_LOG": "info"})
    assert env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "terraform.tfrc")
    assert (env["CHECKPOINT_DISABLE"], env["TF_IN_AUTOMATION"], env["TF_LOG"]) == ("1", "1", "info")


def test_without_a_mirror_the_config_is_empty_and_terraform_downloads(tmp_path, monkeypatch):
    monkeypatch.delenv("DR_PROVIDER_MIRROR", raising=False)
    monkeypatch.setattr(terraform, "MIRROR_CANDIDATES", (str(tmp_path / "none"),))
    assert terraform.cli_config(tmp_path).read_text() == ""


def test_a_configured_mirror_without_the_provider_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DR_PROVIDER_MIRROR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="does not contain registry.terraform.io"):
        terraform.cli_config(tmp_path)


def test_the_command_writes_the_config_and_prints_the_export_line(mirror, tmp_path, capsys):
    assert terraform.main(["cli-config", str(tmp_path)]) == 0
    written = tmp_path / "terraform.tfrc"
    assert f'path = "{mirror}"' in written.read_text()
    assert capsys.readouterr().out == f"export TF_CLI_CONFIG_FILE={written}\n"


@pytest.mark.parametrize("argv", [[], ["config"], ["cli-config", "a", "b"]])
def test_the_command_refuses_other_arguments_in_one_line(argv, capsys):
    assert terraform.main(argv) == 2
    assert capsys.readouterr().err == "usage: python -m tools.terraform cli-config [DIR]\n"


def test_the_command_names_a_mirror_that_lacks_the_provider(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DR_PROVIDER_MIRROR", str(tmp_path / "empty"))
    assert terraform.main(["cli-config", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: DR_PROVIDER_MIRROR=") and err.count("\n") == 1
    assert not (tmp_path / "terraform.tfrc").exists()
