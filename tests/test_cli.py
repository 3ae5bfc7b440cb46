"""The command-line checker as an author or CI runs it: exit codes, formats, selection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PASS = REPO / "tests" / "fixtures" / "pass"
FAIL = REPO / "tests" / "fixtures" / "fail"


def run(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "protokit", "--no-cache", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO / "tools"), **(env or {})},
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(PASS, tmp_path, dirs_exist_ok=True)
    return tmp_path


def add(tree: Path, fixture: str, as_path: str = "protocols/BST-SURG-09.md") -> Path:
    target = tree / as_path
    target.write_bytes((FAIL / fixture).read_bytes())
    return target


def test_clean_tree_exits_0(tree):
    proc = run("--root", str(tree))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""
    assert "no problems found" in proc.stderr


def test_findings_exit_1_with_one_sorted_line_each(tree):
    add(tree, "P503-patient-data.md")
    add(tree, "P201-missing-section.md", "protocols/BST-SURG-08.md")
    proc = run("--root", str(tree))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines == sorted(lines, key=lambda s: (s.split(":")[0], int(s.split(":")[1]), int(s.split(":")[2])))
    assert lines[0].startswith("protocols/BST-SURG-08.md:")
    assert (
        'P503 "MRN: 12345678" looks like a record number; the handbook must not hold patient data [patient-data]' in proc.stdout
    )


def test_paths_limit_the_report(tree):
    add(tree, "P503-patient-data.md")
    add(tree, "P201-missing-section.md", "protocols/BST-SURG-08.md")
    proc = run("--root", str(tree), str(tree / "protocols" / "BST-SURG-08.md"))
    assert proc.returncode == 1
    assert {line.split(":")[0] for line in proc.stdout.splitlines()} == {"protocols/BST-SURG-08.md"}


def test_json_format_fields(tree):
    add(tree, "P301-unknown-protocol.md")
    proc = run("--root", str(tree), "--format", "json")
    assert proc.returncode == 1
    [finding] = json.loads(proc.stdout)
    assert finding == {
        "path": "protocols/BST-SURG-09.md",
        "line": 39,
        "col": 21,
        "code": "P301",
        "rule": "unknown-protocol",
        "severity": "error",
        "message": 'unknown protocol id "BST-SRG-01"; did you mean "BST-SURG-01"?',
        "url": "handbook/rules.html#p301-unknown-protocol",
    }


def test_github_format_annotations(tree):
    add(tree, "P301-unknown-protocol.md")
    proc = run("--root", str(tree), "--format", "github")
    assert proc.stdout.startswith(
        "::error file=protocols/BST-SURG-09.md,line=39,col=21,title=P301 unknown-protocol::unknown protocol id"
    )


def test_select_and_ignore_by_prefix(tree):
    add(tree, "P503-patient-data.md")
    assert run("--root", str(tree), "--select", "P2").returncode == 0
    assert run("--root", str(tree), "--ignore", "P5").returncode == 0
    assert run("--root", str(tree), "--select", "P50").returncode == 1


def test_unknown_prefix_is_a_usage_error():
    proc = run("--select", "X9")
    assert proc.returncode == 2
    assert "no rule code starts with 'X9'" in proc.stderr


def test_bad_option_is_exit_2_without_traceback():
    proc = run("--format", "xml")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_missing_path_is_exit_2(tree):
    proc = run("--root", str(tree), str(tree / "protocols" / "nope.md"))
    assert proc.returncode == 2
    assert "no such file" in proc.stderr


def test_exit_zero_hides_findings_but_not_errors(tree):
    add(tree, "P503-patient-data.md")
    assert run("--root", str(tree), "--exit-zero").returncode == 0
    assert run("--root", str(tree), "--exit-zero", "--select", "Z").returncode == 2


def test_list_rules_prints_every_rule():
    proc = run("--list-rules")
    assert proc.returncode == 0
    assert "P201 missing-section" in proc.stdout
    assert len(proc.stdout.splitlines()) >= 40


def test_overdue_review_is_a_warning_unless_release(tree):
    add(tree, "P115-review-overdue.md")
    normal = run("--root", str(tree))
    assert normal.returncode == 0
    assert "P115 review was due on 2020-01-31" in normal.stdout
    assert "0 error(s), 1 warning(s)" in normal.stderr
    assert run("--root", str(tree), "--release").returncode == 1


def test_today_option_sets_the_checking_date(tree):
    assert run("--root", str(tree), "--today", "2100-01-01", "--select", "P115").returncode == 0
    proc = run("--root", str(tree), "--today", "2100-01-01", "--select", "P115", "--release")
    assert proc.returncode == 1
    assert "protocols/BST-MET-01.md:8:1: P115 review was due on 2028-01-31" in proc.stdout


def test_reference_to_a_retired_protocol_warns(tree):
    page = tree / "protocols" / "BST-MET-01.md"
    page.write_text(
        page.read_text().replace("status: draft", "status: retired\nretired_on: 2026-01-01\nsuperseded_by: BST-SURG-01")
    )
    proc = run("--root", str(tree), "--release")
    assert proc.returncode == 1
    assert (
        'protocols/BST-SURG-01.md:11:1: P307 "BST-MET-01" is retired; refer to "BST-SURG-01" instead [retired-reference]'
        in proc.stdout
    )


def test_unreadable_file_is_a_finding(tree):
    (tree / "protocols" / "BST-SURG-07.md").mkdir()  # a folder named like a page cannot be read
    proc = run("--root", str(tree))
    assert proc.returncode == 1
    assert "protocols/BST-SURG-07.md:1:1: P006 cannot read the file" in proc.stdout


def test_missing_node_is_reported_not_crashed(tree):
    cold = str(tree / "no-verdicts-yet.json")  # a warm verdict cache would not need Node at all
    proc = run("--root", str(tree), env={"PATH": "/nonexistent", "PROTOKIT_MERMAID_CACHE": cold})
    assert proc.returncode == 1
    assert 'diagrams:1:1: P406 cannot validate diagrams: Node.js is not installed; run "make venv"' in proc.stdout


def test_recheck_uses_the_cache(tree):
    env = {"PYTHONPATH": str(REPO / "tools")}
    cmd = [sys.executable, "-m", "protokit", "--root", str(tree)]
    first = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env}, check=False)
    assert first.returncode == 0
    assert (tree / ".cache" / "protokit" / "documents.pickle").is_file()
    add(tree, "P301-unknown-protocol.md")
    second = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env}, check=False)
    assert second.returncode == 1
    assert "P301 unknown protocol id" in second.stdout


def test_make_check_json_is_only_json_and_fails_with_findings(tree):
    add(tree, "P201-missing-section.md")
    proc = subprocess.run(
        ["make", "--no-print-directory", "check", f"CHECKOPTS=--root {tree} --format json --no-cache"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 2  # make's own code for a failed recipe; CI runs the module for 0/1/2
    assert [f["code"] for f in json.loads(proc.stdout)] == ["P201"]


def test_a_file_name_cannot_forge_annotations_or_terminal_escapes(tree):
    name = "protocols/x\n::error file=index.md::forged\x1b[2J.md"
    (tree / name).write_text("# Page\n")
    github = run("--root", str(tree), "--format", "github")
    assert github.returncode == 1
    lines = github.stdout.splitlines()
    assert all(line.startswith("::error file=") for line in lines)
    assert "file=protocols/x%0A%3A%3Aerror file=index.md%3A%3Aforged\\x1b[2J.md," in github.stdout
    text = run("--root", str(tree))
    assert "\x1b" not in text.stdout and "\\x1b[2J" in text.stdout
