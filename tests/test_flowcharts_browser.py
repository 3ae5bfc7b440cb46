"""Flowcharts as a reader meets them, in headless Chromium: legible on every protocol
page, at 1280 px and on a phone, on paper; linked to the words; full screen from the keyboard."""

from __future__ import annotations

import re

import pytest
from conftest import serve
from protokit.legibility import (
    DRAWN_JS,
    LABEL_SIZES_JS,
    MIN_PRINT_PT,
    MIN_SCREEN_PX,
    PRINT_WIDTH_PX,
    VIEWPORTS,
    protocol_pages,
)
from tours import open_chart


@pytest.mark.parametrize("width", [pytest.param(w, marks=pytest.mark.xdist_group(f"tour-{w}")) for w in sorted(VIEWPORTS)])
def test_every_node_label_is_legible_on_screen(tours, built_handbook, width):
    """Every protocol page at the width, its chart drawn (the tour at that width: tests/tours.py)."""
    tour = tours.at(width)
    too_small, measured = {}, 0
    for rel in protocol_pages(built_handbook):
        visit = tour[rel]
        visit["chart"]  # open_chart: drawn, and its controls shown
        sizes = visit["sizes"]
        assert sizes, f"{rel}: no node label measured"
        measured += len(sizes)
        smallest = min(sizes, key=lambda s: s["px"])
        if smallest["px"] < MIN_SCREEN_PX:
            too_small[rel] = smallest
        # the page itself never scrolls sideways: the chart's frame does
        assert visit["scroll_width"] <= VIEWPORTS[width]["width"], rel
    assert len(protocol_pages(built_handbook)) >= 27 and measured > 400
    assert too_small == {}


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_the_tours_browser_measures_what_a_readers_browser_shows(browser, measuring_browser, handbook_server, width):
    """The tours measure in a Chromium without the compositor's own thread: the same page measures the same."""
    measured = []
    for chromium in (browser, measuring_browser):
        page = chromium.new_page(viewport=VIEWPORTS[width])
        open_chart(page, f"{handbook_server}/protocols/BST-SPN-01.html")
        measured.append(
            (
                page.evaluate(LABEL_SIZES_JS),
                page.evaluate("document.documentElement.scrollWidth"),
                page.locator("#key-recommendations h2").bounding_box(),
                page.locator(".protocol-flow-frame").bounding_box(),
            )
        )
        page.close()
    assert measured[0][0] and measured[0] == measured[1]


@pytest.mark.xdist_group("tour-390")
def test_print_shows_every_chart_at_8_pt_or_more(tours, built_handbook):
    """Every protocol page, as open on a phone, printed on A4 (the phone tour: tests/tours.py)."""
    too_small = {}
    for rel in protocol_pages(built_handbook):
        visit = tours.phone[rel]
        assert visit["print_frame_hidden"], rel  # the printed parts replace the chart's frame
        sizes = visit["print_sizes"]
        assert sizes, rel
        smallest = min(s["px"] for s in sizes) * 0.75
        if smallest < MIN_PRINT_PT:
            too_small[rel] = smallest
        # every part fits the page width
        widths = visit["print_part_widths"]
        assert widths and max(widths) <= PRINT_WIDTH_PX, rel
    assert too_small == {}


