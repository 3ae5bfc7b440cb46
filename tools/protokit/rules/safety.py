"""P5xx: safety: no script in pages, no patient data."""

from __future__ import annotations

from ..containment import html_problems
from ..patientdata import patient_data_hits
from ..wording import label_spans, wording_hits
from . import rule


@rule("P501", "unsafe-html", scope="document")
def unsafe_html(doc, ctx):
    """Raw HTML that is not on the schema's allow-list (it could run script, hide or restyle the page).

    Bad: ``<script>…</script>``, ``<img src=x onerror=…>``, ``<style>``, ``<a href="&#106;avascript:…">``,
    ``<!--`` never closed (it hides the rest of the page, the draft banner included).

    Good: Markdown and MyST directives; the few tags in ``allowed.html`` (``<br>``, ``<sub>``, ``<sup>``).
    """
    for fragment in doc.html:
        for problem in html_problems(fragment.text, ctx.schema.allowed)[:1]:
            yield fragment.line, 1, f"raw HTML: {problem}; use Markdown instead"


@rule("P502", "meta-refresh", scope="document")
def meta_refresh(doc, ctx):
    """The front matter sets an HTML meta refresh (a silent redirect).

    Bad::

        myst:
          html_meta:
            http-equiv=refresh: "0; url=https://example.org"

    Good: no ``html_meta`` refresh; moved pages get a redirect from the maintainers.
    """
    myst = (doc.meta or {}).get("myst")
    meta = myst.get("html_meta") if isinstance(myst, dict) else None
    for key, value in meta.items() if isinstance(meta, dict) else ():
        if "refresh" in f"{key} {value}".lower():
            yield doc.field_line("myst"), 1, f'html_meta "{key}" makes the page redirect; remove it'


@rule("P503", "patient-data", scope="project")
def patient_data(ctx):
    """Text looks like patient-identifiable data (record number, date of birth, NHS number, a name).

    Checked in every page (front matter included) and every flowchart, after folding
    look-alike characters: no-break spaces, en dashes, dots and zero-width characters
    between digits do not hide a number.

    Bad: ``MRN: 12345678``, ``DOB 03/04/1961``, ``born 3 April 1961``, ``943 476 5919``,
    ``Mrs Jane Example``, ``Patient name: …``, ``RX1234567``, a postcode next to a name.

    Good: no patient data at all; describe cases generically ("a 40-year-old with …").
    Trial numbers (``NCT01234567``), guideline codes (``NG234``) and doses are fine.
    """
    for doc in ctx.index.docs.values():  # scanned once when the page was parsed (cached with it)
        for line, col, message in doc.patient_data:
            yield doc.path, line, col, message
    for path in sorted(ctx.index.diagram_files):
        text = ctx.diagram_text(path)
        for line, col, message in patient_data_hits(text or ""):
            yield path, line, col, message


@rule("P509", "medication-wording", scope="project")
def medication_wording(ctx):
    """Wording the medication-safety do-not-use lists forbid (ISMP, Joint Commission), in protocol text or a flowchart label.

    Checked in the text readers see: paragraphs, lists, tables, headings, regimen notes and
    flowchart labels (not code, links or role targets). A number is a dose only when a dose unit
    follows it, so a version ("2.0"), a score or a trial name passes; "MS" inside "MSTS" or
    "MSCC" and "U" inside a gene name ("U2AF1") pass too.

    Bad: ``400 IU``, ``10 U/kg``, ``2.0 mg``, ``.5 mg``, ``16 mg OD``, ``QD``, ``QOD``, ``MS``,
    ``MSO4``, ``MgSO4``, ``5 cc``, ``500 µg``, ``500 mcg``.

    Good: ``400 units``, ``10 units/kg``, ``2 mg``, ``0.5 mg``, ``16 mg once daily``, ``every other
    day``, ``morphine sulfate``, ``magnesium sulfate``, ``5 mL``, ``500 micrograms``.
    """
    for doc in ctx.index.protocol_docs:
        for line, col, message in doc.wording:
            yield doc.path, line, col, message
    for path in sorted(ctx.index.diagram_files):
        text = ctx.diagram_text(path) or ""
        if not wording_hits(text):  # nothing anywhere in the file, so nothing in its labels (the usual case)
            continue
        for line, col, label in label_spans(text):
            for offset, _, message in wording_hits(label):
                yield path, line, col + offset, message
