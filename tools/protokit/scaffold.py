"""``make new``: create a protocol and its diagram stub from the schema's template.

    python -m protokit.scaffold --title "..." [--type surgery] [--id BST-SURG-04]

The new files pass ``make check`` and the strict build as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from .check import project_schema
from .schema import Schema
from .settings import DIAGRAM_DIR, FLOWCHART_SECTION, PROTOCOL_DIR, REPO_ROOT

USAGE = 'usage: make new TITLE="Protocol title" [TYPE=surgery] [ID=BST-SURG-04]'
REVIEW_AFTER_DAYS = 365  # the first review is due a year after the draft (governance page)


def next_free_id(root: Path, domain: str) -> str:
    """The next unused ``BST-<domain>-NN`` (ids are never reused, so take max + 1)."""
    taken = [
        int(m.group(1))
        for p in (root / PROTOCOL_DIR).glob(f"BST-{domain}-*.md")
        if (m := re.fullmatch(rf"BST-{domain}-(\d+)", p.stem))
    ]
    return f"BST-{domain}-{max(taken, default=0) + 1:02d}"


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def short_title(title: str, limit: int) -> str:
    """A first short title: the title's opening words that fit the limit (the author shortens it)."""
    words, out = title.split(":")[0].split(), ""
    for word in words:
        if len(f"{out} {word}".strip()) > limit:
            break
        out = f"{out} {word}".strip()
    return out or title[:limit].strip()


def render_protocol(schema: Schema, pid: str, title: str, ptype: str, today: dt.date) -> str:
    """The protocol text: front matter, H1 and every required section with its prompt."""
    due = today + dt.timedelta(days=REVIEW_AFTER_DAYS)
    lines = [
        "---",
        f"id: {pid}",
        f"title: {_yaml_text(title)}",
        f"short_title: {_yaml_text(short_title(title, schema.short_title_max))}",
        f"type: {ptype}",
        'version: "0.1"',
        "status: draft",
        "owner: To be assigned (the accountable role, not a name)",
        f"review_due: {due.isoformat()}",
        "modalities: []",
        "sites: []",
        "related: []",
        "history:",
        '  - version: "0.1"',
        f"    date: {today.isoformat()}",
        "    summary: First draft.",
        "---",
        "",
        f"# {title}",
        "",
    ]
    for section in schema.required_sections(ptype):
        lines += [f"## {section}", ""]
        if section == FLOWCHART_SECTION:
            lines += [f"```{{mermaid}} /{DIAGRAM_DIR}/{pid}.mmd", "```", ""]
        lines += [f"To be written: {schema.prompts.get(section, 'the content of this section.')}", ""]
        if section == schema.graded_section:
            lines += GRADED_EXAMPLE
        if section == "Treatment" and ptype in REGIMEN_EXAMPLES:
            lines += REGIMEN_EXAMPLES[ptype]
        if section == FLOWCHART_SECTION:
            lines += STEPS + [""]
    return "\n".join(lines)


#: Under "Key recommendations": every item ends with the evidence grade of its source.
GRADED_EXAMPLE = [
    "- To be written: the first recommendation, with its citation [1]. {grade}`local`",
    "",
    "<!-- End every recommendation with the grade its cited source gives: {grade}`IV,B` (the",
    "guideline's level and grade), {grade}`consensus` or {grade}`local` when unsure. A number",
    "shared with other protocols is written {value}`key` (protocols/key-values.yaml). -->",
    "",
]
#: Under "Treatment": how a reference schedule is written (the authoring guide lists every field).
REGIMEN_EXAMPLES = {
    "systemic": [
        "<!-- A reference schedule is a regimen block, checked against protocols/drugs.yaml:",
        "```{regimen}",
        "title: Regimen name (trial)",
        'source: "[1]"',
        "cycle: 21 days",
        "cycles: 6",
        "drugs:",
        "  - drug: doxorubicin",
        "    dose: 25",
        "    unit: mg",
        "    basis: per m2",
        "    per: day",
        "    route: IV",
        "    days: 1-3",
        "    notes: 75 mg/m² per cycle",
        "```",
        "-->",
        "",
    ],
    "radiotherapy": [
        "<!-- Reference doses are a regimen block; total = dose per fraction x fractions is checked:",
        "```{regimen}",
        "title: Reference dose-fractionation schedules",
        "schedules:",
        "  - setting: Pre-operative",
        "    total: 50",
        "    per_fraction: 2",
        "    fractions: 25",
        "```",
        "-->",
        "",
    ],
}


#: "The decisions in words": each step names the chart box it explains with {node}
#: (see the authoring guide); the boxes then link to their steps and back.
STEPS = [
    "The decisions in words:",
    "",
    "1. {node}`A` To be written: who enters this pathway, and from where.",
    "2. {node}`B` To be written: the first decision, as a question.",
    "3. {node}`C` To be written: if yes, what is done, and where the patient goes next.",
    "4. {node}`D` To be written: if no, what is done, and where the patient goes next.",
]


def render_diagram(pid: str, title: str) -> str:
    # One start; every decision's exits labelled; each end drawn as a stadium ([...])
    # that says where the pathway hands over (rules P407-P413).
    return (
        f"flowchart TD\n  accTitle: {title} pathway\n  accDescr: Draft pathway for {pid}, to be drawn.\n"
        "  A[Entry] --> B{First decision}\n  B -- Yes --> C([Action, then follow-up])\n"
        "  B -- No --> D([Alternative, then discharge])\n"
    )


def ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise SystemExit(f"{USAGE}\nerror: no TITLE given and no terminal to ask for one")
    return input(prompt).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make new", usage=USAGE, description=__doc__.split("\n")[0])
    parser.add_argument("--title", default="")
    parser.add_argument("--type", default="")
    parser.add_argument("--id", default="")
    parser.add_argument("--root", type=Path, default=REPO_ROOT)
    args = parser.parse_args(argv)
    schema = project_schema(args.root)
    types = schema.vocabularies["types"]
    try:
        interactive = not args.title.strip()
        title = args.title.strip() or ask("Title: ")
        ptype = args.type.strip() or (interactive and ask(f"Type ({', '.join(types)}) [surgery]: ")) or "surgery"
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    except EOFError:
        print(USAGE, file=sys.stderr)
        return 2
    if not title:
        print(f"{USAGE}\nerror: the title is empty", file=sys.stderr)
        return 2
    if ptype not in types:
        print(f"error: unknown TYPE {ptype!r}; use one of: {', '.join(types)}", file=sys.stderr)
        return 2
    pid = args.id.strip() or next_free_id(args.root, schema.id_domains.get(ptype, "PWY"))
    if not schema.id_pattern.match(pid):
        print(f"error: ID {pid!r} is not a protocol id like BST-SURG-04", file=sys.stderr)
        return 2
    page = args.root / PROTOCOL_DIR / f"{pid}.md"
    diagram = args.root / DIAGRAM_DIR / f"{pid}.mmd"
    for path in (page, diagram):
        if path.exists():
            print(f"error: {path.relative_to(args.root)} already exists; ids are never reused", file=sys.stderr)
            return 2
    from .check import today

    page.write_text(render_protocol(schema, pid, title, ptype, today()), encoding="utf-8")
    diagram.write_text(render_diagram(pid, title), encoding="utf-8")
    print(f"created {page.relative_to(args.root)}\ncreated {diagram.relative_to(args.root)}\n")
    print(
        "next steps:\n  1. set owner (a role), modalities, sites and related in the front matter"
        "\n  2. replace each 'To be written' line; draw the flowchart\n  3. make check, then make html"
        " (or make serve to watch it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
