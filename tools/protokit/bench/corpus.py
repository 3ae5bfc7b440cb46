"""The synthetic handbook the benchmark builds: N protocols written like real ones.

Every protocol has the full front matter, every section its type requires, a
table, graded key recommendations using four registry numbers, three
cross-references, glossary terms, a regimen block where its type has a Treatment
section, and a 12-box flowchart in its own
``.mmd`` file (one start, labelled decisions, an end that hands over), with the
decisions in words when the handbook has the ``{node}`` convention. The same
pages without the extension's roles and directives are the *baseline* (plain
Sphinx + MyST + theme); :mod:`.peer` converts them for MkDocs Material.

The baseline shows what ours shows, written by hand in plain MyST, exactly as
the peer's pages do (so the extension's overhead is measured against the same
content, not against pages with less on them): evidence grades as text, regimen
blocks as tables, the catalogue as a table, and the draft banner, governance
record ("Referenced by" included) and revision history that ours generates,
written out (the record out of the search index, as ours keeps it). Roles
become their plain equivalents (``{doc}``, bold box names, the registry's
numbers).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from .. import settings
from ..check import project_schema, today
from ..settings import REPO_ROOT

BENCH_DIR = REPO_ROOT / "_build" / "bench"
DOMAINS = ["PWY", "DX", "STG", "ONC", "RT", "SURG", "IR", "MET", "SPN", "BEN", "REH", "FU"]
TYPE_OF = {
    "PWY": "pathway",
    "DX": "diagnosis",
    "STG": "reference",
    "ONC": "systemic",
    "RT": "radiotherapy",
    "SURG": "surgery",
    "IR": "interventional",
    "MET": "surgery",
    "SPN": "surgery",
    "BEN": "surgery",
    "REH": "rehabilitation",
    "FU": "follow-up",
}
TERMS = ["MDT", "Mirels score", "SINS", "Limb salvage", "Wide resection", "Endoprosthesis"]
PARAGRAPH = (
    "The multidisciplinary team reviews imaging, pathology and the patient's priorities before any "
    "treatment is planned, and records the decision with its reasons. Each step names the role that "
    "acts and the time within which it must happen, so that nothing waits on an individual. "
)
#: The text of the first box of every chart: what the reader measurement waits for.
FIRST_BOX = "Step 0 of"
#: The flowchart section (a structural name fixed in code: it holds the diagram).
FLOWCHART = getattr(settings, "FLOWCHART_SECTION", "Pathway flowchart")
#: The ``{node}`` role of the decisions in words, when this handbook has it.
NODE_ROLE: str | None = getattr(settings, "NODE_ROLE", None)


#: The synthetic registry: every protocol uses some of these keys (the checker looks up each).
KEYS = {
    "referral-hours": ("Referral of a suspected primary bone tumour", 72, "hours", "bone sarcoma centre"),
    "ct-hours": ("CT of chest, abdomen and pelvis", 24, "hours", "orthopaedic assessment"),
    "occlusion-minutes": ("Cumulative aortic balloon occlusion", 120, "minutes", "cumulative occlusion"),
    "dexamethasone-mg": ("Dexamethasone for cord compression", 16, "mg", "dexamethasone"),
}
REGISTRY = "values:\n" + "".join(
    f"  {key}:\n    label: {label}\n    value: {value}\n    unit: {unit}\n    source: Synthetic source {key}\n"
    f"    owner: Consultant (synthetic)\n    matches: [{phrase}]\n"
    for key, (label, value, unit, phrase) in KEYS.items()
)
#: A chemotherapy regimen block (every protocol with a Treatment section) ...
REGIMEN = """```{regimen}
title: Synthetic regimen
source: "[1]"
cycle: 21 days
cycles: 6
drugs:
  - drug: vincristine
    dose: 1.5
    unit: mg
    basis: per m2
    route: IV
    how: minibag
    days: [1]
    cap: 2 mg per dose
    notes: Intravenous only [1]
  - drug: doxorubicin
    dose: 25
    unit: mg
    basis: per m2
    per: day
    route: IV
    days: 1-3
    notes: 75 mg/m² per cycle
  - drug: ifosfamide
    dose: 3
    unit: g
    basis: per m2
    per: day
    route: IV
    days: 1-3
    notes: With mesna and hydration
```
"""
#: ... or, for radiotherapy, its fractionation schedules.
RT_REGIMEN = """```{regimen}
title: Synthetic schedules
schedules:
  - setting: Pre-operative
    total: 50
    per_fraction: 2
    fractions: 25
  - setting: Post-operative
    total: [60, 66]
    per_fraction: 2
    fractions: [30, 33]
  - setting: Palliative
    total: 8
    per_fraction: 8
    fractions: 1
```
"""


def table(rows: Sequence[Sequence[str]], head: Sequence[str]) -> str:
    """A Markdown pipe table (the peer's and the baseline's hand-written tables)."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def text_of(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value in (None, "") else str(value)


