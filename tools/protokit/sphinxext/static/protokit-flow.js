// Flowcharts a reader can use. Loaded only on pages with a chart, after panzoom.min.js.
// - Boxes link to the numbered step that explains them, and protocol ids inside a box
//   link to that protocol (the links come from the build: the figure's data-links).
// - "Open full screen" shows the chart in a modal dialog with pan and zoom (Panzoom).
// - Printing splits a chart too large for the page into parts, never below 9 pt.
// No inline handlers and no eval: it runs under the site's Content-Security-Policy.
"use strict";
(function () {
  var SVG_NS = "http://www.w3.org/2000/svg";
  // The part of a page a printed chart may use (CSS px, 96 per inch): 169 mm x 238 mm
  // fits A4 and US Letter with 12-15 mm margins. Never print below 0.75 of the natural
  // size: 16 px labels stay at 12 px, 9 pt.
  var PRINT = { width: 640, height: 900, minScale: 0.75 };

  // The drawn chart: a direct child of the mermaid element (while mermaid draws, its
  // unfinished SVG sits in a temporary element inside) or the bundle's static SVG.
  function chartOf(figure) {
    return figure.querySelector(".protocol-flow-frame .mermaid > svg, .protocol-flow-frame .mermaid-static > svg");
  }
  var done = new WeakSet(); // charts already linked (never marked in the DOM: mermaid copies its SVG)
  var startOf = new WeakMap(); // chart -> the box where its pathway begins
  function nodeId(g) { var m = /-flowchart-(.+)-\d+$/.exec(g.id || ""); return m ? m[1] : null; }
  function linksOf(figure) {
    try { return JSON.parse(figure.getAttribute("data-links") || "{}"); } catch (e) { return {}; }
  }
  function make(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text) el.textContent = text;
    return el;
  }
  function titleOf(svg) {
    var t = svg.querySelector("title");
    return t ? t.textContent.trim() : "Flowchart";
  }

  // Protocol ids in a box's text become links to that protocol's page.
  function linkIds(text, protocols) {
    var svgText = text.parentNode && text.parentNode.namespaceURI === SVG_NS;
    var node = text;
    for (;;) {
      var value = node.nodeValue, at = -1, pid = null;
      Object.keys(protocols).forEach(function (p) {
        var i = value.indexOf(p);
        if (i >= 0 && (at < 0 || i < at)) { at = i; pid = p; }
      });
      if (at < 0) return;
      var hit = node.splitText(at), rest = hit.splitText(pid.length);
      var a = svgText ? document.createElementNS(SVG_NS, "a") : document.createElement("a");
      a.setAttribute("href", protocols[pid]);
      a.setAttribute("class", "protocol-flow-protocol");
      a.textContent = pid;
      hit.parentNode.replaceChild(a, hit);
      node = rest;
    }
  }

  function enhance(figure) {
    var svg = chartOf(figure);
    if (!svg || done.has(svg) || !svg.querySelector("g.node")) return;
    done.add(svg);
    var links = linksOf(figure), start = null;
    svg.querySelectorAll("g.node").forEach(function (g) {
      var info = links[nodeId(g)];
      if (!info) return;
      if (info.start) start = g;
      if (info.protocols) {
        var walker = document.createTreeWalker(g, NodeFilter.SHOW_TEXT), texts = [];
        while (walker.nextNode()) texts.push(walker.currentNode);
        texts.forEach(function (t) { linkIds(t, info.protocols); });
      }
      if (info.step) {
        var a = document.createElementNS(SVG_NS, "a");
        a.setAttribute("href", "#" + info.step);
        a.setAttribute("id", info.anchor);
        a.setAttribute("class", "protocol-flow-node");
        a.setAttribute("aria-label", "Step " + info.number + ": " + g.textContent.replace(/\s+/g, " ").trim());
        g.parentNode.insertBefore(a, g);
        a.appendChild(g);
      }
    });
    if (start) startOf.set(svg, start);
    var open = figure.querySelector(".protocol-flow-open");
    if (open) open.hidden = false;
    // Arrived from a step's "chart" link before the chart was drawn: show that box now;
    // otherwise a chart wider than its frame opens on its start, not on its left edge.
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var frame = figure.querySelector(".protocol-flow-frame");
    if (target && svg.contains(target)) target.scrollIntoView({ block: "center", inline: "center" });
    else if (start && frame && frame.scrollLeft === 0 && frame.scrollWidth > frame.clientWidth) {
      var f = frame.getBoundingClientRect(), r = start.getBoundingClientRect();
      frame.scrollLeft = r.left + r.width / 2 - f.left - f.width / 2;
    }
  }

  function button(label, text) {
    var b = make("button", "protocol-flow-button", text || label);
    b.type = "button";
    if (text) b.setAttribute("aria-label", label);
    return b;
  }

  // The full-screen view: the chart itself moves into a modal dialog and back.
  function openFull(figure) {
    var svg = chartOf(figure);
    if (!svg || typeof Panzoom === "undefined") return;
    var opener = figure.querySelector(".protocol-flow-open");
    // Where the pathway begins, in the chart's own pixels: the view opens on it.
    var first = startOf.get(svg), sr = svg.getBoundingClientRect(), fr = first ? first.getBoundingClientRect() : sr;
    var startX = fr.left - sr.left + fr.width / 2, startY = fr.top - sr.top;
    var home = document.createComment("flowchart");
    svg.parentNode.insertBefore(home, svg);
    var dialog = make("dialog", "protocol-flow-dialog");
    dialog.setAttribute("aria-label", titleOf(svg) + ", full screen");
    var bar = make("div", "protocol-flow-dialog-bar");
    var zoomIn = button("Zoom in", "+"), zoomOut = button("Zoom out", "\u2212");
    var fit = button("Fit to screen"), actual = button("Actual size"), close = button("Close");
    [zoomIn, zoomOut, fit, actual, close].forEach(function (b) { bar.appendChild(b); });
    bar.appendChild(make("p", "protocol-flow-dialog-hint",
      "Drag or use the arrow keys to move; pinch, + and \u2212 to zoom; Esc closes."));
    var stage = make("div", "protocol-flow-stage"), holder = make("div", "protocol-flow-holder");
    holder.appendChild(svg);
    stage.appendChild(holder);
    dialog.appendChild(bar);
    dialog.appendChild(stage);
    document.body.appendChild(dialog);
    dialog.showModal();

    var box = svg.viewBox && svg.viewBox.baseVal;
    var width = (box && box.width) || svg.getBoundingClientRect().width;
    var height = (box && box.height) || svg.getBoundingClientRect().height;
    var pz = Panzoom(holder, { canvas: true, origin: "0 0", minScale: 0.05, maxScale: 6, step: 0.25 });
    // Panzoom's transform is scale(s) translate(x, y) from the top left: x and y are chart pixels.
    function place(scale, x, y) {
      pz.zoom(scale, { animate: false, force: true });
      setTimeout(function () { pz.pan(x, y, { animate: false, force: true }); });
    }
    function actualSize() { place(1, stage.clientWidth / 2 - startX, 16 - startY); }
    function fitAll() {
      var s = Math.min(stage.clientWidth / width, stage.clientHeight / height);
      place(s, (stage.clientWidth / s - width) / 2, (stage.clientHeight / s - height) / 2);
    }
    function zoomBy(factor) {
      var r = stage.getBoundingClientRect();
      pz.zoomToPoint(pz.getScale() * factor, { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }, { animate: false });
    }
    actualSize();
    stage.addEventListener("wheel", pz.zoomWithWheel, { passive: false });
    zoomIn.addEventListener("click", function () { zoomBy(1.25); });
    zoomOut.addEventListener("click", function () { zoomBy(0.8); });
    fit.addEventListener("click", fitAll);
    actual.addEventListener("click", actualSize);
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("keydown", function (e) {
      if (e.target.tagName === "BUTTON" && (e.key === "Enter" || e.key === " ")) return;
      var step = 60 / pz.getScale(), moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[e.key]) pz.pan(moves[e.key][0], moves[e.key][1], { relative: true, animate: false });
      else if (e.key === "+" || e.key === "=") zoomBy(1.25);
      else if (e.key === "-" || e.key === "_") zoomBy(0.8);
      else if (e.key === "0") actualSize();
      else return;
      e.preventDefault();
    });
    // A drag that ends on a box is a pan, not a click on its link.
    var down = null;
    stage.addEventListener("pointerdown", function (e) { down = [e.clientX, e.clientY]; }, true);
    stage.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("a");
      if (!link) return;
      if (down && Math.abs(e.clientX - down[0]) + Math.abs(e.clientY - down[1]) > 6) { e.preventDefault(); return; }
      dialog.close(); // the link leads into the page (its step) or to another page
    }, true);
    dialog.addEventListener("close", function () {
      pz.destroy();
      home.parentNode.replaceChild(svg, home);
      dialog.remove();
      if (opener) opener.focus();
    });
  }

  // Print: a chart wider than the page at 0.75 of its size is cut into parts between
  // boxes; each part is a copy of the chart showing one window of it.
  function spans(svg, axis) {
    var m = svg.getScreenCTM();
    if (!m) return [];
    var inv = m.inverse(), out = [];
    svg.querySelectorAll("g.node, g.edgeLabel").forEach(function (g) {
      var r = g.getBoundingClientRect();
      if (!r.width && !r.height) return;
      var a = new DOMPoint(r.left, r.top).matrixTransform(inv), b = new DOMPoint(r.right, r.bottom).matrixTransform(inv);
      out.push(axis === "x" ? [a.x - 4, b.x + 4] : [a.y - 4, b.y + 4]);
    });
    return out;
  }
  function cuts(start, end, max, occupied) {
    var out = [start], pos = start;
    while (end - pos > max) {
      var cut = pos + max, moved = true;
      while (moved && cut > pos + max / 2) {
        moved = false;
        occupied.forEach(function (s) { if (s[0] < cut && cut < s[1]) { cut = s[0]; moved = true; } });
      }
      if (cut <= pos + max / 2) cut = pos + max;
      out.push(cut);
      pos = cut;
    }
    out.push(end);
    return out;
  }
  function printParts(figure) {
    var svg = chartOf(figure), box = svg && svg.viewBox && svg.viewBox.baseVal;
    var old = figure.querySelector(".protocol-flow-print");
    if (old) old.remove();
    if (!box || !box.width || !svg.getScreenCTM()) return;
    var scale = Math.min(1, PRINT.width / box.width);
    if (scale < PRINT.minScale) scale = PRINT.minScale;
    var xs = cuts(box.x, box.x + box.width, PRINT.width / scale, spans(svg, "x"));
    var ys = cuts(box.y, box.y + box.height, PRINT.height / scale, spans(svg, "y"));
    var source = new XMLSerializer().serializeToString(svg), id = svg.id;
    var parts = make("div", "protocol-flow-print");
    parts.setAttribute("aria-hidden", "true");
    var total = (xs.length - 1) * (ys.length - 1), n = 0;
    for (var r = 0; r + 1 < ys.length; r++) {
      for (var c = 0; c + 1 < xs.length; c++) {
        n += 1;
        var text = id ? source.split(id).join(id + "-print-" + n) : source;
        var copy = document.importNode(new DOMParser().parseFromString(text, "image/svg+xml").documentElement, true);
        copy.querySelectorAll("a.protocol-flow-node").forEach(function (a) { a.removeAttribute("id"); });
        var w = xs[c + 1] - xs[c], h = ys[r + 1] - ys[r];
        copy.setAttribute("viewBox", [xs[c], ys[r], w, h].join(" "));
        copy.setAttribute("width", String(w * scale));
        copy.setAttribute("height", String(h * scale));
        copy.removeAttribute("style");
        var part = make("div", "protocol-flow-part");
        if (total > 1) part.appendChild(make("p", "protocol-flow-part-label", titleOf(svg) + ", part " + n + " of " + total));
        part.appendChild(copy);
        parts.appendChild(part);
      }
    }
    figure.appendChild(parts);
    figure.classList.add("has-print-parts");
  }
  function clearParts() {
    document.querySelectorAll(".protocol-flow-print").forEach(function (p) { p.remove(); });
    document.querySelectorAll(".protocol-flow.has-print-parts").forEach(function (f) { f.classList.remove("has-print-parts"); });
  }

  function start() {
    document.querySelectorAll("figure.protocol-flow").forEach(function (figure) {
      enhance(figure);
      new MutationObserver(function () { enhance(figure); })
        .observe(figure.querySelector(".protocol-flow-frame") || figure,
          { childList: true, subtree: true, attributes: true, attributeFilter: ["data-processed"] });
      var open = figure.querySelector(".protocol-flow-open");
      if (open) open.addEventListener("click", function () { openFull(figure); });
    });
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("figure.protocol-flow").forEach(printParts);
  });
  window.addEventListener("afterprint", clearParts);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
