"""Sphinx extension: generic speed-ups of Sphinx itself, with output unchanged.

Loaded separately from protokit.sphinxext (like :mod:`protokit.mermaid_speedup`)
so that the benchmark's baseline build gets them too, and the extension's own
cost stays visible.
"""

from __future__ import annotations

from functools import lru_cache


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


def setup(app):
    app.connect("doctree-resolved", memoise_stemmer)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
