"""P407–P413: the structure of a flowchart, on the graph mermaid's own parser builds.

A reader follows a pathway from one start, answers each decision, and ends
where the pathway hands over (another protocol, follow-up, discharge). These
rules check exactly that, and that every box is explained by one numbered step
of "The decisions in words" (the ``{node}`` convention in the authoring guide).
Findings about the chart point into the ``.mmd`` file; findings about the words
point into the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..flowgraph import FlowGraph, FlowNode, node_ids, protocol_id_finder, protocol_ids
from ..settings import FLOWCHART_SECTION, NODE_ROLE
from ..suggest import did_you_mean
from . import rule
from .diagrams import diagram_path


@dataclass(frozen=True)
class Chart:
    """A flowchart of a page: where findings about it go, and its graph."""

    path: str  # the .mmd file, or the page for an inline diagram
    offset: int  # added to the graph's line numbers (inline diagrams)
    graph: FlowGraph
    pathway: bool  # the chart of the "Pathway flowchart" section, explained by the steps

    def at(self, line: int, col: int, message: str) -> tuple[str, int, int, str]:
        return self.path, line + self.offset, col, message


def charts(doc, ctx) -> Iterator[Chart]:
    """The page's flowcharts that mermaid parsed, each with its graph (built once per check, for all the rules)."""
    key = ("charts", doc.path)
    if key not in ctx.memo:
        ctx.memo[key] = list(_charts(doc, ctx))
    return iter(ctx.memo[key])


def _charts(doc, ctx) -> Iterator[Chart]:
    pathway_seen = False
    for d in doc.diagrams:
        path = diagram_path(doc, d)
        source = ctx.diagram_text(path) if path else d.source
        verdict = ctx.mermaid_verdict(source) if source is not None else None
        if not verdict or verdict.error or not verdict.graph:
            continue
        pathway = d.section == FLOWCHART_SECTION and not pathway_seen
        pathway_seen = pathway_seen or pathway
        offset = 0 if path else d.body_line - 1
        yield Chart(path or doc.path, offset, FlowGraph.from_json(verdict.graph), pathway)


def pathway_chart(doc, ctx) -> Chart | None:
    return next((c for c in charts(doc, ctx) if c.pathway), None)


def _ids(nodes: list[FlowNode]) -> str:
    names = [n.id for n in nodes]
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


@rule("P407", "decision-exits", scope="protocol")
def decision_exits(doc, ctx):
    """A decision (rhombus) has fewer than two exits, or an exit without its answer.

    Bad::

        B{Fit for surgery?} --> C[Surgery]

    Good::

        B{Fit for surgery?} -- Yes --> C[Surgery]
        B -- "No: unfit" --> D([Radiotherapy: BST-RT-01])
    """
    for chart in charts(doc, ctx):
        for node in chart.graph.nodes:
            if not node.is_decision:
                continue
            exits = chart.graph.exits(node.id)
            if len(exits) < 2:
                yield chart.at(
                    node.line,
                    node.col,
                    f"decision {node.quoted()} has {len(exits)} exit(s); a decision needs two or more, "
                    f"each labelled with its answer ({node.id} -- Yes --> ..., {node.id} -- No --> ...)",
                )
            for edge in exits:
                if not edge.label:
                    yield chart.at(
                        edge.line,
                        edge.col,
                        f"the arrow from decision {node.quoted()} to {edge.dst} has no label; write the answer "
                        f'that leads there: {node.id} -- "Yes" --> {edge.dst}',
                    )


@rule("P408", "unreachable-node", scope="protocol")
def unreachable_node(doc, ctx):
    """A box of the chart cannot be reached from its start.

    Bad: ``E[Re-stage]`` whose only arrow leads out of it, in a chart that starts at ``A``.

    Good: an arrow into it from the step before (``D -- "Progression" --> E``), or remove it.
    """
    for chart in charts(doc, ctx):
        starts = chart.graph.starts()
        reached = chart.graph.reachable([s.id for s in starts])
        for node in chart.graph.nodes:
            if node.id not in reached:
                yield chart.at(
                    node.line,
                    node.col,
                    f"{node.quoted()} cannot be reached from the start {starts[0].quoted()}; "
                    "draw the arrow that leads to it, or remove it",
                )


@rule("P409", "start-node", scope="protocol")
def start_node(doc, ctx):
    """A chart has more than one start: a box no arrow leads to, other than the first.

    Bad::

        A[Referral] --> B{MDT}
        X[Imaging] --> B

    Good: one entry box, the rest reached from it: ``A[Referral] --> X[Imaging] --> B{MDT}``.
    """
    for chart in charts(doc, ctx):
        if not chart.graph.nodes:
            continue
        starts = chart.graph.starts()
        if not starts:
            first = chart.graph.nodes[0]
            yield chart.at(
                first.line,
                first.col,
                "the chart has no start: an arrow leads into every box; the pathway must begin at one box that no arrow leads to",
            )
        for extra in starts[1:]:
            yield chart.at(
                extra.line,
                extra.col,
                f"{extra.quoted()} is a second start (no arrow leads to it; the start is {starts[0].quoted()}); "
                "connect it to the box before it, or remove it",
            )


