"""Shared fixtures: the repository, Sphinx test roots, a real build, a local web server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from protokit.browser import serve  # re-exported: tests serve built sites with it
from protokit.build import strict_build

pytest_plugins = ("sphinx.testing.fixtures",)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``@pytest.mark.sphinx(testroot=...)`` finds ``test-<name>`` folders."""
    return REPO / "tests" / "roots"


def sphinx_build(srcdir: Path, outdir: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a real strict ``sphinx-build`` as a separate process (as ``make html`` does)."""
    cmd = strict_build(srcdir, outdir, *extra)
    return subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="session")
def built_handbook(tmp_path_factory) -> Path:
    """The repository's own handbook, built strict into a temporary folder."""
    out = tmp_path_factory.mktemp("handbook") / "html"
    proc = sphinx_build(REPO, out)
    assert proc.returncode == 0, proc.stderr
    return out


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
def handbook_server(built_handbook):
    url, shutdown = serve(built_handbook)
    yield url
    shutdown()


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


def pytest_collection_modifyitems(config, items) -> None:
    """Mark browser and whole-handbook tests, so ``make test-fast`` can leave them out."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "browser" in used:
            item.add_marker(pytest.mark.browser)
        if used & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
