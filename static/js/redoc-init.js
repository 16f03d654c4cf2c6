/* Starts ReDoc on /api/redoc/ (templates/api/redoc.html): no inline script. ReDoc writes
   its styles into <style> elements; the nonce this script was loaded with is handed to it
   so those elements are allowed by the page's style-src (apps/core/api/docs.py). */
(function () {
  "use strict";
  var nonce = document.currentScript ? document.currentScript.nonce : "";

  function start() {
    var root = document.getElementById("redoc");
    if (!root || !window.Redoc) { return; }
    window.Redoc.init(
      root.dataset.schemaUrl,
      {
        nonce: nonce || undefined,
        hideDownloadButton: false,
        expandResponses: "200",
        pathInMiddlePanel: true,
        theme: { colors: { primary: { main: "#1f4fb5" } } }
      },
      root
    );
  }

  // The page's one h1 is its own ("API reference"): ReDoc's API title, an h1 too, becomes
  // a level-2 heading once it is drawn.
  function demoteTitle() {
    var root = document.getElementById("redoc");
    if (!root || !window.MutationObserver) { return; }
    function fix() {
      var found = false;
      root.querySelectorAll("h1").forEach(function (h) {
        h.setAttribute("role", "heading");
        h.setAttribute("aria-level", "2");
        found = true;
      });
      return found;
    }
    fix();
    // ReDoc draws its sections as they are needed: keep demoting its h1 and making its
    // scrolling code samples reachable by keyboard (tabindex=0 on <pre>).
    // At most once per 200 ms, however many times ReDoc redraws.
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.setTimeout(function () {
        pending = false;
        fix();
        root.querySelectorAll("pre:not([tabindex])").forEach(function (pre) {
          pre.setAttribute("tabindex", "0");
        });
      }, 200);
    }).observe(root, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", demoteTitle);
  } else {
    demoteTitle();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
