"""Flowcharts a reader can use: a scrolling frame at natural size, node <-> step links.

* Every mermaid diagram is wrapped in a frame (``flowchart_frame``): the chart is
  drawn at its natural size and the frame scrolls (keyboard-focusable), with a
  button that opens a full-screen view with zoom (``protokit-flow.js`` and the
  pinned ``@panzoom/panzoom``, both served by the site itself).
* ``{node}`B``` in a step of "The decisions in words" names the box it explains:
  the step's list item gets the anchor the box links to, and the role becomes a
  link back to the box. A box naming a protocol id links to that protocol's page.
* The links are written into the page as data (``data-links``, JSON) at write
  time, from the graph mermaid's parser returned to the checker; the script only
  follows them. No inline handler, no ``javascript:`` URL: it works under the
  site's Content-Security-Policy and mermaid's ``securityLevel: "strict"``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util.docutils import SphinxRole

from ..flowgraph import FlowGraph, node_ids, protocol_id_finder, protocol_ids
from ..index import resolve_path
from ..model import Document
from ..settings import DOMAIN, FLOWCHART_SECTION
from .csp import page_script

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

FLOW_SCRIPT = "protokit-flow.js"
PANZOOM_SCRIPT = "panzoom/panzoom.min.js"
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


class flowchart_frame(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """A mermaid diagram in its scrolling frame, with the full-screen button."""


def anchor_prefix(doc: Document | None, docname: str) -> str:
    """What the page's chart anchors start with: the protocol id (unique in the single-page build)."""
    base = doc.pid if doc is not None and doc.is_protocol and doc.pid else docname.replace("/", "-")
    return _SAFE_ID.sub("-", base)


def step_anchor(prefix: str, node_id: str) -> str:
    return f"{prefix}-step-{_SAFE_ID.sub('-', node_id)}"


def node_anchor(prefix: str, node_id: str) -> str:
    return f"{prefix}-node-{_SAFE_ID.sub('-', node_id)}"


def diagram_key(doc: Document, diagram) -> str:
    """The key of a diagram's graph: its file, or the hash of its inline source."""
    if diagram.file:
        return resolve_path(doc.path, diagram.file)
    return "inline:" + hashlib.sha256((diagram.source or "").encode()).hexdigest()


class NodeRole(SphinxRole):
    """``{node}`B``` (or ``{node}`D, E```): this step explains these boxes; a link back to the first."""

    def run(self):
        node_id = (node_ids(self.text) or [""])[0]
        ref = nodes.reference(
            "",
            "",
            nodes.inline("↑ chart", "↑ chart"),
            refuri="#" + node_anchor("flow", node_id),  # the page's prefix is set at doctree-read
            reftitle=f"Show box {node_id} in the flowchart",
            classes=["protocol-flow-ref"],
        )
        ref["protokit_node"] = node_id
        ref["protokit_nodes"] = node_ids(self.text)
        return [ref], []


def wrap_diagrams(doctree: nodes.document, doc: Document, docname: str) -> None:
    """Frame every diagram; give each step's list item the anchor its box links to."""
    from sphinxcontrib.mermaid import mermaid

    prefix = anchor_prefix(doc, docname)
    found = list(doctree.findall(mermaid))
    pathway_seen = False
    for n, node in enumerate(found):
        diagram = doc.diagrams[n] if len(found) == len(doc.diagrams) else None
        pathway = bool(diagram and diagram.section == FLOWCHART_SECTION and not pathway_seen)
        pathway_seen = pathway_seen or pathway
        title = f"Flowchart {n + 1}" if len(found) > 1 else "Flowchart"
        frame = flowchart_frame(
            prefix=prefix, key=diagram_key(doc, diagram) if diagram else "", pathway=pathway, title=title, links="{}"
        )
        if pathway:
            frame["ids"] = [f"{prefix}-chart"]
        node.replace_self(frame)
        frame += node
    used: set[str] = set()  # a box named by two steps links to the first
    for ref in doctree.findall(nodes.reference):
        node_id = ref.get("protokit_node")
        item = ref.parent if node_id is not None else None
        while item is not None and not isinstance(item, nodes.list_item):
            item = item.parent
        if item is None:
            continue
        ref["refuri"] = "#" + node_anchor(prefix, node_id)
        for named in ref.get("protokit_nodes", [node_id]):
            anchor = step_anchor(prefix, named)
            if anchor not in used:
                used.add(anchor)
                item["ids"].append(anchor)