@rule("P410", "dead-end", scope="protocol")
def dead_end(doc, ctx):
    """A box has no exit and is not marked as an end of the pathway.

    An end is where the pathway hands over: to another protocol, to follow-up, to
    discharge. Draw it as a stadium ``([...])`` and say where the patient goes.

    Bad: ``D[Discuss amputation]`` with nothing after it.

    Good: ``D([Amputation: BST-REH-02])``, or an arrow to what happens next.
    """
    for chart in charts(doc, ctx):
        for node in chart.graph.nodes:
            if node.is_end or node.shape == "subgraph" or chart.graph.exits(node.id):
                continue
            yield chart.at(
                node.line,
                node.col,
                f"{node.quoted()} is a dead end: nothing follows it; draw what happens next, or mark it as an "
                f"end of the pathway as a stadium, {node.id}([...]), naming where the patient goes "
                "(a protocol id, follow-up or discharge)",
            )


def _named(doc) -> dict[str, int]:
    """Node id -> the number of the first step that names it."""
    named: dict[str, int] = {}
    for step in doc.steps:
        for ref in step.nodes:
            for node_id in node_ids(ref.target):
                named.setdefault(node_id, step.number)
    return named


@rule("P411", "step-without-node", scope="protocol")
def step_without_node(doc, ctx):
    """A step of "The decisions in words" names no node of the chart (or one it does not have).

    Each numbered step under the pathway flowchart begins with ``{node}`ID```, the id of
    the box it explains (``{node}`D, E, F``` for a step that explains several); the box
    then links to the step and the step back to the box.

    Bad: ``3. If yes: call the MSCC coordinator.``

    Good: ``3. {node}`C` If yes: call the MSCC coordinator.``
    """
    chart = pathway_chart(doc, ctx)
    if chart is None:
        return
    if not doc.steps:
        yield (
            doc.steps_line or 1,
            1,
            (
                f'the "{FLOWCHART_SECTION}" section has no numbered list of the decisions in words; add one step '
                f"per box of the chart, each beginning with {{{NODE_ROLE}}}`ID` (boxes: {_ids(list(chart.graph.nodes))})"
            ),
        )
        return
    named = _named(doc)
    unexplained = [n for n in chart.graph.nodes if n.id not in named and n.shape != "subgraph"]
    ids = [n.id for n in chart.graph.nodes]
    for step in doc.steps:
        if not step.nodes:
            hint = f" (boxes without a step: {_ids(unexplained)})" if unexplained else ""
            yield (
                step.line,
                step.col,
                (
                    f"step {step.number} names no box of the chart; begin it with {{{NODE_ROLE}}}`ID`, "
                    f"the id of the box it explains{hint}"
                ),
            )
        for ref in step.nodes:
            for target in node_ids(ref.target) or [""]:
                if target not in ids:
                    hint = did_you_mean(target, ids) or f"; its boxes are {_ids(list(chart.graph.nodes))}"
                    yield (
                        ref.line,
                        ref.col,
                        f'step {step.number} names node "{target}", which is not in the chart {chart.path}{hint}',
                    )


@rule("P412", "node-without-step", scope="protocol")
def node_without_step(doc, ctx):
    """A box of the pathway chart is explained by no step of "The decisions in words".

    Bad: ``C[Call MSCC coordinator]`` in the chart, and no step names ``C``.

    Good: ``3. {node}`C` If yes: call the MSCC coordinator now.`` in the page.
    """
    chart = pathway_chart(doc, ctx)
    if chart is None or not doc.steps:
        return  # no list at all is one finding (P411), not one per box
    named = _named(doc)
    for node in chart.graph.nodes:
        if node.id not in named and node.shape != "subgraph":
            yield chart.at(
                node.line,
                node.col,
                f'{node.quoted()} has no step in "The decisions in words" of {doc.path}; '
                f"begin the step that explains it with {{{NODE_ROLE}}}`{node.id}`",
            )


@rule("P413", "unknown-protocol-in-chart", scope="protocol")
def unknown_protocol_in_chart(doc, ctx):
    """A box of a chart names a protocol id that does not exist.

    Bad: ``F([Wide resection: BST-SRG-01])``.

    Good: ``F([Wide resection: BST-SURG-01])``: the box then links to that protocol.
    """
    finder = protocol_id_finder(ctx.schema.id_pattern)
    for chart in charts(doc, ctx):
        for node in chart.graph.nodes:
            for pid in protocol_ids(node.label, finder):
                if pid not in ctx.index.protocols:
                    yield chart.at(
                        node.line,
                        node.col,
                        f'{node.quoted()} names unknown protocol id "{pid}"'
                        f"{did_you_mean(pid, ctx.index.protocols) or '; check the catalogue for the id'}",
                    )