def regimen_table(block: str) -> str:
    """A regimen block as the table an author would write by hand (ours renders it from the YAML)."""
    data = yaml.safe_load(block)
    title = f"**{data['title']}**\n\n"
    if "schedules" in data:
        schedules = [
            (str(s["setting"]), text_of(s["total"]), text_of(s["per_fraction"]), text_of(s["fractions"]))
            for s in data["schedules"]
        ]
        return title + table(schedules, ("Setting", "Total dose (Gy)", "Per fraction (Gy)", "Fractions"))
    head = f"Cycle: {data['cycle']}; cycles: {data['cycles']}; source: {data['source']}.\n\n"
    rows = [
        (
            str(d["drug"]),
            f"{d['dose']} {d['unit']} {d['basis']}" + (f" per {d['per']}" if d.get("per") else ""),
            str(d["route"]),
            text_of(d["days"]),
            str(d.get("cap", "—")),
            str(d.get("notes", "—")),
        )
        for d in data["drugs"]
    ]
    return title + head + table(rows, ("Drug", "Dose", "Route", "Days", "Cap", "Notes"))


DRAFT_TITLE = "Draft — not approved for clinical use."
DRAFT_TEXT = "This protocol has not been approved by the department; do not use it to make clinical decisions."


def governance_table(meta: dict, link: Callable[[str], str], backlinks: list[str]) -> str:
    """The governance record ours generates from the front matter, as a hand-written table."""
    fields = [
        ("Id", f"`{meta['id']}`"),
        *(
            (name.replace("_", " ").capitalize(), text_of(meta.get(name)))
            for name in ("version", "status", "owner", "review_due")
        ),
        *((name.capitalize(), text_of(meta.get(name))) for name in ("type", "modalities", "sites")),
        ("Related", "; ".join(link(p) for p in meta.get("related") or []) or "—"),
        ("Referenced by", "; ".join(link(p) for p in backlinks) or "—"),
    ]
    return table(fields, ("Governance", ""))


def history_table(meta: dict) -> str:
    """The revision history ours generates from the front matter, as a hand-written table."""
    rows = [(text_of(h.get("version")), text_of(h.get("date")), text_of(h.get("summary"))) for h in meta.get("history") or []]
    return table(rows, ("Version", "Date", "Summary"))


def no_search(markdown: str) -> str:
    """Out of the search index, as ours keeps its status line and governance record (plain MyST can)."""
    return f"```{{container}} no-search\n{markdown}```\n"


def key_recommendations(ref, neighbours: list[str], baseline: bool) -> str:
    """Graded bullets that use the registry (plain numbers and grades as text in the baseline, which has no extension)."""
    keys = list(KEYS)
    value = (lambda k: f"{KEYS[k][1]} {KEYS[k][2]}") if baseline else (lambda k: f"{{value}}`{k}`")
    grade = (lambda g: f" *(grade {g})*") if baseline else (lambda g: f" {{grade}}`{g}`")
    return (
        f"- Refer to the bone sarcoma centre within {value(keys[0])} at any age [1].{grade('consensus')}\n"
        f"- CT within {value(keys[1])} of orthopaedic assessment, in parallel [2].{grade('IV,B')}\n"
        f"- Cumulative occlusion no longer than {value(keys[2])}; dexamethasone {value(keys[3])} [3].{grade('local')}\n"
        f"- Related: {', '.join(ref(p) for p in neighbours)}.{grade('local')}\n"
    )


