"""Releases: a temporary repository with two tags where a protocol changes between them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from protokit.releases import in_force, release_data

#: Builds whole handbooks (releases, bundles, twice for reproducibility): not in make test-fast.
pytestmark = pytest.mark.slow

TAGS = (("v2026.1", "2026-01-15T09:00:00+00:00"), ("v2026.2", "2026-02-20T09:00:00+00:00"))
V1 = {"version": '"1.0"', "text": "Reconstruction by endoprosthesis is the default.", "effective": "2026-01-12"}
V2 = {"version": '"1.1"', "text": "Reconstruction by endoprosthesis or allograft, decided at the MDT.", "effective": "2026-03-01"}


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True).stdout


def set_protocol(repo: Path, state: dict, history: list[tuple[str, str, str]]) -> None:
    page = repo / "protocols" / "BST-SURG-01.md"
    text = page.read_text()
    front, body = text.split("\n---\n", 1)
    lines = [
        line
        for line in front.split("\n")
        if not line.startswith(("version:", "status:", "history:", "  - ", "    ", "approved_", "effective_date:"))
    ]
    lines += [
        f"version: {state['version']}",
        "status: approved",
        "approved_by: Sarcoma protocol committee",
        "approved_on: 2026-01-10",
        f"effective_date: {state['effective']}",
        "history:",
    ]
    lines += [f'  - version: "{v}"\n    date: {d}\n    summary: {s}' for v, d, s in history]
    marker = "## Procedure\n"
    head, tail = body.split(marker, 1)
    page.write_text("\n".join(lines) + "\n---\n" + head + marker + "\n" + state["text"] + "\n" + tail)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("releases") / "repo"
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard"], capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, repo / name)
    (repo / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    git(repo, "init", "-q", "-b", "main")
    set_protocol(repo, V1, [("1.0", "2026-01-10", "First approved version.")])
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Release 1", date=TAGS[0][1])
    git(repo, "tag", "-a", TAGS[0][0], "-m", "Release 2026.1", date=TAGS[0][1])
    set_protocol(
        repo, V2, [("1.1", "2026-02-18", "Allograft added as an option."), ("1.0", "2026-01-10", "First approved version.")]
    )
    git(repo, "commit", "-qam", "Release 2", date=TAGS[1][1])
    git(repo, "tag", "-a", TAGS[1][0], "-m", "Release 2026.2", date=TAGS[1][1])
    return repo


def run_versions(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "protokit.versions", "--repo", str(repo), "--base-url", "/handbook/"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "tools")},
        check=False,
    )


@pytest.fixture(scope="module")
def archive(repo) -> tuple[Path, subprocess.CompletedProcess]:
    proc = run_versions(repo)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return repo / "_build" / "versions", proc


def test_every_release_is_built_from_its_own_tree(archive):
    out, proc = archive
    assert "1/2 v2026.1: building from its own tree (2026-01-15)" in proc.stdout
    assert "2/2 v2026.2: building from its own tree (2026-02-20)" in proc.stdout
    old = (out / "v2026.1" / "protocols" / "BST-SURG-01.html").read_text()
    new = (out / "v2026.2" / "protocols" / "BST-SURG-01.html").read_text()
    assert V1["text"] in old and V2["text"] not in old
    assert V2["text"] in new
    assert "Release <strong>v2026.1</strong> of 2026-01-15" in old


def test_versions_json_lists_every_release_newest_first(archive):
    out, _ = archive
    entries = json.loads((out / "versions.json").read_text())
    assert [(e["version"], e["url"], e["date"], e.get("preferred", False)) for e in entries] == [
        ("v2026.2", "/handbook/v2026.2/", "2026-02-20", True),
        ("v2026.1", "/handbook/v2026.1/", "2026-01-15", False),
    ]
    assert (out / "latest" / "protocols" / "BST-SURG-01.html").read_text() == (
        out / "v2026.2" / "protocols" / "BST-SURG-01.html"
    ).read_text()
    assert "url=v2026.2/" in (out / "index.html").read_text()
    page = (out / "v2026.1" / "index.html").read_text()
    assert "version-switcher" in page and '"../versions.json"' in page.replace("'", '"')


def test_release_notes_name_the_changed_protocol_and_its_bump(archive):
    out, _ = archive
    notes = (out / "v2026.2" / "handbook" / "releases.html").read_text()
    assert "BST-SURG-01" in notes and "1.0 → 1.1" in notes and "Allograft added as an option." in notes
    old_notes = (out / "v2026.1" / "handbook" / "releases.html").read_text()
    assert "v2026.2" not in old_notes  # an old release shows history up to itself


def test_rerun_skips_built_releases(archive, repo):
    proc = run_versions(repo)
    assert proc.returncode == 0
    assert "1/2 v2026.1: already built, skipped" in proc.stdout
    assert "2/2 v2026.2: already built, skipped" in proc.stdout


def test_in_force_between_the_tags_is_the_older_version(repo):
    data = release_data(repo, "/handbook/")
    on = in_force(data, "2026-02-25")  # after tag 2, before version 1.1 takes effect
    assert (on["BST-SURG-01"]["version"], on["BST-SURG-01"]["release"], on["BST-SURG-01"]["state"]) == (
        "1.0",
        "v2026.1",
        "in force",
    )
    assert on["BST-SURG-01"]["url"] == "/handbook/v2026.1/protocols/BST-SURG-01.html"
    assert in_force(data, "2026-03-02")["BST-SURG-01"]["version"] == "1.1"
    assert in_force(data, "2026-01-11")["BST-SURG-01"]["state"] == "no approved version"
    assert in_force(data, "2026-02-25")["BST-MET-01"]["state"] == "no approved version"  # drafts are never in force


def test_since_fails_an_unversioned_change_and_passes_a_bumped_one(repo):
    page = repo / "protocols" / "BST-SURG-01.md"
    original = page.read_text()
    cmd = [sys.executable, "-m", "protokit", "--root", str(repo), "--no-cache", "--select", "P6", "--since"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools")}
    try:
        assert subprocess.run([*cmd, "v2026.2"], capture_output=True, env=env, check=False).returncode == 0
        page.write_text(original.replace(V2["text"], V2["text"] + " Check the margins."))
        proc = subprocess.run([*cmd, "v2026.2"], capture_output=True, text=True, env=env, check=False)
        assert proc.returncode == 1
        assert (
            'P601 the protocol changed since v2026.2 but "version" is still "1.1"; raise it and add a history entry'
            in proc.stdout
        )
        page.write_text(page.read_text().replace('version: "1.1"', 'version: "1.2"', 1))
        proc = subprocess.run([*cmd, "v2026.2"], capture_output=True, text=True, env=env, check=False)
        assert 'add a history entry for version "1.2"' in proc.stdout
        page.write_text(page.read_text().replace('version: "1.2"', 'version: "1.0"', 1))
        proc = subprocess.run([*cmd, "v2026.2"], capture_output=True, text=True, env=env, check=False)
        assert proc.returncode == 1
        assert 'P601 "version" went down from "1.1" in v2026.2 to "1.0"; a new version is always higher' in proc.stdout
        unknown = subprocess.run([*cmd, "v1999"], capture_output=True, text=True, env=env, check=False)
        assert unknown.returncode == 2 and "error: --since v1999" in unknown.stderr
    finally:
        page.write_text(original)


def test_switcher_and_archive_banner_work_under_the_csp(archive, browser, tmp_path):
    import re

    from conftest import serve

    out, _ = archive
    (tmp_path / "handbook").symlink_to(out, target_is_directory=True)
    header = (out / "csp-header.conf").read_text()  # the archive's policy covers every release
    policy = re.search(r'Content-Security-Policy "([^"]+)"', header).group(1)
    url, shutdown = serve(tmp_path, headers={"Content-Security-Policy": policy})
    violations = []
    try:
        page = browser.new_page()
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        page.goto(f"{url}/handbook/v2026.1/protocols/BST-SURG-01.html")
        banner = page.locator(".protocol-banner-archive")
        banner.wait_for(timeout=20000)
        assert banner.inner_text().strip() == "You are reading release v2026.1; the current release is v2026.2."
        page.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        versions = page.locator(".version-switcher__menu a").all_inner_texts()
        assert any("v2026.2" in v for v in versions) and any("v2026.1" in v for v in versions)
        page.goto(f"{url}/handbook/v2026.2/protocols/BST-SURG-01.html")
        page.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        assert page.locator(".protocol-banner-archive").count() == 0
        page.close()
    finally:
        shutdown()
    assert violations == []
