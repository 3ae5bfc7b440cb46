"""Headless Chromium settings and a tiny local web server, for the bundle and the tests.

Debian's Chromium (never a downloaded browser), with the flags that keep it from
reaching out to the network; the server serves a folder on 127.0.0.1 only, with
``.mjs`` as JavaScript and optional extra headers (the tests send the CSP).
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: For a browser that only loads pages and measures them: the compositor runs on the
#: page's own thread instead of a thread of its own, and Chromium stops producing
#: frames nobody looks at. Layout, text sizes and positions are the same (every
#: protocol page compared at 1280 and 390 px), for about 40 % less CPU per page. Not
#: for a browser a test reads, scrolls or zooms in as a reader does (a smooth scroll
#: then never ends), nor for the reader bench, which times what a reader's browser does.
MEASURING_FLAGS = [*FLAGS, "--disable-threaded-compositing"]


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript"}
    extra_headers: dict[str, str] = {}

    def end_headers(self):
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):  # quiet: callers report what matters
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser that closes while a file is on its way is not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(directory: Path, headers: dict[str, str] | None = None):
    """Serve ``directory`` on 127.0.0.1 on a free port; returns (base_url, shutdown)."""
    handler = type("Handler", (_Handler,), {"extra_headers": headers or {}})
    server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def shutdown():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", shutdown
