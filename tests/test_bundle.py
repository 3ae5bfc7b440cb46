"""The downtime bundle opens from disk (file://) with diagrams drawn and search working."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest
from conftest import REPO, in_force_answer, tiny_handbook
from protokit.releases import DATA_ENV

RELEASE_DATA = REPO / "tests" / "fixtures" / "releases" / "release-data.json"

#: Builds whole handbooks (releases, bundles, twice for reproducibility): not in make test-fast.
pytestmark = pytest.mark.slow


def make_bundle(repo, out):
    proc = subprocess.run(
        [sys.executable, "-m", "protokit.bundle", "--repo", str(repo), "--out", str(out)],
        capture_output=True,
        text=True,
        # The repository has no release tag yet: the bundle gets a small release history
        # (HANDBOOK_RELEASE_DATA, as `make versions` passes it), so its in-force page has answers to give.
        env={**os.environ, "PYTHONPATH": str(REPO / "tools"), "SOURCE_DATE_EPOCH": "1795651200", DATA_ENV: str(RELEASE_DATA)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return next(out.glob("handbook-*.zip")), next(out.glob("handbook-*.pdf"))


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return tiny_handbook(tmp_path_factory.mktemp("tiny"))  # this checkout's tools, three protocols


@pytest.fixture(scope="module")
def bundle(repo, tmp_path_factory):
    return make_bundle(repo, tmp_path_factory.mktemp("bundle"))


def test_bundle_opens_from_disk_with_diagrams_and_search(bundle, browser, tmp_path):
    archive, _ = bundle
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert not any("/_static/mermaid/" in n for n in names)
        zf.extractall(tmp_path)
    site = tmp_path / archive.stem
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / "protocols" / "BST-SURG-01.html").as_uri())
    svg = page.locator(".mermaid-static svg").first
    assert svg.is_visible()
    assert page.locator('svg[aria-roledescription="error"]').count() == 0
    page.goto((site / "search.html").as_uri() + "?q=metastases")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    first = page.locator("#search-results ul.search > li > a").first.inner_text()
    assert first.startswith("BST-MET-01 — ")  # the scorer and its data load from disk too
    page.goto((site / "handbook" / "in-force.html").as_uri())
    answer = in_force_answer(page, "2026-02-01")
    assert answer["BST-SURG-01"][:2] == ("in force", "1.0") and answer["BST-MET-01"][0] == "no approved version"
    assert in_force_answer(page, "2026-01-01")["BST-SURG-01"][0] == "no approved version"
    page.close()
    assert errors == []


def test_two_bundles_of_the_same_release_are_identical(repo, bundle, tmp_path):
    first, pdf = bundle
    second, _ = make_bundle(repo, tmp_path / "again")
    assert first.read_bytes() == second.read_bytes()
    assert pdf.stat().st_size > 20_000