def ids(n: int) -> list[str]:
    """N distinct protocol ids spread over the domains (BST-SURG-07, ...)."""
    return [f"BST-{DOMAINS[i % len(DOMAINS)]}-{i // len(DOMAINS) + 1:02d}" for i in range(n)]


def boxes(pid: str) -> list[tuple[str, str, str]]:
    """The chart's boxes: (id, shape-wrapped label, label), start first, the end last."""
    out = []
    for k in range(11):
        label = f"Step {k} of {pid}" if k % 2 == 0 else f"Decision {k}?"
        out.append((f"N{k}", f"[{label}]" if k % 2 == 0 else f"{{{label}}}", label))
    out.append(("N11", "([Discharge])", "Discharge"))
    return out


def diagram(pid: str) -> str:
    """A 12-box flowchart: one start, five decisions with two labelled exits, one end."""
    b = boxes(pid)
    lines = [f"flowchart TD\n  accTitle: Pathway of {pid}\n  accDescr: Six steps and five decisions, ending in discharge."]
    lines.append(f"  {b[11][0]}{b[11][1]}")
    for k in range(0, 10, 2):
        lines.append(f"  {b[k][0]}{b[k][1]} --> {b[k + 1][0]}{b[k + 1][1]}")
        lines.append(f"  {b[k + 1][0]} -- Yes --> {b[k + 2][0]}")
        lines.append(f"  {b[k + 1][0]} -- No --> N11")
    lines.append(f"  {b[10][0]}{b[10][1]} --> N11")
    return "\n".join(lines) + "\n"


def steps(pid: str, baseline: bool) -> str:
    """The decisions in words, one numbered step per box, in the chart's order."""
    if NODE_ROLE is None:
        return ""
    out = ["The decisions in words:\n"]
    for n, (box, _, label) in enumerate(boxes(pid), start=1):
        ref = f"**{box}**" if baseline else f"{{{NODE_ROLE}}}`{box}`"
        out.append(f"{n}. {ref} {label}: the team acts as the protocol says.")
    return "\n".join(out) + "\n"


def title_of(pid: str) -> str:
    return f"Synthetic protocol {pid}"


def owner_of(pid: str) -> str:
    return f"Consultant (role {pid.split('-')[1]})"


def review_due() -> str:
    """A review date a year ahead of the build date (never overdue, never too far)."""
    return (today() + dt.timedelta(days=365)).isoformat()


def protocol(pid: str, title: str, neighbours: list[str], schema, baseline: bool, backlinks: Sequence[str] = ()) -> str:
    """One protocol page; the baseline's carries by hand what ours generates (``backlinks``: who references it)."""
    ptype = TYPE_OF[pid.split("-")[1]]
    ref = (lambda p: f"{{doc}}`{p}`") if baseline else (lambda p: f"{{protocol}}`{p}`")
    front = (
        f'---\nid: {pid}\ntitle: "{title}"\ntype: {ptype}\nversion: "1.0"\nstatus: draft\n'
        f"owner: {owner_of(pid)}\nreview_due: {review_due()}\n"
        f"modalities: [surgery, radiotherapy]\nsites: [lower-limb, pelvis]\nrelated: [{neighbours[0]}]\n"
        f'history:\n  - version: "1.0"\n    date: 2026-01-01\n    summary: First issue.\n---\n\n'
    )
    out = [front, f"# {title}\n"]
    meta = yaml.safe_load(front.split("---\n")[1])
    if baseline:  # the status banner and the governance record, which ours generates
        out.append(f"```{{admonition}} {DRAFT_TITLE}\n:class: warning\n\n{DRAFT_TEXT}\n```\n")
        record = governance_table(meta, lambda p: f"{{doc}}`{p} — Synthetic protocol {p} <{p}>`", list(backlinks))
        out.append(no_search(record))
    for n, section in enumerate(schema.required_sections(ptype)):
        out.append(f"## {section}\n")
        if section == FLOWCHART:
            out.append(f"```{{mermaid}} /diagrams/{pid}.mmd\n```\n")
            out.append(steps(pid, baseline))
        out.append(PARAGRAPH * 2 + f"See the {{term}}`{TERMS[n % len(TERMS)]}`.\n")
        if section == "Key recommendations":
            out.append(
                "| Item | Action | Source |\n|---|---|---|\n"
                + "".join(f"| {k} | Act on finding {k} | [{k}] |\n" for k in range(1, 6))
            )
            out.append(key_recommendations(ref, neighbours, baseline))
        if section == "Treatment":
            block = RT_REGIMEN if ptype == "radiotherapy" else REGIMEN
            out.append(regimen_table(block.split("\n", 1)[1].rsplit("```", 1)[0]) if baseline else block)
    if baseline:
        out.append("## Revision history\n")
        out.append(no_search(history_table(meta)))
    return "\n".join(out)


