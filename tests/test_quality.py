"""Release quality gates in real headless Chromium: every page, search, links, print,
phone width, accessibility (axe-core) and the hardened Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import AXE_RUN, REPO, in_force_answer, serve
from protokit.legibility import VIEWPORTS
from tours import ALL_DRAWN
from tours import content_pages as pages

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.xdist_group("tour-1280")
def test_every_page_renders_offline_without_errors(tours, built_handbook):
    """Every content page, visited in one tab (the desktop tour, 1280 x 900: tests/tours.py)."""
    problems = {}
    for rel in pages(built_handbook):
        visit = tours.desktop[rel]
        if visit["mermaid_error"]:  # None: no chart for the browser to draw
            problems[rel] = "mermaid error graphic"
        outside, failed, errors = visit["watch"]
        if outside or failed or errors:
            problems[rel] = (outside, failed, errors)
    assert len(pages(built_handbook)) > 25
    assert problems == {}


def test_search_finds_a_protocol_by_clinical_term(tab, handbook_server):
    page = tab
    page.goto(f"{handbook_server}/search.html?q=Mirels")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    hrefs = [a.get_attribute("href") for a in page.locator("#search-results ul.search li a").all()]
    assert any("protocols/BST-MET-01.html" in h for h in hrefs), hrefs


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_the_search_button_is_named_by_what_it_shows_and_opens_search(tab, handbook_server, width):
    """A voice-control user says the words on the button (WCAG 2.5.3); a phone shows only the magnifier, and still hears its name."""
    page = tab
    page.set_viewport_size(VIEWPORTS[width])
    page.goto(f"{handbook_server}/protocols/BST-MET-01.html")
    button = page.get_by_role("button", name=re.compile(r"^Search Ctrl ?\+ ?K$"))
    assert button.count() == 1  # the one the reader sees
    if width == "1280":
        assert button.inner_text().split() == ["Search", "Ctrl", "+", "K"]
    button.click()
    page.wait_for_function("document.activeElement.name === 'q'")  # the search box has the focus
    page.keyboard.type("MSCC")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    assert "BST-SPN-01 — " in page.locator("#search-results ul.search").inner_text()


def test_protocol_links_and_catalogue_navigate(tab, handbook_server):
    page = tab
    page.goto(f"{handbook_server}/protocols/index.html")
    page.locator("table.protocol-catalogue a", has_text="BST-SURG-01").first.click()
    page.wait_for_url(re.compile(r"/protocols/BST-SURG-01\.html"))
    assert "Limb salvage" in page.locator("h1").first.inner_text()
    page.goto(f"{handbook_server}/protocols/BST-SURG-03.html")
    link = page.locator("article a.reference.internal", has_text="BST-IR-02").first
    link.click()
    page.wait_for_url(re.compile(r"/protocols/BST-IR-02\.html"))
    assert "aortic balloon" in page.locator("h1").first.inner_text().lower()


def test_print_shows_the_stamp_and_hides_navigation(tab, handbook_server):
    page = tab
    page.goto(f"{handbook_server}/protocols/BST-MET-01.html")
    page.emulate_media(media="print")
    stamp = page.locator(".protocol-print-stamp")
    assert stamp.is_visible()
    text = stamp.inner_text()
    version = re.search(r'^version: "([^"]+)"', (REPO / "protocols" / "BST-MET-01.md").read_text(), re.M).group(1)
    assert f"BST-MET-01 · version {version} · status draft · printed " in text
    assert re.search(r"printed \d{4}-\d{2}-\d{2}", text)
    assert "Uncontrolled when printed — check the handbook for the current version." in text
    assert not page.locator(".bd-header").is_visible()
    page.emulate_media(media="screen")
    assert not stamp.is_visible()


@pytest.mark.xdist_group("tour-390")
def test_protocol_pages_fit_a_phone(tours, built_handbook):
    """Every protocol page at 390 x 844, its charts drawn (the phone tour: tests/tours.py)."""
    assert VIEWPORTS["390"] == {"width": 390, "height": 844}  # the phone tour's screen
    too_wide = {}
    for rel in pages(built_handbook):
        if rel.startswith("protocols/BST-"):
            width = tours.phone[rel]["drawn_scroll_width"]
            if width > 390:
                too_wide[rel] = width
    assert too_wide == {}


PAGE_TYPES = [
    "index.html",
    "protocols/index.html",
    "protocols/BST-MET-01.html",
    "protocols/BST-ONC-04.html",  # regimen tables
    "protocols/BST-SPN-01.html",  # evidence-grade badges and key numbers
    "handbook/key-numbers.html",
    "handbook/evidence-grades.html",
    "handbook/matrix.html",
    "handbook/review.html",
    "handbook/glossary.html",
    "handbook/rules.html",
    "handbook/authoring.html",
    "handbook/releases.html",
    "handbook/in-force.html?date=2026-01-01",
    "search.html?q=biopsy",
    "search.html?q=MSCC",
]


@pytest.mark.parametrize("rel", PAGE_TYPES)
def test_accessibility_no_serious_or_critical_violations(tab, handbook_server, rel):
    page = tab
    page.goto(f"{handbook_server}/{rel}")
    if page.locator(".mermaid").count():
        page.wait_for_function(ALL_DRAWN, timeout=30000)
    if rel.startswith("search.html"):
        page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []


def csp_header(built: Path) -> str:
    text = (built / "csp-header.conf").read_text()
    return re.search(r'add_header Content-Security-Policy "([^"]+)" always;', text).group(1)


def test_site_works_under_the_generated_content_security_policy(browser, built_handbook):
    policy = csp_header(built_handbook)
    assert "unsafe-eval" not in policy and "script-src 'self' 'sha256-" in policy
    url, shutdown = serve(built_handbook, headers={"Content-Security-Policy": policy})
    try:
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        page.goto(f"{url}/protocols/BST-SPN-01.html")
        page.wait_for_function(ALL_DRAWN, timeout=30000)
        assert page.locator('svg[aria-roledescription="error"]').count() == 0
        page.goto(f"{url}/search.html?q=Mirels")
        page.wait_for_selector("#search-results ul.search li a", timeout=20000)
        # The handbook's scorer and its data run under the policy: results are named by id and title.
        page.goto(f"{url}/search.html?q=MSCC")
        page.wait_for_selector("#search-results ul.search li a", timeout=20000)
        assert "BST-SPN-01 — " in page.locator("#search-results ul.search").inner_text()
        page.goto(f"{url}/handbook/in-force.html")
        assert in_force_answer(page, "2026-03-01")  # the form's scripts load and answer
        for rel in ("handbook/matrix.html", "handbook/releases.html", "protocols/BST-MET-01.html"):
            page.goto(f"{url}/{rel}")
            page.wait_for_load_state("networkidle")
        page.goto(f"{url}/index.html")
        page.wait_for_load_state("networkidle")
        page.close()
    finally:
        shutdown()
    assert violations == []


def test_post_build_scan_rejects_a_script_in_content(tmp_path):
    from protokit.sphinxext.csp import scan

    (tmp_path / "ok.html").write_text(
        '<script src="_static/x.js"></script><script>var a = 1;</script><article class="bd-article"><p>Text</p></article>'
    )
    (tmp_path / "bad.html").write_text(
        '<script src="https://cdn.example.org/x.js"></script><article class="bd-article"><script>alert(1)</script></article>'
    )
    hashes, problems, _ = scan(tmp_path)
    assert problems == [
        "bad.html: script from another host: https://cdn.example.org/x.js",
        "bad.html: a <script> inside the page content (raw HTML in the source?)",
    ]
    assert len(hashes) == 2
