"""Tours of the built handbook in Chromium: each page visited once per screen, measured for every test that reads it.

Several browser tests walk every page, or every protocol page, at the same screen
size and only read the page (where the heading sits, how wide the page is, how
large the chart labels are, what the page requested). A tour visits each page once,
in one tab at that size, and takes each test's measurements in the order and at
the moment that test took them; the tests assert on the measurements. A
measurement that fails is kept and raised again in the tests that read it, and
only in those.

conftest.py's session fixture ``tours`` makes each tour when a test first reads it;
the tests that read one share an ``xdist_group`` (``tour-1280``, ``tour-390``), so
one worker makes it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from protokit.legibility import BEFORE_PRINT_JS, DRAWN_JS, LABEL_SIZES_JS, PRINT_WIDTH_PX, VIEWPORTS, protocol_pages

#: Every chart the browser draws is drawn (charts drawn at build time need nothing).
ALL_DRAWN = """() => [...document.querySelectorAll('.mermaid')].every(
    el => el.getAttribute('data-processed') === 'true' && el.querySelector('svg'))"""
#: The flowchart's "full screen" button is shown: the chart's script has run.
CHART_READY = "() => document.querySelector('.protocol-flow-open:not([hidden])')"
SCROLL_WIDTH = "document.documentElement.scrollWidth"


def content_pages(built: Path) -> list[str]:
    """Every content page (the /id/ permalinks are one-line redirects, tested elsewhere)."""
    return sorted(
        p.relative_to(built).as_posix() for p in built.rglob("*.html") if p.relative_to(built).parts[0] not in ("id", "_static")
    )


def open_chart(page, url: str):
    """Open a protocol page and wait until its flowchart is drawn and its controls are shown."""
    page.goto(url)
    page.wait_for_function(DRAWN_JS, timeout=30000)
    page.wait_for_function(CHART_READY, timeout=10000)


class Watch:
    """Requests, failed responses and console errors of one page."""

    def __init__(self, page, base: str):
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else self.outside.append(r.url))
        page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


class Visit:
    """What one visit to one page measured: ``visit[name]`` is the value, or raises what measuring it raised."""

    def __init__(self) -> None:
        self._taken: dict[str, object] = {}

    def take(self, name: str, measure) -> None:
        try:
            self._taken[name] = measure()
        except Exception as exc:  # noqa: BLE001 - raised again in the tests that read this measurement
            self._taken[name] = exc

    def __getitem__(self, name: str):
        value = self._taken[name]
        if isinstance(value, Exception):
            raise value
        return value


class Tours:
    """The session's tours (``tours.desktop``, ``tours.phone``), each made when a test first reads it."""

    def __init__(self, browser, built: Path, base: str) -> None:
        self._args = (browser, built, base)

    @functools.cached_property
    def desktop(self) -> dict[str, Visit]:
        return desktop_tour(*self._args)

    @functools.cached_property
    def phone(self) -> dict[str, Visit]:
        return phone_tour(*self._args)

    def at(self, width: str) -> dict[str, Visit]:
        """The tour at a width of :data:`protokit.legibility.VIEWPORTS`."""
        return getattr(self, {"1280": "desktop", "390": "phone"}[width])  # only the tour asked for