def test_the_frame_pans_with_the_keyboard_and_pinch_zoom_stays_on(browser, handbook_server):
    page = browser.new_page(viewport=VIEWPORTS["390"], has_touch=True, is_mobile=True)
    open_chart(page, f"{handbook_server}/protocols/BST-SPN-01.html")
    frame = page.locator(".protocol-flow-frame")
    assert frame.get_attribute("tabindex") == "0"
    assert page.evaluate("getComputedStyle(document.querySelector('.protocol-flow-frame')).touchAction") == "auto"
    for meta in page.locator('meta[name="viewport"]').all():
        content = meta.get_attribute("content") or ""
        assert "user-scalable" not in content and "maximum-scale" not in content
    frame.focus()
    before = frame.evaluate("f => f.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("x => document.querySelector('.protocol-flow-frame').scrollLeft > x", arg=before)
    page.close()


def test_full_screen_view_opens_and_zooms_from_the_keyboard(tab, handbook_server):
    page = tab
    page.set_viewport_size(VIEWPORTS["390"])
    open_chart(page, f"{handbook_server}/protocols/BST-SPN-01.html")
    page.locator(".protocol-flow-frame").focus()  # the chart's frame is in the tab order; the button just before it
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Open flowchart full screen"
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.protocol-flow-dialog[open]")
    dialog.wait_for()
    assert dialog.locator("svg g.node").count() > 10
    holder = dialog.locator(".protocol-flow-holder")
    before = holder.evaluate("h => h.getBoundingClientRect().width")
    page.keyboard.press("+")
    page.wait_for_function(
        "w => document.querySelector('.protocol-flow-holder').getBoundingClientRect().width > w * 1.1", arg=before
    )
    page.keyboard.press("Escape")
    page.locator("dialog.protocol-flow-dialog").wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('protocol-flow-open')")
    assert page.locator(".protocol-flow-frame :is(.mermaid, .mermaid-static) > svg").count() == 1  # back in its frame


def test_a_box_leads_to_its_step_and_the_step_back_to_the_box(tab, handbook_server):
    page = tab
    page.set_viewport_size({"width": 1280, "height": 900})
    open_chart(page, f"{handbook_server}/protocols/BST-SPN-01.html")
    box = page.locator("a.protocol-flow-node#BST-SPN-01-node-C")
    assert box.get_attribute("aria-label").startswith("Step 3: MSCC coordinator now")
    box.click()
    page.wait_for_url(re.compile(r"#BST-SPN-01-step-C$"))
    step = page.locator("li:target")
    assert step.inner_text().startswith("↑ chart If yes: call the MSCC coordinator")
    assert step.is_visible() and step.evaluate("e => e.getBoundingClientRect().top >= 0 && e.getBoundingClientRect().top < 900")
    step.locator("a.protocol-flow-ref").click()
    page.wait_for_url(re.compile(r"#BST-SPN-01-node-C$"))
    target = page.locator("a.protocol-flow-node:target")
    rect = target.evaluate("e => e.getBoundingClientRect().toJSON()")
    assert 0 <= rect["top"] < 900 and 0 <= rect["left"] < 1280  # scrolled into view, in its frame


def test_a_box_naming_a_protocol_leads_to_that_protocol(tab, handbook_server):
    page = tab
    page.set_viewport_size({"width": 1280, "height": 900})
    open_chart(page, f"{handbook_server}/protocols/BST-SPN-01.html")
    link = page.locator("a.protocol-flow-protocol", has_text="BST-SPN-02").first
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(re.compile(r"/protocols/BST-SPN-02\.html$"))
    assert "Chordoma" in page.locator("h1").first.inner_text()


def test_dark_mode_keeps_node_text_readable(browser, handbook_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page.add_init_script(
        "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark')"
    )  # the reader chose dark mode
    open_chart(page, f"{handbook_server}/protocols/BST-SPN-01.html")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.wait_for_timeout(500)  # a theme switch during load redraws the chart once
    page.wait_for_function(DRAWN_JS, timeout=30000)
    ratios = page.evaluate(CONTRAST_JS)
    page.close()
    assert ratios and min(ratios) >= 4.5, ratios


#: Contrast of each node's label colour against its box's fill (WCAG formula).
CONTRAST_JS = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
      .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  return [...document.querySelectorAll('.protocol-flow :is(.mermaid, .mermaid-static) > svg g.node')].map(g => {
    const text = lum(rgb(getComputedStyle(g.querySelector('.nodeLabel')).color));
    const shape = [...g.querySelectorAll('.label-container, .label-container *')]
      .find(e => e.tagName !== 'g' && /^rgb/.test(getComputedStyle(e).fill));  // a stadium: a group of paths
    const fill = lum(rgb(getComputedStyle(shape).fill));
    return (Math.max(text, fill) + 0.05) / (Math.min(text, fill) + 0.05);
  });
}"""


def test_charts_work_under_the_content_security_policy(browser, built_handbook):
    from test_quality import csp_header

    url, shutdown = serve(built_handbook, headers={"Content-Security-Policy": csp_header(built_handbook)})
    try:
        page = browser.new_page(viewport=VIEWPORTS["390"])
        violations: list[str] = []
        page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        open_chart(page, f"{url}/protocols/BST-SPN-01.html")
        page.locator(".protocol-flow-open").click()
        page.locator("dialog.protocol-flow-dialog[open] svg").wait_for()
        page.keyboard.press("Escape")
        page.locator("a.protocol-flow-node#BST-SPN-01-node-B").click()
        page.wait_for_url(re.compile(r"#BST-SPN-01-step-B$"))
        page.close()
    finally:
        shutdown()
    assert violations == []
