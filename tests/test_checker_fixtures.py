"""Fixture tests: ``fixtures/pass`` gives no findings; each ``fixtures/fail`` file gives exactly its expected ones."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from protokit.check import check_tree
from protokit.rules import all_rules

FIXTURES = Path(__file__).parent / "fixtures"
FAIL_FILES = sorted(p for p in (FIXTURES / "fail").iterdir() if p.suffix in (".md", ".mmd", ".yaml"))
#: Fixtures are checked as of a fixed date, so "in the future" and "overdue" never drift.
ON = dt.date(2026, 11, 30)
EXPECT = re.compile(rb"^(?:%% |# )?expect: (.*)$|^(\d+:\d+: P\d{3} \[[a-z0-9-]+\])$", re.M)


def expectations(path: Path) -> tuple[str, list[str]]:
    """Read ``as <path>`` and the ``line:col: CODE [rule]`` lines from a fixture's comment."""
    data = path.read_bytes()
    start = max(data.rfind(b"<!-- expect:"), data.find(b"%% expect:"), data.find(b"# expect:"))
    assert start >= 0, f"{path.name} has no expect comment"
    lines = [m.group(1) or m.group(2) for m in EXPECT.finditer(data[start:].replace(b"<!-- ", b""))]
    lines = [line.decode() for line in lines]
    assert lines[0].startswith("as "), f"{path.name}: first expect line must be 'as <path>'"
    return lines[0][3:].strip(), sorted(lines[1:])


def test_pass_fixtures_give_no_findings():
    assert check_tree(FIXTURES / "pass", use_cache=False, on=ON) == []


@pytest.mark.parametrize("fixture", FAIL_FILES, ids=lambda p: p.stem)
def test_fail_fixture_gives_exactly_its_findings(fixture: Path, tmp_path: Path, fixture_diagrams_validated):
    target, expected = expectations(fixture)
    shutil.copytree(FIXTURES / "pass", tmp_path, dirs_exist_ok=True)
    (tmp_path / target).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / target).write_bytes(fixture.read_bytes())
    # A fresh tree: its page cache starts empty; diagrams' verdicts come from the batch above.
    found = check_tree(tmp_path, only={target}, on=ON)
    assert all(f.path == target for f in found)
    assert sorted(f"{f.line}:{f.col}: {f.code} [{f.rule}]" for f in found) == expected


def test_every_rule_has_a_fail_fixture_or_a_unit_test():
    covered = {p.stem.split("-")[0] for p in FAIL_FILES}
    # P006 (unreadable), P307 (retired-reference) and P406 (mermaid-unavailable) need a
    # tree state a single file cannot express: tests/test_cli.py covers them; P601
    # (--since) needs git history: tests/test_versions.py covers it.
    covered |= {"P006", "P307", "P406", "P601"}
    assert {r.code for r in all_rules()} <= covered


def test_the_repository_handbook_passes():
    """The handbook itself is a pass fixture (tests/test_handbook.py tests its build)."""
    from protokit.settings import REPO_ROOT

    assert [str(f) for f in check_tree(REPO_ROOT, use_cache=False) if f.severity == "error"] == []


@pytest.mark.parametrize(("short_title", "found"), [("x" * 32, []), ("x" * 33, ["P125"]), ("  " + "x" * 32 + "  ", [])])
def test_short_title_length_near_misses(tmp_path: Path, short_title: str, found: list[str], fixture_diagrams_validated):
    """P125 counts the characters a reader sees: exactly the limit passes, one more fails."""
    shutil.copytree(FIXTURES / "pass", tmp_path, dirs_exist_ok=True)
    page = tmp_path / "protocols" / "BST-SURG-01.md"
    page.write_text(page.read_text().replace("type: surgery\n", f'type: surgery\nshort_title: "{short_title}"\n', 1))
    assert [f.code for f in check_tree(tmp_path, on=ON)] == found  # a fresh tree: only verdicts are cached
