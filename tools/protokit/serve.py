"""``make serve``: a live preview that keeps one Sphinx warm between saves.

    python -m protokit.serve [--root .] [--out _build/serve] [--host 127.0.0.1] [--port 8000]

sphinx-autobuild starts a new Python and a new Sphinx for every save: a second
or more of imports and of reloading the build environment before any work, on
top of the rebuild itself. Here one Sphinx application stays in memory: a save
re-reads the page that changed, runs the rules, writes the pages whose content
changed, and the browser reloads (sphinx-autobuild's websocket script). The
build is the strict build's configuration without ``-W``: findings show as
warnings while the page still updates; ``make html`` stays strict. The browser
draws the charts (``make html`` draws them beforehand, see
:mod:`protokit.sphinxext.charts`), so a save never waits for Chromium. A change to
the tools, ``conf.py`` or the schema restarts the process, so new code and
settings always apply.
"""

from __future__ import annotations

import argparse
import asyncio
import mimetypes
import os
import sys
import time
from pathlib import Path

from .build import doctree_dir
from .settings import REPO_ROOT, SCHEMA_FILE

#: Folders whose changes never affect the site (and that change a lot).
IGNORED = {".git", ".venv", "node_modules", "_build", ".cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".mypy_cache"}
IGNORED |= {"__pycache__", ".import_linter_cache", ".idea", ".vscode"}
#: Editors' temporary files.
TEMPORARY = (".swp", ".swx", "~", ".tmp")


def ignored(root: Path, path: str) -> bool:
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return True
    return bool(set(parts) & IGNORED) or path.endswith(TEMPORARY) or Path(path).name.startswith(".#")


def needs_restart(root: Path, path: Path) -> bool:
    """Code or settings changed: the warm process would run stale code."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
    return rel == "conf.py" or rel == SCHEMA_FILE or rel.startswith("tools/")


def sphinx_app(root: Path, out: Path):
    from sphinx.application import Sphinx

    # The browser draws the charts: a save never waits for Chromium to draw one (make html does).
    overrides = {"protokit_static_charts": False}
    return Sphinx(str(root), str(root), str(out), str(doctree_dir(out)), "html", confoverrides=overrides, keep_going=True)


class Preview:
    """The warm Sphinx, the watcher and the reload signal for the browsers."""

    def __init__(self, root: Path, out: Path, url: str):
        self.root, self.out, self.url = root, out, url
        self.app = sphinx_app(root, out)
        # Scripts and styles added while a page is written (sphinxcontrib-mermaid does) stay
        # registered, and the last page's stay in the builder's lists: each build starts
        # again from the ones set up, or every page would carry other pages' scripts.
        self.assets = (list(self.app.registry.js_files), list(self.app.registry.css_files))
        self.changed = asyncio.Event()
        # Clear while Sphinx writes: a page is never served half written (or with the
        # length of its old version), requests wait for the build instead.
        self.idle = asyncio.Event()
        self.idle.set()

    def build(self, reason: str = "") -> None:
        start = time.perf_counter()
        if reason:
            print(f"[serve] {reason}: rebuilding", flush=True)
        self.app.registry.js_files[:], self.app.registry.css_files[:] = self.assets
        self.app.builder.init_css_files()
        self.app.builder.init_js_files()
        try:
            self.app.build()
        except Exception as exc:  # noqa: BLE001 - keep serving the last good pages
            print(f"[serve] the build stopped: {exc}; fix it and save again", flush=True)
            return
        print(f"[serve] done in {time.perf_counter() - start:.2f} s; serving {self.url}", flush=True)

    async def watch(self) -> None:
        import watchfiles

        async for changes in watchfiles.awatch(self.root, watch_filter=lambda _, p: not ignored(self.root, p)):
            paths = sorted({Path(p) for _, p in changes})
            if any(needs_restart(self.root, p) for p in paths):
                print("[serve] code or settings changed: restarting", flush=True)
                os.execv(sys.executable, [sys.executable, "-m", "protokit.serve", *sys.argv[1:]])
            names = ", ".join(p.relative_to(self.root).as_posix() for p in paths[:3])
            self.idle.clear()
            try:
                await asyncio.to_thread(self.build, f"changed {names}")
            finally:
                self.idle.set()
            self.changed.set()

    async def reload_socket(self, websocket) -> None:
        """Tell a browser to reload after each rebuild (the script sphinx-autobuild injects listens here)."""
        await websocket.accept()
        try:
            while True:
                await self.changed.wait()
                self.changed.clear()
                await websocket.send_text("refresh")
        except Exception:  # noqa: BLE001 - the browser went away
            return


def built_pages(preview: Preview):
    """The output folder over HTTP, one whole file per response, never during a build.

    Starlette's file response takes the length from the file's size, then streams the
    file: a page Sphinx rewrites in between is sent longer or shorter than announced
    (the connection breaks with "Too much data for declared Content-Length").
    """
    from starlette.responses import Response
    from starlette.staticfiles import StaticFiles

    class BuiltPages(StaticFiles):
        async def get_response(self, path, scope):
            await preview.idle.wait()
            return await super().get_response(path, scope)

        def file_response(self, full_path, stat_result, scope, status_code=200):
            media_type = mimetypes.guess_type(str(full_path))[0] or "application/octet-stream"
            body = Path(full_path).read_bytes()
            return Response(body, status_code, headers={"Cache-Control": "no-store"}, media_type=media_type)

    return BuiltPages(directory=preview.out, html=True)


def web_app(preview: Preview, host_port: str):
    from contextlib import asynccontextmanager

    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, WebSocketRoute

    @asynccontextmanager
    async def lifespan(_app):
        task = asyncio.create_task(preview.watch())
        yield
        task.cancel()

    return Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", preview.reload_socket),
            Mount("/", app=built_pages(preview)),
        ],
        middleware=[Middleware(JavascriptInjectorMiddleware, ws_url=host_port)],
        lifespan=lifespan,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make serve", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "_build" / "serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    import uvicorn

    root, out = args.root.resolve(), args.out.resolve()
    url = f"http://{args.host}:{args.port}"
    preview = Preview(root, out, url)
    preview.build("first build")
    uvicorn.run(web_app(preview, f"{args.host}:{args.port}"), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
