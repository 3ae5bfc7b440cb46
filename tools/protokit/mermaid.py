"""Validate mermaid sources with the real mermaid parser (Node + jsdom), batched.

All diagrams of a run go to one Node process, which also returns each
flowchart's graph as mermaid's parser built it (nodes, edges, and where each was
written). Results are cached by content hash in ``.cache/protokit/mermaid-verdicts.json``,
so an unchanged diagram is never parsed twice. Each verdict is stored as its own
JSON text and decoded only when something asks for it: a re-check after one
edit reads the file but decodes only the verdicts of the pages it checks again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class Verdicts(Mapping[str, Verdict]):
    """Each source's verdict, decoded from the cache the first time it is asked for."""

    def __init__(self, cached: dict[str, Any]):
        self._cached = cached  # source -> [error, line, graph], or that list as JSON text
        self._decoded: dict[str, Verdict] = {}

    def __getitem__(self, source: str) -> Verdict:
        verdict = self._decoded.get(source)
        if verdict is None:
            value = self._cached[source]
            verdict = self._decoded[source] = Verdict(*(json.loads(value) if isinstance(value, str) else value))
        return verdict

    def __iter__(self) -> Iterator[str]:
        return iter(self._cached)

    def __len__(self) -> int:
        return len(self._cached)


class MermaidUnavailableError(Exception):
    """Node or the npm packages are missing; the message says how to fix it."""


def _key(source: str) -> str:
    return hashlib.sha256(f"{CACHE_VERSION}\0{source}".encode()).hexdigest()


def _cache_path() -> Path:
    # One cache per checkout of the tools: verdicts depend only on the source text
    # and the validator version, never on which handbook tree the diagram came from.
    # PROTOKIT_MERMAID_CACHE moves it (the benchmark measures cold runs that way).
    override = os.environ.get("PROTOKIT_MERMAID_CACHE")
    return Path(override) if override else REPO_ROOT / ".cache" / "protokit" / "mermaid-verdicts.json"


#: The file of earlier versions (each verdict a list, not JSON text): read when the new one is
#: missing, never written, so a checkout of an earlier commit still reads its own.
_LEGACY_CACHE = REPO_ROOT / ".cache" / "protokit" / "mermaid.json"


def _read_cache(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else {}


def _load_cache(path: Path) -> tuple[dict, bool]:
    """The cached verdicts, and whether they come from the file of earlier versions."""
    data = _read_cache(path)
    if data is None and "PROTOKIT_MERMAID_CACHE" not in os.environ:
        legacy = _read_cache(_LEGACY_CACHE)
        if legacy:
            return legacy, True
    return data or {}, False


def _write_cache(path: Path, cache: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # parallel test workers write at once
        tmp.write_text(json.dumps(cache, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only checkout still gets correct results


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


def _as_text(verdict: Any) -> str:
    return verdict if isinstance(verdict, str) else json.dumps(verdict, sort_keys=True, separators=(",", ":"))


def validate(sources: list[str], use_cache: bool = True) -> Mapping[str, Verdict]:
    """Return a verdict for each distinct source (keyed by the source text)."""
    cache_file = _cache_path()
    cache, legacy = _load_cache(cache_file) if use_cache else ({}, False)
    keys = {s: _key(s) for s in sources}
    todo = sorted({s for s, k in keys.items() if k not in cache})
    if todo:
        for source, result in zip(todo, run_node(todo), strict=True):
            cache[keys[source]] = _as_text([result.get("error"), result.get("line"), result.get("graph")])
    if use_cache and (todo or legacy):
        _write_cache(cache_file, {k: _as_text(v) for k, v in cache.items()} if legacy else cache)
    return Verdicts({s: cache[k] for s, k in keys.items()})
