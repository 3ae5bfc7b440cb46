// Sets the page name for the theme from a data attribute, replacing the theme's
// per-page inline script, so one Content-Security-Policy covers every page.
"use strict";
(function () {
  var me = document.currentScript;
  // documentation_options.js declares a top-level const: a global binding, not a window property.
  if (me && typeof DOCUMENTATION_OPTIONS !== "undefined") {
    DOCUMENTATION_OPTIONS.pagename = me.dataset.pagename;
  }
})();
