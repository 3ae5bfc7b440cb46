"""The re-check: findings kept in ``.cache/protokit`` are reused only while what they depend on is unchanged.

Every scenario edits a file other than the page that gets (or loses) the
finding, so the page's own bytes never change: only the run key, the diagram
text or the file system tell the checker to run its rules on it again. Each
cached run must print exactly what a ``--no-cache`` run prints.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from protokit import check, mermaid
from protokit.cli import main
from protokit.containment import real_path
from protokit.rules import REGISTRY, all_rules

REPO = Path(__file__).resolve().parents[1]
PASS = REPO / "tests" / "fixtures" / "pass"
TODAY = "2026-11-30"  # the fixtures' date (tests/test_checker_fixtures.py)
ON = dt.date.fromisoformat(TODAY)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(PASS, root, ignore=shutil.ignore_patterns(".cache"))
    return root


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def checker(tree: Path, capsys, *args: str) -> tuple[int, str]:
    """Run ``python -m protokit`` in this process (the cache on unless ``--no-cache`` is given)."""
    code = main(["--root", str(tree), "--today", TODAY, *args])
    return code, capsys.readouterr().out


def cli(tree: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m protokit`` as an author does, in its own process, with the cache on."""
    return subprocess.run(
        [sys.executable, "-m", "protokit", "--root", str(tree), "--today", TODAY, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "tools")},
        check=False,
    )


def test_a_second_file_retires_a_protocol_through_the_cli(tree: Path):
    """The page that refers to BST-MET-01 is unchanged; retiring BST-MET-01 must still warn on it, and un-retiring clear it."""
    met = tree / "protocols" / "BST-MET-01.md"
    original = met.read_text(encoding="utf-8")
    assert cli(tree).stdout == ""
    assert (tree / ".cache" / "protokit" / "findings.pickle").is_file()
    replace(met, "status: draft", "status: retired\nretired_on: 2026-01-01\nsuperseded_by: BST-SURG-01")
    retired = cli(tree)
    assert retired.returncode == 0  # a warning
    assert (
        'protocols/BST-SURG-01.md:26:63: P307 "BST-MET-01" is retired; refer to "BST-SURG-01" instead [retired-reference]'
        in retired.stdout
    )
    assert retired.stdout == cli(tree, "--no-cache").stdout
    met.write_text(original, encoding="utf-8")
    back = cli(tree)
    assert back.stdout == "" and back.returncode == 0


def _link_outside(tree: Path) -> None:
    """An image the page shows sits in a folder that becomes a link out of the repository."""
    folder = tree / "handbook" / "img"
    shutil.rmtree(folder)
    outside = tree.parent / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"png")
    folder.symlink_to(outside, target_is_directory=True)


def _diagram_outside(tree: Path) -> None:
    diagram = tree / "diagrams" / "BST-SURG-01.mmd"
    outside = tree.parent / "BST-SURG-01.mmd"
    diagram.rename(outside)
    diagram.symlink_to(outside)


#: (what changes, the edit, a finding the unchanged page must then have)
SCENARIOS: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "heading renamed in the linked page",
        lambda t: replace(t / "protocols" / "BST-MET-01.md", "## Procedure\n", "## Procedures\n"),
        'protocols/BST-SURG-01.md:31:29: P302 protocols/BST-MET-01.md has no heading with anchor "#procedure"',
    ),
    (
        "glossary term removed",
        lambda t: replace(t / "handbook" / "glossary.md", "MDT\n  Multidisciplinary team.\n\n", ""),
        'protocols/BST-SURG-01.md:26:46: P304 "MDT" is not in the glossary',
    ),
    (
        "key number changed in the registry",
        lambda t: replace(t / "protocols" / "key-values.yaml", "value: 72", "value: 48"),
        'protocols/BST-ONC-01.md:55:15: P733 "72 hours" differs from the registry\'s 48 hours',
    ),
    (
        "drug vocabulary changed",
        lambda t: replace(t / "protocols" / "drugs.yaml", "    routes: [IV]\n    cap: 2 mg", "    routes: [oral]\n    cap: 2 mg"),
        'protocols/BST-ONC-01.md:72:12: P704 Vincristine may only be given oral, never "IV"',
    ),
    (
        "schema changed",
        lambda t: replace(t / "protocols" / "schema.yaml", "review_horizon_years: 5", "review_horizon_years: 1"),
        "protocols/BST-SURG-01.md:8:1: P122 review_due 2028-12-31 is more than 1 years ahead",
    ),
    (
        "diagram file edited",
        lambda t: replace(t / "diagrams" / "BST-SURG-01.mmd", "  B -- No --> D", "  B --> D"),
        'diagrams/BST-SURG-01.mmd:8:5: P407 the arrow from decision B ("Wide margin possible?") to D has no label',
    ),
    (
        "diagram file replaced by a link out of the repository",
        _diagram_outside,
        'protocols/BST-SURG-01.md:35:1: P401 diagram file "/diagrams/BST-SURG-01.mmd" not found',
    ),
    (
        "image folder replaced by a link out of the repository",
        _link_outside,
        'protocols/BST-SURG-01.md:81:14: P504 path "/handbook/img/x.png" is a link to a file outside the repository',
    ),
]


