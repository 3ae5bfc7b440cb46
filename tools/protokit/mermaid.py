"""Validate mermaid sources with the real mermaid parser (Node + jsdom), batched.

All diagrams of a run go to one Node process, which also returns each
flowchart's graph as mermaid's parser built it (nodes, edges, and where each was
written). Results are cached by content hash in ``.cache/protokit/mermaid.json``,
so an unchanged diagram is never parsed twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .settings import REPO_ROOT

SCRIPT = Path(__file__).with_name("mermaid_check.mjs")
#: Bump when the validator changes, so old cached verdicts are dropped.
VALIDATOR_VERSION = "2"  # 2: flowchart graphs (nodes, edges, positions)


def _mermaid_version() -> str:
    """The installed mermaid's version (package.json), so an upgrade drops stale verdicts."""
    try:
        return json.loads((REPO_ROOT / "node_modules" / "mermaid" / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


CACHE_VERSION = f"mermaid-{_mermaid_version()}-{VALIDATOR_VERSION}"


@dataclass(frozen=True)
class Verdict:
    """The parser's verdict on one diagram source."""

    error: str | None
    line: int | None
    graph: dict | None = None  # a flowchart's nodes and edges (see mermaid_check.mjs)


class MermaidUnavailableError(Exception):
    """Node or the npm packages are missing; the message says how to fix it."""


def _key(source: str) -> str:
    return hashlib.sha256(f"{CACHE_VERSION}\0{source}".encode()).hexdigest()


def _cache_path() -> Path:
    # One cache per checkout of the tools: verdicts depend only on the source text
    # and the validator version, never on which handbook tree the diagram came from.
    # PROTOKIT_MERMAID_CACHE moves it (the benchmark measures cold runs that way).
    override = os.environ.get("PROTOKIT_MERMAID_CACHE")
    return Path(override) if override else REPO_ROOT / ".cache" / "protokit" / "mermaid.json"


def _load_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def run_node(sources: list[str]) -> list[dict]:
    """Parse every source in one Node process; a verdict and (for a flowchart) a graph each."""
    node = shutil.which("node")
    if not node:
        raise MermaidUnavailableError('Node.js is not installed; run "make venv" (see README)')
    if not (REPO_ROOT / "node_modules" / "mermaid").is_dir():
        raise MermaidUnavailableError('npm packages are missing; run "make venv" to install them')
    # The script resolves mermaid and jsdom from this repository's node_modules.
    proc = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise MermaidUnavailableError(f"the mermaid validator failed: {tail}")
    return json.loads(proc.stdout)


def validate(sources: list[str], use_cache: bool = True) -> dict[str, Verdict]:
    """Return a verdict for each distinct source (keyed by the source text)."""
    cache_file = _cache_path()
    cache = _load_cache(cache_file) if use_cache else {}
    todo = sorted({s for s in sources if _key(s) not in cache})
    if todo:
        for source, result in zip(todo, run_node(todo), strict=True):
            cache[_key(source)] = [result.get("error"), result.get("line"), result.get("graph")]
        if use_cache:
            try:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")  # parallel test workers write at once
                tmp.write_text(json.dumps(cache, sort_keys=True), encoding="utf-8")
                tmp.replace(cache_file)
            except OSError:
                pass  # a read-only checkout still gets correct results
    return {s: Verdict(*cache[_key(s)]) for s in sources}
