// "In force on a date": looks a date up in the timeline the build wrote
// (window.PROTOKIT_TIMELINE, from protokit-release-data.js). No server needed.
"use strict";
(function () {
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function lookup(date) {
    var data = window.PROTOKIT_TIMELINE || { events: {}, first: {} };
    var rows = [];
    Object.keys(data.first).sort().forEach(function (pid) {
      var current = null;
      (data.events[pid] || []).forEach(function (e) { if (e.since <= date) current = e; });
      rows.push([pid, current || Object.assign({ state: "no approved version", version: null, since: null }, data.first[pid])]);
    });
    return rows;
  }
  function render(date) {
    var out = document.getElementById("protokit-in-force-result");
    out.textContent = "";
    var rows = lookup(date);
    if (!rows.length) { out.appendChild(el("p", "No release has been made yet.")); return; }
    out.appendChild(el("p", "Protocols on " + date + ":"));
    var table = el("table", null, { "class": "table protocol-table" });
    var head = el("tr");
    ["Protocol", "State", "Version", "Since", "Release"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    rows.forEach(function (row) {
      var e = row[1], tr = el("tr"), link = el("a", row[0] + " — " + e.title, { href: e.url });
      tr.appendChild(el("td")).appendChild(link);
      tr.appendChild(el("td", e.state));
      tr.appendChild(el("td", e.version || "—"));
      tr.appendChild(el("td", e.since || "—"));
      tr.appendChild(el("td", e.release));
      body.appendChild(tr);
    });
    out.appendChild(table);
  }
  function start() {
    var input = document.getElementById("protokit-date");
    if (!input) return;
    // "input" fires as soon as a typed date is complete; "change" when it is picked.
    ["input", "change"].forEach(function (ev) {
      input.addEventListener(ev, function () { if (input.value) render(input.value); });
    });
    var fromUrl = new URLSearchParams(window.location.search).get("date");
    if (fromUrl) { input.value = fromUrl; render(fromUrl); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
