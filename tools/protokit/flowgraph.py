"""A flowchart as mermaid's parser sees it, and the questions the P4xx rules ask of it.

The graph comes from mermaid itself (``mermaid_check.mjs`` records what mermaid's
flowchart parser builds, with the line and column of each node and arrow); this
module never parses mermaid text. Invisible links (``~~~``) only steer the layout:
a reader does not see them, so they are not part of the pathway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The shape that marks an end of the pathway (a hand-over): mermaid's "stadium",
#: written ``Z([Follow-up: BST-FU-01])``, the terminator of classic flowcharts.
END_SHAPE = "stadium"
#: The shape of a decision: the rhombus, written ``B{Question?}``.
DECISION_SHAPE = "diamond"


@dataclass(frozen=True)
class FlowNode:
    """A box of the chart: its id, text, mermaid shape and where it is defined."""

    id: str
    label: str
    shape: str
    line: int
    col: int

    @property
    def is_decision(self) -> bool:
        return self.shape == DECISION_SHAPE

    @property
    def is_end(self) -> bool:
        return self.shape == END_SHAPE

    def quoted(self, limit: int = 50) -> str:
        """``B ("Fit for surgery?")`` for messages."""
        text = " ".join(self.label.split())
        text = text if len(text) <= limit else text[: limit - 1] + "…"
        return f'{self.id} ("{text}")' if text and text != self.id else self.id


@dataclass(frozen=True)
class FlowEdge:
    """An arrow: from, to, its label (empty when unlabelled) and where it is drawn."""

    src: str
    dst: str
    label: str
    line: int
    col: int


@dataclass(frozen=True)
class FlowGraph:
    """Nodes in the order mermaid met them, and the visible edges in source order."""

    nodes: tuple[FlowNode, ...]
    edges: tuple[FlowEdge, ...]

    @classmethod
    def from_json(cls, data: dict) -> FlowGraph:
        nodes = {n["id"]: FlowNode(n["id"], n.get("label", ""), n.get("shape", ""), n["line"], n["col"]) for n in data["nodes"]}
        edges = []
        for e in data["edges"]:
            if e.get("invisible"):
                continue
            for end in (e["from"], e["to"]):  # an edge to a subgraph: the subgraph is a node here
                nodes.setdefault(end, FlowNode(end, end, "subgraph", e["line"], e["col"]))
            edges.append(FlowEdge(e["from"], e["to"], e.get("label", "").strip(), e["line"], e["col"]))
        return cls(tuple(nodes.values()), tuple(edges))

    def node(self, node_id: str) -> FlowNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def exits(self, node_id: str) -> list[FlowEdge]:
        return [e for e in self.edges if e.src == node_id]

    def starts(self) -> list[FlowNode]:
        """Where the pathway begins: the boxes no arrow leads to, in source order.

        A pathway that loops back to its entry (re-biopsy, back to the MDT) has no such
        box: then it begins at the first box written.
        """
        entered = {e.dst for e in self.edges}
        return [n for n in self.nodes if n.id not in entered] or list(self.nodes[:1])

    def reachable(self, roots: list[str]) -> set[str]:
        seen, todo = set(roots), list(roots)
        while todo:
            here = todo.pop()
            for e in self.exits(here):
                if e.dst not in seen:
                    seen.add(e.dst)
                    todo.append(e.dst)
        return seen


def node_ids(target: str) -> list[str]:
    """The node ids a ``{node}`` role names: ``B`` or ``D, E, F`` (a step may explain several boxes)."""
    return [t for t in re.split(r"[,\s]+", target.strip()) if t]


def protocol_id_finder(id_pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern that finds protocol ids, and near misses of them, inside a label.

    From the schema's ``id_pattern`` (``^BST-(SURG|...)-[0-9]{2}$``): its fixed prefix
    with any domain and number (``BST-SRG-1``), so a mistyped id is found and reported
    rather than left as plain text.
    """
    prefix = re.match(r"\^?([A-Za-z]+)-", id_pattern.pattern)
    if prefix:
        return re.compile(rf"\b{re.escape(prefix.group(1))}-[A-Z]+-[0-9]+\b")
    return re.compile(id_pattern.pattern.strip("^$"))


def protocol_ids(label: str, finder: re.Pattern[str]) -> list[str]:
    """The protocol ids (and id-like words) a label names, in order, once each."""
    return list(dict.fromkeys(m.group(0) for m in finder.finditer(label)))
