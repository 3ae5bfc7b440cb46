"""Command-line checker: ``python -m protokit [paths]``.

Exit codes: 0 clean (warnings allowed), 1 error findings, 2 usage or internal
error. ``--exit-zero`` turns 1 into 0 but never hides a 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import __version__
from .findings import FORMATS
from .releases import GitError
from .rules import all_rules, select_rules
from .schema import SchemaError
from .settings import REPO_ROOT

EPILOG = """\
exit codes: 0 no errors, 1 errors found, 2 usage or internal error.
--format json prints a list of objects with the fields path, line, col, code,
rule, severity, message and url; fields are only ever added, never renamed.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m protokit",
        description="Check handbook protocols: metadata, required sections, cross-references, diagrams, safety.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", help="files or folders to report on (default: the whole handbook)")
    p.add_argument("--root", type=Path, default=REPO_ROOT, help="handbook root (default: this repository)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    p.add_argument(
        "--select", action="append", metavar="PREFIX", help="only rules whose code starts with PREFIX (e.g. P3); repeatable"
    )
    p.add_argument("--ignore", action="append", metavar="PREFIX", help="skip rules whose code starts with PREFIX; repeatable")
    p.add_argument(
        "--release", action="store_true", help="release mode: warnings (overdue review, retired references) become errors"
    )
    p.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="check as of this date (default: SOURCE_DATE_EPOCH or today)",
    )
    p.add_argument(
        "--since", metavar="TAG", help="fail protocols changed since this release without a version bump and history entry"
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the cache of parsed pages (diagram verdicts stay cached: they depend only on the diagram text and the mermaid version)",
    )
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found (never hides exit code 2)")
    p.add_argument("--list-rules", action="store_true", help="print every rule's code, name and summary, then exit")
    p.add_argument("--version", action="version", version=f"protokit {__version__}")
    return p


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip().upper() for item in values for v in item.split(",") if v.strip()]


def list_rules() -> str:
    return "".join(f"{r.code} {r.name:<26} {r.severity:<8} {r.summary}\n" for r in all_rules())


def _only(root: Path, paths: list[str]) -> set[str] | None:
    if not paths:
        return None
    only: set[str] = set()
    for raw in paths:
        path = Path(raw).resolve()
        try:
            rel = path.relative_to(root.resolve())
        except ValueError:
            raise SystemExit(f"error: {raw} is not inside the handbook root {root}") from None
        if path.is_dir():
            only |= {p.relative_to(root.resolve()).as_posix() for p in path.rglob("*") if p.suffix in (".md", ".mmd")}
        elif not path.exists():
            raise SystemExit(f"error: {raw}: no such file")
        else:
            only.add(rel.as_posix())
    return only


def main(argv: list[str] | None = None) -> int:
    from .check import check_tree

    args = build_parser().parse_args(argv)
    if args.list_rules:
        sys.stdout.write(list_rules())
        return 0
    select, ignore = _split(args.select), _split(args.ignore)
    known = {r.code for r in all_rules()}
    for prefix in (select or []) + (ignore or []):
        if not any(code.startswith(prefix) for code in known):
            print(f"error: no rule code starts with {prefix!r} (see --list-rules)", file=sys.stderr)
            return 2
    try:
        only = _only(args.root, args.paths)
        findings = check_tree(
            args.root,
            select_rules(select, ignore),
            only=only,
            release=args.release,
            on=args.today,
            use_cache=not args.no_cache,
            since=args.since,
        )
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GitError as exc:
        print(f"error: --since {args.since}: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(FORMATS[args.format](findings))
    errors = sum(f.severity == "error" for f in findings)
    if args.format == "text":
        warnings = len(findings) - errors
        summary = f"{errors} error(s), {warnings} warning(s)" if findings else "no problems found"
        print(summary, file=sys.stderr)
    return 1 if errors and not args.exit_zero else 0


def entry() -> None:
    """Console entry point: never a traceback, always an exit code."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for authors
        print(f"internal error: {type(exc).__name__}: {exc}\nplease report this to the handbook maintainers", file=sys.stderr)
        code = 2
    sys.exit(code)
