"""The checking engine: discover files, parse each once, build the index, run the rules."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from . import mermaid
from .containment import repo_path
from .findings import Finding
from .formulary import Formulary, project_formulary
from .index import Index
from .memo import FindingStore, code_version, collector_off, save_pickle
from .model import Document
from .parse import parse_bytes, unreadable
from .redirects import load_redirects
from .registry import Registry, load_registry
from .releases import protocols_at
from .rules import REGISTRY, Rule, all_rules
from .rules.diagrams import diagram_path
from .schema import Schema, default_schema, load_schema
from .settings import DIAGRAM_DIR, FORMULARY_FILE, PAGE_DIRS, REGISTRY_FILE, REPO_ROOT, SCHEMA_FILE
from .suppress import find_suppressions
from .suppress import problems as suppression_problems

#: The parse modules; a change to any of them invalidates the document cache.
_PARSE_MODULES = ("parse.py", "model.py", "frontmatter.py", "settings.py", "wording.py", "patientdata.py")


def today() -> dt.date:
    """The checking date: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def discover(root: Path) -> tuple[list[str], set[str]]:
    """Return the page paths (``index.md``, ``handbook/``, ``protocols/``) and diagram files."""
    pages = ["index.md"] if (root / "index.md").is_file() else []
    for folder in PAGE_DIRS:
        pages += [p.relative_to(root).as_posix() for p in (root / folder).rglob("*.md")]
    diagrams = {p.relative_to(root).as_posix() for p in (root / DIAGRAM_DIR).rglob("*.mmd")}
    return sorted(pages), diagrams


