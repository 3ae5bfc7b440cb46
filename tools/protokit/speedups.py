"""Sphinx extension: generic speed-ups of Sphinx itself, with output unchanged.

Loaded separately from protokit.sphinxext (like :mod:`protokit.mermaid_speedup`)
so that the benchmark's baseline build gets them too, and the extension's own
cost stays visible.
"""

from __future__ import annotations

import atexit
import gc
from functools import lru_cache

#: The collector's thresholds while a build runs (Python's defaults: 700, 10, 10).
BUILD_GC_THRESHOLD = (50_000, 20, 100)
_outside_builds: list[tuple[int, int, int]] = []


def memoise_stemmer(app, doctree, docname) -> None:
    """``doctree-resolved``: from the first page on, the search indexer stems each distinct word once.

    Sphinx's indexer memoises the stemmer within one page only, and the snowball
    stemmer is pure Python (about 16 µs a word). A handbook uses the same few
    thousand words on every page: at 300 protocols stemming was 0.75 s of a
    15 s build, all of it in the main process, where a parallel build feeds the
    index one page after another. A stem depends on the word alone, so one memo
    gives the same index, byte for byte. The indexer (and its language) is made
    anew for each build, just before the first page is resolved and indexed, so
    the memo lives as long as one build.
    """
    lang = getattr(getattr(app.builder, "indexer", None), "lang", None)
    if lang is None or hasattr(lang.stem, "cache_info"):
        return
    lang.stem = lru_cache(maxsize=1 << 16)(lang.stem)


def collect_less_often(app, env, docnames) -> None:
    """``env-before-read-docs``: run the garbage collector less often while this build runs.

    Reading and writing a page allocate hundreds of thousands of short-lived
    objects. With Python's defaults (700, 10, 10) a young collection starts every
    700 allocations, and a full one, which rescans every object alive (the
    environment grows with each page), whenever the long-lived objects grew by a
    quarter: at 1,000 protocols the collector took 10.7 s of a 55.7 s serial
    build (``gc.callbacks``), the baseline's 12 s of 53.8 s. A page's doctree is a
    reference cycle (parent and children) that only the collector frees, so it
    still runs, every 50,000 allocations; peak memory grew by 5 MB (of 615).
    Forked parallel workers inherit the setting. Restored when the build ends,
    so a long-lived process (``make serve``, tests) keeps its own.
    """
    if not _outside_builds:
        _outside_builds.append(gc.get_threshold())
    gc.set_threshold(*BUILD_GC_THRESHOLD)


def restore_collector(app, exception) -> None:
    """``build-finished``: the collector's thresholds as they were before the build.

    Nothing is frozen here: a long-lived process (``make serve``, tests) must be
    able to free what a rebuild drops, and only a full collection does that.
    A process that is ending skips it (:func:`skip_final_collection`).
    """
    if _outside_builds:
        gc.set_threshold(*_outside_builds.pop())


def skip_final_collection() -> None:
    """At interpreter exit: leave the objects alive to the operating system.

    When a build's process ends, Python's finalisation runs one last full
    collection over every object still alive: after a build of 1,000 protocols
    that is about three million (the environment, the search index, the
    templates), 4.2 s of a 35 s ``sphinx-build -j 2`` spent after "build
    succeeded", freeing memory the operating system takes back anyway. Frozen
    objects are left out of that collection. Registered with :mod:`atexit`, so it
    runs only when the process is ending: a long-lived process (``make serve``,
    tests) keeps collecting as usual, and files are written and closed by then.
    """
    gc.freeze()


def setup(app):
    atexit.unregister(skip_final_collection)  # once, however many builds this process runs
    atexit.register(skip_final_collection)
    app.connect("doctree-resolved", memoise_stemmer)
    app.connect("env-before-read-docs", collect_less_often)
    app.connect("build-finished", restore_collector)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
