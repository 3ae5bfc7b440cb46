"""``make bench``: synthetic handbooks of N protocols, measured as whole processes.

    python -m protokit.bench [--sizes 100 300 1000] [--runs 3]

Writes ``_build/bench/results.json`` and prints a table. Every figure is the
median of ``--runs`` runs of a separate process (CPU = user + system time of
the child and its children, from ``getrusage``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .build import progress as _progress
from .build import strict_build
from .check import project_schema
from .mermaid import run_node as mermaid_batch
from .settings import REPO_ROOT

BENCH_DIR = REPO_ROOT / "_build" / "bench"
#: The table the maintainers' page includes (committed after a full run).
RESULTS_PAGE = Path(__file__).resolve().parents[2] / "handbook" / "_include" / "bench-results.md"
#: A year ahead of the run: a clean handbook (no review finding in the figures).
REVIEW_DUE = (dt.date.today() + dt.timedelta(days=365)).isoformat()
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


def ids(n: int) -> list[str]:
    """N distinct protocol ids spread over the domains (BST-SURG-07, ...)."""
    return [f"BST-{DOMAINS[i % len(DOMAINS)]}-{i // len(DOMAINS) + 1:02d}" for i in range(n)]


def diagram(pid: str) -> str:
    """Twelve boxes that pass the structure rules: one start, labelled decisions, one end."""
    lines = []
    for k in range(0, 10, 2):
        lines.append(f"  N{k}[Step {k} of {pid}] --> N{k + 1}{{Decision {k + 1}?}}")
        lines.append(f"  N{k + 1} -- Yes --> N{k + 2}")
        lines.append(f"  N{k + 1} -- No --> N0")
    return (
        "flowchart TD\n  accTitle: Pathway of "
        + pid
        + "\n  accDescr: Twelve steps and decisions.\n"
        + "\n".join(lines)
        + "\n  N10[Step 10] --> N11([Treat, then follow-up])\n"
    )


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


def key_recommendations(ref, neighbours: list[str], baseline: bool) -> str:
    """Graded bullets that use the registry (plain numbers in the baseline, which has no extension)."""
    keys = list(KEYS)
    value = (lambda k: f"{KEYS[k][1]} {KEYS[k][2]}") if baseline else (lambda k: f"{{value}}`{k}`")
    grade = (lambda g: "") if baseline else (lambda g: f" {{grade}}`{g}`")
    return (
        f"- Refer to the bone sarcoma centre within {value(keys[0])} at any age [1].{grade('consensus')}\n"
        f"- CT within {value(keys[1])} of orthopaedic assessment, in parallel [2].{grade('IV,B')}\n"
        f"- Cumulative occlusion no longer than {value(keys[2])}; dexamethasone {value(keys[3])} [3].{grade('local')}\n"
        f"- Related: {', '.join(ref(p) for p in neighbours)}.{grade('local')}\n"
    )


#: The decisions in words, one step per box (a baseline build has no {node} role).
STEPS = "".join(f"{k + 1}. {{node}}`N{k}` Step {k} in words.\n" for k in range(12))
BASELINE_STEPS = "".join(f"{k + 1}. Step {k} in words.\n" for k in range(12))


def protocol(pid: str, title: str, neighbours: list[str], schema, baseline: bool) -> str:
    ptype = TYPE_OF[pid.split("-")[1]]
    ref = (lambda p: f"{{doc}}`{p}`") if baseline else (lambda p: f"{{protocol}}`{p}`")
    front = (
        f'---\nid: {pid}\ntitle: "{title}"\ntype: {ptype}\nversion: "1.0"\nstatus: draft\n'
        f"owner: Consultant (role {pid.split('-')[1]})\nreview_due: {REVIEW_DUE}\n"
        f"modalities: [surgery, radiotherapy]\nsites: [lower-limb, pelvis]\nrelated: [{neighbours[0]}]\n"
        f'history:\n  - version: "1.0"\n    date: 2026-01-01\n    summary: First issue.\n---\n\n'
    )
    out = [front, f"# {title}\n"]
    for n, section in enumerate(schema.required_sections(ptype)):
        out.append(f"## {section}\n")
        if section == "Pathway flowchart":
            out.append(f"```{{mermaid}} /diagrams/{pid}.mmd\n```\n\n" + (BASELINE_STEPS if baseline else STEPS))
        out.append(PARAGRAPH * 2 + f"See the {{term}}`{TERMS[n % len(TERMS)]}`.\n")
        if section == "Key recommendations":
            out.append(
                "| Item | Action | Source |\n|---|---|---|\n"
                + "".join(f"| {k} | Act on finding {k} | [{k}] |\n" for k in range(1, 6))
            )
            out.append(key_recommendations(ref, neighbours, baseline))
        if section == "Treatment" and not baseline:
            out.append(RT_REGIMEN if ptype == "radiotherapy" else REGIMEN)
    return "\n".join(out)


CONF = """import sys
sys.path.insert(0, {tools!r})
__file__ = {conf!r}
exec(compile(open({conf!r}).read(), {conf!r}, "exec"))
html_favicon = {favicon!r}
{extra}
"""


def generate(n: int, baseline: bool = False) -> Path:
    """Write a synthetic handbook of ``n`` protocols; returns its source folder."""
    root = BENCH_DIR / f"{n}{'-baseline' if baseline else ''}" / "src"
    if root.exists():
        shutil.rmtree(root)
    for folder in ("protocols", "diagrams", "handbook"):
        (root / folder).mkdir(parents=True)
    schema = project_schema(REPO_ROOT)
    all_ids = ids(n)
    for i, pid in enumerate(all_ids):
        neighbours = [all_ids[(i + k) % n] for k in (1, 7, 31)]
        (root / "protocols" / f"{pid}.md").write_text(protocol(pid, f"Synthetic protocol {pid}", neighbours, schema, baseline))
        (root / "diagrams" / f"{pid}.mmd").write_text(diagram(pid))
    catalogue = "" if baseline else "```{protocol-catalogue}\n```\n\n"
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


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run a process; return its wall and CPU seconds (user + system, children included) and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env={**os.environ, **(env or {})}, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)}\n{proc.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: a peak over the run.
    return {"wall": wall, "cpu": cpu, "rss_mb": after.ru_maxrss / 1024, "rc": proc.returncode}


def median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def sphinx(src: Path, out: Path) -> list[str]:
    return strict_build(src, out, "-q")


def checker(src: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "protokit", "--root", str(src), *extra]


def progress(message: str) -> None:
    _progress("bench", message)


def graph_extraction(src: Path, n: int) -> dict:
    """One Node process parses every diagram and returns its graph (the P407-P413 input)."""
    sources = [(src / "diagrams" / f"{pid}.mmd").read_text(encoding="utf-8") for pid in ids(n)]
    start = time.perf_counter()
    results = mermaid_batch(sources)
    wall = time.perf_counter() - start
    if not all(r.get("graph") and not r.get("error") for r in results):
        raise SystemExit(f"N={n}: mermaid returned no graph for a synthetic diagram")
    return {"wall": wall}


def measure(n: int, runs: int) -> dict:
    env = {"PYTHONPATH": str(REPO_ROOT / "tools")}
    progress(f"N={n}: generating the synthetic handbook and its baseline")
    src, base = generate(n), generate(n, baseline=True)
    out = src.parent / "html"
    cache = src.parent / "mermaid-cache.json"

    progress(f"N={n}: checker, cold, no diagrams (x{runs})")
    check = [timed(checker(src, "--no-cache", "--ignore", "P4"), env) for _ in range(runs)]
    progress(f"N={n}: mermaid validation of {n} diagrams, cold, one process (x{runs})")
    mermaid = []
    for _ in range(runs):
        cache.unlink(missing_ok=True)
        mermaid.append(timed(checker(src, "--no-cache", "--select", "P4"), {**env, "PROTOKIT_MERMAID_CACHE": str(cache)}))
    progress(f"N={n}: flowchart graphs of {n} diagrams from mermaid's parser, one Node process, cold (x{runs})")
    graphs = [graph_extraction(src, n) for _ in range(runs)]
    progress(f"N={n}: re-check after editing one protocol (x{runs})")
    timed(checker(src), env)  # warm the cache
    recheck = []
    page = src / "protocols" / f"{ids(n)[n // 2]}.md"
    for k in range(runs):
        page.write_text(page.read_text() + f"\nEdited {k}.\n")
        recheck.append(timed(checker(src), env))

    progress(f"N={n}: clean strict build with the extension (x{runs})")
    builds = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        builds.append(timed(sphinx(src, out), env))
    progress(f"N={n}: clean strict build, plain Sphinx + MyST + theme, no extension (x{runs})")
    baseline = []
    for _ in range(runs):
        shutil.rmtree(base.parent / "html", ignore_errors=True)
        baseline.append(timed(sphinx(base, base.parent / "html"), env))

    progress(f"N={n}: incremental builds: one body edit, one retitle (x{runs})")
    body, title = [], []
    for k in range(runs):
        page.write_text(page.read_text() + f"\nAnother edit {k}.\n")
        body.append(timed(sphinx(src, out), env))
        text = page.read_text()
        old = f"Synthetic protocol {page.stem}" if k == 0 else f"Retitled {k - 1} {page.stem}"
        page.write_text(text.replace(old, f"Retitled {k} {page.stem}"))
        title.append(timed(sphinx(src, out), env))
    for name, results in (("clean", builds), ("baseline", baseline), ("body edit", body), ("retitle", title)):
        if any(r["rc"] != 0 for r in results):
            raise SystemExit(f"N={n}: the {name} build had warnings; run: make html on {src} to see them")
    page_kb = (out / "protocols" / f"{ids(n)[0]}.html").stat().st_size / 1024
    return {
        "n_protocols": n,
        "check_cpu_s": median(check, "cpu"),
        "check_wall_s": median(check, "wall"),
        "recheck_one_wall_s": median(recheck, "wall"),
        "mermaid_check_wall_s": median(mermaid, "wall"),
        "graph_wall_s": median(graphs, "wall"),
        "build_cpu_s": median(builds, "cpu"),
        "build_wall_s": median(builds, "wall"),
        "baseline_build_cpu_s": median(baseline, "cpu"),
        "incremental_body_wall_s": median(body, "wall"),
        "incremental_title_wall_s": median(title, "wall"),
        "peak_rss_mb": round(max(r["rss_mb"] for r in builds), 1),
        "page_kb": round(page_kb, 1),
    }


COLUMNS = [
    "n_protocols",
    "check_cpu_s",
    "check_wall_s",
    "recheck_one_wall_s",
    "mermaid_check_wall_s",
    "graph_wall_s",
    "build_cpu_s",
    "build_wall_s",
    "baseline_build_cpu_s",
    "incremental_body_wall_s",
    "incremental_title_wall_s",
    "peak_rss_mb",
    "page_kb",
]


def table(results: list[dict]) -> str:
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    return head + "".join("| " + " | ".join(str(r[c]) for c in COLUMNS) + " |\n" for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    results = [measure(n, args.runs) for n in args.sizes]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(table(results))
    if args.sizes == [100, 300, 1000]:  # the full run is the one the handbook shows
        import platform

        note = (
            f"Latest full run: {dt.date.today().isoformat()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"medians of {args.runs} runs (seconds, MB, KB). Reproduce with `make bench`.\n\n"
        )
        RESULTS_PAGE.write_text(note + table(results), encoding="utf-8")
    print(f"written {BENCH_DIR / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
