"""The documents point at things that exist: every relative link and every repository path
written in backticks in README.md, DESIGN.md, dr_lambdas/README.md and docs/*.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import ROOT

DOCUMENTS = ["README.md", "DESIGN.md", "dr_lambdas/README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")
)
LINK = re.compile(r"\]\(([^)#\s]*)(#[^)]*)?\)")
REPO_PATH = re.compile(r"`((?:constructs_lib|dr_lambdas|tools|tests|docs|bench)/[\w./-]*)`")


def _dangling(path: Path) -> list[str]:
    text = path.read_text()
    links = [m.group(1) for m in LINK.finditer(text) if m.group(1)]
    missing = [t for t in links if not t.startswith("http") and not (path.parent / t).exists()]
    missing += [p for p in REPO_PATH.findall(text) if not (ROOT / p.rstrip("/")).exists()]
    return missing


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_link_and_path_in_the_document_exists(document):
    assert len(DOCUMENTS) >= 8
    assert _dangling(ROOT / document) == []


def test_a_dangling_link_or_path_is_found(tmp_path):
    probe = tmp_path / "probe.md"
    probe.write_text("see `tools/no_such_tool.py`, `tools/check.py` and [x](no-such-file.md)\n")
    assert _dangling(probe) == ["no-such-file.md", "tools/no_such_tool.py"]


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250