CONF = """import sys
sys.path.insert(0, {tools!r})
__file__ = {conf!r}
exec(compile(open({conf!r}).read(), {conf!r}, "exec"))
html_favicon = {favicon!r}
{extra}
"""


def corpus_dir(n: int, variant: str = "") -> Path:
    """Where the handbook of ``n`` protocols (or its ``baseline``/``peer`` variant) lives."""
    return BENCH_DIR / f"{n}{'-' + variant if variant else ''}"


def generate(n: int, baseline: bool = False) -> Path:
    """Write a synthetic handbook of ``n`` protocols; returns its source folder."""
    root = corpus_dir(n, "baseline" if baseline else "") / "src"
    if root.exists():
        shutil.rmtree(root)
    for folder in ("protocols", "diagrams", "handbook"):
        (root / folder).mkdir(parents=True)
    schema = project_schema(REPO_ROOT)
    all_ids = ids(n)
    neighbours = {pid: [all_ids[(i + k) % n] for k in (1, 7, 31)] for i, pid in enumerate(all_ids)}
    referenced: dict[str, set[str]] = {}
    for pid, targets in neighbours.items():
        for target in targets:
            if target != pid:
                referenced.setdefault(target, set()).add(pid)
    for pid in all_ids:
        text = protocol(pid, title_of(pid), neighbours[pid], schema, baseline, sorted(referenced.get(pid, ())))
        (root / "protocols" / f"{pid}.md").write_text(text)
        (root / "diagrams" / f"{pid}.mmd").write_text(diagram(pid))
    if baseline:  # the catalogue ours generates, as a hand-written table
        rows = [
            (f"[{pid}]({pid}.md)", title_of(pid), TYPE_OF[pid.split("-")[1]], "draft", "1.0", owner_of(pid), review_due())
            for pid in sorted(all_ids)
        ]
        catalogue = table(rows, ("Id", "Title", "Type", "Status", "Version", "Owner", "Review due")) + "\n"
    else:
        catalogue = "```{protocol-catalogue}\n```\n\n"
    (root / "protocols" / "index.md").write_text(f"# Protocols\n\n{catalogue}```{{toctree}}\n:hidden:\n:glob:\n\nBST-*\n```\n")
    if not baseline:
        (root / "protocols" / "key-values.yaml").write_text(REGISTRY)
    terms = "".join(f"{t}\n  Definition of {t}.\n\n" for t in TERMS)
    (root / "handbook" / "glossary.md").write_text(f"# Glossary\n\n```{{glossary}}\n{terms}```\n")
    (root / "index.md").write_text("# Synthetic handbook\n\n```{toctree}\nprotocols/index\nhandbook/glossary\n```\n")
    # The baseline drops the extension and what only it provides (the release footer template).
    extra = 'extensions.remove("protokit.sphinxext")\nhtml_theme_options["footer_start"] = ["copyright"]' if baseline else ""
    (root / "conf.py").write_text(
        CONF.format(
            tools=str(REPO_ROOT / "tools"),
            conf=str(REPO_ROOT / "conf.py"),
            favicon=str(REPO_ROOT / "tools/protokit/sphinxext/static/favicon.svg"),
            extra=extra,
        )
    )
    return root