@pytest.mark.parametrize(("change", "edit", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_a_change_elsewhere_reaches_the_unchanged_page(tree: Path, capsys, change, edit, expected):
    page = tree / "protocols" / "BST-SURG-01.md"
    (tree / "handbook" / "img").mkdir()
    (tree / "handbook" / "img" / "x.png").write_bytes(b"png")
    page.write_text(page.read_text(encoding="utf-8") + "\n![A picture](/handbook/img/x.png)\n", encoding="utf-8")
    before = page.read_bytes()
    assert checker(tree, capsys) == (0, "")
    assert checker(tree, capsys) == (0, "")  # from the cache
    edit(tree)
    assert page.read_bytes() == before
    code, out = checker(tree, capsys)
    assert expected in out, out
    assert (code, out) == checker(tree, capsys, "--no-cache")
    assert (code, out) == checker(tree, capsys)  # from the cache again


def test_date_and_release_mode_are_part_of_the_key(tree: Path, capsys):
    assert checker(tree, capsys) == (0, "")
    code, out = main(["--root", str(tree), "--today", "2029-06-01"]), capsys.readouterr().out
    assert code == 0 and "P115" in out and "[review-overdue]" in out
    assert main(["--root", str(tree), "--today", "2029-06-01", "--release"]) == 1
    assert "P115" in capsys.readouterr().out
    assert checker(tree, capsys) == (0, "")


def test_only_the_edited_page_is_checked_again(tree: Path, monkeypatch):
    """A re-check runs the page rules on the edited page only (the rest come from the cache)."""
    seen: list[str] = []
    all_rules()  # every rule module loaded, whichever tests ran before in this process
    rule = REGISTRY["P306"]  # unknown-related: a protocol rule with nothing to find in the fixtures

    def counting(doc, ctx):
        seen.append(doc.path)
        return rule.func(doc, ctx)

    monkeypatch.setitem(REGISTRY, "P306", rule.__class__(rule.code, rule.name, rule.severity, rule.scope, counting))
    rules = sorted(REGISTRY.values(), key=lambda r: r.code)
    assert check.check_tree(tree, rules, on=ON) == []
    assert len(seen) == 4  # every protocol
    seen.clear()
    assert check.check_tree(tree, rules, on=ON) == []
    assert seen == []
    page = tree / "protocols" / "BST-RT-01.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    assert check.check_tree(tree, rules, on=ON) == []
    assert seen == ["protocols/BST-RT-01.md"]
    seen.clear()
    assert check.check_tree(tree, rules, on=ON, use_cache=False) == []
    assert len(seen) == 4


def test_unreadable_or_foreign_cache_files_are_rebuilt(tree: Path, capsys):
    assert checker(tree, capsys) == (0, "")
    cache = tree / ".cache" / "protokit"
    (cache / "findings.pickle").write_bytes(b"not a pickle")
    (cache / "documents.pickle").write_bytes(b"\x80\x05not a pickle either")
    replace(
        tree / "protocols" / "BST-MET-01.md",
        "status: draft",
        "status: retired\nretired_on: 2026-01-01\nsuperseded_by: BST-SURG-01",
    )
    code, out = checker(tree, capsys)
    assert (code, out) == checker(tree, capsys, "--no-cache")
    assert "P307" in out
    assert checker(tree, capsys) == (code, out)


def test_verdicts_are_decoded_when_asked_and_both_cache_layouts_read(tmp_path: Path, monkeypatch):
    """A verdict stored as JSON text (this version) or as a list (earlier ones) reads the same; Node is not needed."""
    good, bad = "flowchart TD\n  A --> B\n", "flowchart TD\n  A --> B{\n"
    graph = {"nodes": [], "edges": []}
    cache = tmp_path / "verdicts.json"
    cache.write_text(
        json.dumps(
            {
                mermaid._key(good): json.dumps([None, None, graph]),
                mermaid._key(bad): ["Parse error on line 2", 2, None],
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("PROTOKIT_MERMAID_CACHE", str(cache))
    monkeypatch.setenv("PATH", "/nonexistent")  # Node is never started for cached sources
    verdicts = mermaid.validate([good, bad, good])
    assert len(verdicts) == 2
    assert verdicts[good] == mermaid.Verdict(None, None, graph)
    assert verdicts.get(bad) == mermaid.Verdict("Parse error on line 2", 2, None)
    assert verdicts.get("flowchart LR\n") is None


def test_real_path_with_folders_is_realpath(tmp_path: Path):
    """The folder cache gives what ``os.path.realpath`` gives, for files, links, links to folders and odd paths."""
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.md").write_text("x")
    (root / "a" / "link.md").symlink_to(root / "a" / "b" / "f.md")
    (root / "out").symlink_to(tmp_path, target_is_directory=True)
    (root / "a" / "loop.md").symlink_to(root / "a" / "loop.md")
    base = os.path.realpath(root)
    folders: dict[str, str] = {}
    paths = ["a/b/f.md", "a/link.md", "out/root/a/b/f.md", "a/missing.md", "a/./b/f.md", "a/b/../b/f.md", "a//b/f.md", "f.md"]
    paths += ["out/x.md", "a/loop.md", "/etc/hostname", "a/b", ""]
    for rel in paths * 2:  # the second time from the folder cache
        assert real_path(base, rel, folders) == os.path.realpath(os.path.join(base, rel)), rel
