"""Reader-first pages, tested the way a reader meets them: headless Chromium on the built handbook.

The decision on the first screen, protocols named by title in the matrix and in
search results, clinical queries that find the protocol that covers them, and
the "in force on a date" form answering a typed date. Releases, redlines and the
feed are tested on a real archive in tests/test_versions.py.
"""

from __future__ import annotations

import re

import pytest
from conftest import REPO, in_force_answer
from first_screen import key_recommendations_y
from protokit.legibility import VIEWPORTS

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PROTOCOLS = sorted(p.stem for p in (REPO / "protocols").glob("BST-*.md"))


@pytest.mark.xdist_group("tour-1280")
def test_first_screen_of_every_protocol_shows_key_recommendations(tours):
    """Every protocol page at 1280 x 900, measured as it loads (the desktop tour: tests/tours.py)."""
    assert VIEWPORTS["1280"] == DESKTOP  # the desktop tour's screen
    below = {}
    for pid in PROTOCOLS:
        visit = tours.desktop[f"protocols/{pid}.html"]
        box = visit["key_box"]  # the "Key recommendations" heading
        if box["y"] + box["height"] > DESKTOP["height"]:
            below[pid] = box["y"]
        # What comes before it is the title, the status line and the banners: no governance table.
        assert visit["status_y"] < box["y"]
        assert visit["record_y"] > box["y"]
    assert below == {}


def test_status_line_and_record(tab, handbook_server):
    page = tab
    page.set_viewport_size(DESKTOP)
    page.goto(f"{handbook_server}/protocols/BST-MET-01.html")
    line = page.locator(".protocol-status-line").inner_text()
    assert re.match(
        r"BST-MET-01 · Version [\d.]+ · Draft · Not in force · Review due \d{4}-\d\d-\d\d · Owner: .+ · Governance record", line
    )
    assert page.locator(".protocol-banner-draft").is_visible()
    page.locator(".protocol-status-line").get_by_role("link", name="Governance record").click()
    record = page.locator("#governance-record")
    text = re.sub(r"\s+", " ", record.inner_text())
    assert "Sites: Upper limb, Lower limb, Pelvis" in text  # the schema's labels, not slugs
    assert "Modalities: Surgery, Radiotherapy, Systemic therapy" in text
    assert record.get_by_text("Revision history").is_visible()
    # The record is in the print copy too, and the stamp says what was printed.
    page.emulate_media(media="print")
    assert record.is_visible() and page.locator(".protocol-print-stamp").is_visible()


def test_the_measurement_helper_reports_both_screens(browser, handbook_server):
    ys = key_recommendations_y(browser, handbook_server, ["BST-MET-01"])
    assert set(ys) == {"1280x900", "390x844"} and all(isinstance(v["BST-MET-01"], int) for v in ys.values())


def test_matrix_names_each_protocol_by_title_and_works_on_a_phone(tab, handbook_server):
    page = tab
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"{handbook_server}/handbook/matrix.html")
        links = page.locator("table.protocol-matrix a")
        texts = links.all_inner_texts()
        assert len(texts) > 50
        # Every link shows a title before the id, as visible text (not a tooltip).
        bare = [t for t in texts if not re.match(r"^\S.*\S\s+BST-[A-Z]+-\d\d$", t.strip().replace("\n", " "))]
        assert bare == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        site = page.locator(".protocol-matrix-site").first
        assert site.is_visible() == (viewport is PHONE)  # on a phone each cell names its site


QUERIES = [
    # query, the protocol that covers it, whether the glossary names it (then the result opens at a section)
    ("MSCC", "BST-SPN-01", True),
    ("metastatic spinal cord compression", "BST-SPN-01", True),
    ("GCTB", "BST-BEN-01", True),
    ("RT", "BST-RT-01", False),
    ("pre-operative radiotherapy", "BST-RT-01", True),
    ("Mirels", "BST-MET-01", True),
    ("limb-sparing surgery", "BST-SURG-01", True),
    ("BST-MET-01", "BST-MET-01", False),
]


@pytest.mark.parametrize(("query", "pid", "section"), QUERIES, ids=[q[0] for q in QUERIES])
def test_clinical_query_puts_the_covering_protocol_in_the_top_three(tab, handbook_server, query, pid, section):
    page = tab
    page.goto(f"{handbook_server}/search.html?q={query}")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    page.wait_for_function("() => document.querySelector('#search-results .search-summary').textContent !== ''")
    top = page.locator("#search-results ul.search > li > a").all()[:3]
    hits = [(a.get_attribute("href"), a.inner_text()) for a in top]
    mine = [(href, text) for href, text in hits if f"protocols/{pid}.html" in href]
    assert mine, hits
    href, text = mine[0]
    title = re.search(r"^# (.+)$", (REPO / "protocols" / f"{pid}.md").read_text(encoding="utf-8"), re.M).group(1)
    assert text.startswith(f"{pid} — {title}")  # the protocol named by id and title
    if section:  # ... and the section that answers
        assert " › " in text and "#" in href, hits
        anchor = href.split("#", 1)[1]
        page.goto(f"{handbook_server}/{href}")
        assert page.locator(f"[id='{anchor}']").count() == 1


def test_in_force_form_answers_a_typed_date(browser, handbook_server):
    """With no release yet the form answers in words; with releases, a row per protocol."""
    import subprocess

    tags = subprocess.run(["git", "-C", str(REPO), "tag", "-l", "v*"], capture_output=True, text=True, check=False).stdout
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{handbook_server}/handbook/in-force.html")
    assert page.locator("script[src*='protokit-in-force.js']").count() == 1
    assert page.locator("script[src*='protokit-release-data.js']").count() == 1
    answer = in_force_answer(page, "2026-03-01")
    if tags.strip():
        assert answer and all(pid.startswith("BST-") for pid in answer)
    else:
        assert answer == {"": ("No release has been made yet.",)}
    page.close()
    assert errors == []
