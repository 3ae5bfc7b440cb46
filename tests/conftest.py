"""Shared fixtures: the repository, Sphinx test roots, a real build, a local web server."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

#: The small handbooks the tests make carry their own copy of the tools, so their own
#: caches would start empty: they share this checkout's mermaid verdicts and drawn charts
#: (both keyed by content and mermaid's version), and the sub-processes inherit this. A
#: test of caching sets its own.
_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "protokit"
os.environ.setdefault("PROTOKIT_MERMAID_CACHE", str(_CACHE / "mermaid-verdicts.json"))
os.environ.setdefault("PROTOKIT_CHART_CACHE", str(_CACHE / "svg"))

import pytest  # noqa: E402 - after the environment every protokit import reads
import scheduling  # noqa: E402
from protokit.browser import serve  # noqa: E402 - re-exported: tests serve built sites with it
from protokit.build import strict_build  # noqa: E402
from tours import Tours  # noqa: E402

pytest_plugins = ("sphinx.testing.fixtures",)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot=...)`` finds ``test-<name>`` folders."""
    return REPO / "tests" / "roots"


def built_app(srcdir: Path, **kwargs):
    """A finished in-process Sphinx build of ``srcdir`` (``make_app`` and ``app.build()``, outside one test).

    For module- and session-scoped builds that several tests read: the application
    keeps its output folder, its warnings and status (``app.warning``, ``app.status``)
    and its environment; its docutils nodes are unregistered, so later builds start clean.
    """
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp

    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=StringIO(), **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return app


def sphinx_build(srcdir: Path, outdir: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a real strict ``sphinx-build`` as a separate process (as ``make html`` does)."""
    cmd = strict_build(srcdir, outdir, *extra)
    return subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)


#: The build date of the session's handbook (SOURCE_DATE_EPOCH): make test builds with the same.
EPOCH = os.environ.get("HANDBOOK_EPOCH", "1795651200")  # 2026-11-26 00:00 UTC


@pytest.fixture(scope="session")
def built_handbook(tmp_path_factory) -> Path:
    """The repository's own handbook, strict, as ``make html`` builds it (all cores), dated EPOCH.

    One build for the whole session: ``make test`` passes its own strict build of this
    tree (``HANDBOOK_HTML``, with the same date); otherwise it is built here. make test
    builds it while pytest runs the tests that do not need it, and says when the build
    has ended by writing its exit status to ``HANDBOOK_HTML_STATUS``: wait for that.
    """
    given = os.environ.get("HANDBOOK_HTML")
    if given:
        status = os.environ.get("HANDBOOK_HTML_STATUS")
        if status:
            _wait_for_build(Path(status))
        return Path(given).resolve()
    out = tmp_path_factory.mktemp("handbook") / "html"
    proc = sphinx_build(REPO, out, "-j", "auto", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert proc.returncode == 0, proc.stderr
    return out


def _wait_for_build(status: Path, timeout: float = 1800) -> None:
    """Wait until make test's strict build has ended (``status`` holds its exit status); fail if it failed."""
    deadline = time.monotonic() + timeout
    while not status.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"make test's strict build has not ended after {timeout:.0f} s ({status} missing)", pytrace=False)
        time.sleep(0.1)
    code = status.read_text().strip()
    if code != "0":
        pytest.fail(f"make test's strict build failed (exit {code}); its output follows pytest's", pytrace=False)


#: The pages of a tiny handbook: the extension's test root, with the release pages.
TINY_INDEX = """# Tiny handbook

```{toctree}
protocols/index
handbook/matrix
handbook/review
handbook/glossary
handbook/releases
handbook/in-force
```
"""


