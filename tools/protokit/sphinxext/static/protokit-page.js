// Sets the page name for the theme from a data attribute, replacing the theme's
// per-page inline script, so one Content-Security-Policy covers every page.
"use strict";
(function () {
  var me = document.currentScript;
  if (me && window.DOCUMENTATION_OPTIONS) {
    window.DOCUMENTATION_OPTIONS.pagename = me.dataset.pagename;
  }
})();