def desktop_tour(browser, built: Path, base: str) -> dict[str, Visit]:
    """Every content page at 1280 x 900, in one tab, for three tests.

    - test_quality::test_every_page_renders_offline_without_errors: ``mermaid_error``
      (None when the page has no chart for the browser to draw) and ``watch``
      (requests off the host, failed responses, console errors while on the page);
    - test_reader::test_first_screen_of_every_protocol_shows_key_recommendations, as
      the page loads: ``key_box`` (the Key recommendations heading), ``status_y``, ``record_y``;
    - test_flowcharts_browser::test_every_node_label_is_legible_on_screen[1280], once the
      chart is drawn: ``chart`` (the wait), ``sizes`` (label sizes), ``scroll_width``.
    """
    page = browser.new_page(viewport=VIEWPORTS["1280"])
    watch = Watch(page, base)
    protocols = set(protocol_pages(built))
    visits = {}
    for rel in content_pages(built):
        visits[rel] = visit = Visit()
        page.goto(f"{base}/{rel}")
        visit.take("mermaid_error", lambda: _mermaid_error(page))
        if rel in protocols:
            visit.take("key_box", lambda: page.locator("#key-recommendations h2").bounding_box())
            visit.take("status_y", lambda: page.locator(".protocol-status-line").first.bounding_box()["y"])
            visit.take("record_y", lambda: page.locator("#governance-record").bounding_box()["y"])
            _chart_measurements(page, visit)
        visit.take("watch", lambda: (watch.outside, watch.failed, watch.errors))
        watch.outside, watch.failed, watch.errors = [], [], []
    page.close()
    return visits


def phone_tour(browser, built: Path, base: str) -> dict[str, Visit]:
    """Every protocol page at 390 x 844, then printed, in one tab, for three tests.

    - test_quality::test_protocol_pages_fit_a_phone, once the browser's charts are
      drawn: ``drawn_scroll_width``;
    - test_flowcharts_browser::test_every_node_label_is_legible_on_screen[390], once the
      chart is drawn and its controls shown: ``chart``, ``sizes``, ``scroll_width``;
    - test_flowcharts_browser::test_print_shows_every_chart_at_8_pt_or_more: the page,
      as open, printed on A4 (the printable width, print media, the ``beforeprint``
      event): ``print_frame_hidden``, ``print_sizes``, ``print_part_widths``.
    """
    page = browser.new_page(viewport=VIEWPORTS["390"])
    visits = {}
    for rel in protocol_pages(built):
        visits[rel] = visit = Visit()
        page.goto(f"{base}/{rel}")
        visit.take("drawn_scroll_width", lambda: _drawn_scroll_width(page))
        _chart_measurements(page, visit)
        _print_measurements(page, visit)
        page.goto("about:blank")  # back to a phone's screen with no page to lay out again
        page.emulate_media(media="screen")
        page.set_viewport_size(VIEWPORTS["390"])
    page.close()
    return visits


def _mermaid_error(page) -> bool | None:
    if not page.locator(".mermaid").count():
        return None
    page.wait_for_function(ALL_DRAWN, timeout=30000)
    return bool(page.locator('svg[aria-roledescription="error"]').count())


def _drawn_scroll_width(page) -> int:
    page.wait_for_function(ALL_DRAWN, timeout=30000)
    return page.evaluate(SCROLL_WIDTH)


def _chart_measurements(page, visit: Visit) -> None:
    """open_chart's waits on the page already open, then the legibility test's measurements."""

    def chart_ready() -> None:
        page.wait_for_function(DRAWN_JS, timeout=30000)
        page.wait_for_function(CHART_READY, timeout=10000)

    visit.take("chart", chart_ready)
    visit.take("sizes", lambda: page.evaluate(LABEL_SIZES_JS))
    visit.take("scroll_width", lambda: page.evaluate(SCROLL_WIDTH))


def _print_measurements(page, visit: Visit) -> None:
    """The open page printed: at the printable width of A4, in print media, after ``beforeprint``."""
    page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1000})
    page.emulate_media(media="print")
    page.evaluate(BEFORE_PRINT_JS)
    visit.take("print_frame_hidden", lambda: page.locator(".protocol-flow-frame").first.is_hidden())
    visit.take("print_sizes", lambda: page.evaluate(LABEL_SIZES_JS))
    visit.take("print_part_widths", lambda: page.evaluate(PART_WIDTHS_JS))


#: The width of each printed part of the page's charts.
PART_WIDTHS_JS = "() => [...document.querySelectorAll('.protocol-flow-part svg')].map(s => s.getBoundingClientRect().width)"
