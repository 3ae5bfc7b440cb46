// Validate mermaid diagrams with mermaid's own parser, in one Node process.
// Reads a JSON list of diagram sources on stdin; writes a JSON list of
// {error, line} (error null when the diagram parses) on stdout.
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

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const source of JSON.parse(input)) {
  try {
    await mermaid.parse(source);
    results.push({ error: null, line: null });
  } catch (err) {
    const message = String((err && err.message) || err);
    const hash = err && err.hash && err.hash.loc ? err.hash.loc.first_line : null;
    const m = message.match(/line (\d+)/);
    results.push({ error: message.split("\n").slice(0, 4).join(" "), line: hash || (m ? Number(m[1]) : null) });
  }
}
process.stdout.write(JSON.stringify(results));
