"""P72x: evidence grades on key recommendations (``{grade}`IV,B```, ``{grade}`local```)."""

from __future__ import annotations

from ..suggest import did_you_mean
from . import rule

ROLE = "grade"


@rule("P720", "missing-grade")
def missing_grade(doc, ctx):
    """A key recommendation without an evidence grade.

    Every item of a list under "## Key recommendations" carries at least one ``{grade}`` marker
    that reflects its cited source: the guideline's own level and grade where it gives one
    (ESMO ``{grade}`IV,B```), otherwise ``{grade}`consensus``` or ``{grade}`local```.
    Never invent a level; when unsure, use ``local``.

    Bad: ``- Biopsy at the treating centre [1].``

    Good: ``- Biopsy at the treating centre [1]. {grade}`IV,A```
    """
    grades = sorted(r.line for r in doc.refs if r.kind == ROLE)
    section = ctx.schema.graded_section
    for first, last in doc.bullets:
        if doc.section_of(first) != section:
            continue
        if not any(first <= line <= last for line in grades):
            yield (
                first,
                1,
                "key recommendation has no evidence grade; end it with {grade}`IV,B` (the cited guideline's level and grade), {grade}`consensus` or {grade}`local`",
            )


@rule("P721", "unknown-grade", scope="document")
def unknown_grade(doc, ctx):
    """An evidence grade that is not in the schema's vocabulary (ESMO levels I-V, grades A-E, local, consensus).

    Bad: ``{grade}`1A```, ``{grade}`VI,B```, ``{grade}`IV```, ``{grade}`expert```.

    Good: ``{grade}`IV,B```, ``{grade}`I,A```, ``{grade}`consensus```, ``{grade}`local```
    (the legend page lists what each means).
    """
    vocabulary = ctx.schema.evidence_grades
    for ref in doc.refs:
        if ref.kind == ROLE and vocabulary.parse(ref.target) is None:
            # Suggest only the other kinds: a level or grade is the guideline's, never guessed.
            hint = did_you_mean(ref.target, vocabulary.other)
            yield (
                ref.line,
                ref.col,
                f'unknown evidence grade "{ref.target}": write the guideline\'s level I-V and grade A-E ("IV,B"), '
                f'or "consensus" or "local"{hint}',
            )