def tiny_handbook(dest: Path) -> Path:
    """A repository with this checkout's tools and configuration and three protocols.

    Releases, bundles and other whole-handbook runs are tested on it: the same code
    paths as the real handbook, in a fraction of the time.
    """
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "conf.py", ".gitignore", "tools"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    root = REPO / "tests" / "roots" / "test-protocols"
    for folder in ("protocols", "diagrams", "handbook"):
        shutil.copytree(root / folder, dest / folder, dirs_exist_ok=True)
    for page in ("releases.md", "in-force.md"):
        shutil.copy2(REPO / "handbook" / page, dest / "handbook" / page)
    # The data files a handbook must have, frozen like the schema (a clinician's edit never breaks a test).
    shutil.copy2(FIXTURES / "pass" / "protocols" / "drugs.yaml", dest / "protocols" / "drugs.yaml")
    (dest / "index.md").write_text(TINY_INDEX, encoding="utf-8")
    (dest / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    return dest


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright
    from protokit.browser import CHROMIUM, FLAGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def measuring_browser(browser):
    """The same Chromium, started with :data:`protokit.browser.MEASURING_FLAGS`, for the tours.

    The tours only load pages and measure them (tests/tours.py): with the compositor on
    the page's thread they cost Chromium about 40 % less CPU and measure the same. A test
    that scrolls, zooms or animates uses ``browser``: a smooth scroll never finishes
    without the compositor's own thread.
    """
    from protokit.browser import CHROMIUM, MEASURING_FLAGS

    b = browser.browser_type.launch(executable_path=CHROMIUM, args=MEASURING_FLAGS)
    yield b
    b.close()


#: A tab as Playwright opens one: 1280 x 720, on screen, in light mode.
TAB_VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture(scope="session")
def _worker_tab(browser):
    """The worker's one reusable tab (see :func:`tab`)."""
    page = browser.new_page(viewport=TAB_VIEWPORT)
    yield page
    page.close()


@pytest.fixture
def tab(_worker_tab):
    """A tab of the session's Chromium at 1280 x 720, on screen, in light mode, reused from test to test.

    A reader moves from page to page in one tab; so do the tests that only open pages
    and read or click them. Opening a new tab costs Chromium about 0.3 s of CPU before
    any page loads (its renderer starts cold, and Playwright sets the tab up), as much
    as loading a protocol page in an open one. The test may change the size and the
    media; the next test gets the tab as described, with the site's storage cleared
    and about:blank loaded. A test that listens to the page's events, adds scripts
    before load or needs other context options (touch, a dark scheme, no CSP) opens a
    page of its own.
    """
    page = _worker_tab
    page.set_viewport_size(TAB_VIEWPORT)
    page.emulate_media(media="screen", color_scheme="light")
    yield page
    if page.url.startswith("http"):
        page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    page.context.clear_cookies()
    page.goto("about:blank")


@pytest.fixture(scope="session")
def handbook_server(built_handbook):
    url, shutdown = serve(built_handbook)
    yield url
    shutdown()


@pytest.fixture(scope="session")
def tours(measuring_browser, built_handbook, handbook_server) -> Tours:
    """One visit to each page of the built handbook per screen size, for the tests that only read the pages.

    See tests/tours.py; the tests that read a tour share an ``xdist_group`` (``tour-1280``,
    ``tour-390``), so one worker makes it.
    """
    return Tours(measuring_browser, built_handbook, handbook_server)


#: axe-core's WCAG 2.0 and 2.1 A and AA rules over the page. The tests assert on violations only, so
#: the other results keep one node each: axe then builds no selector for every passing node, its
#: slowest step on a large page (axe-core API, "resultTypes"); the violations are reported in full.
AXE_RUN = (
    "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations']})"
)


def in_force_answer(page, date: str) -> dict[str, tuple[str, ...]]:
    """Type a date into the "in force on a date" form, as a reader does, and read the answer.

    Returns each protocol's row (state, version, since, release), keyed by the
    protocol id the row's link starts with, or ``{"": (message,)}`` when the page
    answers with a sentence instead of a table.
    """
    page.get_by_label("Date of treatment").fill(date)
    result = page.locator("#protokit-in-force-result")
    result.locator("table, p").first.wait_for(timeout=10000)
    page.wait_for_function(
        "d => document.getElementById('protokit-in-force-result').textContent.includes(d) || "
        "!document.querySelector('#protokit-in-force-result table')",
        arg=date,
        timeout=10000,
    )
    if not result.locator("table").count():
        return {"": (result.inner_text().strip(),)}
    rows = {}
    for row in result.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        rows[cells[0].split(" — ")[0]] = tuple(cells[1:])
    return rows


#: Fixtures that make a test slow: a real build of the whole handbook, or Chromium.
_SLOW_FIXTURES = {"built_handbook", "handbook_server", "browser"}


def pytest_configure(config) -> None:
    scheduling.configure(config)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: absent without xdist (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    return scheduling.make_scheduler(config, log)


def pytest_collection_modifyitems(config, items) -> None:
    """Mark browser and whole-handbook tests, so ``make test-fast`` can leave them out; group them for xdist."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "browser" in used:
            item.add_marker(pytest.mark.browser)
        if used & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
    scheduling.record(items)  # in an xdist worker of a --dist loadgroup run (tests/scheduling.py)


@pytest.fixture(scope="session")
def fixture_diagrams_validated() -> None:
    """Every fixture's and test root's diagram through mermaid's parser in one Node process, into the verdict cache.

    The checks that use it then read each verdict from the cache, as a second ``make
    check`` does (verdicts are keyed by the diagram's text and the validator's version),
    instead of starting Node once per fixture. A ``.mmd`` fixture is also validated
    without its ``%% expect:`` comment, as tests/test_extension.py plants it.
    """
    from protokit import mermaid
    from protokit.parse import parse_bytes

    folders = (FIXTURES, REPO / "tests" / "roots")
    sources = []
    for chart in (chart for folder in folders for chart in folder.rglob("*.mmd")):
        text = chart.read_text(encoding="utf-8", errors="replace")
        sources += [text, text.split("%% expect:")[0]]
    for page in (page for folder in folders for page in folder.rglob("*.md")):
        sources += [d.source for d in parse_bytes(page.name, page.read_bytes()).diagrams if d.source]
    mermaid.validate(sources)
