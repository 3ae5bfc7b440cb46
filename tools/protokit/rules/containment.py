"""P5xx (continued): containment: nothing outside the handbook, nothing off the allow-list."""

from __future__ import annotations

from ..containment import BIDI, FILE_DIRECTIVES, FILE_OPTIONS, inside_repo, path_problem, scheme_of, url_problem
from ..index import resolve_path
from ..suggest import did_you_mean
from . import iter_defects, rule

#: Ref kinds that are not roles.
_NOT_ROLES = frozenset({"link", "image"})


@rule("P504", "outside-path", scope="document", reads_files=True)
def outside_path(doc, ctx):
    """A link, image, include or diagram path points outside the handbook's folders.

    Bad: ``[notes](/../../../etc/passwd)``, ``![x](../../secrets.png)``,
    ``{mermaid} /../../proc/self/environ`` (the build would publish that file).

    Good: a path inside ``protocols/``, ``handbook/`` or ``diagrams/``, e.g. ``/diagrams/BST-SURG-01.mmd``.
    """
    allowed = ctx.schema.allowed
    for ref in doc.refs:
        if ref.kind in ("link", "image", "download") and not ref.target.startswith("#") and scheme_of(ref.target) is None:
            problem = path_problem(doc.path, ref.target, allowed, ctx.root, ctx.folders)
            if problem:
                yield ref.line, ref.col, problem
    for d in doc.directives:
        targets = [d.arg] if d.name in FILE_DIRECTIVES and d.arg else []
        targets += [value for key, value in d.options if key in FILE_OPTIONS and value]
        for target in targets:
            if d.name in ("include", "literalinclude") and not target.endswith(".md"):
                yield d.line, 1, f'{{{d.name}}} "{target}" is not a Markdown page of the handbook; only .md files may be included'
                continue
            if d.name in ("include", "literalinclude") and resolve_path(doc.path, target).startswith("protocols/"):
                yield (
                    d.line,
                    1,
                    f'{{{d.name}}} "{target}" would copy a protocol into this page (without its banner); link it with {{protocol}}`ID` instead',
                )
                continue
            problem = url_problem(target, allowed, loads=True) or path_problem(doc.path, target, allowed, ctx.root, ctx.folders)
            if problem:
                yield d.line, 1, problem


@rule("P505", "directive-not-allowed", scope="document")
def directive_not_allowed(doc, ctx):
    """A directive that is not on the schema's allow-list.

    Bad: ``{raw}``, ``{eval-rst}``, ``{literalinclude}``, ``{include}`` in a protocol.

    Good: notes, warnings, tables, tabs, dropdowns and the flowchart (``allowed.directives`` in
    ``protocols/schema.yaml``); ask the maintainers if something is missing.
    """
    allowed = ctx.schema.allowed.directives(doc.is_protocol)
    for d in doc.directives:
        if d.name not in allowed:
            hint = did_you_mean(d.name, allowed) or ""
            where = "a protocol" if doc.is_protocol else "a handbook page"
            yield (
                d.line,
                1,
                f'directive "{{{d.name}}}" is not allowed in {where}{hint}; see allowed.directives in protocols/schema.yaml',
            )


@rule("P506", "role-not-allowed", scope="document")
def role_not_allowed(doc, ctx):
    """A role that is not on the schema's allow-list.

    Bad: ``{raw-html}`...```, ``{download}`/etc/passwd``` in a protocol.

    Good: ``{protocol}``, ``{term}``, ``{ref}``, ``{doc}`` (``allowed.roles`` in ``protocols/schema.yaml``).
    """
    allowed = ctx.schema.allowed.roles(doc.is_protocol)
    for ref in doc.refs:
        if ref.kind not in _NOT_ROLES and ref.kind not in allowed:
            hint = did_you_mean(ref.kind, allowed) or ""
            yield (
                ref.line,
                ref.col,
                f'role "{{{ref.kind}}}" is not allowed here{hint}; see allowed.roles in protocols/schema.yaml',
            )


@rule("P507", "bidi-control", scope="project")
def bidi_control(ctx):
    """The text holds an invisible right-to-left or isolate control character.

    Checked in pages and flowcharts.

    Bad: ``0\\u202e1 g`` (shows as "10 g" on screen while the file says "01 g").

    Good: plain text; delete the invisible character (it usually comes from a paste).
    """
    texts = [(doc.path, doc.text) for doc in ctx.index.docs.values()]
    texts += [(path, ctx.diagram_text(path) or "") for path in sorted(ctx.index.diagram_files)]
    for path, text in texts:
        for m in BIDI.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - text.rfind("\n", 0, m.start())
            yield path, line, col, f"invisible direction control U+{ord(m.group()):04X} can reverse what readers see; delete it"


@rule("P508", "url-not-allowed", scope="document")
def url_not_allowed(doc, ctx):
    """A link uses a scheme that is not allowed, or an image loads from another host.

    Bad: ``[x](javascript:alert(1))``, ``[x](data:text/html,...)``, ``![](https://example.org/x.png)``.

    Good: ``https://`` or ``mailto:`` links; images stored in the handbook.
    """
    allowed = ctx.schema.allowed
    for ref in doc.refs:
        if ref.kind in ("link", "image"):
            problem = url_problem(ref.target, allowed, loads=ref.kind == "image")
            if problem:
                yield ref.line, ref.col, problem
    for d in doc.directives:
        for key, value in d.options:
            if key == "target" and (problem := url_problem(value, allowed, loads=False)):
                yield d.line, 1, problem


@rule("P008", "stray-page", scope="document", reads_files=True)
def stray_page(doc, ctx):
    """A page is in a subfolder of ``protocols/``, or is a link to a file outside the repository.

    Bad: ``protocols/old/BST-SURG-01.md`` (no panel, no draft banner, no protocol rules);
    ``handbook/notes.md`` as a symbolic link to ``/etc/passwd`` (the build would publish it).

    Good: ``protocols/BST-SURG-01.md``; move retired pages with a redirect instead.
    """
    parts = doc.path.split("/")
    if parts[0] == "protocols" and len(parts) > 2:
        yield 1, 1, f'"{doc.path}" is in a subfolder of protocols/; protocols live directly in protocols/<ID>.md'
    if not inside_repo(ctx.root, doc.path, ctx.folders):
        yield 1, 1, f'"{doc.path}" is a link to a file outside the repository; replace the link by the file itself'
    return


@rule("P009", "too-large", scope="document")
def too_large(doc, ctx):
    """A page or its front matter is larger or deeper than the schema's limits.

    Bad: a 5 MB page pasted from a PDF, front matter with YAML anchors (``&x``/``*x``) or deep nesting.

    Good: pages of a few hundred lines; plain ``key: value`` front matter.
    """
    limits = ctx.schema.limits
    size = len(doc.text.encode("utf-8", "replace"))
    if size > limits["page_bytes"]:
        yield 1, 1, f"the page is {size:,} bytes, more than the limit of {limits['page_bytes']:,}; split it"
    for d in iter_defects(doc, "yaml-alias"):
        yield (
            d.line,
            d.col,
            f"YAML {d.detail} is not allowed in front matter (it can multiply into billions of values); write the value out",
        )
    for d in iter_defects(doc, "yaml-too-deep"):
        yield d.line, d.col, f"front matter is nested more than {d.detail} levels deep; use plain key: value lines"
    depth = _depth(doc.meta)
    if depth > limits["front_matter_depth"]:
        yield 1, 1, f"front matter is nested {depth} levels deep (limit {limits['front_matter_depth']}); flatten it"


def _depth(value, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level
