"""Deterministic Lambda packages with their drivers bundled from the locked environment."""

import zipfile

import pytest

from constructs_lib.automation import lambda_package


def test_same_source_gives_the_same_zip_and_hash(tmp_path):
    first = lambda_package.build("canary", tmp_path / "a", ("pg8000", "scramp"))
    second = lambda_package.build("canary", tmp_path / "b", ("pg8000", "scramp"))
    assert first[1] == second[1]
    assert first[0].read_bytes() == second[0].read_bytes()


def test_package_holds_the_handler_shared_code_and_bundled_drivers_only(tmp_path):
    path, _ = lambda_package.build("canary", tmp_path, ("pg8000", "scramp", "asn1crypto"))
    names = zipfile.ZipFile(path).namelist()
    assert names == sorted(names)
    assert {
        "dr_lambdas/__init__.py",
        "dr_lambdas/common.py",
        "dr_lambdas/canary/handler.py",
        "pg8000/__init__.py",
        "scramp/__init__.py",
    } <= set(names)
    assert not any("orchestrator" in n or "__pycache__" in n or n.endswith(".pyc") for n in names)
    assert {i.date_time for i in zipfile.ZipFile(path).infolist()} == {lambda_package.FIXED_TIME}


@pytest.mark.parametrize("function", ["canary", "orchestrator"])
def test_every_project_module_a_package_imports_is_in_it(function, tmp_path):
    import re

    path, _ = lambda_package.build(function, tmp_path)
    archive = zipfile.ZipFile(path)
    names = set(archive.namelist())
    imported = {
        module
        for name in names
        if name.startswith("dr_lambdas/")
        for module in re.findall(
            r"^\s*(?:from|import) (dr_lambdas(?:\.\w+)+)", archive.read(name).decode(), re.MULTILINE
        )
    }
    assert "dr_lambdas.contract" in imported  # the facts shared with the stack travel along
    missing = {
        m
        for m in imported
        if m.replace(".", "/") + ".py" not in names
        and m.replace(".", "/") + "/__init__.py" not in names
    }
    assert not missing


def test_orchestrator_package_needs_nothing_beyond_the_lambda_runtime(tmp_path):
    path, _ = lambda_package.build("orchestrator", tmp_path)
    names = zipfile.ZipFile(path).namelist()
    assert "dr_lambdas/orchestrator/handler.py" in names
    assert all(n.startswith("dr_lambdas/") for n in names)


def test_unknown_function_or_distribution_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="dr_lambdas/nope/handler.py"):
        lambda_package.build("nope", tmp_path)
    with pytest.raises(Exception, match="no-such-dist"):
        lambda_package.build("canary", tmp_path, ("no-such-dist",))
