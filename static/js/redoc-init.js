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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