def link_map(app, docname: str, doc: Document | None, frame: flowchart_frame) -> dict:
    """For each box: the step that explains it and the protocols it names (id -> URL)."""
    domain = app.env.domains[DOMAIN]
    graph_data = domain.graphs.get(frame["key"])  # from the build's consistency check
    if not graph_data or doc is None or domain.id_pattern is None:
        return {}
    graph = FlowGraph.from_json(graph_data)
    protocols = domain.protocols()
    finder = protocol_id_finder(domain.id_pattern)
    steps: dict[str, int] = {}
    if frame["pathway"]:
        for step in doc.steps:
            for ref in step.nodes:
                for node_id in node_ids(ref.target):
                    steps.setdefault(node_id, step.number)
    links: dict[str, dict] = {}
    starts = graph.starts()
    for node in graph.nodes:
        entry: dict = {"start": True} if starts and node.id == starts[0].id else {}
        if node.id in steps:  # the list item of its first step carries this anchor
            entry["step"] = step_anchor(frame["prefix"], node.id)
            entry["number"] = steps[node.id]
            entry["anchor"] = node_anchor(frame["prefix"], node.id)
        named = {
            pid: app.builder.get_relative_uri(docname, protocols[pid][0])
            for pid in protocol_ids(node.label, finder)
            if pid in protocols and protocols[pid][0] != docname
        }
        if named:
            entry["protocols"] = named
        if entry:
            links[node.id] = entry
    return links


def resolve_frames(app, doctree: nodes.document, docname: str) -> None:
    """Write each frame's links at write time (every protocol's page is known then)."""
    frames = list(doctree.findall(flowchart_frame))
    if not frames:
        return
    doc = app.env.domains[DOMAIN].docs.get(docname)
    for frame in frames:
        frame["links"] = json.dumps(link_map(app, docname, doc, frame), sort_keys=True, separators=(",", ":"))


def visit_frame_html(self, node: flowchart_frame) -> None:
    ids = f' id="{html.escape(node["ids"][0])}"' if node.get("ids") else ""
    title = html.escape(node["title"])
    self.body.append(
        f'<figure class="protocol-flow"{ids} data-prefix="{html.escape(node["prefix"])}" '
        f'data-links="{html.escape(node["links"])}">\n'
        '<div class="protocol-flow-bar">'
        f'<button type="button" class="protocol-flow-open" hidden aria-haspopup="dialog">Open {title.lower()} full screen</button>'
        '<span class="protocol-flow-hint">Shown at full size: scroll inside the frame to see all of it; '
        "select a box to read its step.</span></div>\n"
        f'<div class="protocol-flow-frame" tabindex="0" role="region" aria-label="{title}: scrolls sideways and down">\n'
    )


def depart_frame_html(self, node: flowchart_frame) -> None:
    self.body.append("</div>\n</figure>\n")


def _skip(self, node) -> None:
    pass


def copy_panzoom(outdir: Path, dist: Path) -> bool:
    """Copy the pinned pan/zoom library into ``_static`` (before pages link it, for its checksum)."""
    source = dist / "panzoom.min.js"
    if not source.is_file():
        return False
    target = outdir / "_static" / PANZOOM_SCRIPT
    if not target.is_file() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    return True


def add_scripts(app, pagename, templatename, context, doctree) -> None:
    """The page's chart scripts, only on pages with a chart."""
    if doctree is not None and next(iter(doctree.findall(flowchart_frame)), None) is not None:
        page_script(app, PANZOOM_SCRIPT)
        page_script(app, FLOW_SCRIPT)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_node(
        flowchart_frame,
        html=(visit_frame_html, depart_frame_html),
        latex=(_skip, _skip),
        text=(_skip, _skip),
        man=(_skip, _skip),
        texinfo=(_skip, _skip),
    )
    app.add_role("node", NodeRole())
    app.connect("doctree-resolved", resolve_frames)
    app.connect("html-page-context", add_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
