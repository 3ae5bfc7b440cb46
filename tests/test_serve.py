"""make serve: one warm Sphinx shows each save, over HTTP, as an author meets it."""

from __future__ import annotations

import http.client
import shutil
import threading

import pytest
from conftest import REPO
from protokit.bench import loop
from protokit.build import serve_command

#: Builds a site and runs a server: not in make test-fast.
pytestmark = pytest.mark.slow


def test_a_save_shows_in_the_preview_and_the_server_keeps_serving(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests" / "roots" / "test-protocols", src)
    port = loop.free_port()
    log = tmp_path / "serve.log"
    page = src / "protocols" / "BST-SURG-02.md"
    url = f"http://127.0.0.1:{port}/protocols/BST-SURG-02.html"
    # A reader keeps reloading pages while the author saves: every answer is a whole page.
    stop, answers = threading.Event(), []
    reader = threading.Thread(target=keep_reading, args=(port, stop, answers), daemon=True)
    reader.start()
    # Two saves, each waited for until the served page shows it (a failure says why, with the log).
    try:
        times = loop.save_to_preview(
            serve_command(src, tmp_path / "out", port),
            url,
            page,
            2,
            log,
            {"PYTHONPATH": str(REPO / "tools")},
            settle_s=0.5,
            pause_s=0.3,
        )
    finally:
        stop.set()
        reader.join()
    assert len(times) == 2
    # From the first whole answer to the last (the server starts and stops around them), nothing else.
    first, last = answers.index("whole"), len(answers) - answers[::-1].index("whole")
    served = answers[first:last]
    assert len(served) > 10 and set(served) == {"whole"}, [a for a in served if a != "whole"]
    text = log.read_text()
    assert text.count("[serve] changed protocols/BST-SURG-02.md: rebuilding") == 2
    assert "Traceback" not in text
    # The browser draws the preview's charts: a save never waits for Chromium.
    built = (tmp_path / "out" / "protocols" / "BST-SURG-02.html").read_text(encoding="utf-8")
    assert '<pre  class="mermaid">' in built and "mermaid-static" not in built
    # Rebuilt pages carry their own scripts only, not those of pages written in earlier builds:
    # the catalogue (rewritten with each save) has no chart, so no chart scripts.
    assert built.count("import mermaid from") == 1 and built.count("protokit-flow.js") == 1
    catalogue = (tmp_path / "out" / "protocols" / "index.html").read_text(encoding="utf-8")
    assert "protokit-flow.js" not in catalogue and "import mermaid" not in catalogue


def keep_reading(port: int, stop: threading.Event, answers: list[str]) -> None:
    """Fetch the catalogue and a protocol page over and over; note whether each came whole."""
    paths = ["/protocols/index.html", "/protocols/BST-SURG-02.html", "/searchindex.js"]
    while not stop.is_set():
        for path in paths:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                length = response.getheader("Content-Length")
                complete = response.status == 200 and (length is None or int(length) == len(body))
                answers.append("whole" if complete and body.strip() else f"broken {path} {response.status}")
            except (ConnectionRefusedError, ConnectionResetError):
                answers.append("down")  # the server is not up yet, or stopped
            except (http.client.HTTPException, OSError) as exc:
                answers.append(f"broken {path} {exc!r}")
            finally:
                conn.close()
