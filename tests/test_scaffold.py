"""``make new``: the scaffolded protocol passes the checker and the strict build unchanged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, sphinx_build
from protokit.check import check_tree

ROOT = REPO / "tests" / "roots" / "test-protocols"


def scaffold(root: Path, *args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "protokit.scaffold", "--root", str(root), *args],
        capture_output=True,
        text=True,
        stdin=stdin,
        env={**os.environ, "PYTHONPATH": str(REPO / "tools")},
        check=False,
    )


def test_new_protocol_passes_check_and_strict_build(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    proc = scaffold(src, "--title", "Forequarter amputation: indications", "--type", "surgery")
    assert proc.returncode == 0, proc.stderr
    assert "created protocols/BST-SURG-03.md" in proc.stdout  # next free number after BST-SURG-02
    assert "created diagrams/BST-SURG-03.mmd" in proc.stdout
    text = (src / "protocols" / "BST-SURG-03.md").read_text()
    assert "status: draft" in text and "## Follow-up\n\nTo be written: " in text
    assert [f for f in check_tree(src) if f.severity == "error"] == []
    build = sphinx_build(src, tmp_path / "html", env={"PYTHONPATH": str(REPO / "tools")})
    assert build.returncode == 0, build.stderr
    assert "Draft — not approved for clinical use." in (tmp_path / "html" / "protocols" / "BST-SURG-03.html").read_text()


def test_new_systemic_protocol_teaches_grades_values_and_regimens(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    proc = scaffold(src, "--title", "Neoadjuvant chemotherapy", "--type", "systemic")
    assert proc.returncode == 0, proc.stderr
    text = (src / "protocols" / "BST-ONC-01.md").read_text()
    assert "- To be written: the first recommendation, with its citation [1]. {grade}`local`" in text
    assert "{value}`key`" in text and "```{regimen}" in text and "drugs:" in text
    assert [f for f in check_tree(src) if f.severity == "error"] == []
    build = sphinx_build(src, tmp_path / "html", env={"PYTHONPATH": str(REPO / "tools")})
    assert build.returncode == 0, build.stderr
    assert "Local practice" in (tmp_path / "html" / "protocols" / "BST-ONC-01.html").read_text()


def test_explicit_id_and_type(tmp_path):
    shutil.copytree(ROOT, tmp_path / "src")
    proc = scaffold(tmp_path / "src", "--title", "Chordoma", "--type", "reference", "--id", "BST-STG-07")
    assert proc.returncode == 0, proc.stderr
    assert "## Definitions" in (tmp_path / "src" / "protocols" / "BST-STG-07.md").read_text()


def test_existing_id_is_refused(tmp_path):
    shutil.copytree(ROOT, tmp_path / "src")
    proc = scaffold(tmp_path / "src", "--title", "X", "--id", "BST-SURG-01")
    assert proc.returncode == 2
    assert "protocols/BST-SURG-01.md already exists; ids are never reused" in proc.stderr


def test_without_title_and_terminal_prints_usage(tmp_path):
    proc = scaffold(tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith('usage: make new TITLE="Protocol title"')


def test_unknown_type_is_refused(tmp_path):
    shutil.copytree(ROOT, tmp_path / "src")
    proc = scaffold(tmp_path / "src", "--title", "X", "--type", "surgical")
    assert proc.returncode == 2
    assert "unknown TYPE 'surgical'" in proc.stderr
