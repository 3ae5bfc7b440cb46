"""The strict build and preview commands, in one place (``make html``, serve, versions, bundle, bench, tests).

Strict: nitpicky, warnings are errors, every warning shown (``-n -W --keep-going``).
Doctrees (Sphinx's pickled copy of every page's source) always go beside the
output folder, never inside it, so they are never published.
"""

from __future__ import annotations

import sys
from pathlib import Path

STRICT = ("-n", "-W", "--keep-going")


def doctree_dir(out: Path) -> Path:
    """Where the doctrees of a build into ``out`` live: a sibling folder, not a child."""
    return out.parent / f"{out.name}.doctrees"


def strict_build(src: Path, out: Path, *extra: str, builder: str = "html") -> list[str]:
    """The argument list of a strict ``sphinx-build`` of ``src`` into ``out``."""
    return [sys.executable, "-m", "sphinx", "-b", builder, *STRICT, "-d", str(doctree_dir(out)), *extra, str(src), str(out)]


def serve_command(src: Path, out: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The live preview (``make serve``) of ``src`` into ``out``: a warm Sphinx, see :mod:`protokit.serve`."""
    return [sys.executable, "-m", "protokit.serve", "--root", str(src), "--out", str(out), "--host", host, "--port", str(port)]


def progress(tool: str, message: str) -> None:
    """One progress line of a long-running tool: ``[tool] message``, flushed at once."""
    print(f"[{tool}] {message}", flush=True)