class DocumentCache:
    """Parsed documents keyed by path and content hash (a re-check parses only edits).

    The file keeps each document pickled on its own, so saving after an edit
    pickles only the pages parsed in this run.
    """

    def __init__(self, root: Path, enabled: bool = True):
        self.file = root / ".cache" / "protokit" / "documents.pickle"
        self.enabled = enabled
        here = Path(__file__).parent
        parser = hashlib.sha256(b"".join((here / m).read_bytes() for m in _PARSE_MODULES)).hexdigest()
        self.version = f"{parser}:each-pickled"
        self.entries: dict[str, tuple[str, Document]] = {}
        self._pickled: dict[str, bytes] = {}  # as read from the file: unchanged pages are written back as they were
        self.dirty = False
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            with self.file.open("rb") as fh, collector_off():
                version, stored = pickle.load(fh)
                if version == self.version:
                    for path, (digest, blob) in stored.items():
                        self.entries[path] = (digest, pickle.loads(blob))
                        self._pickled[path] = blob
        except Exception:  # noqa: BLE001 - any unreadable cache is simply rebuilt
            self.entries, self._pickled = {}, {}

    def digest(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def get(self, path: str, data: bytes, digest: str | None = None) -> Document:
        digest = digest or self.digest(data)
        hit = self.entries.get(path)
        if hit and hit[0] == digest:
            return hit[1]
        doc = parse_bytes(path, data)
        self.entries[path] = (digest, doc)
        self._pickled.pop(path, None)
        self.dirty = True
        return doc

    def save(self, keep: Iterable[str]) -> None:
        keep = set(keep)
        if not self.enabled or not (self.dirty or set(self.entries) - keep):
            return
        stored = {}
        for path, (digest, doc) in self.entries.items():
            if path in keep:
                blob = self._pickled.get(path)
                stored[path] = (digest, blob if blob is not None else pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
        save_pickle(self.file, (self.version, stored))


def read_documents(root: Path, pages: list[str], use_cache: bool = True) -> tuple[list[Document], dict[str, str]]:
    """Parse every page once (from the cache when unchanged); also each page's content hash."""
    cache = DocumentCache(root, use_cache)
    docs, digests = [], {}
    for rel in pages:
        try:
            data = (root / rel).read_bytes()
        except OSError as exc:
            docs.append(unreadable(rel, exc))
            continue
        digests[rel] = cache.digest(data)
        docs.append(cache.get(rel, data, digests[rel]))
    cache.save(pages)
    return docs, digests


def load_documents(root: Path, pages: list[str], use_cache: bool = True) -> list[Document]:
    """Parse every page once (from the cache when unchanged)."""
    return read_documents(root, pages, use_cache)[0]


@dataclass
class Context:
    """What rules may ask: the schema, the index, the date, diagram sources and verdicts."""

    root: Path
    schema: Schema
    index: Index
    today: dt.date
    release: bool = False
    verdicts: Mapping[str, mermaid.Verdict] = field(default_factory=dict)
    since: dict[str, dict] | None = None  # protocols at the --since release
    since_ref: str = ""
    redirects: dict[str, tuple[str, int]] = field(default_factory=dict)
    redirect_problems: list[tuple[int, str]] = field(default_factory=list)
    mermaid_problem: str | None = None
    #: True once the diagrams were given to mermaid (the P4 rules are on): verdicts are known.
    validated: bool = False
    _texts: dict[str, str | None] = field(default_factory=dict)
    #: The real path of each folder of the tree, resolved once per check (containment.real_path).
    folders: dict[str, str] = field(default_factory=dict)
    #: What several rules derive from the same page (its flowchart graphs), computed once per check.
    memo: dict = field(default_factory=dict)
    _formulary: Formulary | None = None
    _registry: Registry | None = None

    @property
    def formulary(self) -> Formulary:
        """The drug vocabulary (``protocols/drugs.yaml``), read once."""
        if self._formulary is None:
            self._formulary = project_formulary(self.root)
        return self._formulary

    @property
    def registry(self) -> Registry:
        """The key numbers (``protocols/key-values.yaml``), read once."""
        if self._registry is None:
            self._registry = load_registry(self.root)
        return self._registry

    def diagram_text(self, path: str) -> str | None:
        """The text of a diagram file (None when missing or unreadable)."""
        if path not in self._texts:
            self._texts[path] = None
            # Only files of this repository: a diagram path must never read the build machine.
            if not path.startswith(("../", "/")) and (real := repo_path(self.root, path, self.folders)) is not None:
                try:
                    text = Path(real).read_text(encoding="utf-8")
                    self._texts[path] = text if len(text) <= self.schema.limits["diagram_bytes"] else None
                except (OSError, UnicodeDecodeError, ValueError):
                    pass
        return self._texts[path]

    def mermaid_verdict(self, source: str) -> mermaid.Verdict | None:
        return self.verdicts.get(source)

    def validate_diagrams(self, docs: Iterable[Document], use_cache: bool = True) -> None:
        """Parse every diagram of ``docs`` with mermaid, in one batch."""
        self.validated = True
        sources = []
        for doc in docs:
            for d in doc.diagrams:
                path = diagram_path(doc, d)
                text = self.diagram_text(path) if path else d.source
                if text is not None:
                    sources.append(text)
        if not sources:
            return
        try:
            self.verdicts = mermaid.validate(sources, use_cache)
        except (mermaid.MermaidUnavailableError, OSError, ValueError) as exc:
            self.mermaid_problem = str(exc)


def project_schema(root: Path) -> Schema:
    """The schema of a handbook tree: its own file, else this repository's.

    Read once per change of the file (the build asks for it on every page).
    """
    path = Path(root) / SCHEMA_FILE
    if not path.is_file():
        return default_schema()
    stat = path.stat()
    return _schema_at(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _schema_at(path: str, mtime_ns: int, size: int) -> Schema:
    return load_schema(Path(path))


def make_context(
    root: Path,
    docs: list[Document],
    diagram_files: set[str],
    *,
    release: bool = False,
    on: dt.date | None = None,
    schema: Schema | None = None,
) -> Context:
    """Build the index and the context the rules run in."""
    schema = schema or project_schema(root)
    ctx = Context(root, schema, Index.build(docs, diagram_files), on or today(), release)
    ctx.redirects, ctx.redirect_problems = load_redirects(root)
    return ctx


def cross_document_view(ctx: Context) -> tuple:
    """What a page's rules may see of the other pages and of the run (ids, titles, metadata,
    labels, anchors, terms, diagram files, schema, date, redirects): equal views, equal findings."""
    pages = tuple(
        (d.path, d.title, repr(d.meta), d.labels, tuple(h.slug for h in d.headings), d.terms) for d in ctx.index.docs.values()
    )
    run = (id(ctx.schema), ctx.today, ctx.release, ctx.since_ref, repr(sorted(ctx.redirects.items())), ctx.mermaid_problem)
    return pages, tuple(sorted(ctx.index.diagram_files)), run


class RuleMemo:
    """A page's findings, kept between runs of one process (``make serve`` rebuilds many times).

    A page rule's findings depend on the page, the diagrams it includes and the
    cross-document view; when none of them changed, the findings of the last run
    stand. The first run, and every one-off run (``make html``), run every rule.
    A rule that reads the file system (:attr:`Rule.reads_files`) always runs.
    """

    def __init__(self) -> None:
        self.view: tuple | None = None
        self.pages: dict[tuple[str, str], tuple[Document, tuple, list[Finding]]] = {}

    def start(self, ctx: Context) -> None:
        view = cross_document_view(ctx)
        if view != self.view:
            self.view, self.pages = view, {}

    def page_key(self, doc: Document, ctx: Context) -> tuple:
        return tuple(ctx.diagram_text(p) if p else d.source for d in doc.diagrams for p in [diagram_path(doc, d)])

    def lookup(self, rules: list[Rule], doc: Document, ctx: Context) -> tuple[list[Finding], list[Rule]]:
        """The findings of the last run that still stand, and the rules that must run again."""
        found: list[Finding] = []
        todo = []
        key = self.page_key(doc, ctx)
        for r in rules:
            hit = self.pages.get((r.code, doc.path))
            if hit is not None and hit[0] is doc and hit[1] == key and not r.reads_files:
                found += hit[2]
            else:
                todo.append(r)
        return found, todo

    def record(self, r: Rule, doc: Document, ctx: Context, raw: tuple, found: list[Finding]) -> None:
        self.pages[(r.code, doc.path)] = (doc, self.page_key(doc, ctx), found)


def data_files_digest(root: Path) -> str:
    """A hash of the data files rules read: the schema, the drug vocabulary, the key numbers (the tree's and the defaults)."""
    digest = hashlib.sha256()
    for where, base in (("tree", root), ("default", REPO_ROOT)):
        for name in (SCHEMA_FILE, FORMULARY_FILE, REGISTRY_FILE):
            try:
                data = (base / name).read_bytes()
            except OSError as exc:
                data = f"\0cannot read: {type(exc).__name__}".encode()
            digest.update(f"{where}:{name}\0".encode() + hashlib.sha256(data).digest())
    return digest.hexdigest()


def run_key(ctx: Context, data: str) -> str:
    """Everything a page rule may see besides its page and its diagrams, as one hash.

    The other pages (as :func:`cross_document_view` sees them), the diagram files,
    the data files (``data``: :func:`data_files_digest`, taken before they were read),
    the date, release mode, redirects, whether and how mermaid judged the diagrams,
    the handbook's place, and the checker's code.
    """
    pages, diagram_files, _ = cross_document_view(ctx)
    run = (
        code_version(),
        data,
        os.path.realpath(ctx.root),
        ctx.today.isoformat(),
        ctx.release,
        ctx.since_ref,
        repr(sorted(ctx.redirects.items())),
        repr(ctx.redirect_problems),
        ctx.mermaid_problem,
        ctx.validated,
        mermaid.CACHE_VERSION,
    )
    return hashlib.sha256(repr((pages, diagram_files, run)).encode()).hexdigest()


class StoredMemo(RuleMemo):
    """A :class:`RuleMemo` kept on disk between checks (:mod:`protokit.memo`), keyed by content hashes.

    ``digests`` are the pages' content hashes (:func:`read_documents`), ``data``
    the data files' (:func:`data_files_digest`). A page's findings stand when
    its bytes, its diagrams' texts and the :func:`run_key` are what they were.
    """

    def __init__(self, root: Path, digests: dict[str, str], data: str) -> None:
        super().__init__()
        self.root, self.digests, self.data = root, digests, data
        self.store: FindingStore | None = None
        self._diagram_keys: dict[str, str] = {}

    def start(self, ctx: Context) -> None:
        self.store = FindingStore(self.root, run_key(ctx, self.data))
        self._diagram_keys = {}

    def _keys(self, doc: Document, ctx: Context) -> tuple[str, str] | None:
        digest = self.digests.get(doc.path)
        if digest is None:
            return None  # an unreadable page: no content to key on
        if doc.path not in self._diagram_keys:
            self._diagram_keys[doc.path] = hashlib.sha256(repr(self.page_key(doc, ctx)).encode()).hexdigest()
        return digest, self._diagram_keys[doc.path]

    def lookup(self, rules: list[Rule], doc: Document, ctx: Context) -> tuple[list[Finding], list[Rule]]:
        keys = self._keys(doc, ctx)
        stored = None if keys is None or self.store is None else self.store.stored(doc.path, *keys)
        if stored is None:
            return [], rules
        ran, by_code = stored
        todo = [r for r in rules if r.reads_files or r.code not in ran]
        found = []
        if by_code:  # the usual page: nothing found, nothing to rebuild
            for r in rules:
                if r.code in by_code and r.code in ran and not r.reads_files:
                    found += [r.finding(path, line, col, message, ctx.release) for path, line, col, message in by_code[r.code]]
        return found, todo

    def record(self, r: Rule, doc: Document, ctx: Context, raw: tuple, found: list[Finding]) -> None:
        keys = self._keys(doc, ctx)
        if keys is not None and self.store is not None:
            self.store.record(doc.path, *keys, r.code, raw)

    def save(self) -> None:
        if self.store is not None:
            self.store.save(set(self.digests))


def _page_findings(rules: list[Rule], doc: Document, ctx: Context, memo: RuleMemo | None) -> list[Finding]:
    """The page rules' findings on one page: from ``memo`` where they stand, else by running the rule."""
    found, todo = ([], rules) if memo is None else memo.lookup(rules, doc, ctx)
    for r in todo:
        raw = tuple(r.on_document(doc, ctx))
        new = [r.finding(path, line, col, message, ctx.release) for path, line, col, message in raw]
        if memo is not None and not r.reads_files:
            memo.record(r, doc, ctx, raw, new)
        found += new
    return found


def run_rules(ctx: Context, rules: list[Rule], only: set[str] | None = None, memo: RuleMemo | None = None) -> list[Finding]:
    """Run the rules; ``only`` limits reported findings to these paths; ``memo`` reuses unchanged pages' findings."""
    findings: list[Finding] = []
    report = only
    if only is not None:  # a page and the diagrams it includes are checked together
        report = widen(ctx, only, pages=False)
        only = widen(ctx, only)
    if memo is not None:
        memo.start(ctx)
    for r in rules:
        if r.scope == "project":
            for path, line, col, message in r.on_project(ctx):
                findings.append(r.finding(path, line, col, message, ctx.release))
    on_protocols = [r for r in rules if r.scope != "project"]
    on_pages = [r for r in on_protocols if r.scope != "protocol"]
    for doc in ctx.index.docs.values():
        if only is None or doc.path in only:
            findings += _page_findings(on_protocols if doc.is_protocol else on_pages, doc, ctx, memo)
    findings = apply_suppressions(ctx, rules, findings)
    if report is not None:  # project rules see everything; report what was asked (and its diagrams)
        findings = [f for f in findings if f.path in report or f.path == DIAGRAM_DIR]
    return sorted(set(findings))


def widen(ctx: Context, only: set[str], pages: bool = True) -> set[str]:
    """``only`` plus the diagrams its pages include (and the pages that include its diagrams)."""
    wider = set(only)
    for doc in ctx.index.docs.values():
        files = {p for d in doc.diagrams if (p := diagram_path(doc, d))}
        if doc.path in only:
            wider |= files
        elif pages and files & only:
            wider.add(doc.path)
    return wider


def _comment_col(line: str) -> int:
    """The column of the ``<!--`` that opens the suppression comment on a line."""
    return line.rfind("<!--", 0, max(line.find("protokit:"), 0)) + 1 or 1


def apply_suppressions(ctx: Context, rules: list[Rule], findings: list[Finding]) -> list[Finding]:
    """Drop findings silenced by a well-formed comment; report bad (P010) and unused (P011) comments."""
    comments = []
    for d in ctx.index.docs.values():
        found = [s for h in d.html for s in find_suppressions(d.path, h.text, h.line)]
        if found:  # point at the comment in its source line (an inline fragment starts mid-line)
            lines = d.text.split("\n")
            found = [replace(s, col=_comment_col(lines[s.line - 1])) for s in found]
        comments += found
    for path in sorted(ctx.index.diagram_files):
        comments += find_suppressions(path, ctx.diagram_text(path) or "", diagram=True)
    if not comments:
        return findings
    known, ran = set(REGISTRY), {r.code for r in rules}
    allowed = ctx.schema.suppressible
    valid = [s for s in comments if not suppression_problems(s, known, allowed)]
    kept, used = [], set()
    for f in findings:
        hit = next((s for s in valid if s.covers(f.path, f.line, f.code)), None)
        if hit is None:
            kept.append(f)
        else:
            used.add(hit)
    for s in comments:
        for problem in suppression_problems(s, known, allowed) if "P010" in ran else ():
            kept.append(REGISTRY["P010"].finding(s.path, s.line, s.col, f"suppression {problem}", ctx.release))
        if s in valid and s not in used and "P011" in ran and set(s.codes) <= ran:
            codes = ", ".join(s.codes)
            kept.append(
                REGISTRY["P011"].finding(
                    s.path, s.line, s.col, f"suppression ignore[{codes}] silences nothing here; delete it", ctx.release
                )
            )
    return kept


def check_tree(
    root: Path,
    rules: list[Rule] | None = None,
    *,
    only: set[str] | None = None,
    release: bool = False,
    on: dt.date | None = None,
    use_cache: bool = True,
    since: str | None = None,
) -> list[Finding]:
    """Check a handbook tree and return its findings, sorted.

    With ``use_cache``, parsed pages and page rules' findings are kept in
    ``.cache/protokit`` and reused while what they depend on is unchanged
    (not with ``since``: the release compared is not part of the key).
    """
    rules = all_rules() if rules is None else rules
    pages, diagram_files = discover(root)
    data = data_files_digest(root) if use_cache and not since else None  # before any rule reads them
    docs, digests = read_documents(root, pages, use_cache)
    # The parsed pages live until the end: keep the collector from rescanning them (as the build does).
    freeze = gc.isenabled() and not gc.get_freeze_count()
    if freeze:
        gc.freeze()
    try:
        ctx = make_context(root, docs, diagram_files, release=release, on=on)
        if since:  # raises GitError for an unknown tag: a usage error (exit 2)
            ctx.since, ctx.since_ref = protocols_at(root, since), since
        if any(r.code.startswith("P4") for r in rules):
            scope = None if only is None else widen(ctx, only)  # a page with its diagrams
            wanted = [d for d in docs if scope is None or d.path in scope]
            # The verdict cache is keyed by content, so it stays on even with --no-cache.
            ctx.validate_diagrams(wanted)
        memo = StoredMemo(root, digests, data) if data is not None else None
        findings = run_rules(ctx, rules, only, memo)
        if memo is not None:
            memo.save()
    finally:
        if freeze:
            gc.unfreeze()
    return findings
