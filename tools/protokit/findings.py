"""Findings: the one place the line format ``path:line:col: CODE message [name]`` exists."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

#: Where the rule reference lives in the built handbook (linked from JSON output).
RULES_URL = "handbook/rules.html#{anchor}"


@dataclass(frozen=True, order=True)
class Finding:
    """A rule's verdict on one place in one file."""

    path: str
    line: int
    col: int
    code: str
    message: str
    rule: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message} [{self.rule}]"

    @property
    def url(self) -> str:
        """The rule's entry in the handbook's rule reference."""
        return RULES_URL.format(anchor=f"{self.code.lower()}-{self.rule}")

    def as_json(self) -> dict:
        """Fields for ``--format json``. Fields are only ever added, never renamed."""
        return asdict(self) | {"url": self.url}


#: Control characters (C0 except tab, DEL, C1): a file name or a quoted line could
#: carry terminal escapes that rewrite what an author sees.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` instead of acting on the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def format_text(findings: list[Finding]) -> str:
    return "".join(f"{visible(str(f))}\n" for f in findings)


def format_json(findings: list[Finding]) -> str:
    return json.dumps([f.as_json() for f in findings], indent=2, sort_keys=True) + "\n"


def _gh_escape(text: str) -> str:
    """Escape a workflow-command message (GitHub's toolkit: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """Escape a workflow-command property value (the message escapes plus ``:`` and ``,``)."""
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the changed lines."""
    out = []
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        props = f"file={_gh_property(f.path)},line={f.line},col={f.col},title={_gh_property(f'{f.code} {f.rule}')}"
        out.append(visible(f"::{level} {props}::{_gh_escape(f.message)}") + "\n")
    return "".join(out)


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
