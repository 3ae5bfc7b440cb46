// Handbook behaviour: the print date on the print stamp, and nothing folded on paper.
"use strict";
(function () {
  function stampDate() {
    var today = new Date().toISOString().slice(0, 10);
    document.querySelectorAll(".protocol-print-date").forEach(function (el) { el.textContent = today; });
  }
  function unfold() {
    document.querySelectorAll("details").forEach(function (el) { el.open = true; });
  }
  window.addEventListener("beforeprint", function () { stampDate(); unfold(); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", stampDate);
  } else {
    stampDate();
  }
})();

// Archived releases: say so, and link to the current release (versions.json is
// written by `make versions` next to the releases; absent in development builds).
// Runs after parsing: the theme sets the switcher URL in a script after ours.
document.addEventListener("DOMContentLoaded", function () {
  // A top-level const of documentation_options.js, not a window property.
  var options = typeof DOCUMENTATION_OPTIONS !== "undefined" ? DOCUMENTATION_OPTIONS : {};
  var jsonUrl = options.theme_switcher_json_url;
  if (!jsonUrl || window.location.protocol === "file:") return;
  var root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  fetch(new URL(jsonUrl, root)).then(function (r) { return r.json(); }).then(function (versions) {
    var latest = versions.filter(function (v) { return v.preferred; })[0];
    var here = options.VERSION;
    if (!latest || !here || latest.version === here) return;
    var banner = document.createElement("div");
    banner.className = "protocol-banner protocol-banner-archive admonition warning";
    banner.setAttribute("role", "note");
    var text = document.createElement("p");
    text.appendChild(document.createTextNode("You are reading release " + here + "; the current release is "));
    var link = document.createElement("a");
    link.href = latest.url;
    link.textContent = latest.version;
    text.appendChild(link);
    text.appendChild(document.createTextNode("."));
    banner.appendChild(text);
    var article = document.querySelector("article.bd-article") || document.body;
    article.insertBefore(banner, article.firstChild);
  }).catch(function () { /* no archive around this build: nothing to say */ });
});
