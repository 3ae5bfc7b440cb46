"""Speed-ups that must not change what a build produces (protokit.speedups, the domain's ReadHere)."""

from __future__ import annotations

import gc
import os
import pickle
from types import SimpleNamespace

import pytest
from protokit import speedups
from protokit.sphinxext.domain import ReadHere
from sphinx.search.en import SearchEnglish


def test_the_stemmer_memo_stems_as_sphinx_does():
    lang = SearchEnglish({})
    words = ["reviews", "imaging", "protocols", "Decisions", "reviews"]
    expected = [lang.stem(w) for w in words]
    app = SimpleNamespace(builder=SimpleNamespace(indexer=SimpleNamespace(lang=lang)))
    speedups.memoise_stemmer(app, None, "index")
    memo = lang.stem
    speedups.memoise_stemmer(app, None, "other")  # once per build, not once per page
    assert lang.stem is memo
    assert [lang.stem(w) for w in words] == expected
    assert lang.stem.cache_info().hits == 1


def test_the_collector_thresholds_come_back_after_the_build():
    before = gc.get_threshold()
    speedups.collect_less_often(None, None, [])
    assert gc.get_threshold() == speedups.BUILD_GC_THRESHOLD
    speedups.restore_collector(None, None)
    assert gc.get_threshold() == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="Sphinx's parallel build forks")
def test_a_worker_pickles_only_the_pages_it_read():
    docs = ReadHere({"a": 1})
    docs["b"] = 2
    assert pickle.loads(pickle.dumps(docs)) == {"a": 1, "b": 2}  # the process that made it: everything
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a forked worker reads pages c and d
        docs["c"] = 3
        docs.setdefault("d", 4)
        os.write(write, pickle.dumps(docs))
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as fh:
        sent = pickle.loads(fh.read())
    assert sent == {"c": 3, "d": 4} and type(sent) is dict
