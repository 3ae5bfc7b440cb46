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
