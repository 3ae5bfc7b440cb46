"""Releases: a temporary repository with two tags where a protocol changes between them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AXE_RUN, REPO, in_force_answer, serve, tiny_handbook

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


def set_protocol(repo: Path, state: dict, history: list[tuple[str, str, str]], previous: dict | None = None) -> None:
    """Write ``state`` into BST-SURG-01 (replacing the ``previous`` state's sentence)."""
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
    if previous:
        body = body.replace(marker + "\n" + previous["text"] + "\n", marker, 1)
    head, tail = body.split(marker, 1)
    page.write_text("\n".join(lines) + "\n---\n" + head + marker + "\n" + state["text"] + "\n" + tail)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tiny_handbook(tmp_path_factory.mktemp("releases"))  # this checkout's tools, three protocols
    git(repo, "init", "-q", "-b", "main")
    set_protocol(repo, V1, [("1.0", "2026-01-10", "First approved version.")])
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Release 1", date=TAGS[0][1])
    git(repo, "tag", "-a", TAGS[0][0], "-m", "Release 2026.1", date=TAGS[0][1])
    set_protocol(
        repo,
        V2,
        [("1.1", "2026-02-18", "Allograft added as an option."), ("1.0", "2026-01-10", "First approved version.")],
        previous=V1,
    )
    git(repo, "commit", "-qam", "Release 2", date=TAGS[1][1])
    git(repo, "tag", "-a", TAGS[1][0], "-m", "Release 2026.2", date=TAGS[1][1])
    return repo


#: A full address: the feed's links must be absolute (tests serve the archive at /handbook/ on 127.0.0.1).
BASE_URL = "https://handbook.test/handbook/"


def run_versions(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "protokit.versions", "--repo", str(repo), "--base-url", BASE_URL],
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
    assert V2["text"] in new and V1["text"] not in new
    assert "Release <strong>v2026.1</strong> of 2026-01-15" in old


def test_versions_json_lists_every_release_newest_first(archive):
    out, _ = archive
    entries = json.loads((out / "versions.json").read_text())
    assert [(e["version"], e["url"], e["date"], e.get("preferred", False)) for e in entries] == [
        ("v2026.2", f"{BASE_URL}v2026.2/", "2026-02-20", True),
        ("v2026.1", f"{BASE_URL}v2026.1/", "2026-01-15", False),
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
        # The reader opens the switcher by the words it shows (its name says what it is, then the version) ...
        page.get_by_role("button", name="Handbook version v2026.1", exact=True).click()
        other = page.get_by_role("option", name=re.compile(r"^v2026\.2"))
        other.wait_for()  # the list is shown
        # ... whose choice leads to the same protocol in the other release (at the archive's address).
        assert other.get_attribute("href").endswith("/handbook/v2026.2/protocols/BST-SURG-01.html")
        page.goto(f"{url}/handbook/v2026.2/protocols/BST-SURG-01.html")
        page.wait_for_selector(".version-switcher__menu a", state="attached", timeout=20000)
        assert page.locator(".protocol-banner-archive").count() == 0
        page.close()
    finally:
        shutdown()
    assert violations == []


@pytest.fixture
def served(archive, tmp_path):
    """The archive on 127.0.0.1 under its own Content-Security-Policy, as a hospital server would serve it."""
    out, _ = archive
    (tmp_path / "handbook").symlink_to(out, target_is_directory=True)
    header = (out / "csp-header.conf").read_text()
    policy = re.search(r'Content-Security-Policy "([^"]+)"', header).group(1)
    url, shutdown = serve(tmp_path, headers={"Content-Security-Policy": policy})
    yield f"{url}/handbook"
    shutdown()


def reader(browser, base: str):
    """A page that records CSP violations, script errors and any request off the host."""
    page = browser.new_page()
    seen = {"csp": [], "errors": [], "outside": []}
    page.on("console", lambda m: "Content Security Policy" in m.text and seen["csp"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    host = base.split("/handbook")[0]
    page.on("request", lambda r: None if r.url.startswith((host, "data:", "blob:")) else seen["outside"].append(r.url))
    return page, seen


def axe_serious(browser, url: str, prepare=None) -> list:
    """axe-core's serious and critical findings on a page (in a page that lets the test inject axe)."""
    page = browser.new_page(bypass_csp=True)
    page.goto(url)
    if prepare:
        prepare(page)
    page.add_script_tag(path=str(REPO / "node_modules" / "axe-core" / "axe.min.js"))
    result = page.evaluate(AXE_RUN)
    page.close()
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_in_force_form_answers_in_the_archive(served, browser):
    page, seen = reader(browser, served)
    page.goto(f"{served}/v2026.2/handbook/in-force.html")
    between = in_force_answer(page, "2026-02-25")  # after tag 2, before version 1.1 takes effect
    assert between["BST-SURG-01"][:2] == ("in force", "1.0") and between["BST-SURG-01"][3] == "v2026.1"
    link = page.locator("#protokit-in-force-result a", has_text="BST-SURG-01").get_attribute("href")
    assert link == f"{BASE_URL}v2026.1/protocols/BST-SURG-01.html"  # the version in force, in the archive
    assert between["BST-MET-01"][0] == "no approved version"  # drafts are never in force
    assert in_force_answer(page, "2026-03-02")["BST-SURG-01"][:2] == ("in force", "1.1")
    assert in_force_answer(page, "2026-01-11")["BST-SURG-01"][0] == "no approved version"
    assert axe_serious(browser, page.url, lambda p: in_force_answer(p, "2026-02-25")) == []
    page.close()
    assert seen == {"csp": [], "errors": [], "outside": []}


def test_redline_shows_the_inserted_and_the_deleted_passage(served, browser):
    page, seen = reader(browser, served)
    page.goto(f"{served}/v2026.2/protocols/BST-SURG-01.html")
    record = page.locator("#governance-record")
    assert re.search(r"1\.1 \(this page\)\s+v2026\.2", record.inner_text())  # released versions, newest first
    assert "v2026.1" in record.inner_text()
    record.get_by_role("link", name=re.compile("What changed: version 1.1 against version 1.0")).click()
    page.wait_for_url(re.compile(r"/v2026\.2/changes/BST-SURG-01\.html$"))
    section = page.locator("section.redline-section", has=page.get_by_role("heading", name="Procedure"))
    inserted = " ".join(section.locator("ins").all_inner_texts())
    deleted = " ".join(section.locator("del").all_inner_texts())
    assert "or allograft, decided at the MDT." in inserted and "is the default." in deleted
    assert "or allograft" not in deleted and "is the default" not in inserted
    # Not by colour alone: struck through and underlined, and named for screen readers.
    styles = page.evaluate("""() => ['ins', 'del'].map(t => getComputedStyle(document.querySelector(t)).textDecorationLine)""")
    assert styles == ["underline", "line-through"]
    assert section.locator("ins").first.text_content().startswith("[inserted]")
    assert section.locator("del").first.text_content().startswith("[deleted]")
    assert "Unchanged sections:" in page.locator(".redline-unchanged").inner_text()
    assert axe_serious(browser, page.url) == []
    # The release notes link each changed protocol to its redline.
    page.goto(f"{served}/v2026.2/handbook/releases.html")
    page.get_by_role("link", name="Compare BST-SURG-01").click()
    page.wait_for_url(re.compile(r"/v2026\.2/changes/BST-SURG-01\.html$"))
    assert axe_serious(browser, f"{served}/v2026.2/handbook/releases.html") == []
    assert axe_serious(browser, f"{served}/v2026.2/protocols/BST-SURG-01.html") == []
    page.close()
    assert seen == {"csp": [], "errors": [], "outside": []}


def test_no_redline_without_a_previous_released_version(archive):
    out, _ = archive
    assert not (out / "v2026.1" / "changes").exists()
    assert sorted(p.name for p in (out / "v2026.2" / "changes").iterdir()) == ["BST-SURG-01.html"]


def test_atom_feed_of_releases_reads_back_with_a_feed_parser(archive):
    import feedparser

    out, _ = archive
    feed = feedparser.parse((out / "latest" / "releases.atom").read_bytes())
    assert feed.bozo == 0 and feed.version == "atom10"
    assert feed.feed.title == "Handbook releases"
    assert [e.title for e in feed.entries] == ["Release v2026.2 (2026-02-20)", "Release v2026.1 (2026-01-15)"]
    newest = feed.entries[0]
    assert newest.id.startswith("urn:uuid:") and newest.updated == "2026-02-20T09:00:00+00:00"
    assert newest.link == f"{BASE_URL}v2026.2/handbook/releases.html"
    content = newest.content[0].value
    assert "version 1.0 → 1.1. Allograft added as an option." in content
    assert f'href="{BASE_URL}v2026.2/protocols/BST-SURG-01.html"' in content
    assert f'href="{BASE_URL}v2026.2/changes/BST-SURG-01.html"' in content
    links = re.findall(r'href="([^"]+)"', content + "".join(e.content[0].value for e in feed.entries[1:]))
    assert links and all(link.startswith(BASE_URL) for link in links)  # absolute, from BASE_URL
    assert newest.summary == "1 changed (BST-SURG-01 1.0 → 1.1: Allograft added as an option.)"
    assert "Added:" in feed.entries[1].content[0].value and re.fullmatch(r"\d+ added", feed.entries[1].summary)
    # The home page and the release notes point feed readers at it.
    for page in ("index.html", "handbook/releases.html"):
        html = (out / "v2026.2" / page).read_text()
        assert re.search(
            r'<link rel="alternate" type="application/atom\+xml" title="Handbook releases" href="(\.\./)?releases.atom">', html
        )
    # An old release's feed stops at itself.
    assert [e.title for e in feedparser.parse((out / "v2026.1" / "releases.atom").read_bytes()).entries] == [
        "Release v2026.1 (2026-01-15)"
    ]
