"""The documents point at things that exist: every relative link (and its anchor) and every
repository path written in backticks in README.md, DESIGN.md, dr_lambdas/README.md and
docs/*.md; and the recovery budgets they show are what the code prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from constructs_lib.config import load_config
from constructs_lib.recovery_budget import recovery_budget, render_text
from support import ROOT

DOCUMENTS = ["README.md", "DESIGN.md", "dr_lambdas/README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")
)
# Where a path such as `security/regional_key.py` may be relative to, besides the root.
BASES = ("constructs_lib", "dr_lambdas", "tools", "tests")
# Written by the tools, not committed.
GENERATED = ("cdktf.out/", "cfn-outputs/")
FENCED = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)")
CODE = re.compile(r"`([^`\s]+)`")
FILE = re.compile(r"\.(py|md|json|toml|svg|png|dot|txt|ini|gz|lock)$")


def _first_party_modules() -> set[str]:
    skip = {".venv", "node_modules", ".git", ".tools", "cdktf.out"}
    return {p.name for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts[:-1])}


def _exists(path: Path) -> bool:
    """A path, or the same module as a file or as a package (``tools/e2e.py`` is
    ``tools/e2e/`` once the module became a package, and the other way round)."""
    text = str(path).rstrip("/")
    if text.endswith(".py"):
        return Path(text).exists() or (Path(text[:-3]) / "__init__.py").exists()
    return Path(text).exists() or Path(text + ".py").exists()


def _repo_path(token: str) -> bool:
    if token.startswith((".", "/")) or token.startswith(GENERATED):
        return False
    if any(c in token for c in "<>*{}=:$,()"):
        return False
    if "/" not in token:
        return token.endswith(".py")
    first = token.split("/")[0]
    return any((base / first).is_dir() for base in (ROOT, *(ROOT / b for b in BASES)))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = FENCED.sub("", path.read_text())
    return {_slug(h) for h in re.findall(r"^#+\s+(.*)$", text, re.M)}


def _dangling(path: Path, modules: set[str] | None = None) -> list[str]:
    text = FENCED.sub("", path.read_text())
    missing = []
    for target, anchor in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        linked = (path.parent / target) if target else path
        if not linked.exists():
            missing.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            missing.append(f"{target}#{anchor}")
    for token in CODE.findall(text):
        if not _repo_path(token):
            continue
        if "/" not in token:
            if token not in (modules if modules is not None else _first_party_modules()):
                missing.append(token)
        elif not any(_exists(base / token) for base in (ROOT, *(ROOT / b for b in BASES))):
            missing.append(token)
    return missing


@pytest.fixture(scope="module")
def modules() -> set[str]:
    return _first_party_modules()


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_link_anchor_and_path_in_the_document_exists(document, modules):
    assert len(DOCUMENTS) >= 12
    assert _dangling(ROOT / document, modules) == []


def test_a_dangling_link_anchor_or_path_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Some Title: here\n")
    probe = tmp_path / "probe.md"
    probe.write_text(
        "see `tools/no_such_tool.py`, `tools/check.py`, `tests/test_config.py`,"
        " `security/regional_key.py`, `no_such_module.py`, `registry.terraform.io/x`,"
        " `cdktf.out/stacks/dbdr/cdk.tf.json`, [x](no-such-file.md), [y](other.md#nope),"
        " [z](other.md#some-title-here)\n```\n`tools/in_a_code_block.py`\n```\n"
    )
    assert _dangling(probe) == [
        "no-such-file.md",
        "other.md#nope",
        "tools/no_such_tool.py",
        "tests/test_config.py",
        "no_such_module.py",
    ]


def test_a_module_may_be_a_file_or_a_package():
    assert _exists(ROOT / "tools/e2e.py") and _exists(ROOT / "tools/e2e/")
    assert _exists(ROOT / "tools/emulator.py") and _exists(ROOT / "tools/emulator")
    assert not _exists(ROOT / "tools/no_such_module.py") and not _exists(ROOT / "tools/nope/")


def test_the_recovery_budgets_shown_are_what_synth_prints():
    page = (ROOT / "docs" / "recovery-budget.md").read_text()
    for environ in ({}, {"DR_DATABASE_MODE": "rds-replica"}):
        budget = recovery_budget(load_config(environ, {}))
        assert render_text(budget) in page, f"docs/recovery-budget.md, {environ}: regenerate"
        if not budget.meets_objectives:
            assert "; ".join(budget.problems()) in page


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250
