/* Starts Swagger UI on /api/docs/ (templates/api/swagger.html): no inline script, so the
   page keeps the site's script policy. "Try it out" runs with the browser's session, so
   unsafe methods carry the CSRF token Django expects (X-CSRFToken, from the csrftoken
   cookie the page sets). */
(function () {
  "use strict";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var item = parts[i].trim();
      if (item.indexOf(name + "=") === 0) {
        return decodeURIComponent(item.slice(name.length + 1));
      }
    }
    return null;
  }

  function start() {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
    window.ui = window.SwaggerUIBundle({
      url: root.dataset.schemaUrl,
      domNode: root,
      // Off: with it each operation's path is a link inside the operation's toggle button
      // (a control nested in a control, which keyboards and screen readers trip on).
      deepLinking: false,
      layout: "BaseLayout",
      presets: [window.SwaggerUIBundle.presets.apis],
      validatorUrl: null,               // never send the schema to a third party
      displayRequestDuration: true,
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
      requestInterceptor: function (request) {
        var token = cookie("csrftoken");
        if (token && !SAFE.test(request.method || "GET")) {
          request.headers["X-CSRFToken"] = token;
        }
        return request;
      }
    });
  }

  // The page's one h1 is its own ("Try the REST API"): Swagger UI's API title, an h1 too,
  // becomes a level-2 heading once it is drawn.
  function demoteTitle() {
    var root = document.getElementById("swagger-ui");
    if (!root || !window.MutationObserver) { return; }
    function fix() {
      var found = false;
      root.querySelectorAll("h1").forEach(function (h) {
        h.setAttribute("role", "heading");
        h.setAttribute("aria-level", "2");
        found = true;
      });
      // The API's title and description sit outside Swagger UI's <main>: a named region.
      root.querySelectorAll(".information-container").forEach(function (box) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "About the API");
      });
      return found;
    }
    fix();
    // Swagger UI redraws parts of the page as it goes: keep the fix applied.
    // At most once per 200 ms, however many times it redraws.
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.setTimeout(function () { pending = false; fix(); }, 200);
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
