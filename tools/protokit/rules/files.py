"""P0xx: file-level problems found while reading a page."""

from __future__ import annotations

from . import iter_defects, rule


@rule("P001", "not-utf8", scope="document")
def not_utf8(doc, ctx):
    """The file is not valid UTF-8 text.

    Bad: a file saved as "Western (Windows 1252)" with ``°`` or ``é`` in it.

    Good: save the file as UTF-8 (every editor offers it under "Save with encoding").
    """
    for d in iter_defects(doc, "not-utf8"):
        yield d.line, d.col, f"byte 0x{d.detail} is not UTF-8; save the file with UTF-8 encoding"


@rule("P002", "nul-byte", scope="document")
def nul_byte(doc, ctx):
    """The file contains a NUL byte (usually a pasted binary or a broken copy).

    Bad: text pasted from a PDF or a Word document that carried a ``\\0`` character.

    Good: delete the character (the build silently drops text around it).
    """
    for d in iter_defects(doc, "nul-byte"):
        yield d.line, d.col, "NUL byte in the text; delete it (it may hide text around it)"


@rule("P003", "bom", scope="document")
def bom(doc, ctx):
    """The file starts with a byte-order mark, which hides the front matter.

    Bad: a file saved as "UTF-8 with BOM".

    Good: save as plain "UTF-8".
    """
    for d in iter_defects(doc, "bom"):
        yield d.line, d.col, "the file starts with a byte-order mark; save it as UTF-8 without BOM"


@rule("P004", "crlf", scope="document")
def crlf(doc, ctx):
    """The file has Windows (CRLF) line endings.

    Bad: a file edited on Windows with ``core.autocrlf`` off.

    Good: LF line endings (set your editor to "LF"; the repository's ``.gitattributes`` helps).
    """
    for d in iter_defects(doc, "crlf"):
        yield d.line, d.col, "Windows (CRLF) line ending; convert the file to LF line endings"


@rule("P005", "unclosed-fence", scope="document")
def unclosed_fence(doc, ctx):
    """A code or directive fence is never closed, so it swallows the rest of the page.

    Bad::

        ```{note}
        Take bloods.
        ## Follow-up        <- becomes part of the note, not a heading

    Good: close the fence with the same marker (```` ``` ```` or ``:::``) on its own line.
    """
    for d in iter_defects(doc, "unclosed-fence"):
        yield (
            d.line,
            d.col,
            (
                f'fence "{d.detail}" opened here is never closed, so it swallows the rest of '
                f'the page; add a line "{d.detail}" where it should end'
            ),
        )


@rule("P006", "unreadable", scope="document")
def unreadable(doc, ctx):
    """The file cannot be read at all.

    Bad: a file without read permission, or a broken symbolic link.

    Good: a readable regular file.
    """
    for d in iter_defects(doc, "unreadable"):
        yield d.line, d.col, f"cannot read the file ({d.detail})"


@rule("P007", "too-deep", scope="document")
def too_deep(doc, ctx):
    """Directives are nested so deeply that the build would drop content.

    Bad: twenty notes nested inside each other.

    Good: at most a few levels of nesting (a tab inside a tab set inside a card).
    """
    for d in iter_defects(doc, "too-deep"):
        yield d.line, d.col, f'nesting is too deep at "{d.detail}"; flatten the structure'


@rule("P010", "bad-suppression", scope="document")
def bad_suppression(doc, ctx):
    """An inline suppression comment names no rule, a rule that cannot be silenced, or gives no reason.

    Bad: ``<!-- protokit: ignore[P503] -->`` (no reason), ``ignore[P501]`` (safety rules cannot be silenced).

    Good: ``<!-- protokit: ignore[P503] trial registration number, not an NHS number -->`` on the line
    of the finding or the line above it. The engine reports these; this entry documents them.
    """
    return iter(())


@rule("P011", "unused-suppression", scope="document")
def unused_suppression(doc, ctx):
    """An inline suppression comment silences nothing (the finding was fixed or moved).

    Bad: ``<!-- protokit: ignore[P503] ... -->`` left above a line that no longer triggers P503.

    Good: delete the comment once the finding is gone. The engine reports these; this entry documents them.
    """
    return iter(())
