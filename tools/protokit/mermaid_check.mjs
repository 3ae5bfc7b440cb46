// Validate mermaid diagrams with mermaid's own parser, in one Node process, and
// return each flowchart's graph as mermaid's parser built it.
// Reads a JSON list of diagram sources on stdin; writes a JSON list of
// {error, line, graph} on stdout: error is null when the diagram parses; graph
// is null unless it is a flowchart, else {nodes, edges} with the line and column
// of each node's definition and each edge's arrow in the source as written.
// mermaid.parse() needs a DOM: jsdom provides it before mermaid is imported.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
const names = ["window", "document", "DOMParser", "Element", "HTMLElement", "SVGElement", "Node",
  "NodeFilter", "XMLSerializer", "DocumentFragment", "MutationObserver", "getComputedStyle", "navigator"];
for (const name of names) {
  if (globalThis[name] === undefined || name === "navigator") {
    const value = name === "window" ? dom.window : dom.window[name];
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

// Mermaid's flowchart parser is a jison parser driving a flowchart database
// (FlowDB): the parser calls db.addVertex and db.addSingleLink as it reduces.
// Observing those calls and the tokens of mermaid's own lexer gives the graph
// and where each part was written, without parsing mermaid ourselves.
const probe = await mermaid.mermaidAPI.getDiagramFromText("flowchart TD\n  A --> B");
const flowDb = Object.getPrototypeOf(probe.db);
const jison = probe.parser.parser;
const lexer = jison.lexer;
let run = null; // what the current parse has shown: processed code, tokens, calls, db

const setInput = lexer.setInput;
lexer.setInput = function (input, yy) {
  if (run) Object.assign(run, { code: input, tokens: [] });
  return setInput.call(this, input, yy);
};
const lex = lexer.lex;
lexer.lex = function () {
  const token = lex.call(this);
  if (run) {
    const name = typeof token === "number" ? jison.terminals_[token] : token;
    run.tokens.push({ name, text: String(this.yytext), line: this.yylloc.first_line, col: this.yylloc.first_column });
  }
  return token;
};
const addVertex = flowDb.addVertex;
flowDb.addVertex = function (id, textObj, type, ...rest) {
  if (run) {
    run.db = this;
    run.vertices.push({ id, defines: Boolean(textObj || type), at: run.tokens.length });
  }
  return addVertex.call(this, id, textObj, type, ...rest);
};
const addSingleLink = flowDb.addSingleLink;
flowDb.addSingleLink = function (start, end, type, id) {
  if (run) {
    run.db = this;
    run.links.push({ start, end, at: run.tokens.length });
  }
  return addSingleLink.call(this, start, end, type, id);
};

// The index of the last token at or before `at` where the tokens spell `id`.
function findId(tokens, id, at) {
  for (let j = Math.min(at, tokens.length) - 1; j >= 0; j--) {
    let text = "";
    for (let m = j; m < tokens.length && text.length < id.length; m++) text += tokens[m].text;
    if (text === id && tokens[j].name !== "SPACE") return j;
  }
  return -1;
}

// The arrow of an edge: the link token before its target, or the "--" that opens a labelled link.
function findArrow(tokens, target) {
  for (let j = target - 1; j >= 0; j--) {
    if (tokens[j].name === "NEWLINE" || tokens[j].name === "SEMI") return -1;
    if (tokens[j].name === "LINK") {
      for (let k = j - 1; k >= 0 && !["NEWLINE", "SEMI", "NODE_STRING", "LINK"].includes(tokens[k].name); k--) {
        if (tokens[k].name === "START_LINK") return k;
      }
      return j;
    }
  }
  return -1;
}

// Mermaid drops comment and blank lines before parsing: map its lines to the file's.
function lineMap(source, code) {
  const raw = source.replace(/\r\n?/g, "\n").split("\n");
  const map = [];
  let next = 0;
  for (const line of code.split("\n")) {
    let found = raw.findIndex((r, j) => j >= next && r.trim() === line.trim());
    if (found < 0) found = Math.min(next, raw.length - 1);
    const shift = (raw[found].length - raw[found].trimStart().length) - (line.length - line.trimStart().length);
    map.push({ line: found + 1, shift });
    next = found + 1;
  }
  return map;
}

function place(token, map) {
  if (!token) return { line: 1, col: 1 };
  const where = map[token.line - 1] || { line: token.line, shift: 0 };
  const lead = token.text.length - token.text.trimStart().length;
  return { line: where.line, col: token.col + lead + where.shift + 1 };
}

function graphOf(source) {
  const db = run.db;
  const map = lineMap(source, run.code || source);
  const tokens = run.tokens;
  const defined = new Map();
  for (const call of run.vertices) {
    const seen = defined.get(call.id);
    if (!seen || (call.defines && !seen.defines)) defined.set(call.id, call);
  }
  const nodes = [...db.getVertices().values()].map((v) => {
    const call = defined.get(v.id);
    const where = place(call ? tokens[findId(tokens, v.id, call.at)] : null, map);
    return { id: v.id, label: String(v.text ?? v.id), shape: v.type || "square", classes: [...(v.classes || [])], ...where };
  });
  const edges = db.getEdges().map((e, n) => {
    const call = run.links[n];
    const target = call ? findId(tokens, e.end, call.at) : -1;
    const where = place(target >= 0 ? tokens[findArrow(tokens, target)] || tokens[target] : null, map);
    return { from: e.start, to: e.end, label: String(e.text ?? ""), invisible: e.stroke === "invisible", ...where };
  });
  const subgraphs = (db.getSubGraphs?.() || []).map((s) => ({ id: s.id, label: String(s.title ?? ""), nodes: [...s.nodes] }));
  return { nodes, edges, subgraphs };
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const source of JSON.parse(input)) {
  run = { code: null, tokens: [], vertices: [], links: [], db: null };
  try {
    const { diagramType } = await mermaid.parse(source);
    const graph = diagramType.startsWith("flowchart") && run.db ? graphOf(source) : null;
    results.push({ error: null, line: null, graph });
  } catch (err) {
    const message = String((err && err.message) || err);
    const first = err && err.hash && err.hash.loc ? err.hash.loc.first_line : null;
    const m = message.match(/line (\d+)/);
    let line = first || (m ? Number(m[1]) : null);
    if (line && run.code) line = (lineMap(source, run.code)[line - 1] || { line }).line;
    results.push({ error: message.split("\n").slice(0, 4).join(" "), line, graph: null });
  }
}
run = null;
process.stdout.write(JSON.stringify(results));
