"""The author's loop: save one protocol, wait until the preview serves the change.

A preview server is started as its user starts it (``make serve`` for ours,
``mkdocs serve`` for the peer); once its first build is served, one protocol's
body gets a new sentence and the clock runs until the server's page contains
it (HTTP polled every 25 ms). So each figure includes the watcher's delay, the
rebuild and the write, as an author feels them (the browser's reload is the
same for both and not included).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

POLL_S = 0.025
#: A first build of 1,000 pages on a busy 2-core machine can take minutes.
READY_TIMEOUT_S = 1200
EDIT_TIMEOUT_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return None  # not up yet, or the page is being rewritten as we read it


def wait_for(url: str, proc: subprocess.Popen, text: str | None, timeout: float, log: Path) -> None:
    """Wait until ``url`` serves a page (containing ``text``); fail with the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = fetch(url)
        if body is not None and (text is None or text in body):
            return
        if proc.poll() is not None:
            raise SystemExit(f"the preview server stopped (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(POLL_S)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {url}:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and everything it started (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def save_to_preview(
    cmd: list[str],
    url: str,
    page: Path,
    edits: int,
    log: Path,
    env: dict | None = None,
    settle_s: float = 2.0,
    pause_s: float = 1.5,
) -> list[float]:
    """Start a preview server, then time ``edits`` saves of ``page`` until ``url`` shows each.

    ``settle_s`` after the server answers, and ``pause_s`` between saves (as an author
    types); the test of ``make serve`` shortens both.
    """
    original = page.read_text(encoding="utf-8")
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True
        )
    times = []
    try:
        wait_for(url, proc, None, READY_TIMEOUT_S, log)
        time.sleep(settle_s)  # let the watcher settle after the first build
        text = original
        for _ in range(edits):
            marker = f"Loop edit {uuid.uuid4().hex}"
            text += f"\n{marker}\n"
            start = time.perf_counter()
            page.write_text(text, encoding="utf-8")
            wait_for(url, proc, marker, EDIT_TIMEOUT_S, log)
            times.append(time.perf_counter() - start)
            time.sleep(pause_s)  # a save every few seconds, as an author types
    finally:
        stop(proc)
        page.write_text(original, encoding="utf-8")
    return times
