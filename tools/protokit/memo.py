"""Page findings kept on disk between checks, keyed by the content hashes they depend on.

A page rule's findings depend on the page, the diagrams it includes, and what
the run lets it see of everything else (the other pages' ids, titles, metadata,
labels, anchors and terms, the diagram files, the schema, the drug vocabulary,
the key numbers, the date, the code). The engine (:mod:`protokit.check`) hashes
that last part into one *run key*; a page's findings of the previous check stand
when the run key, the page's bytes and its diagrams' texts are all unchanged.
Anything else changed, and the rule runs again. A re-check after one edit runs
the page rules on that page only.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

#: One finding as a rule yields it: (path, line, col, message).
Raw = tuple[str, int, int, str]

#: Bump when the file's layout changes.
_FORMAT = "1"


@contextmanager
def collector_off() -> Iterator[None]:
    """Loading a cache makes many small objects, none of them garbage: scanning them is wasted time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def save_pickle(file: Path, value: object) -> None:
    """Write a cache file whole or not at all (parallel test workers write at once)."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(file)
    except OSError:
        pass  # a read-only checkout still gets correct results


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the checker's own code, Python's version and the pinned packages (any change: rules run again)."""
    here = Path(__file__).parent
    files = sorted([*here.glob("*.py"), *here.glob("rules/*.py")])
    digest = hashlib.sha256(f"{_FORMAT}\0{sys.version}\0".encode())
    for path in [*files, here.parents[1] / "requirements.txt"]:
        digest.update(path.relative_to(here.parents[1]).as_posix().encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
    return digest.hexdigest()


class FindingStore:
    """The page rules' findings of the last check (``.cache/protokit/findings.pickle``).

    ``pages`` maps a page's path to the hash of its bytes, the hash of its
    diagrams' texts, the rule codes that ran on it, and their findings (only
    the codes that found something). All of it is valid for one run key.
    """

    def __init__(self, root: Path, run_key: str):
        self.file = root / ".cache" / "protokit" / "findings.pickle"
        self.run_key = run_key
        self.pages: dict[str, tuple[str, str, frozenset[str], dict[str, tuple[Raw, ...]]]] = {}
        #: Pages whose rules ran in this check: (digest, diagrams, codes that ran, findings by code).
        self.fresh: dict[str, tuple[str, str, set[str], dict[str, tuple[Raw, ...]]]] = {}
        self.stale = False
        try:
            with self.file.open("rb") as fh, collector_off():
                key, pages = pickle.load(fh)
            if key == run_key and isinstance(pages, dict):
                self.pages = pages
            else:
                self.stale = True
        except Exception:  # noqa: BLE001 - any unreadable store is simply rebuilt
            self.stale = True

    def stored(self, path: str, digest: str, diagrams: str) -> tuple[frozenset[str], dict[str, tuple[Raw, ...]]] | None:
        """The rule codes that ran on the page as it is now, and what they found; None when it changed."""
        entry = self.pages.get(path)
        if entry is None or entry[0] != digest or entry[1] != diagrams:
            return None
        return entry[2], entry[3]

    def record(self, path: str, digest: str, diagrams: str, code: str, found: tuple[Raw, ...]) -> None:
        """Keep what rule ``code`` found on the page as it is now."""
        entry = self.fresh.get(path)
        if entry is None or entry[0] != digest or entry[1] != diagrams:
            old = self.pages.get(path)
            if old is not None and old[0] == digest and old[1] == diagrams:
                entry = (digest, diagrams, set(old[2]), dict(old[3]))
            else:
                entry = (digest, diagrams, set(), {})
            self.fresh[path] = entry
        entry[2].add(code)
        if found:
            entry[3][code] = found

    def save(self, keep: set[str]) -> None:
        """Write the store (pages no longer in the tree dropped); never fails the check."""
        if not (self.stale or self.fresh or set(self.pages) - keep):
            return
        sets: dict[frozenset[str], frozenset[str]] = {}  # one object per set of codes: stored once
        pages = {p: e for p, e in self.pages.items() if p in keep}
        for path, (digest, diagrams, ran, found) in self.fresh.items():
            if path in keep:
                codes = frozenset(ran)
                pages[path] = (digest, diagrams, sets.setdefault(codes, codes), found)
        save_pickle(self.file, (self.run_key, pages))
